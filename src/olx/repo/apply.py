"""Run one write: lock, read, plan, then show, write or commit it, exactly once."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from olx.core import values
from olx.edit.change import Change, FileEdit, Workspace
from olx.edit.fileio import repo_lock, write_edits
from olx.errors import (
    BadValueError,
    GitStateError,
    PushError,
    UnknownNameError,
    UsageError,
)
from olx.repo import journal
from olx.repo.messages import message_for
from olx.repo.targets import (
    Target,
    pr_checklist,
    remote_name,
    verify_table,
    workspace,
    workspace_at,
)

if TYPE_CHECKING:
    from olx.core.verify import Report
    from olx.repo.publish import PullRequest


class Mode(enum.Enum):
    """How a write is applied."""

    DRY_RUN = "dry-run"  # the diff only: nothing written, no git state touched
    NO_COMMIT = "no-commit"  # the files written, no git state touched
    COMMIT = "commit"  # the files written and committed (then pushed, when asked)

    @classmethod
    def chosen(cls, dry_run: bool, no_commit: bool) -> Mode:
        """The mode ``--dry-run``/``--no-commit`` ask for (not both: a usage error)."""
        if dry_run and no_commit:
            raise UsageError("--dry-run and --no-commit exclude each other")
        return cls.DRY_RUN if dry_run else cls.NO_COMMIT if no_commit else cls.COMMIT


@dataclass(frozen=True)
class Outcome:
    """What a write did; ``to_json`` is the contract's object for a write with
    ``--json``."""

    change: Change
    mode: Mode
    branch: str | None = None
    commit: str | None = None
    follow_up: tuple[str, ...] = ()
    # What --verify (or on-write) found, when it ran.
    verified: Report | None = None
    warnings: tuple[str, ...] = ()  # of the git side (a stacking)
    pushed: bool = False
    pull_request: str | None = None  # its URL
    remote: str | None = None  # where it was pushed

    def to_json(self) -> dict[str, Any]:
        out = {
            "changed": self.change.changed,
            "files": [e.shown for e in self.change.edits],
            "diff": self.change.diff,
            "branch": self.branch,
            "commit": self.commit,
            "warnings": [*self.change.warnings, *self.warnings, *self.follow_up],
            "pushed": self.pushed,
            "pull_request": self.pull_request,
        }
        if self.change.steps is not None:
            out["steps"] = self.change.steps
        if self.verified is not None:
            out["verify"] = self.verified.to_json()
        return out


@dataclass(frozen=True)
class Publish:
    """Where a commit goes after it is made: ``--base``, ``--push``, ``--pr``."""

    base: str | None = None
    push: bool = False
    pr: bool = False

    def check(self, dry_run: bool, no_commit: bool) -> None:
        """The combinations docs/contract.md makes input errors, before anything is
        read."""
        if (self.push or self.pr) and (dry_run or no_commit):
            raise UsageError(
                "--push and --pr go with a commit, not --dry-run/--no-commit",
                "drop --dry-run/--no-commit, or push by hand later",
            )
        if self.base is not None and no_commit:
            raise UsageError(
                "--base starts a new branch: it goes with a commit (or --dry-run), "
                "not --no-commit"
            )
        if self.base is not None:
            values.validate_commit_branch(self.base)


def execute(
    target: Target,
    plan: Callable[[Workspace], Change],
    *,
    dry_run: bool = False,
    no_commit: bool = False,
    branch: str | None = None,
    message: str | None = None,
    command_line: Callable[[], str] = lambda: "olx",
    verify: bool | None = None,
    force: bool = False,
    publish: Publish | None = None,
) -> Outcome:
    """Plan against the files as they are and apply the result in the chosen mode.

    The repository lock is held from the read to the commit and its check, so two olx
    processes never interleave and no change is lost; a push and a pull request
    happen after it is released. A dry run only reads (the files are replaced by
    rename, so a reader never sees half a write) and takes no lock.

    ``verify`` (None: as ``[tool.olx.verify] on-write`` says) checks upstream what the
    change makes or moves before anything is written, a dry run included; a branch
    missing upstream or an unreadable origin refuses the change unless ``force``. The
    refs are read before the lock is taken (a first plan finds which), so that a slow
    origin never holds another olx writer back.

    With ``--base`` the write plans against the files as REF has them and its new
    branch starts there; ``--push``/``--pr`` publish the commit once it is made
    (:mod:`olx.repo.publish`).
    """
    publish = publish or Publish()
    mode = Mode.chosen(dry_run, no_commit)
    if (branch is not None or message is not None) and (dry_run or no_commit):
        raise UsageError(
            "--branch and --message go with a commit, not --dry-run/--no-commit"
        )
    publish.check(dry_run, no_commit)
    if branch is not None:
        values.validate_commit_branch(branch)
    if message is not None:
        values.validate_commit_message(message)
    config = _verify_config(target, verify)
    # --base REF resolved once: the plan, the checkout and the commit's parent are
    # one commit, whatever moves REF meanwhile.
    base = _base_commit(target, publish.base) if publish.base is not None else None
    known: dict[str, Any] = {}
    if dry_run or config is not None:
        # A write killed earlier is finished or undone before anything is read.
        journal.recover_if_needed(target.root)
    if config is not None and not dry_run:
        from olx.repo import upstream

        early_ws = _workspace(target, base)
        early = plan(early_ws)
        if early.changed:
            upstream.prefetch(target, early_ws.model, early.new_model, config, known)
    lock = contextlib.nullcontext() if dry_run else repo_lock(target.root)
    with lock, interrupts_as_exceptions():
        if not dry_run and journal.pending(target.root):
            journal.recover(target.root)
        ws = _workspace(target, base)
        # Read (and refuse a file with a key given twice) before any step of a plan
        # runs: the file's problem is not the step's.
        ws.model  # noqa: B018
        change = plan(ws)
        verified = None
        if config is not None and change.changed:
            verified, change = _guard(ws, change, target, config, force, known)
        outcome = Outcome(change, mode, verified=verified)
        unpublished = None
        if change.changed and mode is Mode.NO_COMMIT:
            with journal.recorded(
                target.root, journal.Journal.of(mode.value, change.edits)
            ):
                write_edits(change.edits)
        elif change.changed and mode is Mode.COMMIT:
            outcome, unpublished = _commit(
                target, ws, outcome, branch, message, command_line, publish, base
            )
    # The commit is made and checked: the lock is released before the network (a
    # push, a pull request: minutes, maybe), so that no other olx write waits for it.
    if unpublished is not None:
        outcome = _publish(target, outcome, unpublished)
    if change.follow_up_word:
        words = [change.follow_up_word, *change.follow_up_more]
        lines = [line for word in words for line in follow_up(target, change, word)]
        outcome = dataclasses.replace(outcome, follow_up=tuple(lines))
    return outcome


def _workspace(target: Target, base: str | None) -> Workspace:
    """The files to plan against: the work tree's, or ``--base``'s commit's."""
    if base is None:
        return workspace(target)
    return workspace_at(target, base)


