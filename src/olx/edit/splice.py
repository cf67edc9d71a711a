"""libcst plumbing: rewrite one top-level statement and splice it back.

Only the statement that holds the change is parsed with libcst; every other byte of the
file is kept as it is without being parsed. A write therefore costs what its statement
costs, not what the file costs.

Also the small helpers every operation shares: class bodies, Enum member names, string
literals. Sequences (dicts, lists, call arguments) are in :mod:`olx.edit.sequences`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import libcst as cst

from olx.core.model import Span, Statement
from olx.edit.diff import rewritten, split_lines
from olx.errors import SafetyError


def newline_of(source: str) -> str:
    """The file's line ending: CRLF when its first line ends so, else LF."""
    first = source.find("\n")
    return "\r\n" if first > 0 and source[first - 1] == "\r" else "\n"


def rewrite_statement(
    source: str, stmt: Statement, transform: Callable[[cst.Module], cst.Module]
) -> str:
    """Parse the lines of ``stmt`` alone, apply ``transform``, splice the result back.

    Returns the new source (a :class:`~olx.edit.diff.Rewritten` that knows which lines
    changed). Line endings of a CRLF file are kept: libcst sees LF and the rewritten
    statement is given the file's endings again.
    """
    nl = newline_of(source)
    lines = split_lines(source)
    start, end = stmt.start_line - 1, stmt.end_line
    chunk = "".join(lines[start:end])
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
    piece = split_lines(("\ufeff" if bom else "") + new)
    region = _changed(lines, start, end, piece)
    lines[start:end] = piece
    return rewritten(source, "".join(lines), [region])


Finish = Callable[[cst.BaseExpression], str]


class SpanRewrite(Protocol):
    """The new code of one expression of a file (:func:`rewrite_spans`)."""

    @property
    def span(self) -> Span: ...

    def prepare(
        self, text: str, position: Callable[[int, int], int]
    ) -> tuple[str, Finish]:
        """What to parse of ``text`` (the span's code, line endings as LF; all of it or
        a part), and what gives the span's new code from that once parsed;
        ``position(line, col)`` is where an ast position inside the span is in
        ``text``."""
        ...


def rewrite_spans(source: str, rewrites: Sequence[SpanRewrite]) -> str:
    """Rewrite each expression (not overlapping) alone and splice it back: the file is
    split once and joined once, what each rewrite needs parsed is parsed in one call of
    libcst, and the spans are spliced back from the last to the first so that each
    one's lines and columns still hold. Every byte outside them is kept as it is, and
    the result knows which lines changed (:func:`olx.edit.diff.rewritten`).

    For an edit inside one literal of a long statement (an entry list of ReleaseMap)
    this costs what the literal costs, not what the statement costs.
    """
    nl = newline_of(source)
    lines = split_lines(source)
    cut: list[tuple[Span, int, int, str, Finish]] = []
    for rewrite in sorted(
        rewrites, key=lambda r: (r.span.start_line, r.span.start_col), reverse=True
    ):
        span = rewrite.span
        first = lines[span.start_line - 1]
        last = lines[span.end_line - 1]
        start = _chars(first, span.start_col)
        end = _chars(last, span.end_col)
        if span.start_line == span.end_line:
            text = first[start:end]
        else:
            middle = "".join(lines[span.start_line : span.end_line - 1])
            text = first[start:] + middle + last[:end]
        if nl == "\r\n":
            text = text.replace("\r\n", "\n")
        part, finish = rewrite.prepare(text, _positions(lines, span.start_line, start))
        cut.append((span, start, end, part, finish))
    nodes = parse_expressions([part for *_, part, _ in cut])
    done: list[tuple[int, int, int, int]] = []
    for (span, start, end, _, finish), node in zip(cut, nodes, strict=True):
        new = finish(node)
        if nl == "\r\n":
            new = new.replace("\n", "\r\n")
        first, last = lines[span.start_line - 1], lines[span.end_line - 1]
        piece = split_lines(first[:start] + new + last[end:])
        at = span.start_line - 1
        done.append(_changed(lines, at, span.end_line, piece))
        lines[at : span.end_line] = piece
    return rewritten(source, "".join(lines), done)


def _changed(
    lines: list[str], start: int, end: int, piece: list[str]
) -> tuple[int, int, int, int]:
    """The lines ``lines[start:end]`` → ``piece`` really changes (the same lines at
    either end set aside), as an edit for :func:`olx.edit.diff.rewritten`."""
    head = 0
    while head < min(end - start, len(piece)) and lines[start + head] == piece[head]:
        head += 1
    tail = 0
    while (
        tail < min(end - start, len(piece)) - head
        and lines[end - 1 - tail] == piece[len(piece) - 1 - tail]
    ):
        tail += 1
    return start + head, end - tail, start + head, start + len(piece) - tail


def parse_expressions(texts: list[str]) -> list[cst.BaseExpression]:
    """Each text parsed as an expression, all in one call of libcst (as the items of
    one parenthesized tuple: each parse pays a fixed cost)."""
    if len(texts) > 1:
        try:
            joined = cst.parse_expression("(\n" + ",\n".join(texts) + ",\n)")
        except cst.ParserSyntaxError:
            joined = None
        if isinstance(joined, cst.Tuple) and len(joined.elements) == len(texts):
            return [element.value for element in joined.elements]
    return [cst.parse_expression(text) for text in texts]


def _chars(line: str, col: int) -> int:
    """The character index of ast's UTF-8 byte column ``col`` in ``line``."""
    return len(line.encode("utf-8")[:col].decode("utf-8"))


def _positions(
    lines: list[str], first_line: int, first_col: int
) -> Callable[[int, int], int]:
    """``(line, col)`` (ast's) → offset in the text of a span starting at line
    ``first_line``, character ``first_col`` (line endings as LF)."""
    starts: dict[int, int] = {first_line: -first_col}

    def position(line: int, col: int) -> int:
        number = max(starts)
        while number < line:
            text = lines[number - 1]
            starts[number + 1] = starts[number] + len(text) - text.endswith("\r\n")
            number += 1
        return starts[line] + _chars(lines[line - 1], col)

    return position


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
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
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
        def leave_SimpleString(  # noqa: N802 (libcst's name)
            self, original: cst.SimpleString, updated: cst.SimpleString
        ) -> cst.SimpleString:
            value = string_value(original)
            if value is None:
                return updated
            new = mapping(value)
            return updated if new is None or new == value else quoted(new, original)

    return node.visit(_Swap())
