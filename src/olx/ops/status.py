"""``olx status [DEPLOYMENT]``: where each stage stands and what may move next.

Per deployment and stage: the release, since when (the date and commit of the change
that put it there, from the matrix file's history) and the next promotion, which is
what ``olx promote DEPLOYMENT STAGE`` would do now: take the release of the stage
before. Whether the guards allow it now comes from the same guards promote runs
(:func:`olx.ops.promote.guard_problems`); when only soak time holds it, from when.
Pure: the history and the soak policy (with its clock) are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from olx.core import names
from olx.core.model import STAGES, Deployment, Matrix
from olx.ops.promote import guard_problems
from olx.ops.soak import SoakPolicy
from olx.ops.stages import StageLog


@dataclass(frozen=True)
class NextPromotion:
    release: str | None  # the stage before's release where it differs, else None
    allowed: bool
    reason: str | None  # why not (now), else None
    not_before: datetime | None  # when soak time lets it move, when only that holds it
    hint: str | None = None  # the command to run, or what to do first

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "allowed": self.allowed,
            "reason": self.reason,
            "not_before": _iso(self.not_before),
        }


@dataclass(frozen=True)
class StageStatus:
    stage: str
    release: str
    since: datetime | None  # committer date of the change that put it there
    commit: str | None  # that change's commit (None: not committed, or no history)
    next: NextPromotion

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "since": self.since.strftime("%Y-%m-%d") if self.since else None,
            "commit": self.commit,
            "next": self.next.to_json(),
        }


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    stages: list[StageStatus]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stages": {s.stage: s.to_json() for s in self.stages},
        }


def status_json(statuses: list[DeploymentStatus]) -> dict[str, Any]:
    """docs/contract.md's ``olx status --json`` object."""
    return {"deployments": [d.to_json() for d in statuses]}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status(
    model: Matrix,
    log: StageLog,
    soak: SoakPolicy | None,
    deployments: str | None = None,
) -> list[DeploymentStatus]:
    """Every stage of the chosen deployments (all by default), in source order."""
    chosen = (
        names.deployments(model, deployments)
        if deployments is not None
        else model.matrix.deployments
    )
    if soak is not None:
        soak.check_deployments(model.matrix.deployments)
    out = []
    for dep in chosen:
        stages: list[StageStatus] = []
        for st in sorted(dep.stages, key=lambda s: _stage_key(s.stage)):
            if any(s.stage == st.stage for s in stages):
                continue  # a stage written twice: the first counts, as for pipelines
            since = commit = None
            last = log.last_change(dep.name, st.stage)
            if last is not None and log.committed(dep.name, st.stage) == st.release:
                since, commit = last.date, last.commit
            stages.append(
                StageStatus(
                    st.stage,
                    st.release,
                    since,
                    commit,
                    next_promotion(model, dep, st.stage, soak),
                )
            )
        out.append(DeploymentStatus(dep.name, stages))
    return out


def _stage_key(stage: str) -> tuple[int, str]:
    return (STAGES.index(stage), "") if stage in STAGES else (len(STAGES), stage)


def next_promotion(
    model: Matrix,
    dep: Deployment,
    stage: str,
    soak: SoakPolicy | None,
) -> NextPromotion:
    """What ``olx promote DEP STAGE`` would do now, and whether the guards let it."""
    current = dep.stage(stage)
    assert current is not None
    if stage not in STAGES or STAGES.index(stage) == 0:
        return NextPromotion(
            None,
            False,
            f"{stage} has no stage before it: it moves when you name a release",
            None,
            f"olx promote {dep.name} {stage} RELEASE",
        )
    previous = STAGES[STAGES.index(stage) - 1]
    source = dep.stage(previous)
    if source is None:
        return NextPromotion(
            None,
            False,
            f"{dep.name} has no {previous} stage to take the release from",
            None,
            f"olx promote {dep.name} {stage} RELEASE",
        )
    if source.release == current.release:
        return NextPromotion(
            None, False, f"already on {previous}'s release ({source.release})", None
        )
    new = source.release
    command = f"olx promote {dep.name} {stage}"
    if model.types.release(new) is None:
        return NextPromotion(
            new, False, f"{new} is not a supported release", None, command
        )
    problems = guard_problems(model, dep, stage, current.release, new, soak)
    if not problems:
        return NextPromotion(new, True, None, None, command)
    waiting = None
    if soak is not None and len(problems) == 1:
        ready = soak.ready_at(dep, stage, current.release, new)
        held = soak.problem(dep, stage, current.release, new) is not None
        if held and ready is not None and ready > soak.now:
            waiting = ready  # soak time is all that holds it back
    return NextPromotion(
        new, False, "; ".join(p for p, _ in problems), waiting, problems[0][1]
    )
