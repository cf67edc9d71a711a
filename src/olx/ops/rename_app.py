"""``olx set-app VALUE --rename NEW [--repository URL] [--path P]``: an application
renamed upstream, followed in one change.

The member's value becomes NEW (its member name stays, so Enum references such as
``OpenEdxMicroFrontend.course_authoring`` stay as they are and now mean NEW), with the
repository and path asked for, and every ``ReleaseMap`` entry that names the old value
as a string names NEW, in that string's own quotes.
"""

from __future__ import annotations

import ast
from typing import Any

from olx.core import names
from olx.core import values as check_value
from olx.core.model import Application
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.literals import string_literal
from olx.edit.members import find_member, set_items
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.errors import InputError
from olx.ops.apps import ENUMS, FIELDS, with_applications
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


def _check_fields(app: Application, repository: str | None, path: str | None) -> None:
    enum = ENUMS[app.type]
    if repository is not None:
        check_value.validate_url(repository, "repository")
        if app.repository is None:
            raise InputError(
                f"{enum}.{app.member} has no repository field", "edit it by hand"
            )
    if path is not None:
        if app.type == "IDA":
            raise InputError(
                f"{app.value} is an IDA: only an MFE has a path", "drop --path"
            )
        check_value.validate_mfe_path(path)
        if app.path is None:
            raise InputError(
                f"the members of {enum} have no path field here", "drop --path"
            )


def _done_already(
    ws: Workspace, value: str, new: str, repository: str | None, path: str | None
) -> Change:
    """VALUE is no member: the rename has been made when NEW is there with the
    repository and path asked for (a runbook run twice); else VALUE is unknown."""
    model = ws.model
    renamed = next((a for a in model.types.applications if a.value == new), None)
    if renamed is None:
        raise names.unknown(
            "application", value, [a.value for a in model.types.applications]
        )
    _check_fields(renamed, repository, path)
    differ = [
        f"{what} is {have!r}"
        for what, want, have in (
            ("repository", repository, renamed.repository),
            ("path", path, renamed.path),
        )
        if want is not None and want != have
    ]
    if differ:
        raise InputError(
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
) -> Change:
    """Plan ``olx set-app VALUE --rename NEW [--repository URL] [--path P]``."""
    model = ws.model
    check_value.validate_app_value(new)
    app = _find(ws, value, new)
    if app is None:
        return _done_already(ws, value, new, repository, path)
    _check_fields(app, repository, path)
    enum = ENUMS[app.type]
    old = app.value
    args = [old, new]
    summary = f"Rename {old} to {new}"
    if old != new:
        taken = next((a for a in model.types.applications if a.value == new), None)
        if taken is not None:
            raise InputError(
                f"{new} is already taken by {ENUMS[taken.type]}.{taken.member}",
                "choose another name, or olx remove-app it first",
            )
    asked = {0: new, 1: repository, 2: path}
    have = {0: app.value, 1: app.repository, 2: app.path}
    changes = {i: v for i, v in asked.items() if v is not None and v != have[i]}
    if not changes:
        return nothing_to_do(
            ws, "set-app", args, summary, f"{app.value} is already named {new}"
        )

    def change_member(body: list[Any]) -> list[Any]:
        i = find_member(body, app.member, enum)
        body[i] = set_items(body[i], changes, app.span.start_col)
        return body

    new_types = rewrite_statement(
        ws.types_src, app.stmt, lambda m: edit_class_body(m, change_member, enum)
    )

    def edit(apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in apps:
            if item["member"] == app.member:
                item = dict(item)
                for i, value in changes.items():
                    item[FIELDS[i]] = value
            out.append(item)
        return out

    expected = with_applications(expected_of(model), app.type, edit)
    details = [
        f"{enum}.{app.member}: {FIELDS[i]} {have[i]} → {value}"
        for i, value in changes.items()
    ]
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
