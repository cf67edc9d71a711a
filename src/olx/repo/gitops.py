"""The git layer (GitPython): refuse unsafe states, commit on a branch, roll back.

A write commits only the files olx wrote, on ``olx/<command>-<args>`` (or ``--branch``),
through the real ``git commit`` so that the repository's hooks run as they would for a
person. If anything fails after the branch is created, the files, the index, the branch
and the checkout are put back as they were.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from olx import __version__
from olx.edit.change import Change, FileEdit
from olx.edit.fileio import restore, write_edits
from olx.errors import InputError
from olx.repo import journal

IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "BISECT_LOG": "a bisect",
}


@dataclass
class Committed:
    branch: str
    commit: str


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InputError(
            f"{root} is not a git repository",
            "olx commits its changes; use --no-commit or --dry-run outside git",
        ) from None


def message_for(change: Change, first_line: str | None, command_line: str) -> str:
    """``config: <summary>``, a body listing each change, the olx version and command.

    ``command_line`` is already the re-runnable one (no ``--repo``, no machine paths:
    :func:`olx.cli.cmdline.recorded`), so that a reviewer can repeat it in a checkout.
    """
    subject = first_line or f"config: {change.summary}"
    # An indented detail belongs to the line above it (promote's component changes).
    body = [f"  {d}" if d.startswith("  ") else f"- {d}" for d in change.details]
    body += [f"- warning: {w}" for w in change.warnings]
    body += ["", f"Made by olx {__version__}:", f"    {command_line}"]
    return subject + "\n\n" + "\n".join(body) + "\n"


def has_identity(repo: git.Repo) -> bool:
    """user.name and user.email from git config, or git's own identity variables."""
    with repo.config_reader() as cfg:
        name = cfg.has_option("user", "name")
        email = cfg.has_option("user", "email")
    env = os.environ
    name = name or bool(env.get("GIT_AUTHOR_NAME") and env.get("GIT_COMMITTER_NAME"))
    email = email or bool(
        env.get("EMAIL")
        or (env.get("GIT_AUTHOR_EMAIL") and env.get("GIT_COMMITTER_EMAIL"))
    )
    return name and email


def preflight(repo: git.Repo, rels: list[str], branch: str) -> tuple[str, bool]:
    """Refuse the states SPEC.md forbids; returns (original branch, create branch?).

    ``rels`` are the two files' paths relative to the work tree.
    """
    git_dir = Path(repo.git_dir)
    for name, what in IN_PROGRESS.items():
        if (git_dir / name).exists():
            raise InputError(
                f"the repository is in the middle of {what}",
                "finish or abort it, then run olx again",
            )
    if repo.head.is_detached:
        raise InputError("HEAD is detached", "check out a branch, then run olx again")
    if not repo.head.is_valid():
        raise InputError("the repository has no commits yet", "commit the matrix first")
    dirty = repo.git.status("--porcelain", "--", *rels)
    if dirty.strip():
        raise InputError(
            f"uncommitted changes in {', '.join(sorted({line[3:] for line in dirty.splitlines()}))}",
            "commit or stash them first (olx writes only clean files)",
        )
    staged = repo.git.diff("--cached", "--name-only")
    if staged.strip():
        raise InputError(
            f"other changes are already staged: {', '.join(staged.split())}",
            "commit or unstage them first (olx commits only what it wrote)",
        )
    if not has_identity(repo):
        raise InputError(
            "git has no identity to commit with",
            'set it: git config user.name "Your Name"; '
            "git config user.email you@example.org",
        )
    current = repo.active_branch.name
    if branch == current:
        return current, False
    if branch in [h.name for h in repo.heads]:
        raise InputError(
            f"branch {branch!r} already exists and is not checked out",
            "check it out to stack on it, or choose another --branch",
        )
    try:
        repo.git.check_ref_format("--branch", branch)
    except git.GitCommandError:
        raise InputError(f"invalid branch name {branch!r}") from None
    return current, True


