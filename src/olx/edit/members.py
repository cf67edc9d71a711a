"""Enum members written as tuples of strings: insert, change, drop, in the file's layout.

Shared by the commands that edit types.py's Enums (``add-app``, ``set-app``,
``remove-app``, ``set-release``). A member is one class-body line ``name = (...)``, on one
line or exploded over several in ruff's form (one item a line, magic trailing comma).
New and changed members are written so that a file ``ruff format`` leaves unchanged stays
so: one line while it fits in the line length, exploded otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import libcst as cst

from olx.edit.literals import LINE_LENGTH, string_literal
from olx.edit.sequences import join_lines, own_comments
from olx.edit.splice import edit_class_body, member_name, quoted, string_value
from olx.errors import BadValueError, SafetyError, ShapeError

# ruff leaves pragma comments out of a line's width (measured with ruff 0.17: noqa,
# type-ignore and pyright comments do not make a line too long, any other comment does).
_PRAGMA = re.compile(r"#\s+(type:|noqa|pyright:|pylint:|nosec|isort:|ruff:)", re.I)
# Names no Enum member may take, whatever its class body defines: Enum refuses ``mro``
# (ValueError at import); ``name`` and ``value`` are Enum's own properties; and in a
# str-based Enum (every one olx adds to) a member named after a str method (``upper``,
# ``split``) would shadow that method on every member. Names starting with ``_`` (sunder,
# dunder, private) never pass the member-name patterns.
ENUM_RESERVED = frozenset(
    {"mro", "name", "value"}
    | {n for n in dir(Enum) if not n.startswith("_")}
    | {n for n in dir(str) if not n.startswith("_")}
)


def member_indexes(body: Sequence[Any]) -> list[int]:
    """Indexes of the Enum member statements (``name = (...)``) in a class body."""
    return [i for i, stmt in enumerate(body) if member_name(stmt)]


def defined_names(body: Sequence[Any]) -> dict[str, str]:
    """Names a class body defines that are not members, each with what it is
    (annotations, methods, classes, private assignments): a member of the same name
    would shadow or break them."""
    names: dict[str, str] = {}
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            names[stmt.name.value] = "a method"
        elif isinstance(stmt, cst.ClassDef):
            names[stmt.name.value] = "a class"
        elif isinstance(stmt, cst.SimpleStatementLine) and not member_name(stmt):
            for small in stmt.body:
                if isinstance(small, cst.AnnAssign) and isinstance(
                    small.target, cst.Name
                ):
                    names[small.target.value] = "an annotated attribute"
                elif isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            names[t.target.value] = "an attribute"
    return names


def refuse_member_name(name: str, body: Sequence[Any], enum: str, hint: str) -> None:
    """An input error when ``name`` cannot be a member of ``enum`` (whose class body
    is ``body``): Enum reserves it, or the class defines it."""
    defined = defined_names(body)
    if name in ENUM_RESERVED:
        why = "Enum reserves it"
    elif name in defined:
        why = f"the class defines it ({defined[name]})"
    else:
        return
    raise BadValueError(f"{name!r} cannot be a member of {enum}: {why}", hint)


def _tuple(stmt: Any) -> cst.Tuple | None:
    if not member_name(stmt):
        return None
    value = stmt.body[0].value
    return value if isinstance(value, cst.Tuple) else None


def _assignment(stmt: cst.BaseStatement) -> cst.Assign:
    """The assignment a one-line member statement holds."""
    if isinstance(stmt, cst.SimpleStatementLine) and isinstance(
        stmt.body[0], cst.Assign
    ):
        return stmt.body[0]
    raise SafetyError(f"{member_name(stmt)} is not an assignment")


def is_exploded(stmt: Any) -> bool:
    """Whether a member's tuple is written one item a line (ruff's exploded form)."""
    value = _tuple(stmt)
    return bool(
        value is not None
        and value.lpar
        and isinstance(value.lpar[0].whitespace_after, cst.ParenthesizedWhitespace)
    )


def first_quote(stmt: Any) -> str:
    """The quote character of a statement's first string literal (default ``"``)."""
    found = []

    class _Find(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:  # noqa: N802 (libcst's name)
            found.append(node.quote)

    stmt.visit(_Find())
    return found[0] if found and found[0] in ("'", '"') else '"'


def member_text(
    name: str, values: list[str], quote: str, indent: int, exploded: bool = False
) -> str:
    """A member statement: one line when it fits at ``indent``, unless ``exploded``."""
    items = [string_literal(v, quote) for v in values]
    one_line = f"{name} = ({', '.join(items)})"
    if not exploded and indent + len(one_line) <= LINE_LENGTH:
        return one_line + "\n"
    inner = "".join(f"    {item},\n" for item in items)  # ruff's exploded form
    return f"{name} = (\n{inner})\n"


def line_width(stmt: cst.SimpleStatementLine, indent: int) -> int:
    """The width ruff measures for a one-line statement at column ``indent``."""
    code = cst.Module(body=[]).code_for_node(stmt.body[0])
    trailing = stmt.trailing_whitespace
    width = indent + len(code)
    if trailing.comment is not None and not _PRAGMA.match(trailing.comment.value):
        width += len(trailing.whitespace.value) + len(trailing.comment.value)
    return width


def explode(stmt: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    """A one-line member exploded as ruff does; its trailing comment stays after ``)``."""
    value = _tuple(stmt)
    if value is None:
        raise SafetyError(f"{member_name(stmt)} is not a tuple member")
    code = cst.Module(body=[]).code_for_node
    items = "".join(f"    {code(e.value)},\n" for e in value.elements)
    template = _assignment(cst.parse_statement(f"x = (\n{items})\n"))
    assign = _assignment(stmt).with_changes(value=template.value)
    return stmt.with_changes(body=[assign])


def set_items(
    stmt: cst.SimpleStatementLine, changes: dict[int, str], indent: int
) -> cst.SimpleStatementLine:
    """Replace items of a member's tuple (index → new value), each in its own quotes.

    Only those literals change; a one-line member that no longer fits is exploded.
    """
    value = _tuple(stmt)
    if value is None:
        raise SafetyError(f"{member_name(stmt)} is not a tuple member")
    elements = list(value.elements)
    for index, new in changes.items():
        old = elements[index].value
        like = old if isinstance(old, cst.SimpleString) else None
        if isinstance(old, cst.ConcatenatedString) and isinstance(
            old.left, cst.SimpleString
        ):
            like = old.left  # a split literal becomes one literal in its quotes
        if string_value(old) is None:
            raise SafetyError(f"item {index} of {member_name(stmt)} is not a string")
        elements[index] = elements[index].with_changes(value=quoted(new, like))
    assign = _assignment(stmt).with_changes(value=value.with_changes(elements=elements))
    new_stmt = stmt.with_changes(body=[assign])
    if not is_exploded(new_stmt) and line_width(new_stmt, indent) > LINE_LENGTH:
        new_stmt = explode(new_stmt)
    return new_stmt


def find_member(body: Sequence[Any], member: str, enum: str) -> int:
    """The body index of ``enum``'s member ``member`` (the model said it is there)."""
    for i in member_indexes(body):
        if member_name(body[i]) == member:
            return i
    raise SafetyError(f"{enum}.{member} not found in the statement")


def insert_at(body: list[Any], index: int, stmt: Any) -> list[Any]:
    """Insert ``stmt`` at body ``index``: the blank lines and section comments above the
    statement it goes before move above it; that statement's own comments stay its own."""
    if index < len(body):
        kept, own = own_comments(body[index].leading_lines)
        stmt = stmt.with_changes(leading_lines=kept)
        body[index] = body[index].with_changes(leading_lines=own)
    return [*body[:index], stmt, *body[index:]]


def drop_at(body: list[Any], index: int) -> list[Any]:
    """Remove the statement at ``index`` with its own comments (like ``retire``): blank
    lines and section comments above them stay, now above whatever follows."""
    removed = body.pop(index)
    kept, _ = own_comments(removed.leading_lines)
    if index < len(body):
        body[index] = body[index].with_changes(
            leading_lines=join_lines(kept, body[index].leading_lines)
        )
    return body


def edit_enum(
    source_stmt_module: cst.Module, enum: str, edit: Callable[[list[Any]], list[Any]]
) -> cst.Module:
    """Apply ``edit`` to the body of the Enum class ``enum`` (the module's statement);
    an Enum left without any statement would not parse, so that is refused."""

    def guarded(body: list[Any]) -> list[Any]:
        new = edit(body)
        if not new:
            raise ShapeError(
                None,
                None,
                f"{enum} would be left with an empty body",
                "edit the class by hand: Python needs at least one statement in it",
            )
        return new

    return edit_class_body(source_stmt_module, guarded, enum)
