"""The target repository's promotion policy: soak times and the history they read.

Builds the :class:`olx.ops.soak.SoakPolicy` of a target from ``[tool.olx.soak]`` in its
``pyproject.toml``; the git history is walked (:mod:`olx.repo.timeline`) only when a
promotion needs to know since when a release has run on a stage, and once per command
and commit (:func:`olx.repo.stagelog.timeline`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from olx.ops.soak import SoakPolicy, parse_deployment_soak, parse_soak
from olx.repo.targets import Target, soak_table

if TYPE_CHECKING:
    from olx.repo.timeline import Timeline


def clock() -> datetime:
    """What time it is (UTC); the one clock of the policy, replaced in tests."""
    return datetime.now(UTC)


def soak_policy(
    target: Target, now: datetime | None = None, at: str | None = None
) -> SoakPolicy | None:
    """The target's soak policy, or None when it sets no soak times; since when a
    release has run is read from the history up to the commit ``at`` (``--base``'s),
    else HEAD."""
    table = soak_table(target.root)
    if table is None:
        return None
    where = target.rel(target.root / "pyproject.toml")
    times = parse_soak(table, where)
    own = parse_deployment_soak(table, where)
    if not times and not own:
        return None

    def timeline() -> Timeline:
        from olx.repo.stagelog import timeline as stage_timeline

        return stage_timeline(target, at)

    def since(deployment: str, stage: str, release: str) -> datetime | None:
        from olx.repo.timeline import since_when

        return since_when(timeline(), deployment, stage, release)

    def ran(deployment: str, stage: str, release: str) -> timedelta | None:
        from olx.repo.timeline import longest_run

        return longest_run(timeline(), deployment, stage, release)

    return SoakPolicy(times, since, now or clock(), own, ran=ran, where=where)
