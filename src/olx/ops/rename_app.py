"""``olx set-app VALUE --rename NEW [--repository URL] [--path P]``: an application
renamed upstream, followed in one change.

The member's value becomes NEW (its member name stays, so Enum references such as
``OpenEdxMicroFrontend.course_authoring`` stay as they are and now mean NEW), with the
repository and path asked for, and every ``ReleaseMap`` entry that names the old value
as a string names NEW, in that string's own quotes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from olx.core import names
from olx.core import values as check_value
from olx.core.model import Application, Matrix
from olx.edit.change import Change, Workspace, finish, nothing_to_do
from olx.edit.literals import string_literal
from olx.errors import BadValueError
from olx.ops.apps import (
    ENUMS,
    check_fields,
    expected_items,
    item_changes,
    item_details,
    rewrite_items,
)
from olx.ops.entry_edit import (
    ListEdit,
    entry_source,
    fixed_writer,
    keyword_sources,
    rewrite_entries,
)


def _find(ws: Workspace, value: str, new: str) -> Application | None:
    """The member to rename: by value, else by member name (None when that member is
    already named NEW: the rename is done)."""
    for app in ws.model.types.applications:
        if value == app.value:
            return app
    for app in ws.model.types.applications:
        if value == app.member:
            return app if app.value != new else None
    return None


# Where the history of types.py last saw a member hold a value (``1a2b3c4d5e
# 2025-02-14 "…"``), or None when that member never had that value.
RenamedIn = Callable[[str, str], "str | None"]


def _done_already(
    ws: Workspace,
    value: str,
    new: str,
    repository: str | None,
    path: str | None,
    renamed_in: RenamedIn | None,
) -> Change:
    """VALUE is no member's value: the rename has been made when NEW's member is
    VALUE's (its member name, or a value the history of types.py shows it held) and
    has the repository and path asked for (a runbook run twice); else VALUE is
    unknown."""
    model = ws.model
    renamed = next((a for a in model.types.applications if a.value == new), None)
    if renamed is None or (
        value != renamed.member
        and (renamed_in is None or renamed_in(value, renamed.member) is None)
    ):
        raise names.unknown(
            "application", value, [a.value for a in model.types.applications]
        )
    check_fields(renamed, repository, path)
    differ = [
        f"{what} is {have!r}"
        for what, want, have in (
            ("repository", repository, renamed.repository),
            ("path", path, renamed.path),
        )
        if want is not None and want != have
    ]
    if differ:
        raise BadValueError(
            f"{value} is already renamed to {new}, whose {' and '.join(differ)} "
            "differs from what you asked",
            f"olx set-app {new} --repository URL / --path P changes it",
        )
    return nothing_to_do(
        ws,
        "set-app",
        [value, new],
        f"Rename {value} to {new}",
        f"{value} is already renamed to {new} ({ENUMS[renamed.type]}.{renamed.member})",
    )


def rename_app(
    ws: Workspace,
    value: str,
    new: str,
    repository: str | None = None,
    path: str | None = None,
    renamed_in: RenamedIn | None = None,
) -> Change:
    """Plan ``olx set-app VALUE --rename NEW [--repository URL] [--path P]``.

    ``renamed_in`` answers, for a VALUE no member has, whether the history of
    types.py shows NEW's member with that value (then the rename is done already)."""
    model = ws.model
    check_value.validate_app_value(new)
    app = _find(ws, value, new)
    if app is None:
        return _done_already(ws, value, new, repository, path, renamed_in)
    check_fields(app, repository, path)
    old = app.value
    args = [old, new]
    summary = f"Rename {old} to {new}"
    if old != new:
        _refuse_taken(model, new)
    changes = item_changes(app, {0: new, 1: repository, 2: path})
    if not changes:
        return nothing_to_do(
            ws, "set-app", args, summary, f"{app.value} is already named {new}"
        )
    new_types = rewrite_items(ws, app, changes)
    expected = expected_items(model, app, changes)
    details = item_details(app, changes)
    new_matrix = ws.matrix_src
    if 0 in changes:
        new_matrix, renamed = _rename_entries(ws, old, new, expected)
        details += renamed
    change = Change(
        "set-app",
        args,
        summary,
        new_types,
        new_matrix,
        details=details,
        follow_up_word=old if 0 in changes else None,
        follow_up_within=[v for v in changes.values() if v],
    )
    return finish(ws, change, expected)


def _refuse_taken(model: Matrix, new: str) -> None:
    """NEW must not be another application's value."""
    taken = next((a for a in model.types.applications if a.value == new), None)
    if taken is not None:
        raise BadValueError(
            f"{new} is already taken by {ENUMS[taken.type]}.{taken.member}",
            "choose another name, or olx remove-app it first",
        )


def _rename_entries(
    ws: Workspace, old: str, new: str, expected: dict[str, Any]
) -> tuple[str, list[str]]:
    """Every entry of ``old``: the string ones name ``new``; all of them mean it."""
    plan: dict[tuple[str, str], ListEdit] = {}
    details: list[str] = []
    by_member = 0
    for block in ws.model.matrix.release_map:
        for dep in block.deployments:
            listed = expected["release_map"][block.release][dep.deployment]
            for i, entry in enumerate(dep.entries):
                if entry.application != old:
                    continue
                listed[i] = {**listed[i], "application": new}
                node = keyword_sources(ws.matrix_src, entry).get("application")
                if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                    by_member += 1  # an Enum reference: it follows the member
                    continue
                text = (
                    "(" + entry_source(ws.matrix_src, entry).replace("\r\n", "\n") + ")"
                )
                segment = ast.get_source_segment(text, node) or '"'
                quote = "'" if segment.lstrip("rRuU").startswith("'") else '"'
                plan.setdefault((block.release, dep.deployment), ListEdit()).keywords[
                    i
                ] = [("application", fixed_writer(string_literal(new, quote)))]
                details.append(
                    f"ReleaseMap[{block.release!r}][{dep.deployment!r}]: "
                    f"application {old} → {new}"
                )
    if by_member:
        details.append(
            f"{by_member} entr{'y' if by_member == 1 else 'ies'} written as an Enum "
            f"reference name{'s' if by_member == 1 else ''} the member: unchanged, now {new}"
        )
    if not plan:
        return ws.matrix_src, details
    return rewrite_entries(ws.matrix_src, ws.model, plan), details
