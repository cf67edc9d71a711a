"""``olx add-app`` and ``olx set-app``: members of the application Enums in types.py.

IDAs are members ``name = (value, repository)`` of ``OpenEdxApplication``, MFEs
``name = (value, repository, path)`` of ``OpenEdxMicroFrontend``. A new member takes
the existing members' arity, quotes and layout, and goes where their order puts it;
a changed member keeps every byte but the string that changes.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from olx.core import names
from olx.core import values as check_value
from olx.core.model import Application, Matrix, Statement
from olx.core.reader import IDA_ENUM, MFE_ENUM
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.members import (
    find_member,
    first_quote,
    insert_at,
    is_exploded,
    member_indexes,
    member_text,
    refuse_member_name,
    set_items,
)
from olx.edit.splice import edit_class_body, member_name, rewrite_statement
from olx.errors import BadValueError, ShapeError, UsageError

ENUMS = {"IDA": IDA_ENUM, "MFE": MFE_ENUM}
FIELDS = ("value", "repository", "path")


def app_type(text: str) -> str:
    """``ida``/``IDA``/``mfe``/``MFE`` → ``IDA``/``MFE``."""
    for known in ENUMS:
        if text.upper() == known:
            return known
    raise names.unknown("application type", text, list(ENUMS))


def enum_members(model: Matrix, kind: str) -> list[Application]:
    """The members of the IDA or MFE Enum, in source order."""
    return [a for a in model.types.applications if a.type == kind]


def arity_of(members: list[Application]) -> int:
    """The number of items the Enum's members have (the most common, should they
    differ; a file where they differ is read all the same)."""
    counts: dict[int, int] = {}
    for app in members:
        n = _items(app)
        counts[n] = counts.get(n, 0) + 1
    return max(counts, key=lambda n: counts[n])


def _items(app: Application) -> int:
    if app.path is not None:
        return 3
    return 2 if app.repository is not None else 1


def _enum_stmt(model: Matrix, kind: str) -> Statement:
    members = enum_members(model, kind)
    if not members:
        raise ShapeError(
            None,
            None,
            f"{ENUMS[kind]} has no members here to take the layout from",
            "add the first member by hand",
        )
    return members[0].stmt


def with_applications(expected: dict[str, Any], kind: str, edit: Any) -> dict[str, Any]:
    """``expected`` with the list of ``kind``'s applications edited (IDAs, then MFEs)."""
    apps = expected["applications"]
    mine = [a for a in apps if a["type"] == kind]
    mine = edit(mine)
    ida = mine if kind == "IDA" else [a for a in apps if a["type"] == "IDA"]
    mfe = mine if kind == "MFE" else [a for a in apps if a["type"] == "MFE"]
    expected["applications"] = ida + mfe
    return expected


def add_app(
    ws: Workspace,
    value: str,
    kind: str,
    repository: str,
    path: str | None = None,
    member: str | None = None,
) -> Change:
    """Plan ``olx add-app VALUE --type IDA|MFE --repository URL [--path P] [--member NAME]``."""
    model = ws.model
    kind, name = _validated(value, kind, repository, path, member)
    args = [value]
    summary = f"Add application {value} ({kind})"
    existing = next((a for a in model.types.applications if a.value == value), None)
    if existing is not None:
        return _already(ws, existing, kind, repository, path, member, args, summary)
    _refuse_taken(model, name)
    stmt = _enum_stmt(model, kind)
    items = _member_items(model, kind, value, repository, path)
    insert = _InsertMember(model, kind, name, items)
    new_types = rewrite_statement(
        ws.types_src, stmt, lambda m: edit_class_body(m, insert, ENUMS[kind])
    )
    expected = _expected_new_app(model, kind, name, items, insert.at)
    detail = f"{ENUMS[kind]}.{name}: " + ", ".join(items)
    change = Change(
        "add-app", args, summary, new_types, ws.matrix_src, details=[detail]
    )
    return finish(ws, change, expected)