def _base_commit(target: Target, ref: str) -> str:
    """``--base REF``'s commit; an input error when REF names none."""
    from olx import gitrun

    proc = gitrun.run(
        target.root,
        "rev-parse",
        "-q",
        "--verify",
        "--end-of-options",
        f"{ref}^{{commit}}",
    )
    if not proc.ok or not proc.out.strip():
        raise UnknownNameError(
            f"--base {ref}: no such branch, tag or commit",
            "name a ref that exists (git branch -a lists the branches)",
        )
    return proc.out.strip()


def _commit(
    target: Target,
    ws: Workspace,
    outcome: Outcome,
    branch: str | None,
    message: str | None,
    command_line: Callable[[], str],
    publish: Publish,
    base: str | None,
) -> tuple[Outcome, _Unpublished | None]:
    """Commit the outcome's change (on a new branch from ``base``, ``--base``'s
    commit as read before the plan, when given); the outcome, with what was done,
    and what is left to publish (``--push``/``--pr``: after the lock, by
    :func:`_publish`)."""
    change = outcome.change
    from olx.repo import gitops  # GitPython only where it is used
    from olx.repo import publish as pub

    # Closed on leaving (its git cat-file processes end) without waiting for the
    # cycle collector, which the console script keeps out (cli.run).
    with gitops.failures_as_git_state(), gitops.open_repo(target.root) as repo:
        name = branch or change.branch
        rels = [target.rel(target.types), target.rel(target.matrix)]
        original, create = gitops.preflight(
            repo, rels, name, detached_ok=publish.base is not None
        )
        if publish.base is not None and not create:
            raise UsageError(
                f"--base starts a new branch, and {name} is the current branch",
                "drop --base to commit on it, or choose another --branch",
            )
        remote = remote_name(target.root) if publish.push or publish.pr else None
        pr_base = _pr_base(repo, publish, original, name, create, remote)
        if create and publish.base is None and original.startswith("olx/"):
            stacking = _stacking(repo, name, original)
            outcome = dataclasses.replace(outcome, warnings=(stacking,))
        # Only a commit records its command line (in its body and its pull request's):
        # it is built here, never for a dry run or --no-commit.
        recorded = command_line()
        text = message_for(change, message, recorded)
        if base is not None:
            done = _commit_from(repo, change, name, text, original, ws, base)
        else:
            done = gitops.commit_change(
                repo, change, name, text, original, create, untouched(target, change)
            )
        outcome = dataclasses.replace(outcome, branch=done.branch, commit=done.commit)
        if remote is None:
            return outcome, None
        if pr_base is None:
            return outcome, _Unpublished(remote, Path(repo.git_dir), None)
        from olx.core.impact import stage_impact
        from olx.repo.messages import is_diff_line, subject_for, what_changed

        assert change.new_model is not None
        request = pub.PullRequest(
            pr_base,
            done.branch,
            subject_for(change, message),
            pub.pr_body(
                # The stages' component lines have their own section.
                [line for line in what_changed(change) if not is_diff_line(line)],
                stage_impact(ws.model, change.new_model),
                _verify_lines(outcome.verified),
                pr_checklist(target.root),
                recorded,
            ),
        )
        return outcome, _Unpublished(remote, Path(repo.git_dir), request)


