"""The invariants of docs/contract.md ("The check invariants"), the pin warning, and
what the model's own properties use that olx cannot interpret (warnings).

Each rule family is one function over the model that returns its findings in source
order; :func:`check` joins them, violations sorted by rule (a stable sort: within a
rule, source order).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from olx.core.model import (
    STAGES,
    AppEntry,
    Application,
    Deployment,
    Matrix,
    ReleaseBlock,
    release_rank,
)
from olx.core.resolve import interpretation_notes


@dataclass(frozen=True)
class Violation:
    rule: int
    message: str


@dataclass(frozen=True)
class CheckResult:
    violations: tuple[Violation, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
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
    violations = [
        *_stage_violations(matrix),
        *_block_key_violations(matrix),
        *_entry_violations(matrix),
        *_duplicate_key_violations(matrix),
    ]
    # Where olx cannot tell what the model's properties give (olx show and diff show
    # such values as null): once each, not once per entry.
    warnings = [*_entry_warnings(matrix), *interpretation_notes(matrix)]
    return CheckResult(tuple(sorted(violations, key=lambda v: v.rule)), tuple(warnings))


def _stage_violations(matrix: Matrix) -> Iterator[Violation]:
    """Rules 1 and 2 (a stage's release is a member with a block for the deployment)
    and 7 (releases never increase along CI → QA → Production)."""
    tpath, mpath = matrix.types.path, matrix.matrix.path
    releases = {r.name for r in matrix.types.releases}
    for dep in matrix.matrix.deployments:
        for st in dep.stages:
            where = f"{mpath}:{st.span.start_line}"
            uses = f"{where}: {dep.name} {st.stage} uses {st.release!r}"
            if st.release not in releases:  # 1
                yield Violation(
                    1,
                    f"{uses}, which is not a member of the release Enum ({tpath})",
                )
            block = matrix.matrix.block(st.release)
            if block is None or block.get(dep.name) is None:  # 2
                yield Violation(
                    2,
                    f"{uses}, but ReleaseMap[{st.release!r}] has no {dep.name!r} block",
                )
        yield from _stage_order(mpath, dep)


def _stage_order(mpath: str, dep: Deployment) -> Iterator[Violation]:
    stages = {st.stage: st.release for st in dep.stages}
    for s1, r1, s2, r2 in stage_order_violations(stages):  # 7
        later = dep.stage(s2)
        line = later.span.start_line if later is not None else None
        yield Violation(
            7,
            f"{mpath}:{line}: {dep.name} {s2} runs {r2!r}, newer than "
            f"{s1} ({r1!r}); releases must not increase along CI → QA → "
            "Production",
        )


def _block_key_violations(matrix: Matrix) -> Iterator[Violation]:
    """Rule 3: every ReleaseMap key is a member of the release Enum."""
    releases = {r.name for r in matrix.types.releases}
    for block in matrix.matrix.release_map:
        if block.release not in releases:
            yield Violation(
                3,
                f"{matrix.matrix.path}:{block.span.start_line}: ReleaseMap key "
                f"{block.release!r} is not a member of the release Enum",
            )


class _Listed(NamedTuple):
    """One entry of ``ReleaseMap[release][deployment]`` and how messages name it."""

    block: ReleaseBlock
    entry: AppEntry
    where: str  # file:line
    label: str  # 'learning' in ReleaseMap['ulmo']['mitx']


def _lists(matrix: Matrix) -> Iterator[list[_Listed]]:
    """The entries of each ReleaseMap list, list by list, in source order."""
    mpath = matrix.matrix.path
    for block in matrix.matrix.release_map:
        for dep_block in block.deployments:
            where = f"ReleaseMap[{block.release!r}][{dep_block.deployment!r}]"
            yield [
                _Listed(
                    block,
                    entry,
                    f"{mpath}:{entry.span.start_line}",
                    f"{entry.application!r} in {where}",
                )
                for entry in dep_block.entries
            ]


def _entry_violations(matrix: Matrix) -> Iterator[Violation]:
    """Rules 4 (an entry has a release), 5 (once per list) and 6 (its application is
    a member of the Enum of its type)."""
    apps = {a.value: a for a in matrix.types.applications}
    for listed in _lists(matrix):
        seen: dict[str, int] = {}
        for item in listed:
            entry = item.entry
            if entry.release is None:  # 4
                yield Violation(4, f"{item.where}: {item.label} has no release")
            if entry.application in seen:  # 5
                yield Violation(
                    5,
                    f"{item.where}: {item.label} appears twice (first at line "
                    f"{seen[entry.application]})",
                )
            else:
                seen[entry.application] = entry.span.start_line
            known = apps.get(entry.application)
            yield from _application_violations(matrix, item, known)


def _application_violations(
    matrix: Matrix, item: _Listed, known: Application | None
) -> Iterator[Violation]:
    """Rule 6 for one entry: its application is known, with the type it has."""
    if known is None:
        yield Violation(
            6,
            f"{item.where}: {item.label} is in neither the application "
            "Enum nor the micro-frontend Enum",
        )
    elif item.entry.application_type != known.type:
        yield Violation(
            6,
            f"{item.where}: {item.label} has application_type "
            f"{item.entry.application_type!r}, but it is an "
            f"{known.type} ({known.member} in {matrix.types.path})",
        )


def _entry_warnings(matrix: Matrix) -> Iterator[str]:
    """Entries pinned to another release than their block's, and keywords the entry
    model does not declare."""
    tpath = matrix.types.path
    for item in itertools.chain.from_iterable(_lists(matrix)):
        entry = item.entry
        if entry.release is not None and entry.release != item.block.release:
            yield f"{item.where}: {item.label} is pinned to {entry.release!r}"
        for name in entry.undeclared:
            yield (
                f"{item.where}: {item.label} sets {name}, which "
                f"OpenEdxApplicationVersion in {tpath} does not declare (olx ignores it)"
            )


def _duplicate_key_violations(matrix: Matrix) -> Iterator[Violation]:
    """Rule 8: a ReleaseMap key given twice."""
    for dup in matrix.matrix.duplicate_keys:
        yield Violation(
            8,
            f"{matrix.matrix.path}:{dup.line}: {dup.describe()}; Python keeps the "
            "last value, at the first key's place",
        )