def _validated(
    value: str, kind: str, repository: str, path: str | None, member: str | None
) -> tuple[str, str]:
    """The application type (``IDA``/``MFE``) and member name of a new application;
    every value given is validated."""
    kind = app_type(kind)
    check_value.validate_app_value(value)
    check_value.validate_url(repository, "repository")
    if path is not None:
        if kind == "IDA":
            raise UsageError("--path is for an MFE only", "drop --path")
        check_value.validate_mfe_path(path)
    name = member if member is not None else value.replace("-", "_")
    check_value.validate_member_name(name)
    return kind, name


def _refuse_taken(model: Matrix, name: str) -> None:
    """A member name is one application's only."""
    taken = next((a for a in model.types.applications if a.member == name), None)
    if taken is not None:
        raise BadValueError(
            f"{ENUMS[taken.type]} already has a member named {name} "
            f"(value {taken.value!r})",
            "choose another name with --member",
        )


def _member_items(
    model: Matrix, kind: str, value: str, repository: str, path: str | None
) -> list[str]:
    """The new member's items, as many as the Enum's members have (an MFE's path is
    its value unless given)."""
    enum = ENUMS[kind]
    arity = arity_of(enum_members(model, kind))
    if kind == "MFE" and arity == 3:
        return [value, repository, value if path is None else path]
    if path is not None:
        raise UsageError(
            f"the members of {enum} have {arity} fields here (no path)", "drop --path"
        )
    if arity == 1:
        raise ShapeError(
            None,
            None,
            f"the members of {enum} have no repository field here",
            "add the member by hand",
        )
    return [value, repository]


class _InsertMember:
    """Inserts member ``name`` into the body of an application Enum where the
    members' order puts it (alphabetically where they are, else last), in the
    style of its neighbour; ``at`` is then its place among the members."""

    def __init__(self, model: Matrix, kind: str, name: str, items: list[str]) -> None:
        self.enum = ENUMS[kind]
        self.name = name
        self.items = items
        self.indent = {a.member: a.span.start_col for a in enum_members(model, kind)}
        self.at = 0

    def __call__(self, body: list[Any]) -> list[Any]:
        refuse_member_name(
            self.name, body, self.enum, "choose another name with --member"
        )
        lines = member_indexes(body)
        order = [member_name(body[i]) or "" for i in lines]
        k = len(order)
        if order == sorted(order):
            k = next((j for j, m in enumerate(order) if m > self.name), len(order))
        self.at = k
        neighbour = body[lines[k - 1] if k > 0 else lines[0]]
        text = member_text(
            self.name,
            self.items,
            first_quote(neighbour),
            self.indent.get(member_name(neighbour) or "", 4),
            exploded=is_exploded(neighbour),
        )
        index = lines[k] if k < len(lines) else lines[-1] + 1
        return insert_at(body, index, cst.parse_statement(text))


def _expected_new_app(
    model: Matrix, kind: str, name: str, items: list[str], at: int
) -> dict[str, Any]:
    entry = {
        "value": items[0],
        "member": name,
        "type": kind,
        "repository": items[1],
        "path": items[2] if len(items) > 2 else None,
    }
    return with_applications(
        expected_of(model), kind, lambda apps: [*apps[:at], entry, *apps[at:]]
    )


def _already(
    ws: Workspace,
    app: Application,
    kind: str,
    repository: str,
    path: str | None,
    member: str | None,
    args: list[str],
    summary: str,
) -> Change:
    """add-app of a value that is there: a no-op when every given field agrees."""
    enum = ENUMS[app.type]
    if app.type != kind:
        raise BadValueError(
            f"{app.value} is already an {app.type} ({enum}.{app.member})",
            f"olx remove-app {app.value} first, should it really be an {kind}",
        )
    differ = []
    if app.repository != repository:
        differ.append(f"repository {app.repository!r}")
    if path is not None and app.path != path:
        differ.append(f"path {app.path!r}")
    if member is not None and app.member != member:
        differ.append(f"member name {app.member!r}")
    if differ:
        raise BadValueError(
            f"{app.value} is already in {enum} with another " + ", ".join(differ),
            f"change it with olx set-app {app.value}",
        )
    return nothing_to_do(
        ws,
        "add-app",
        args,
        summary,
        f"{app.value} is already present ({enum}.{app.member})",
    )