@dataclass(frozen=True)
class _Unpublished:
    """A commit made under the lock, to push (and open a pull request for) after it."""

    remote: str
    git_dir: Path
    request: PullRequest | None  # None: --push only


def _publish(target: Target, outcome: Outcome, todo: _Unpublished) -> Outcome:
    """Push the outcome's commit, then open its pull request when asked; the outcome
    with what was done. A failure keeps the local commit (:class:`PushError`)."""
    from olx.repo import gitops
    from olx.repo import publish as pub

    assert outcome.branch is not None and outcome.commit is not None
    try:
        with gitops.failures_as_git_state(), gitops.open_repo(target.root) as repo:
            warned = pub.push(repo, todo.remote, outcome.branch, outcome.commit)
        outcome = dataclasses.replace(
            outcome,
            pushed=True,
            remote=todo.remote,
            warnings=(*outcome.warnings, *warned),
        )
        if todo.request is None:
            return outcome
        url = pub.open_pull_request(target.root, todo.git_dir, todo.request)
    except PushError as exc:
        # The commit stays: say which (the JSON error object carries it).
        exc.commit, exc.branch, exc.pushed = (
            outcome.commit,
            outcome.branch,
            outcome.pushed,
        )
        raise
    return dataclasses.replace(outcome, pull_request=url)


def _verify_lines(report: Report | None) -> list[str] | None:
    """What ``--verify`` found, for the pull request's body (None: it did not run)."""
    if report is None:
        return None
    from olx.core.verify import describe_unreachable, grouped_missing
    from olx.repo.upstream import summary

    lines = [summary(report)]
    lines += [f"missing: {line}" for line in grouped_missing(report.missing)]
    lines += [describe_unreachable(item) for item in report.unreachable]
    return lines


def _pr_base(
    repo: Any,
    publish: Publish,
    original: str,
    name: str,
    create: bool,
    remote: str | None,
) -> str | None:
    """The branch the pull request targets (None without ``--pr``): ``--base``'s
    branch, else the branch the write started from; for a commit stacked on the
    current branch, the branch that one was made from, else the remote's default.
    Decided before anything is written: a write that cannot open its pull request is
    refused whole."""
    from olx.repo import publish as pub

    if not publish.pr:
        return None
    if publish.base is not None:
        found = pub.branch_of(repo, publish.base)
        if found is None:
            raise BadValueError(
                f"--pr: --base {publish.base} is not a branch to open the pull "
                "request against",
                "name a branch with --base (main, origin/main)",
            )
        return found
    if repo.head.is_detached:
        raise UsageError(
            "--pr from a detached HEAD needs --base BRANCH",
            "the pull request's base is --base's branch",
        )
    if create:
        return original
    found = pub.made_from(repo, name) or (
        pub.default_branch(repo, remote) if remote else None
    )
    if found is None or found == name:
        raise GitStateError(
            f"--pr: cannot tell which branch {name} was made from",
            f"push with --push, then: gh pr create --base BRANCH --head {name}",
        )
    return found


