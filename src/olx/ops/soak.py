"""Soak time: how long a release must run on a stage before it moves to the next.

``[tool.olx.soak]`` in the target's ``pyproject.toml`` (``QA = "2d"``,
``Production = "7d"``; units ``h`` and ``d``) makes ``promote`` a guard: a release may
move onto a stage only after it has run on the stage before it, in the same deployment,
for at least that long, measured from the commit that put it there (the git history of
the matrix file) to now, or in an earlier run there that lasted that long. A release that
never ran on the stage before is refused; a deployment whose stage before tracks other
releases (a CI on master) is given its own times in ``[tool.olx.soak.DEPLOYMENT]``.
Without the table there is no guard. The policy is pure: the
history lookup and the clock are given to it, so that it is tested at its boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from olx.core import names
from olx.core.model import STAGES, Deployment, release_rank
from olx.errors import ConfigError, InputError

DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([hd])\s*\Z")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1)}
# Ten years: longer is no soak time but a typo, and ``now + time`` must stay a date.
LONGEST = timedelta(days=3650)
HINT = 'write it as [tool.olx.soak] with QA = "2d", Production = "7d" (units h, d)'

# (deployment name, stage, release) → when the commit that put it there was made, or
# None when the history does not have it there (not committed yet: it runs from now).
SinceLookup = Callable[[str, str, str], datetime | None]
# (deployment name, stage, release) → the longest time the release ran on that stage in
# a period that has ended (it moved on since), or None when it never ran there.
RanLookup = Callable[[str, str, str], timedelta | None]


def parse_soak(table: object, where: str) -> dict[str, timedelta]:
    """``{"QA": "2d", ...}`` → stage → minimum time; anything else is an input error.

    A value that is a table is a deployment's own soak times
    (``[tool.olx.soak.mitx]``, see :func:`parse_deployment_soak`), not a stage.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.olx.soak] is not a table", HINT)
    flat = {k: v for k, v in table.items() if not isinstance(v, dict)}
    return _stage_times(flat, where, "[tool.olx.soak]")


