"""What every stage will build differently after a change: for a pull request's body.

Any write can change what a stage builds, not only a promotion: an override in a block
that a stage runs, an application enabled there, a release's branch. Each stage of
each deployment is resolved before and after (:func:`olx.core.resolve.resolve_stage`)
and compared; only the stages that differ are listed.
"""

from __future__ import annotations

from dataclasses import dataclass

from olx.core import names
from olx.core.model import Matrix
from olx.core.resolve import component_changes, describe_changes, resolve_stage


@dataclass(frozen=True)
class StageImpact:
    deployment: str
    stage: str
    before: str | None  # the stage's release before (None: it is new)
    after: str
    lines: list[str]  # ``+ app``, ``- app``, ``~ app: field old → new``

    @property
    def ref(self) -> str:
        return f"{self.deployment}:{self.stage}"


def stage_impact(old: Matrix, new: Matrix) -> list[StageImpact]:
    """The stages of ``new`` that build something else than in ``old``, in source
    order."""
    out = []
    for dep in new.matrix.deployments:
        was = names.find_deployment(old, dep.name)
        seen: set[str] = set()
        for st in dep.stages:
            if st.stage in seen:
                continue
            seen.add(st.stage)
            after = resolve_stage(new, dep, st.stage)
            before_stage = was.stage(st.stage) if was is not None else None
            if was is None or before_stage is None:
                lines = [f"+ {c.application}" for c in after.components]
                out.append(StageImpact(dep.name, st.stage, None, st.release, lines))
                continue
            before = resolve_stage(old, was, st.stage)
            lines = describe_changes(
                component_changes(before.components, after.components)
            )
            if lines or before_stage.release != st.release:
                out.append(
                    StageImpact(
                        dep.name, st.stage, before_stage.release, st.release, lines
                    )
                )
    return out