def set_app(
    ws: Workspace,
    value: str,
    repository: str | None = None,
    path: str | None = None,
) -> Change:
    """Plan ``olx set-app VALUE [--repository URL] [--path P]``."""
    model = ws.model
    if repository is None and path is None:
        raise UsageError("nothing to set", "pass --repository URL and/or --path P")
    app = names.application(model, value)
    check_fields(app, repository, path)
    changes = item_changes(app, {1: repository, 2: path})
    what = " and ".join(
        FIELDS[i] for i, v in ((1, repository), (2, path)) if v is not None
    )
    args = [app.value]
    summary = f"Set {what} of application {app.value}"
    if not changes:
        return nothing_to_do(
            ws, "set-app", args, summary, f"{app.value} already has that {what}"
        )
    new_types = rewrite_items(ws, app, changes)
    expected = expected_items(model, app, changes)
    details = item_details(app, changes)
    change = Change("set-app", args, summary, new_types, ws.matrix_src, details=details)
    return finish(ws, change, expected)


# --- a member's items (set-app, and set-app --rename) ---------------------------


def check_fields(app: Application, repository: str | None, path: str | None) -> None:
    """A repository or path given for ``app``: valid, and a field its Enum has."""
    enum = ENUMS[app.type]
    if repository is not None:
        check_value.validate_url(repository, "repository")
        if app.repository is None:
            raise ShapeError(
                None,
                None,
                f"{enum}.{app.member} has no repository field",
                "edit it by hand",
            )
    if path is not None:
        if app.type == "IDA":
            raise UsageError(
                f"{app.value} is an IDA: only an MFE has a path", "drop --path"
            )
        check_value.validate_mfe_path(path)
        if app.path is None:
            raise UsageError(
                f"the members of {enum} have no path field here", "drop --path"
            )


def _items_of(app: Application) -> dict[int, str | None]:
    return {0: app.value, 1: app.repository, 2: app.path}


def item_changes(app: Application, asked: dict[int, str | None]) -> dict[int, str]:
    """The items (0 value, 1 repository, 2 path) asked for that differ from ``app``'s."""
    have = _items_of(app)
    return {i: v for i, v in asked.items() if v is not None and v != have[i]}


def rewrite_items(ws: Workspace, app: Application, changes: dict[int, str]) -> str:
    """types.py with ``app``'s member items changed, every other byte kept."""
    enum = ENUMS[app.type]

    def change_member(body: list[Any]) -> list[Any]:
        i = find_member(body, app.member, enum)
        body[i] = set_items(body[i], changes, app.span.start_col)
        return body

    return rewrite_statement(
        ws.types_src, app.stmt, lambda m: edit_class_body(m, change_member, enum)
    )


def expected_items(
    model: Matrix, app: Application, changes: dict[int, str]
) -> dict[str, Any]:
    """The model with ``app``'s items changed."""

    def edit(apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in apps:
            if item["member"] == app.member:
                item = dict(item)
                for i, new in changes.items():
                    item[FIELDS[i]] = new
            out.append(item)
        return out

    return with_applications(expected_of(model), app.type, edit)


def item_details(app: Application, changes: dict[int, str]) -> list[str]:
    """``OpenEdxApplication.x: repository OLD → NEW`` for each item changed."""
    have = _items_of(app)
    return [
        f"{ENUMS[app.type]}.{app.member}: {FIELDS[i]} {have[i]} → {new}"
        for i, new in changes.items()
    ]