def parse_deployment_soak(table: object, where: str) -> dict[str, dict[str, timedelta]]:
    """``[tool.olx.soak.DEPLOYMENT]`` tables → deployment → stage → minimum time: for
    a deployment whose stage before runs other releases (a CI that tracks master), a
    stage it sets replaces the global time there (``QA = "0h"``: none)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.olx.soak] is not a table", HINT)
    return {
        str(name): _stage_times(value, where, f"[tool.olx.soak.{name}]")
        for name, value in table.items()
        if isinstance(value, dict)
    }


def _stage_times(
    table: dict[object, object], where: str, label: str
) -> dict[str, timedelta]:
    out: dict[str, timedelta] = {}
    for key, value in table.items():
        try:
            stage = names.stage(str(key))
        except InputError:
            raise ConfigError(
                f"{where}: {label} names an unknown stage {key!r}",
                f"stages: {', '.join(STAGES)}; a deployment's own times go in a "
                "table [tool.olx.soak.DEPLOYMENT]",
            ) from None
        if stage == STAGES[0]:
            raise ConfigError(
                f"{where}: {label} sets {stage}, which has no stage before it", HINT
            )
        match = DURATION.match(value) if isinstance(value, str) else None
        if match is None:
            raise ConfigError(
                f"{where}: {label} {key} = {value!r} is not a duration", HINT
            )
        number = float(match.group(1))
        unit = UNITS[match.group(2)]
        if number * (unit / LONGEST) > 1:
            raise ConfigError(
                f"{where}: {label} {key} = {value!r} is longer than "
                f"{LONGEST.days}d (ten years)",
                'a soak time is hours or days; write it as QA = "2d"',
            )
        out[stage] = number * unit
    return out


@dataclass(frozen=True)
class SoakPolicy:
    """Minimum times per stage, where to look up since when, and what time it is.

    ``deployments`` holds a deployment's own times (by ``deployment_name`` or member
    name as written), each stage it sets replacing the global one; ``ran`` looks up
    the longest ended run of a release on a stage (None: no history to ask, so a
    release not on the stage before has never run there).
    """

    times: dict[str, timedelta]
    since: SinceLookup
    now: datetime
    deployments: dict[str, dict[str, timedelta]] = field(default_factory=dict)
    ran: RanLookup | None = None
    where: str = "pyproject.toml"

    def need(self, dep: Deployment, stage: str) -> timedelta | None:
        """The soak time of ``stage`` for ``dep``: its own table's, else the global."""
        for key in (dep.name, dep.member):
            own = self.deployments.get(key)
            if own is not None and stage in own:
                return own[stage]
        return self.times.get(stage)

    def check_deployments(self, deployments: list[Deployment]) -> None:
        """Refuse a deployment table that names no deployment of the matrix (a typo
        would otherwise leave the global time in force without a word)."""
        known = [d.name for d in deployments] + [d.member for d in deployments]
        for key in self.deployments:
            if key not in known:
                close = names.closest(key, known)
                hint = f"did you mean [tool.olx.soak.{close}]? " if close else ""
                raise ConfigError(
                    f"{self.where}: [tool.olx.soak.{key}] names no deployment",
                    f"{hint}deployments: {', '.join(d.name for d in deployments)}",
                )

    def ready_at(
        self, dep: Deployment, stage: str, old: str, new: str
    ) -> datetime | None:
        """When soak time lets ``new`` move onto ``stage`` of ``dep``, counted from the
        commit that put it on the stage before, where it runs now; None when soak time
        does not count that way (no soak time for the stage, a rollback, the release
        is not on the stage before)."""
        need = self.need(dep, stage)
        if not need or release_rank(new) <= release_rank(old):
            return None
        present = [s.stage for s in dep.stages]
        before = [s for s in STAGES[: STAGES.index(stage)] if s in present]
        if not before:
            return None
        there = next(s.release for s in dep.stages if s.stage == before[-1])
        if there != new:
            return None
        return (self.since(dep.name, before[-1], new) or self.now) + need

    def problem(
        self, dep: Deployment, stage: str, old: str, new: str
    ) -> tuple[str, str] | None:
        """(message, hint) when moving ``stage`` of ``dep`` from ``old`` to ``new`` is
        too soon; None when it may move (no soak time for the stage, a rollback, or
        it has run long enough on the stage before, now or in a run that ended)."""
        need = self.need(dep, stage)
        if not need or release_rank(new) <= release_rank(old):
            return None  # no soak for the stage; a rollback is never held back
        present = [s.stage for s in dep.stages]
        before = [s for s in STAGES[: STAGES.index(stage)] if s in present]
        if not before:
            return None
        previous = before[-1]
        there = next(s.release for s in dep.stages if s.stage == previous)
        if release_rank(there) < release_rank(new):
            # The stage order guard refuses it: the stage before is older still.
            return None
        earlier = self.ran(dep.name, previous, new) if self.ran is not None else None
        if earlier is not None and earlier >= need:
            return None  # it soaked there before the stage moved on
        if there != new:
            return self._not_there(dep, previous, stage, new, need, earlier)
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

    def _not_there(
        self,
        dep: Deployment,
        previous: str,
        stage: str,
        new: str,
        need: timedelta,
        earlier: timedelta | None,
    ) -> tuple[str, str]:
        """The release is not on the stage before (it tracks another release, or
        has moved on): only an earlier run there counts."""
        ran = (
            f"ran on {dep.name} {previous} for {_duration(earlier)} only"
            if earlier is not None
            else f"has never run on {dep.name} {previous}"
        )
        return (
            f"{new} {ran}; {stage} needs {_duration(need)} there",
            f"promote {previous} first (olx promote {dep.name} {previous} {new}); "
            f"where {previous} tracks another release (a CI on master), give "
            f"{dep.name} its own time: [tool.olx.soak.{dep.name}] {stage} = "
            f'"0h" in {self.where}',
        )


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _duration(span: timedelta) -> str:
    hours = max(0, int(span.total_seconds() // 3600))
    days, hours = divmod(hours, 24)
    if days and hours:
        return f"{days}d {hours}h"
    return f"{days}d" if days else f"{hours}h"
