"""The invariants of SPEC.md ("olx check invariants"), the pin warning, and
what the model's own properties use that olx cannot interpret (warnings)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from olx.core.model import STAGES, Matrix, release_rank
from olx.core.resolve import interpretation_notes


@dataclass(frozen=True)
class Violation:
    rule: int
    message: str


@dataclass
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "violations": [
                {"rule": v.rule, "message": v.message} for v in self.violations
            ],
            "warnings": list(self.warnings),
        }


def stage_order_violations(stages: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """Pairs of adjacent present stages where the later stage runs a newer release.

    Returns ``(earlier_stage, earlier_release, later_stage, later_release)`` tuples.
    """
    present = [(s, stages[s]) for s in STAGES if s in stages]
    bad = []
    for (s1, r1), (s2, r2) in itertools.pairwise(present):
        if release_rank(r2) > release_rank(r1):
            bad.append((s1, r1, s2, r2))
    return bad


def check(matrix: Matrix) -> CheckResult:
    """Validate ``matrix``; every violation names file and line."""
    result = CheckResult()
    tpath, mpath = matrix.types.path, matrix.matrix.path
    releases = {r.name for r in matrix.types.releases}
    apps = {a.value: a for a in matrix.types.applications}
    add = result.violations.append

    for dep in matrix.matrix.deployments:
        for st in dep.stages:
            where = f"{mpath}:{st.span.start_line}"
            if st.release not in releases:  # 1
                add(
                    Violation(
                        1,
                        f"{where}: {dep.name} {st.stage} uses {st.release!r}, "
                        f"which is not a member of the release Enum ({tpath})",
                    )
                )
            block = matrix.matrix.block(st.release)
            if block is None or block.get(dep.name) is None:  # 2
                add(
                    Violation(
                        2,
                        f"{where}: {dep.name} {st.stage} uses {st.release!r}, "
                        f"but ReleaseMap[{st.release!r}] has no {dep.name!r} block",
                    )
                )
        stages = {st.stage: st.release for st in dep.stages}
        for s1, r1, s2, r2 in stage_order_violations(stages):  # 7
            line = dep.stage(s2).span.start_line  # type: ignore[union-attr]
            add(
                Violation(
                    7,
                    f"{mpath}:{line}: {dep.name} {s2} runs {r2!r}, newer than "
                    f"{s1} ({r1!r}); releases must not increase along CI → QA → "
                    "Production",
                )
            )

    for block in matrix.matrix.release_map:
        if block.release not in releases:  # 3
            add(
                Violation(
                    3,
                    f"{mpath}:{block.span.start_line}: ReleaseMap key "
                    f"{block.release!r} is not a member of the release Enum",
                )
            )
        for dep_block in block.deployments:
            seen: dict[str, int] = {}
            for entry in dep_block.entries:
                line = entry.span.start_line
                where = f"{mpath}:{line}"
                app = entry.application
                label = f"{app!r} in ReleaseMap[{block.release!r}][{dep_block.deployment!r}]"
                if entry.release is None:  # 4
                    add(Violation(4, f"{where}: {label} has no release"))
                elif entry.release != block.release:
                    result.warnings.append(
                        f"{where}: {label} is pinned to {entry.release!r}"
                    )
                for name in entry.undeclared:
                    result.warnings.append(
                        f"{where}: {label} sets {name}, which OpenEdxApplicationVersion "
                        f"in {tpath} does not declare (olx ignores it)"
                    )
                if app in seen:  # 5
                    add(
                        Violation(
                            5,
                            f"{where}: {label} appears twice (first at line "
                            f"{seen[app]})",
                        )
                    )
                else:
                    seen[app] = line
                known = apps.get(app)
                if known is None:  # 6
                    add(
                        Violation(
                            6,
                            f"{where}: {label} is in neither the application "
                            "Enum nor the micro-frontend Enum",
                        )
                    )
                elif entry.application_type != known.type:
                    add(
                        Violation(
                            6,
                            f"{where}: {label} has application_type "
                            f"{entry.application_type!r}, but it is an "
                            f"{known.type} ({known.member} in {tpath})",
                        )
                    )
    for dup in matrix.matrix.duplicate_keys:  # 8
        add(
            Violation(
                8,
                f"{mpath}:{dup.line}: {dup.describe()}; Python keeps the last value, "
                "at the first key's place",
            )
        )
    # Where olx cannot tell what the model's properties give (olx show and diff show
    # such values as null): once each, not once per entry.
    result.warnings += interpretation_notes(matrix)
    result.violations.sort(key=lambda v: v.rule)
    return result