def _stacking(repo: Any, name: str, original: str) -> str:
    """The warning for a new branch made on an earlier olx write's branch."""
    from olx.repo.publish import made_from

    source = made_from(repo, original)
    start = f"--base {source}" if source else "--base BRANCH"
    return (
        f"{name} starts from {original}, an earlier olx write's branch, and carries "
        f"its change too; to start elsewhere: {start}"
    )


def _commit_from(
    repo: Any,
    change: Change,
    name: str,
    text: str,
    original: str,
    ws: Workspace,
    base: str,
) -> Any:
    """``--base``: check out a new branch at REF (whose files the change was planned
    against), commit there; on any failure, back to the original checkout and the new
    branch deleted."""
    from olx.repo import gitops

    repo.git.checkout("-q", "-b", name, base)
    try:
        return gitops.commit_change(
            repo, change, name, text, name, False, untouched_at(ws, change)
        )
    except BaseException:
        with gitops.signals_deferred():
            gitops.leave_branch(repo, original, name)
        raise


def untouched_at(ws: Workspace, change: Change) -> list[FileEdit]:
    """:func:`untouched` for a workspace read from a commit (``--base``): the files the
    change does not write, as that commit has them."""
    written = {edit.path for edit in change.edits}
    return [
        FileEdit(path, shown, text, text)
        for path, shown, text in (
            (ws.types_path, ws.types_shown, ws.types_src),
            (ws.matrix_path, ws.matrix_shown, ws.matrix_src),
        )
        if path not in written
    ]


def _verify_config(target: Target, verify: bool | None) -> Any:
    """The verification settings when this write verifies, else None (no network)."""
    if verify is False:
        return None
    if verify is None and verify_table(target.root) is None:
        return None  # nothing asks for it: not even the upstream layer is loaded
    from olx.repo.upstream import verify_config

    config = verify_config(target)
    return config if verify or config.on_write else None


def _guard(
    ws: Workspace,
    change: Change,
    target: Target,
    config: Any,
    force: bool,
    known: dict[str, Any],
) -> tuple[Any, Change]:
    """Verify what ``change`` makes or moves (raises when refused); its report, and
    the change with the verification's warnings."""
    from olx.core.reader import read_sources
    from olx.repo import upstream

    after = change.new_model or read_sources(
        change.new_types, change.new_matrix, ws.types_shown, ws.matrix_shown
    )
    report, warnings = upstream.guard(
        target, ws.model, after, config, force=force, known=known
    )
    return report, dataclasses.replace(change, warnings=[*change.warnings, *warnings])


def untouched(target: Target, change: Change) -> list[FileEdit]:
    """The target files ``change`` does not write, as they are (under the lock): the
    commit's rollback puts them back too, should a hook have changed them."""
    written = {edit.path for edit in change.edits}
    return [
        FileEdit(path, target.rel(path), text, text)
        for path in (target.types, target.matrix)
        if path not in written
        for text in [path.read_bytes().decode("utf-8")]
    ]


def follow_up(target: Target, change: Change, word: str) -> list[str]:
    """Lines that still mention ``word`` as a word, as a checklist: the other files of
    the repository (``git grep -w``) and the two files as the change leaves them (so
    that a dry run lists what would remain, not what it removes)."""
    from olx.repo.grep import mentions

    pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
    within = [w for w in change.follow_up_within if word in w]

    def leftover(line: str) -> bool:
        """A mention outside the text the change itself wrote."""
        if not within:
            return True
        ours = [
            (m.start(), m.end())
            for w in within
            for m in re.finditer(re.escape(w), line)
        ]
        return any(
            not any(a <= m.start() and m.end() <= b for a, b in ours)
            for m in pattern.finditer(line)
        )

    found = [
        line
        for line in mentions(target.root, word, [target.types, target.matrix])
        if leftover(line.split(":", 2)[-1])
    ]
    for shown, text in (
        (target.rel(target.types), change.new_types),
        (target.rel(target.matrix), change.new_matrix),
    ):
        # Lines as git counts them (str.splitlines also splits on \f, \x1c, ...).
        for number, line in enumerate(text.split("\n"), start=1):
            if pattern.search(line) and leftover(line):
                found.append(f"{shown}:{number}:{line.strip()}")
    return [f"still mentions {word}: {line}" for line in found]


@contextlib.contextmanager
def interrupts_as_exceptions() -> Iterator[None]:
    """SIGTERM raises like Ctrl-C does, so that a write in progress is rolled back."""

    def _raise(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
