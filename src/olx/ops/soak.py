"""Soak time: how long a release must run on a stage before it moves to the next.

``[tool.olx.soak]`` in the target's ``pyproject.toml`` (``QA = "2d"``,
``Production = "7d"``; units ``h`` and ``d``) makes ``promote`` a guard: a release may
move onto a stage only after it has run on the stage before it, in the same deployment,
for at least that long, measured from the commit that put it there (the git history of
the matrix file) to now. Without the table there is no guard. The policy is pure: the
history lookup and the clock are given to it, so that it is tested at its boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from olx.core import names
from olx.core.model import STAGES, Deployment, release_rank
from olx.errors import InputError

DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([hd])\s*\Z")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1)}

# (deployment name, stage, release) → when the commit that put it there was made, or
# None when the history does not have it there (not committed yet: it runs from now).
SinceLookup = Callable[[str, str, str], datetime | None]


def parse_soak(table: object, where: str) -> dict[str, timedelta]:
    """``{"QA": "2d", ...}`` → stage → minimum time; anything else is an input error."""
    hint = 'write it as [tool.olx.soak] with QA = "2d", Production = "7d" (units h, d)'
    if not isinstance(table, dict):
        raise InputError(f"{where}: [tool.olx.soak] is not a table", hint)
    out: dict[str, timedelta] = {}
    for key, value in table.items():
        try:
            stage = names.stage(str(key))
        except InputError:
            raise InputError(
                f"{where}: [tool.olx.soak] names an unknown stage {key!r}",
                f"stages: {', '.join(STAGES)}",
            ) from None
        if stage == STAGES[0]:
            raise InputError(
                f"{where}: [tool.olx.soak] sets {stage}, which has no stage before it",
                hint,
            )
        match = DURATION.match(value) if isinstance(value, str) else None
        if match is None:
            raise InputError(
                f"{where}: [tool.olx.soak] {key} = {value!r} is not a duration", hint
            )
        out[stage] = float(match.group(1)) * UNITS[match.group(2)]
    return out


@dataclass(frozen=True)
class SoakPolicy:
    """Minimum times per stage, where to look up since when, and what time it is."""

    times: dict[str, timedelta]
    since: SinceLookup
    now: datetime

    def problem(
        self, dep: Deployment, stage: str, old: str, new: str
    ) -> tuple[str, str] | None:
        """(message, hint) when moving ``stage`` of ``dep`` from ``old`` to ``new`` is
        too soon; None when it may move (no soak time for the stage, a rollback, or
        long enough)."""
        need = self.times.get(stage)
        if not need or release_rank(new) <= release_rank(old):
            return None  # no soak for the stage; a rollback is never held back
        present = [s.stage for s in dep.stages]
        before = [s for s in STAGES[: STAGES.index(stage)] if s in present]
        if not before:
            return None
        previous = before[-1]
        on_previous = dep.stage(previous)
        if on_previous is None or on_previous.release != new:
            # The stage order guard speaks for a release that is not on the stage
            # before; soak time only measures how long it has run there.
            return None
        since = self.since(dep.name, previous, new) or self.now
        ready = since + need
        if self.now >= ready:
            return None
        ran = _duration(self.now - since)
        return (
            f"{new} has run on {dep.name} {previous} only since {_when(since)} "
            f"({ran}); {stage} needs {_duration(need)} there: it may move at "
            f"{_when(ready)}",
            "wait until then",
        )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(span: timedelta) -> str:
    hours = max(0, int(span.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if days and hours:
        return f"{days}d {hours}h"
    return f"{days}d" if days else f"{hours}h"