def commit_change(
    repo: git.Repo,
    change: Change,
    branch: str,
    message: str,
    original: str,
    create: bool,
    untouched: Sequence[FileEdit] = (),
) -> Committed:
    """Branch, write, stage the written files, ``git commit``; undo everything on failure.

    Any failure, an interrupt (Ctrl-C, SIGTERM) included, puts the files, the index, the
    branch and the checkout back before the error goes on. ``untouched`` are the target
    files the change leaves as they are (old == new): a hook (a formatter) may have
    rewritten or staged them too, and :func:`preflight` found them clean, so they are
    put back as well.
    """
    rels = [e.shown for e in change.edits]  # paths relative to the work tree
    guarded = [*change.edits, *untouched]
    start = repo.head.commit.hexsha
    root = Path(repo.working_tree_dir or ".")
    plan = journal.Journal.of(
        "commit",
        change.edits,
        original=original,
        branch=branch,
        create=create,
        start=start,
    )
    # The journal lets the next olx finish or undo this write if the process is
    # killed (SIGKILL cannot be caught) anywhere below.
    with journal.recorded(root, plan) as kept:
        try:
            if create:
                repo.git.checkout("-b", branch)
            write_edits(change.edits)
            repo.git.add("--", *rels)
            # Ctrl-C/SIGTERM wait until git commit has finished, so that the commit
            # is either made (and then undone below) or not: never half-run.
            with signals_deferred():
                repo.git.commit("-m", message)
            return Committed(branch, repo.head.commit.hexsha)
        except BaseException as exc:
            with signals_deferred():
                _rollback(repo, guarded, original, branch, create, start)
            # A rollback step that failed (a full disk, say) leaves the journal, so
            # that the next olx command finishes the undo.
            kept.keep = not _undone(guarded)
            _raise_for(exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _undone(edits: Sequence[FileEdit]) -> bool:
    """Whether every file is back as it was before the write."""
    for edit in edits:
        try:
            if edit.path.read_bytes() != edit.old.encode("utf-8"):
                return False
        except OSError:
            return False
    return True


def _raise_for(exc: BaseException) -> None:
    """Re-raise a failure of the write, a refused commit as an input error."""
    if isinstance(exc, git.GitCommandError):
        raise InputError(
            "git commit failed (a hook or git refused it); nothing was changed",
            "fix what it reports, then run olx again",
            details=_command_output(exc),
        ) from None
    raise exc


@contextlib.contextmanager
def failures_as_input_errors() -> Iterator[None]:
    """A git command that fails, or cannot be started, in the checks before a commit or
    in the commit (which :func:`commit_change` has rolled back by then): git's state or
    the machine's, not a bug of olx's, and nothing was changed: exit 2."""
    try:
        yield
    except git.GitCommandError as exc:
        command = exc.command if isinstance(exc.command, list) else [str(exc.command)]
        name = " ".join(str(w) for w in command[1:2]) or "a git command"
        raise InputError(
            f"git {name} failed; nothing was changed",
            "fix what it reports, then run olx again",
            details=_command_output(exc),
        ) from None
    except OSError as exc:
        raise InputError(
            f"git could not run: {exc.strerror or exc}; nothing was changed"
        ) from None


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done (POSIX main thread)."""
    deferred = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, deferred)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _command_output(exc: git.GitCommandError) -> str:
    """What the hook or git printed, without GitPython's decoration."""
    parts = []
    for stream in (exc.stdout, exc.stderr):
        text = (stream or "").strip()
        for prefix in ("stdout: ", "stderr: "):
            text = text.removeprefix(prefix)
        parts.append(text.strip().strip("'").strip())
    return "\n".join(p for p in parts if p)


def _rollback(
    repo: git.Repo,
    edits: list[FileEdit],
    original: str,
    branch: str,
    create: bool,
    start: str,
) -> None:
    """Put HEAD, the index, the files and the checkout back as they were.

    Every step is tried even when an earlier one fails, so that one problem (a full
    disk, say) does not leave the repository on olx's branch.
    """
    cwd = repo.working_tree_dir

    def git_quietly(*args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)

    with contextlib.suppress(Exception):
        if repo.head.commit.hexsha != start:  # the commit was made: undo it
            git_quietly("reset", "-q", "--soft", start)
    if edits:
        git_quietly("reset", "-q", "--", *[e.shown for e in edits])
    for edit in edits:
        try:
            same = edit.path.read_bytes() == edit.old.encode("utf-8")
        except OSError:  # gone (a hook removed it): written back below
            same = False
        if not same:
            with contextlib.suppress(OSError):
                restore(edit)
    if create:
        git_quietly("checkout", "-q", original)
        git_quietly("branch", "-D", branch)


def mentions(root: Path, word: str, exclude: list[Path]) -> list[str]:
    """``git grep -w -n WORD`` in the work tree, minus the given files: a checklist."""
    skip = {p.resolve() for p in exclude}
    try:
        out = subprocess.run(
            ["git", "grep", "-n", "-w", "-I", "--untracked", "-e", word],
            cwd=root,
            capture_output=True,
            text=True,
        )
    except OSError:
        return []
    found = []
    for line in out.stdout.splitlines():
        path = line.split(":", 1)[0]
        if (root / path).resolve() not in skip:
            found.append(line)
    return found
