"""What the history says about one stage, as the operations take it.

``rollback`` and ``status`` ask the git history of the matrix file where each stage
stands and which commit put it there; the repository layer answers
(:mod:`olx.repo.stagelog`), so that planning stays pure and is tested with a log made
by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LastChange:
    """The commit that last changed a stage's release, and what it did.

    ``undoes`` is the commit this one undid for that stage (its message names it in a
    ``Rollback-Of:`` trailer, or git's ``This reverts commit …``, and it moved the
    stage the other way), else None.
    """

    commit: str  # full hash
    date: datetime  # committer date, UTC
    before: str | None  # None: the stage (or the deployment) appeared
    after: str | None
    undoes: str | None = None


class StageLog(Protocol):
    """The stage history of one repository, at HEAD."""

    def committed(self, deployment: str, stage: str) -> str | None:
        """The stage's release in the last commit (None: not there, or no history)."""
        ...

    def last_change(self, deployment: str, stage: str) -> LastChange | None:
        """The commit that gave the stage the release it has in the last commit."""
        ...
