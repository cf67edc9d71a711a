"""libcst plumbing: rewrite one top-level statement and splice it back.

Only the statement that holds the change is parsed with libcst; every other byte of the
file is kept as it is without being parsed. A write therefore costs what its statement
costs, not what the file costs.

Also the small helpers every operation shares: class bodies, Enum member names, string
literals. Sequences (dicts, lists, call arguments) are in :mod:`olx.edit.sequences`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import libcst as cst

from olx.core.model import Span, Statement
from olx.errors import SafetyError

_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def newline_of(source: str) -> str:
    """The file's line ending: CRLF when its first line ends so, else LF."""
    first = source.find("\n")
    return "\r\n" if first > 0 and source[first - 1] == "\r" else "\n"


def split_lines(source: str) -> list[str]:
    """Lines with their endings, split on ``\\n`` only (``str.splitlines`` splits more)."""
    return _LINE.findall(source)


def rewrite_statement(
    source: str, stmt: Statement, transform: Callable[[cst.Module], cst.Module]
) -> str:
    """Parse the lines of ``stmt`` alone, apply ``transform``, splice the result back.

    Returns the new source. Line endings of a CRLF file are kept: libcst sees LF and the
    rewritten statement is given the file's endings again.
    """
    nl = newline_of(source)
    lines = split_lines(source)
    head = "".join(lines[: stmt.start_line - 1])
    chunk = "".join(lines[stmt.start_line - 1 : stmt.end_line])
    tail = "".join(lines[stmt.end_line :])
    bom = stmt.start_line == 1 and chunk.startswith("\ufeff")
    plain = chunk.removeprefix("\ufeff") if bom else chunk
    if nl == "\r\n":
        plain = plain.replace("\r\n", "\n")
    if not plain.endswith("\n"):  # last statement of a file without final newline
        plain_in, final = plain + "\n", False
    else:
        plain_in, final = plain, True
    new = transform(cst.parse_module(plain_in)).code
    if not final and new.endswith("\n"):
        new = new[:-1]
    if nl == "\r\n":
        new = new.replace("\n", "\r\n")
    # Everything outside the statement's lines is kept as the very same text: no other
    # byte of the file went through libcst.
    return head + ("\ufeff" if bom else "") + new + tail


def rewrite_span(
    source: str,
    span: Span,
    transform: Callable[[cst.BaseExpression], cst.BaseExpression],
) -> str:
    """Parse the expression at ``span`` alone (an ast span: 1-based lines, UTF-8 byte
    columns), apply ``transform``, splice the result back.

    For an edit inside one literal of a long statement (an entry list of ReleaseMap)
    this costs what the literal costs, not what the statement costs; every byte outside
    the span is kept as it is.
    """
    nl = newline_of(source)
    lines = split_lines(source)
    first = lines[span.start_line - 1]
    last = lines[span.end_line - 1]
    start = len(first.encode("utf-8")[: span.start_col].decode("utf-8"))
    end = len(last.encode("utf-8")[: span.end_col].decode("utf-8"))
    head = "".join(lines[: span.start_line - 1]) + first[:start]
    if span.start_line == span.end_line:
        text = first[start:end]
    else:
        middle = "".join(lines[span.start_line : span.end_line - 1])
        text = first[start:] + middle + last[:end]
    tail = last[end:] + "".join(lines[span.end_line :])
    if nl == "\r\n":
        text = text.replace("\r\n", "\n")
    node = transform(cst.parse_expression(text))
    new = cst.Module(body=[]).code_for_node(node)
    if nl == "\r\n":
        new = new.replace("\n", "\r\n")
    return head + new + tail


# --- class bodies ----------------------------------------------------------------------


def member_name(stmt: cst.CSTNode) -> str | None:
    """``name`` of a class-body line ``name = value`` (an Enum member), else None."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
        and not small.targets[0].target.value.startswith("_")
    ):
        return small.targets[0].target.value
    return None


def edit_class_body(
    module: cst.Module, edit: Callable[[list[Any]], list[Any]], what: str
) -> cst.Module:
    """Apply ``edit`` to the statements of the class that is ``module``'s only statement."""
    cls = module.body[0]
    if not isinstance(cls, cst.ClassDef) or not isinstance(cls.body, cst.IndentedBlock):
        raise SafetyError(f"{what} is not a class")
    body = edit(list(cls.body.body))
    return module.with_changes(
        body=[cls.with_changes(body=cls.body.with_changes(body=body))]
    )


# --- string literals -------------------------------------------------------------------


def string_value(node: cst.CSTNode) -> str | None:
    """The value of a simple (non-f, non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def quoted(value: str, like: cst.SimpleString | None = None) -> cst.SimpleString:
    """A string literal for ``value`` using the quote character of ``like`` (default ")."""
    quote = '"'
    if like is not None and like.quote in ("'", '"'):
        quote = like.quote
    if "\\" in value or "\n" in value or "\r" in value or quote in value:
        # Values olx writes are validated to never need escapes; refuse rather than guess.
        raise SafetyError(f"refusing to write a string that needs escaping: {value!r}")
    return cst.SimpleString(f"{quote}{value}{quote}")


def replace_strings(node: Any, mapping: Callable[[str], str | None]) -> Any:
    """Replace every simple string literal inside ``node`` whose new value is not None."""

    class _Swap(cst.CSTTransformer):
        def leave_SimpleString(self, original, updated):  # noqa: N802 (libcst API)
            value = string_value(original)
            if value is None:
                return updated
            new = mapping(value)
            return updated if new is None or new == value else quoted(new, original)

    return node.visit(_Swap())
