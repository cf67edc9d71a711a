"""The stage history at HEAD (or at ``--base``'s commit), for rollback, status and the
soak-time guard.

The timeline (:mod:`olx.repo.timeline`) is read once per process and commit: every step
of a plan asks the same history (the lock is held, HEAD does not move until the
commit), and a later command in the same process (a test, say) after a new commit
reads it again. :class:`HistoryLog` answers the questions of
:class:`olx.ops.stages.StageLog` from it; whether a change undid an earlier one is read
from its commit message (``Rollback-Of: <sha>``, or git's ``This reverts commit
<sha>.``) only when asked.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from olx import gitrun
from olx.errors import InputError
from olx.ops.stages import LastChange
from olx.repo.targets import Target
from olx.repo.timeline import StageChange, Timeline, read_timeline

UNDONE = re.compile(
    r"^Rollback-Of:\s*([0-9a-f]{7,40})\s*$|This reverts commit ([0-9a-f]{7,40})",
    re.MULTILINE | re.IGNORECASE,
)


def _git(root: Path, *args: str) -> str | None:
    """git's output; None when it cannot run or fails (no history to read)."""
    try:
        proc = gitrun.run(root, *args)
    except InputError:  # no git, or a NUL in an argument
        return None
    return proc.out if proc.ok else None


def head(root: Path) -> str | None:
    """HEAD's commit, or None (not a repository, no commits)."""
    out = _git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}")
    return out.strip() if out else None


def timeline(target: Target, at: str | None = None) -> Timeline:
    """The stage timeline of the target's history up to the commit ``at`` (``--base``'s:
    the one the write plans against), else HEAD; empty without one."""
    return _timeline(
        target.root,
        target.rel(target.matrix),
        target.rel(target.types),
        at or head(target.root),
    )


@functools.cache
def _timeline(root: Path, matrix_rel: str, types_rel: str, at: str | None) -> Timeline:
    if at is None:
        return Timeline()
    try:
        return read_timeline(root, matrix_rel, types_rel, at=at)
    except InputError:
        # No history to read (no git, say): every stage runs its release from now.
        return Timeline()


def _same_stage(change: StageChange, deployment: str, stage: str) -> bool:
    return change.deployment == deployment and change.stage.lower() == stage.lower()


class HistoryLog:
    """:class:`olx.ops.stages.StageLog` over a timeline of the repository at ``root``."""

    def __init__(self, root: Path, timeline: Timeline) -> None:
        self.root = root
        self.timeline = timeline

    def committed(self, deployment: str, stage: str) -> str | None:
        stages = self.timeline.current.get(deployment, {})
        key = next((s for s in stages if s.lower() == stage.lower()), stage)
        return stages.get(key)

    def last_change(self, deployment: str, stage: str) -> LastChange | None:
        changes = [
            c for c in self.timeline.changes if _same_stage(c, deployment, stage)
        ]
        if not changes or changes[-1].to_release is None:
            return None
        last = changes[-1]
        return LastChange(
            last.commit,
            last.date,
            last.from_release,
            last.to_release,
            self._undoes(changes, len(changes) - 1),
        )

    def _undoes(self, changes: list[StageChange], index: int) -> str | None:
        """The commit ``changes[index]`` undid for its stage, as its message says,
        else None. A change that undid an undo (a revert of a rollback) re-applies
        what the undo took back: it undoes nothing."""
        last, earlier = changes[index], changes[:index]
        message = _git(self.root, "log", "-1", "--format=%B", last.commit) or ""
        named: list[str] = [a or b for a, b in UNDONE.findall(message)]
        if not named:
            return None
        reverse = [
            c
            for c in earlier
            if c.from_release == last.to_release and c.to_release == last.from_release
        ]
        for sha in named:
            found = next(
                (
                    i
                    for i, c in enumerate(earlier)
                    if c in reverse and c.commit.startswith(sha.lower())
                ),
                None,
            )
            if found is not None:
                redo = self._undoes(changes, found) is not None
                return None if redo else earlier[found].commit
        # A commit off the first-parent line (inside a merged branch) is not in the
        # timeline: it counts when the stage's change before this one is the reverse.
        known = {c.commit for c in self.timeline.changes}
        if earlier and earlier[-1] in reverse:
            for sha in named:
                if not any(k.startswith(sha.lower()) for k in known):
                    return sha
        return None


def history_log(target: Target, at: str | None = None) -> HistoryLog:
    """The stage history of the target up to the commit ``at`` (None: HEAD)."""
    return HistoryLog(target.root, timeline(target, at))
