"""``olx promote``: set one stage of one or more deployments to a release.

Changes exactly the release inside each targeted ``EnvRelease`` and nothing else, after
the guards of docs/contract.md: the ``ReleaseMap`` block must exist and releases must
never increase along CI → QA → Production (``--force`` turns both into warnings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from olx.core import names
from olx.core.check import stage_order_violations
from olx.core.model import STAGES, Deployment, Matrix, Span, release_rank
from olx.core.resolve import component_changes, describe_changes, resolve_stage
from olx.core.wording import fit
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.splice import quoted, rewrite_spans
from olx.errors import GuardError, SafetyError, UnknownNameError, UsageError
from olx.ops.soak import SoakPolicy


def _source_release(dep: Deployment, stage: str) -> str:
    """The release of the stage before ``stage`` (QA takes CI's, Production QA's)."""
    index = STAGES.index(stage)
    if index == 0:
        raise UsageError(
            "CI has no stage before it",
            f"name the release: olx promote {dep.name} CI RELEASE",
        )
    before = STAGES[index - 1]
    st = dep.stage(before)
    if st is None:
        raise UsageError(
            f"{dep.name} has no {before} stage to take the release from",
            f"name the release: olx promote {dep.name} {stage} RELEASE",
        )
    return st.release


class _Retarget:
    """The release reference of one stage, to name another release member: an
    :class:`olx.edit.splice.SpanRewrite` of the reference alone (the reader's span of
    the stage's ``edx_release``), so that a promote parses and generates that
    expression, not the whole deployment Enum around it (about 3 ms of the example's,
    on every promote and every promote step of a runbook)."""

    __slots__ = ("member", "span")

    def __init__(self, span: Span, member: str) -> None:
        self.span = span
        self.member = member

    def prepare(
        self, text: str, position: Callable[[int, int], int]
    ) -> tuple[str, Callable[[cst.BaseExpression], str]]:
        return text, self.code

    def code(self, ref: cst.BaseExpression) -> str:
        # edit.sequences.element_code's one line, written here: importing that module
        # costs a promote about 2 ms of start-up.
        return cst.Module(body=[]).code_for_node(_retarget(ref, self.member))


def _retarget(ref: cst.BaseExpression, member: str) -> cst.BaseExpression:
    """The same kind of release reference, naming ``member``."""
    if isinstance(ref, cst.Subscript) and len(ref.slice) == 1:
        index = ref.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            new_index = index.with_changes(value=quoted(member, index.value))
            return ref.with_changes(slice=[ref.slice[0].with_changes(slice=new_index)])
    if isinstance(ref, cst.Attribute):
        return ref.with_changes(attr=cst.Name(member))
    if isinstance(ref, cst.SimpleString):
        return quoted(member, ref)
    raise SafetyError(f"cannot rewrite the release reference {ref!r}")


@dataclass(frozen=True)
class Move:
    """One stage of one deployment moving to another release."""

    dep: Deployment
    old: str  # the release it runs now
    new: str  # the release it moves to
    member: str  # the release Enum member of ``new``
    note: str = ""  # after the stage line, e.g. " (rollback of 1a2b3c4d5e)"


def guard_problems(
    model: Matrix,
    dep: Deployment,
    stage: str,
    old: str,
    new: str,
    soak: SoakPolicy | None = None,
    block: bool = True,
) -> list[tuple[str, str]]:
    """(message, hint) of every promote guard that moving ``stage`` of ``dep`` from
    ``old`` to ``new`` trips: the ReleaseMap block must exist (unless ``block`` is
    false), soak time (when a policy is given) and the stage order CI → QA →
    Production."""
    problems: list[tuple[str, str]] = []
    found = model.matrix.block(new)
    if block and (found is None or found.get(dep.name) is None):
        problems.append(
            (
                f"ReleaseMap[{new!r}] has no {dep.name!r} block",
                f"create it first: olx clone-release {old} {new} --deployment {dep.name}",
            )
        )
    if soak is not None:
        held = soak.problem(dep, stage, old, new)
        if held is not None:
            problems.append(held)
    stages = {s.stage: s.release for s in dep.stages}
    stages[stage] = new
    for s1, r1, s2, r2 in stage_order_violations(stages):
        problems.append(
            (
                f"{dep.name} {s2} would run {r2}, newer than its {s1} ({r1})",
                f"promote {s1} first (olx promote {dep.name} {s1} {r2})",
            )
        )
    return problems


def promote(
    ws: Workspace,
    deployments: str,
    stage: str,
    release: str | None,
    force: bool = False,
    soak: SoakPolicy | None = None,
) -> Change:
    """Plan ``olx promote DEPLOYMENTS STAGE [RELEASE]``.

    ``soak`` is the soak-time policy of the target (``[tool.olx.soak]``), a guard like
    the others.
    """
    model = ws.model
    deps = names.deployments(model, deployments)
    stage = names.stage(stage)
    wanted = names.release(model, release) if release is not None else None

    todo: list[Move] = []
    already: list[str] = []
    for dep in deps:
        current = dep.stage(stage)
        if current is None:
            present = ", ".join(s.stage for s in dep.stages)
            raise UnknownNameError(
                f"{dep.name} has no {stage} stage (it has {present})"
            )
        rel = wanted or names.release(model, _source_release(dep, stage))
        if current.release == rel.name:
            already.append(f"{dep.name} {stage} is already on {rel.name}")
        else:
            todo.append(Move(dep, current.release, rel.name, rel.member))
    releases = sorted({m.new for m in todo})
    named = release or (releases[0] if len(releases) == 1 else "previous")
    args = [deployments, stage, named]
    label = releases[0] if len(releases) == 1 else "the previous stage's release"
    summary = fit(
        lambda d: f"Promote {label} to {stage} for {d}",
        ([m.dep.name for m in todo], "deployments"),
    )
    if not todo:
        return nothing_to_do(
            ws, "promote", args, summary, "; ".join(already) + ": nothing to do"
        )
    if soak is not None:
        soak.check_deployments(model.matrix.deployments)
    problems = [
        p for m in todo for p in guard_problems(model, m.dep, stage, m.old, m.new, soak)
    ]
    return move_stages(
        ws, "promote", args, summary, stage, todo, problems, force, notes=already
    )


def move_stages(
    ws: Workspace,
    command: str,
    args: list[str],
    summary: str,
    stage: str,
    moves: list[Move],
    problems: list[tuple[str, str]],
    force: bool,
    notes: list[str] | None = None,
) -> Change:
    """The one path that moves stages (promote, rollback): refuse on ``problems``
    unless ``force`` (then they are warnings), rewrite exactly the release of each
    moved stage, prove the result, and list what each stage will build differently."""
    model = ws.model
    if problems and not force:
        message = "; ".join(p for p, _ in problems)
        raise GuardError(f"refused: {message}", f"{problems[0][1]}, or pass --force")
    warnings = [f"--force: {p}" for p, _ in problems]

    rewrites = []
    for m in moves:
        current = m.dep.stage(stage)
        if current is None:
            raise SafetyError(f"{m.dep.name} has no {stage} stage to change")
        rewrites.append(_Retarget(current.span, m.member))
    new_matrix = rewrite_spans(ws.matrix_src, rewrites)

    expected = expected_of(model)
    by_name = {d["name"]: d for d in expected["deployments"]}
    for m in moves:
        by_name[m.dep.name]["stages"][stage] = m.new
    details = []
    for m in moves:
        word = " (rollback)" if release_rank(m.new) < release_rank(m.old) else ""
        details.append(f"{m.dep.name} {stage}: {m.old} → {m.new}{m.note or word}")
    change = Change(
        command,
        args,
        summary,
        ws.types_src,
        new_matrix,
        details=details,
        warnings=warnings,
        notes=list(notes or []),
    )
    change = finish(ws, change, expected)
    return dataclasses.replace(
        change,
        details=_with_component_changes(model, change, [m.dep for m in moves], stage),
    )


def _with_component_changes(
    old: Matrix, change: Change, moved: list[Deployment], stage: str
) -> list[str]:
    """Each stage line followed by what that stage will build differently (indented
    lines: ``+ app``, ``- app``, ``~ app: field old → new``)."""
    new = change.new_model
    out = []
    for line, dep in zip(change.details, moved, strict=True):
        out.append(line)
        after_dep = names.find_deployment(new, dep.name) if new else None
        if new is None or after_dep is None:
            continue
        before = resolve_stage(old, dep, stage)
        after = resolve_stage(new, after_dep, stage)
        lines = describe_changes(component_changes(before.components, after.components))
        out += [f"  {text}" for text in lines or ["builds the same components"]]
    return out
