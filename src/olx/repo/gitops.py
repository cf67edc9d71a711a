"""The git layer (GitPython): refuse unsafe states, commit on a branch, roll back.

A write commits only the files olx wrote, on ``olx/<command>-<args>`` (or ``--branch``),
through the real ``git commit`` so that the repository's hooks run as they would for a
person. If anything fails after the branch is created, the files, the index, the branch
and the checkout are put back as they were.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from olx import gitrun
from olx.core import values
from olx.edit.change import Change, FileEdit
from olx.edit.fileio import ChangedMeanwhileError, restore, write_edits
from olx.errors import BadValueError, GitStateError, OlxError, ShapeError
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
        raise GitStateError(
            f"{root} is not a git repository",
            "olx commits its changes; use --no-commit or --dry-run outside git",
        ) from None


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


def preflight(
    repo: git.Repo, rels: list[str], branch: str, detached_ok: bool = False
) -> tuple[str, bool]:
    """Refuse the states docs/contract.md forbids; returns (original branch, create
    branch?).

    ``rels`` are the two files' paths relative to the work tree. With ``detached_ok``
    (a new branch from ``--base``), a detached HEAD is allowed: the original is then
    its commit.
    """
    git_dir = Path(repo.git_dir)
    if (git_dir / "index.lock").exists():
        # git commit would fail on it, and so would the checkout that puts the
        # original branch back: refuse before the branch is made.
        raise GitStateError(
            "another git process seems to be running in this repository "
            f"({_shown(repo, git_dir / 'index.lock')} exists)",
            f"let it finish; remove {_shown(repo, git_dir / 'index.lock')} if not",
        )
    for name, what in IN_PROGRESS.items():
        if (git_dir / name).exists():
            raise GitStateError(
                f"the repository is in the middle of {what}",
                "finish or abort it, then run olx again",
            )
    if repo.head.is_detached and not detached_ok:
        raise GitStateError(
            "HEAD is detached",
            "check out a branch, or start a new one with --base REF, then run olx again",
        )
    if not repo.head.is_valid():
        raise GitStateError(
            "the repository has no commits yet", "commit the matrix first"
        )
    dirty = repo.git.status("--porcelain", "--", *rels)
    if dirty.strip():
        raise GitStateError(
            f"uncommitted changes in {', '.join(sorted({line[3:] for line in dirty.splitlines()}))}",
            "commit or stash them first (olx writes only clean files)",
        )
    staged = repo.git.diff("--cached", "--name-only")
    if staged.strip():
        raise GitStateError(
            f"other changes are already staged: {', '.join(staged.split())}",
            "commit or unstage them first (olx commits only what it wrote)",
        )
    if not has_identity(repo):
        raise GitStateError(
            "git has no identity to commit with",
            'set it: git config user.name "Your Name"; '
            "git config user.email you@example.org",
        )
    current = (
        repo.head.commit.hexsha if repo.head.is_detached else repo.active_branch.name
    )
    if branch == current:
        return current, False
    heads = [h.name for h in repo.heads]
    if branch in heads:
        raise GitStateError(
            f"branch {branch!r} already exists and is not checked out",
            "check it out to stack on it, or choose another --branch",
        )
    if not values.git_accepts_branch(branch):
        raise BadValueError(f"invalid branch name {branch!r}")
    clash = next(
        (h for h in heads if branch.startswith(h + "/") or h.startswith(branch + "/")),
        None,
    )
    if clash is not None:
        # git keeps refs as paths: refs/heads/olx (a file) and refs/heads/olx/x
        # cannot both be.
        raise GitStateError(
            f"cannot create branch {branch!r}: a branch {clash!r} exists, and git "
            "cannot keep both names (one is a folder of the other)",
            f"choose another name with --branch (or --git-branch), or rename {clash!r}",
        )
    return current, True


def _shown(repo: git.Repo, path: Path) -> str:
    """``path`` relative to the work tree where it is inside it (.git/index.lock)."""
    try:
        return path.relative_to(Path(repo.working_tree_dir or "")).as_posix()
    except ValueError:
        return str(path)


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
            # A hook may have staged more, or other contents: the commit must hold
            # only the target files, meaning exactly what was verified.
            verify_commit(repo, change, start, [e.shown for e in guarded])
            return Committed(branch, repo.head.commit.hexsha)
        except BaseException as exc:
            # A file another program changed meanwhile was not written: it is theirs,
            # and only the git side (the new branch) is put back.
            ours = [] if isinstance(exc, ChangedMeanwhileError) else guarded
            with signals_deferred():
                failed = _rollback(repo, ours, original, branch, create, start)
            # A rollback step that failed (a full disk, another git holding the
            # index) leaves the journal, so that the next olx command finishes the
            # undo.
            kept.keep = bool(failed) or not _undone(ours)
            if kept.keep:
                _raise_unfinished(exc, failed or ["restoring the files"])
            _raise_for(exc)
    raise AssertionError("unreachable")  # pragma: no cover


class HookChangedCommitError(GitStateError):
    """A commit hook staged other files, or contents that do not mean what olx
    verified; the commit is undone (exit 2)."""


def verify_commit(
    repo: git.Repo, change: Change, start: str, allowed: Sequence[str]
) -> None:
    """The commit olx just made holds only the target files (``allowed``), and both
    read (ast) as the model olx verified before writing. A hook that reformats them
    passes; one that adds a file or changes what they mean raises
    :class:`HookChangedCommitError`."""
    from olx.core.reader import read_sources

    head = repo.head.commit
    if head.hexsha == start or change.new_model is None:
        return
    changed = repo.git.diff_tree("--no-commit-id", "--name-only", "-r", start, "HEAD")
    extra = sorted(set(changed.split("\n")) - set(allowed) - {""})
    if extra:
        raise _hook_error(
            repo, f"it also holds {', '.join(extra)}, which olx did not write"
        )
    types_rel, matrix_rel = change.new_model.types.path, change.new_model.matrix.path
    texts = []
    for rel in (types_rel, matrix_rel):
        try:
            data = (head.tree / rel).data_stream.read()
            texts.append(data.decode("utf-8"))
        except (KeyError, UnicodeDecodeError):
            raise _hook_error(
                repo, f"{rel} no longer reads (missing or not UTF-8)"
            ) from None
    try:
        stored = read_sources(texts[0], texts[1], types_rel, matrix_rel)
    except ShapeError as exc:
        raise _hook_error(repo, f"{exc.path} no longer reads ({exc.message})") from None
    except OlxError as exc:
        raise _hook_error(repo, f"the files no longer read ({exc.message})") from None
    intended = json.dumps(change.new_model.to_json())
    if stored.matrix.duplicate_keys or json.dumps(stored.to_json()) != intended:
        raise _hook_error(repo, "what it holds is not the intended change")


def _hook_error(repo: git.Repo, what: str) -> HookChangedCommitError:
    names = commit_hooks(repo)
    who = (
        f"the {' and '.join(names)} hook{'s' if len(names) > 1 else ''}"
        if names
        else "a commit hook"
    )
    return HookChangedCommitError(
        f"{who} changed olx's commit: {what}; the commit was undone",
        "a hook may reformat olx's files, not add others or change what they mean; "
        "fix it, then run olx again",
    )


def commit_hooks(repo: git.Repo) -> list[str]:
    """The hooks ``git commit`` runs that exist here (core.hooksPath honoured)."""
    try:
        folder = Path(repo.git.rev_parse("--git-path", "hooks"))
    except git.GitCommandError:
        return []
    if not folder.is_absolute():
        folder = Path(repo.working_tree_dir or "") / folder
    names = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")
    return [n for n in names if os.access(folder / n, os.X_OK)]


def _raise_unfinished(exc: BaseException, failed: list[str]) -> None:
    """The write failed and the rollback could not put everything back."""
    details = None
    if isinstance(exc, git.GitCommandError):
        git_error = gitrun.GitError.from_gitpython(exc)
        reason, details = f"git {git_error.command} failed", git_error.details
    elif isinstance(exc, OlxError):
        reason = exc.message
    elif isinstance(exc, KeyboardInterrupt):
        reason = "interrupted"
    else:
        reason = f"the write failed ({type(exc).__name__}: {exc})"
    raise GitStateError(
        f"{reason}, and olx could not put everything back ({'; '.join(failed)}): "
        "the next olx command finishes the undo",
        "if another git process is running, let it finish (remove .git/index.lock "
        "if none is), then run any olx command",
        details=details,
    ) from None


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
    """Re-raise a failure of the write, a refused commit as a git-state error."""
    if isinstance(exc, git.GitCommandError):
        raise _not_changed(exc, refused=True) from None
    raise exc


def _not_changed(exc: git.GitCommandError, refused: bool = False) -> gitrun.GitError:
    """A git command of the write failed, and everything is as it was."""
    failed = gitrun.GitError.from_gitpython(exc)
    why = (
        " (a hook or git refused it)" if refused and failed.command == "commit" else ""
    )
    return gitrun.GitError(
        failed.command,
        failed.reason,
        "fix what it reports, then run olx again",
        message=f"git {failed.command} failed{why}; nothing was changed",
        returncode=failed.returncode,
        details=failed.details,
    )


@contextlib.contextmanager
def failures_as_git_state() -> Iterator[None]:
    """A git command that fails, or cannot be started, in the checks before a commit or
    in the commit (which :func:`commit_change` has rolled back by then): git's state or
    the machine's, not a bug of olx's, and nothing was changed: a
    :class:`~olx.gitrun.GitError` (exit 2)."""
    try:
        yield
    except git.GitCommandError as exc:
        raise _not_changed(exc) from None
    except OSError as exc:
        reason = f"cannot run git: {exc.strerror or exc}"
        raise gitrun.GitError(
            "",
            reason,
            "olx needs git on PATH",
            message=f"{reason}; nothing was changed",
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


def _rollback(
    repo: git.Repo,
    edits: list[FileEdit],
    original: str,
    branch: str,
    create: bool,
    start: str,
) -> list[str]:
    """Put HEAD, the index, the files and the checkout back as they were; returns
    the steps that failed (none: all is back).

    Every step is tried even when an earlier one fails, so that one problem (a full
    disk, say) does not leave the repository on olx's branch.
    """
    cwd = repo.working_tree_dir
    failed: list[str] = []

    def git_quietly(*args: str) -> None:
        words = " ".join(a for a in args if a != "-q")
        try:
            done = gitrun.run(cwd, *args)
        except gitrun.GitError as exc:
            failed.append(f"git {words}: {exc.reason}")
            return
        if not done.ok:
            failed.append(f"git {words}: {done.reason}")

    with contextlib.suppress(Exception):
        if repo.head.commit.hexsha != start:  # the commit was made: undo it
            git_quietly("reset", "-q", "--soft", start)
    # The index as it was: olx's files, and anything a hook staged (preflight found
    # nothing else staged).
    git_quietly("reset", "-q")
    for edit in edits:
        try:
            same = edit.path.read_bytes() == edit.old.encode("utf-8")
        except OSError:  # gone (a hook removed it): written back below
            same = False
        if not same:
            try:
                restore(edit)
            except OSError as exc:
                failed.append(f"restoring {edit.shown}: {exc.strerror}")
    if create:
        git_quietly("checkout", "-q", original)
        with contextlib.suppress(gitrun.GitError):
            made = gitrun.run(
                cwd, "rev-parse", "--verify", "-q", f"refs/heads/{branch}"
            )
            if made.ok:  # (checkout -b may have failed to make it)
                git_quietly("branch", "-D", branch)
    return failed


def leave_branch(repo: git.Repo, original: str, branch: str) -> None:
    """Back to ``original`` (a branch, or a commit for a detached HEAD) and ``branch``
    deleted: a new branch from ``--base`` whose commit did not happen."""
    cwd = repo.working_tree_dir
    for args in (["checkout", "-q", original], ["branch", "-D", branch]):
        with contextlib.suppress(gitrun.GitError):
            gitrun.run(cwd, *args)
