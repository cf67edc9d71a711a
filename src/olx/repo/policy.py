"""The target repository's promotion policy: soak times and the history they read.

Builds the :class:`olx.ops.soak.SoakPolicy` of a target from ``[tool.olx.soak]`` in its
``pyproject.toml``; the git history is walked (:mod:`olx.repo.timeline`) only when a
promotion needs to know since when a release has run on a stage, and once per command.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from olx.ops.soak import SoakPolicy, parse_deployment_soak, parse_soak
from olx.repo.targets import Target, soak_table


def soak_policy(target: Target, now: datetime | None = None) -> SoakPolicy | None:
    """The target's soak policy, or None when it sets no soak times."""
    table = soak_table(target.root)
    if table is None:
        return None
    where = target.rel(target.root / "pyproject.toml")
    times = parse_soak(table, where)
    own = parse_deployment_soak(table, where)
    if not times and not own:
        return None

    def timeline():
        return _timeline(
            target.root, target.rel(target.matrix), target.rel(target.types)
        )

    def since(deployment: str, stage: str, release: str) -> datetime | None:
        from olx.repo.timeline import since_when

        return since_when(timeline(), deployment, stage, release)

    def ran(deployment: str, stage: str, release: str) -> timedelta | None:
        from olx.repo.timeline import longest_run

        return longest_run(timeline(), deployment, stage, release)

    return SoakPolicy(times, since, now or datetime.now(UTC), own, ran=ran, where=where)


@functools.cache
def _timeline(root: Path, matrix_rel: str, types_rel: str):
    """The stage history, read once per process: every promote step of a plan asks the
    same history (the lock is held, HEAD does not move until the commit)."""
    from olx.errors import InputError
    from olx.repo.timeline import Timeline, read_timeline

    try:
        return read_timeline(root, matrix_rel, types_rel)
    except InputError:
        # No history to read (not a repository, no commits): every release on the
        # stage before runs there from now, so any soak time holds it back.
        return Timeline()
