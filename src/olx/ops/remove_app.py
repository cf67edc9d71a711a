"""``olx remove-app VALUE``: the Enum member and every ReleaseMap entry of it, at once.

Both go in one change: an entry whose application is no member any more fails
``olx check`` (and an entry written ``OpenEdxApplication.member`` fails to import), so
no revision should have one without the other. Entries are matched by what the reader
resolves them to, whether written ``application="x"`` or as an Enum reference.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from olx.core import names
from olx.core.model import Application
from olx.core.reader import parse
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.members import drop_at, edit_enum, find_member
from olx.edit.splice import rewrite_statement
from olx.errors import ShapeError, UnknownNameError
from olx.ops.apps import ENUMS, with_applications
from olx.ops.entry_edit import ListEdit, rewrite_entries

# (release, deployment) → indexes of the entries to remove, in list order.
Doomed = dict[tuple[str, str], list[int]]


def _doomed(ws: Workspace, value: str) -> Doomed:
    out: Doomed = {}
    for block in ws.model.matrix.release_map:
        for dep in block.deployments:
            # The reader keeps one entry per list element, in order, so these indexes
            # are the libcst List's indexes too.
            found = [i for i, e in enumerate(dep.entries) if e.application == value]
            if found:
                out[(block.release, dep.deployment)] = found
    return out


def remove_app(
    ws: Workspace, value: str, removed_in: Callable[[str], str | None] | None = None
) -> Change:
    """Plan ``olx remove-app VALUE``: the member and every entry of it, listed.

    A VALUE in neither Enum is "already removed" (nothing to do) when the history of
    types.py held it (``removed_in`` says where it left), else an unknown name.
    """
    model = ws.model
    try:
        app = names.application(model, value)
    except UnknownNameError as exc:
        return _already_removed(ws, value, removed_in, exc)
    enum = ENUMS[app.type]
    doomed = _doomed(ws, app.value)
    new_types = _drop_member(ws, app, enum)
    new_matrix = _rewrite_matrix(ws, doomed) if doomed else ws.matrix_src
    _refuse_references_left(ws, app, enum, new_types, new_matrix)
    expected = _expected_without(ws, app, doomed)
    change = Change(
        "remove-app",
        [app.value],
        f"Remove application {app.value} ({app.type})",
        new_types,
        new_matrix,
        details=_removal_details(app, enum, doomed, expected),
        follow_up_word=app.value,
    )
    return finish(ws, change, expected)


def _already_removed(
    ws: Workspace,
    value: str,
    removed_in: Callable[[str], str | None] | None,
    error: UnknownNameError,
) -> Change:
    """Nothing to do when the history of types.py held VALUE; else ``error``."""
    where = removed_in(value) if removed_in is not None else None
    if where is None:
        raise error
    return nothing_to_do(
        ws,
        "remove-app",
        [value],
        f"Remove application {value}",
        f"{value} is already removed (left {PurePosixPath(ws.types_shown).name} "
        f"in {where})",
    )


def _refuse_references_left(
    ws: Workspace, app: Application, enum: str, new_types: str, new_matrix: str
) -> None:
    """A reference olx does not remove (a module-level constant, say) would fail at
    import; the user decides what it becomes."""
    left = _references(new_types, ws.types_shown, enum, app) + _references(
        new_matrix, ws.matrix_shown, enum, app
    )
    if left:
        raise ShapeError(
            None,
            None,
            f"{enum}.{app.member} is still referenced outside ReleaseMap entries: "
            + ", ".join(left),
            "remove or change those references by hand first",
        )


def _expected_without(
    ws: Workspace, app: Application, doomed: Doomed
) -> dict[str, Any]:
    """The model without the member and its entries."""
    expected = with_applications(
        expected_of(ws.model),
        app.type,
        lambda apps: [a for a in apps if a["member"] != app.member],
    )
    for (release, deployment), indexes in doomed.items():
        entries = expected["release_map"][release][deployment]
        kept = [e for i, e in enumerate(entries) if i not in indexes]
        expected["release_map"][release] = {
            **expected["release_map"][release],
            deployment: kept,
        }
    return expected


def _removal_details(
    app: Application, enum: str, doomed: Doomed, expected: dict[str, Any]
) -> list[str]:
    details = [f"{enum}.{app.member} removed"]
    for (release, deployment), indexes in doomed.items():
        where = f"ReleaseMap[{release!r}][{deployment!r}]"
        details += [f"{where}: {app.value} removed"] * len(indexes)
        if not expected["release_map"][release][deployment]:
            details.append(f"{where} is now empty ([])")
    return details


def _references(source: str, shown: str, enum: str, app: Application) -> list[str]:
    """``file:line`` of every ``Enum.member``/``Enum["member" or "value"]`` left."""
    if app.member not in source and app.value not in source:
        return []  # no such reference can be written without either (no parse)
    return [
        f"{shown}:{node.lineno}"
        for node in ast.walk(parse(source, shown))
        if isinstance(node, (ast.Attribute, ast.Subscript))
        and _enum_reference(node) in ((enum, app.member), (enum, app.value))
    ]


def _enum_reference(node: ast.Attribute | ast.Subscript) -> tuple[str, object] | None:
    """(Enum, member or key) of ``Enum.member`` or ``Enum["key"]``, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return (node.value.id, node.attr)
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and isinstance(node.slice, ast.Constant)
    ):
        return (node.value.id, node.slice.value)
    return None


def _drop_member(ws: Workspace, app: Application, enum: str) -> str:
    def drop(body: list[Any]) -> list[Any]:
        return drop_at(body, find_member(body, app.member, enum))

    return rewrite_statement(ws.types_src, app.stmt, lambda m: edit_enum(m, enum, drop))


def _rewrite_matrix(ws: Workspace, doomed: Doomed) -> str:
    edits = {
        where: ListEdit(removals=set(indexes)) for where, indexes in doomed.items()
    }
    return rewrite_entries(ws.matrix_src, ws.model, edits)
