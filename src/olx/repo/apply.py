"""Run one write: lock, read, plan, then show, write or commit it, exactly once."""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from olx.core import values
from olx.edit.change import Change, FileEdit, Workspace
from olx.edit.fileio import repo_lock, write_edits
from olx.errors import InputError
from olx.repo import journal
from olx.repo.targets import Target, workspace


@dataclass
class Outcome:
    """What a write did; ``to_json`` is SPEC.md's object for a write with ``--json``."""

    change: Change
    mode: str  # "dry-run", "no-commit" or "commit"
    branch: str | None = None
    commit: str | None = None
    follow_up: list[str] = field(default_factory=list)
    # What --verify (or on-write) found, when it ran (olx.core.verify.Report).
    verified: Any = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "changed": self.change.changed,
            "files": [e.shown for e in self.change.edits],
            "diff": self.change.diff,
            "branch": self.branch,
            "commit": self.commit,
            "warnings": [*self.change.warnings, *self.follow_up],
        }
        if self.change.steps is not None:
            out["steps"] = self.change.steps
        if self.verified is not None:
            out["verify"] = self.verified.to_json()
        return out


def execute(
    target: Target,
    plan: Callable[[Workspace], Change],
    *,
    dry_run: bool = False,
    no_commit: bool = False,
    branch: str | None = None,
    message: str | None = None,
    command_line: str = "olx",
    verify: bool | None = None,
    force: bool = False,
) -> Outcome:
    """Plan against the files as they are and apply the result in the chosen mode.

    The repository lock is held from the read to the commit, so two olx processes never
    interleave and no change is lost. A dry run only reads (the files are replaced by
    rename, so a reader never sees half a write) and takes no lock.

    ``verify`` (None: as ``[tool.olx.verify] on-write`` says) checks upstream what the
    change makes or moves before anything is written, a dry run included; a branch
    missing upstream or an unreadable origin refuses the change unless ``force``. The
    refs are read before the lock is taken (a first plan finds which), so that a slow
    origin never holds another olx writer back.
    """
    if dry_run and no_commit:
        raise InputError("--dry-run and --no-commit exclude each other")
    if (branch is not None or message is not None) and (dry_run or no_commit):
        raise InputError(
            "--branch and --message go with a commit, not --dry-run/--no-commit"
        )
    if branch is not None:
        values.validate_commit_branch(branch)
    if message is not None:
        values.validate_commit_message(message)
    mode = "dry-run" if dry_run else "no-commit" if no_commit else "commit"
    config = _verify_config(target, verify)
    known: dict[str, Any] = {}
    if dry_run or config is not None:
        # A write killed earlier is finished or undone before anything is read.
        journal.recover_if_needed(target.root)
    if config is not None and not dry_run:
        from olx.repo import upstream

        early_ws = workspace(target)
        early = plan(early_ws)
        if early.changed:
            upstream.prefetch(target, early_ws.model, early.new_model, config, known)
    lock = contextlib.nullcontext() if dry_run else repo_lock(target.root)
    with lock, interrupts_as_exceptions():
        if not dry_run and journal.pending(target.root):
            journal.recover(target.root)
        ws = workspace(target)
        # Read (and refuse a file with a key given twice) before any step of a plan
        # runs: the file's problem is not the step's.
        ws.model  # noqa: B018
        change = plan(ws)
        outcome = Outcome(change, mode)
        if config is not None and change.changed:
            outcome.verified = _guard(ws, change, target, config, force, known)
        if change.changed and mode == "no-commit":
            with journal.recorded(
                target.root, journal.Journal.of("no-commit", change.edits)
            ):
                write_edits(change.edits)
        elif change.changed and mode == "commit":
            from olx.repo import gitops  # GitPython only where it is used

            # Closed on leaving (its git cat-file processes end) without waiting for
            # the cycle collector, which the console script keeps out (cli.run).
            with (
                gitops.failures_as_input_errors(),
                gitops.open_repo(target.root) as repo,
            ):
                name = branch or change.branch
                rels = [target.rel(target.types), target.rel(target.matrix)]
                original, create = gitops.preflight(repo, rels, name)
                text = gitops.message_for(change, message, command_line)
                done = gitops.commit_change(
                    repo,
                    change,
                    name,
                    text,
                    original,
                    create,
                    untouched(target, change),
                )
            outcome.branch, outcome.commit = done.branch, done.commit
    if change.follow_up_word:
        for word in [change.follow_up_word, *change.follow_up_more]:
            outcome.follow_up += follow_up(target, change, word)
    return outcome


def _verify_config(target: Target, verify: bool | None) -> Any:
    """The verification settings when this write verifies, else None (no network)."""
    if verify is False:
        return None
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
) -> Any:
    """Verify what ``change`` makes or moves (raises when refused); its report."""
    from olx.core.reader import read_sources
    from olx.repo import upstream

    after = change.new_model or read_sources(
        change.new_types, change.new_matrix, ws.types_shown, ws.matrix_shown
    )
    report, warnings = upstream.guard(
        target, ws.model, after, config, force=force, known=known
    )
    change.warnings.extend(warnings)
    return report


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
    from olx.repo.gitops import mentions

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
