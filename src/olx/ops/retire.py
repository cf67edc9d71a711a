"""``olx retire``: remove a release's ReleaseMap block and its Enum member in one change.

Both go together so that no revision ever has one without the other (the half-retired
revisions in the real history failed to import).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from olx.core import names, values
from olx.core.reader import RELEASE_ENUM
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.sequences import join_lines, own_comments, remove_element
from olx.edit.splice import edit_class_body, member_name, rewrite_statement
from olx.errors import GuardError, InputError, SafetyError
from olx.ops.clone import key_index, map_dict, replace_map
from olx.ops.releases import member_lines


def _users(ws: Workspace, name: str) -> list[str]:
    return [
        f"{dep.name} {st.stage}"
        for dep in ws.model.matrix.deployments
        for st in dep.stages
        if st.release == name
    ]


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


def retire(
    ws: Workspace, name: str, block_only: bool = False, enum_only: bool = False
) -> Change:
    """Plan ``olx retire NAME [--block-only | --enum-only]``."""
    if block_only and enum_only:
        raise InputError("--block-only and --enum-only exclude each other")
    model = ws.model
    values.validate_release_name(name)
    member = model.types.release(name)
    block = model.matrix.block(name)
    drop_block = block is not None and not enum_only
    drop_member = member is not None and not block_only
    args = [name] + (["block"] if block_only else ["enum"] if enum_only else [])
    summary = f"Retire {name}" + (
        " (ReleaseMap block)" if block_only else " (Enum member)" if enum_only else ""
    )
    if not drop_block and not drop_member:
        why = f"{name} is already retired"
        known = [r.name for r in model.types.releases]
        if member is None and block is None:
            close = names.closest(name, known)
            if close:  # a typo should not pass for a finished job unnoticed
                why += f" (not a release here; did you mean {close!r}?)"
        return nothing_to_do(ws, "retire", args, summary, why)
    users = _users(ws, name)
    if users:
        raise GuardError(
            f"refused: {name} is still used by {', '.join(users)}",
            "promote those stages to another release first",
        )
    if drop_member:
        pins = _pins(ws, name)
        if pins:
            raise GuardError(
                f"refused: entries in other blocks are pinned to {name}: "
                + ", ".join(pins),
                "re-pin or remove those entries first",
            )
    if drop_member and block is not None and not drop_block:
        # Exactly the half-retired state that failed to import in the real history.
        raise GuardError(
            f"refused: ReleaseMap[{name!r}] still exists; removing only the Enum member "
            "would leave a block for a release that is not supported",
            f"olx retire {name} (both at once), or --block-only first",
        )

    expected = expected_of(model)
    new_types, new_matrix = ws.types_src, ws.matrix_src
    details = []
    if drop_block:
        new_matrix = rewrite_statement(
            new_matrix, model.matrix.release_map_stmt, _drop_block(name)
        )  # type: ignore[arg-type]
        del expected["release_map"][name]
        details.append(
            f"ReleaseMap[{name!r}] removed ({', '.join(d.deployment for d in block.deployments)})"
        )  # type: ignore[union-attr]
    if drop_member:
        new_types = rewrite_statement(
            new_types, model.types.release_stmt, _drop_member(member.member)
        )  # type: ignore[arg-type,union-attr]
        expected["releases"] = [r for r in expected["releases"] if r["name"] != name]
        details.append(f"{RELEASE_ENUM}.{member.member} removed")  # type: ignore[union-attr]
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


def _drop_block(name: str):
    def transform(module: cst.Module) -> cst.Module:
        small, root = map_dict(module)
        index = key_index(root, name)
        if index is None:
            raise SafetyError(f"ReleaseMap[{name!r}] not found in the statement")
        return replace_map(module, small, remove_element(root, index))

    return transform


def _drop_member(member: str):
    def drop(body: list[Any]) -> list[Any]:
        found = [i for i in member_lines(body) if member_name(body[i]) == member]
        if not found:
            raise SafetyError(f"{RELEASE_ENUM}.{member} not found in the statement")
        i = found[0]
        removed = body.pop(i)
        # Its own comments go with it; blank lines and section comments above them
        # stay, now above whatever follows.
        kept, _ = own_comments(removed.leading_lines)
        if i < len(body):
            body[i] = body[i].with_changes(
                leading_lines=join_lines(kept, body[i].leading_lines)
            )
        return body

    return lambda module: edit_class_body(module, drop, RELEASE_ENUM)
