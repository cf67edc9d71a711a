"""Run one write: lock, read, plan, then show, write or commit it, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from olx.change import Change, Workspace
from olx.fileio import repo_lock, write_edits
from olx.targets import Target, workspace


@dataclass
class Outcome:
    """What a write did; ``to_json`` is SPEC.md's object for a write with ``--json``."""

    change: Change
    mode: str  # "dry-run", "no-commit" or "commit"
    branch: str | None = None
    commit: str | None = None
    follow_up: list[str] = field(default_factory=list)

    @property
    def wrote(self) -> bool:
        return self.change.changed and self.mode != "dry-run"

    def to_json(self) -> dict[str, Any]:
        return {
            "changed": self.change.changed,
            "files": [e.shown for e in self.change.edits],
            "diff": self.change.diff,
            "branch": self.branch,
            "commit": self.commit,
            "warnings": [*self.change.warnings, *self.follow_up],
        }


def execute(
    target: Target,
    plan: Callable[[Workspace], Change],
    *,
    dry_run: bool = False,
    no_commit: bool = False,
    branch: str | None = None,
    message: str | None = None,
    command_line: str = "olx",
    follow_up: Callable[[Change], list[str]] | None = None,
) -> Outcome:
    """Plan against the files as they are and apply the result in the chosen mode.

    The repository lock is held from the read to the commit, so two olx processes never
    interleave and no change is lost.
    """
    mode = "dry-run" if dry_run else "no-commit" if no_commit else "commit"
    with repo_lock(target.root):
        change = plan(workspace(target))
        outcome = Outcome(change, mode)
        if change.changed and mode == "no-commit":
            write_edits(change.edits)
        elif change.changed and mode == "commit":
            from olx import gitops  # GitPython only where it is used

            repo = gitops.open_repo(target.root)
            name = branch or change.branch
            original, create = gitops.preflight(
                repo, [target.types, target.matrix], name
            )
            text = gitops.message_for(change, message, command_line)
            done = gitops.commit_change(repo, change, name, text, original, create)
            outcome.branch, outcome.commit = done.branch, done.commit
        if follow_up is not None:
            outcome.follow_up = follow_up(change)
    return outcome
