"""``olx retire``: remove a release's ReleaseMap block and its Enum member in one change.

Both go together so that no revision ever has one without the other (the half-retired
revisions in the real history failed to import). ``--deployment D`` removes only D's
lists from the block instead (see :func:`retire_deployments`).

Whether a name that is in neither file was ever a release is a question for the git
history; the caller answers it through ``retired_in`` so that planning stays pure.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

import libcst as cst

from olx.core import names, values
from olx.core.model import Matrix, Release, ReleaseBlock
from olx.core.reader import RELEASE_ENUM
from olx.core.wording import fit
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.members import drop_at, find_member
from olx.edit.sequences import remove_element
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.errors import GuardError, SafetyError, UsageError
from olx.ops.clone import key_index, map_dict, replace_map


def _refuse_used(ws: Workspace, name: str, only: list[str] | None = None) -> None:
    """No stage (of the deployments ``only``, when given) may run release ``name``."""
    users = [
        f"{dep.name} {st.stage}"
        for dep in ws.model.matrix.deployments
        if only is None or dep.name in only
        for st in dep.stages
        if st.release == name
    ]
    if users:
        raise GuardError(
            f"refused: {name} is still used by {', '.join(users)}",
            "promote those stages to another release first",
        )


def _pins(ws: Workspace, name: str) -> list[str]:
    """Entries of other blocks whose release is ``name`` (file:line and where)."""
    matrix = ws.model.matrix
    return [
        f"{matrix.path}:{entry.span.start_line} "
        f"ReleaseMap[{block.release!r}][{dep.deployment!r}] {entry.application}"
        for block in matrix.release_map
        if block.release != name
        for dep in block.deployments
        for entry in dep.entries
        if entry.release == name
    ]


# Where a name left the release Enum of types.py, as the git history tells it
# (``1a2b3c4d5e 2024-03-01 "config: Retire olive"``), or None when it never held it.
RetiredIn = Callable[[str], "str | None"]


def already_retired(ws: Workspace, name: str, retired_in: RetiredIn | None) -> str:
    """The "already retired" reason for a name that is in neither file.

    Only a name that types.py once held counts as retired: anything else is a typo or
    a name from another repository, an input error naming the closest release.
    """
    where = retired_in(name) if retired_in is not None else None
    if where is None:
        model = ws.model
        known = [r.name for r in model.types.releases]
        known += [b.release for b in model.matrix.release_map if b.release not in known]
        raise names.unknown("release", name, known)
    shown = PurePosixPath(ws.types_shown).name
    return f"{name} is already retired (left {shown} in {where})"


class RetireScope(Enum):
    """What ``olx retire NAME`` removes: the block and the member together, or one
    half (``--block-only``, ``--enum-only``). The value is the word the default
    branch name and the summary take."""

    BOTH = ""
    BLOCK = "block"
    ENUM = "enum"

    @classmethod
    def of(cls, block_only: bool, enum_only: bool) -> RetireScope:
        if block_only and enum_only:
            raise UsageError("--block-only and --enum-only exclude each other")
        return cls.BLOCK if block_only else cls.ENUM if enum_only else cls.BOTH

    @property
    def option(self) -> str:
        return f"--{self.value}-only"

    @property
    def said(self) -> str:
        """How the summary says it: `` (ReleaseMap block)``, `` (Enum member)``."""
        halves = {"block": " (ReleaseMap block)", "enum": " (Enum member)"}
        return halves.get(self.value, "")


def retire(
    ws: Workspace,
    name: str,
    block_only: bool = False,
    enum_only: bool = False,
    deployments: list[str] | None = None,
    retired_in: RetiredIn | None = None,
) -> Change:
    """Plan ``olx retire NAME [--block-only | --enum-only | --deployment D…]``.

    ``retired_in`` answers, for a name in neither file, where the history of types.py
    last held it (None: never, so an unknown name).
    """
    scope = RetireScope.of(block_only, enum_only)
    if deployments and scope is not RetireScope.BOTH:
        raise UsageError(
            f"--deployment removes lists from the block; it excludes {scope.option}",
            f"olx retire {name} --deployment D (the Enum member stays)",
        )
    if deployments:
        return retire_deployments(ws, name, deployments, retired_in)
    model = ws.model
    values.validate_release_name(name)
    member = model.types.release(name)
    block = model.matrix.block(name)
    gone_block = block if scope is not RetireScope.ENUM else None
    gone_member = member if scope is not RetireScope.BLOCK else None
    args = [name] + ([scope.value] if scope.value else [])
    summary = f"Retire {name}{scope.said}"
    if gone_block is None and gone_member is None:
        if member is None and block is None:
            why = already_retired(ws, name, retired_in)
        else:  # the other half is still there: --block-only or --enum-only said so
            why = f"{name} is already retired"
        return nothing_to_do(ws, "retire", args, summary, why)
    _refuse_used(ws, name)
    if gone_member is not None:
        _refuse_member_only(ws, name, block is not None and gone_block is None)
    return _retired(ws, name, gone_block, gone_member, args, summary)


def _refuse_member_only(ws: Workspace, name: str, block_stays: bool) -> None:
    """The member goes only when no entry of another block is pinned to it, and
    never while its block stays."""
    pins = _pins(ws, name)
    if pins:
        raise GuardError(
            f"refused: entries in other blocks are pinned to {name}: "
            + ", ".join(pins),
            "re-pin or remove those entries first",
        )
    if block_stays:
        # Exactly the half-retired state that failed to import in the real history.
        raise GuardError(
            f"refused: ReleaseMap[{name!r}] still exists; removing only the Enum member "
            "would leave a block for a release that is not supported",
            f"olx retire {name} (both at once), or --block-only first",
        )


def _retired(
    ws: Workspace,
    name: str,
    block: ReleaseBlock | None,
    member: Release | None,
    args: list[str],
    summary: str,
) -> Change:
    """The change that removes ``block`` and ``member`` (those not None)."""
    model = ws.model
    expected = expected_of(model)
    new_types, new_matrix = ws.types_src, ws.matrix_src
    details = []
    if block is not None:
        stmt = model.matrix.release_map_stmt
        new_matrix = rewrite_statement(new_matrix, stmt, _drop_block(name))
        del expected["release_map"][name]
        listed = ", ".join(d.deployment for d in block.deployments)
        details.append(f"ReleaseMap[{name!r}] removed ({listed})")
    if member is not None:
        stmt = model.types.release_stmt
        new_types = rewrite_statement(new_types, stmt, _drop_member(member.member))
        expected["releases"] = [r for r in expected["releases"] if r["name"] != name]
        details.append(f"{RELEASE_ENUM}.{member.member} removed")
    change = Change(
        "retire",
        args,
        summary,
        new_types,
        new_matrix,
        details=details,
        follow_up_word=name,
    )
    return finish(ws, change, expected)


def retire_deployments(
    ws: Workspace,
    name: str,
    deployments: list[str],
    retired_in: RetiredIn | None = None,
) -> Change:
    """Plan ``olx retire NAME --deployment D…``: only D's lists leave ``ReleaseMap[NAME]``.

    The block goes with its last list; the Enum member stays. A list that is already
    absent is nothing to do, as long as NAME is (or was) a release at all.
    """
    model = ws.model
    values.validate_release_name(name)
    block = model.matrix.block(name)
    present = [d.deployment for d in block.deployments] if block else []
    chosen = _known_deployments(model, deployments, present)
    args = [name, *chosen]
    summary = fit(lambda d: f"Retire {name} for {d}", (chosen, "deployments"))
    drop = [dep for dep in present if dep in chosen]  # in block order
    if not drop:
        if block is None and model.types.release(name) is None:
            why = already_retired(ws, name, retired_in)
        elif block is None:
            why = f"{name} has no ReleaseMap block"
        else:
            why = f"ReleaseMap[{name!r}] has no list for {', '.join(chosen)}"
        return nothing_to_do(ws, "retire", args, summary, why)
    _refuse_used(ws, name, only=drop)
    whole = len(drop) == len(present)
    expected = expected_of(model)
    block_json = expected["release_map"][name]
    details = [
        f"ReleaseMap[{name!r}][{dep!r}] removed ({len(block_json[dep])} applications)"
        for dep in drop
    ]
    if whole:
        # An empty ``{}`` block would be a release mapped to nothing: it goes too.
        del expected["release_map"][name]
        details.append(f"ReleaseMap[{name!r}] removed (its last list went)")
    else:
        expected["release_map"][name] = {
            dep: entries for dep, entries in block_json.items() if dep not in drop
        }
    transform = _drop_block(name) if whole else _drop_lists(name, drop)
    stmt = model.matrix.release_map_stmt
    new_matrix = rewrite_statement(ws.matrix_src, stmt, transform)
    # No follow-up checklist: the release stays, so its other mentions are still right.
    change = Change("retire", args, summary, ws.types_src, new_matrix, details=details)
    return finish(ws, change, expected)


def _known_deployments(
    model: Matrix, deployments: list[str], present: list[str]
) -> list[str]:
    """The deployments named, each a deployment of the matrix or a list of the block."""
    chosen = names.deployment_names(model, deployments)
    for dep in chosen:
        if dep not in present and names.find_deployment(model, dep) is None:
            valid = [d.name for d in model.matrix.deployments]
            valid += [d for d in present if d not in valid]
            raise names.unknown("deployment", dep, valid)
    return chosen


Transform = Callable[[cst.Module], cst.Module]


def _drop_lists(name: str, drop: list[str]) -> Transform:
    """Removes the lists ``drop`` from ``ReleaseMap[NAME]``."""

    def transform(module: cst.Module) -> cst.Module:
        small, root = map_dict(module)
        index = key_index(root, name)
        if index is None:
            raise SafetyError(f"ReleaseMap[{name!r}] not found in the statement")
        elem = root.elements[index]
        value = elem.value
        if not isinstance(value, cst.Dict):
            raise SafetyError(f"ReleaseMap[{name!r}] is not a dict literal")
        for dep in drop:
            at = key_index(value, dep)
            if at is None:
                raise SafetyError(f"ReleaseMap[{name!r}][{dep!r}] not found")
            value = remove_element(value, at)
        new_root = root.with_changes(
            elements=[
                *root.elements[:index],
                elem.with_changes(value=value),
                *root.elements[index + 1 :],
            ]
        )
        return replace_map(module, small, new_root)

    return transform


def _drop_block(name: str) -> Transform:
    """Removes ``ReleaseMap[NAME]``."""

    def transform(module: cst.Module) -> cst.Module:
        small, root = map_dict(module)
        index = key_index(root, name)
        if index is None:
            raise SafetyError(f"ReleaseMap[{name!r}] not found in the statement")
        return replace_map(module, small, remove_element(root, index))

    return transform


def _drop_member(member: str) -> Transform:
    """Removes member ``member`` of the release Enum."""

    def drop(body: list[Any]) -> list[Any]:
        # Its own comments go with it; blank lines and section comments above them
        # stay, now above whatever follows.
        return drop_at(body, find_member(body, member, RELEASE_ENUM))

    return lambda module: edit_class_body(module, drop, RELEASE_ENUM)
