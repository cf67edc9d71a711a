"""Multi-line sequences edited the way a person would: dict and list literals, and
the keyword arguments of a call.

A removed element takes its own leading comments and its own trailing comment with it
and leaves its neighbours' alone; an inserted element takes the indentation and
trailing-comma style of its siblings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

from olx.errors import InputError


def _braces(node: cst.Dict | cst.List) -> tuple[str, str]:
    return (
        ("lbrace", "rbrace") if isinstance(node, cst.Dict) else ("lbracket", "rbracket")
    )


def _gap_before(node: cst.Dict | cst.List, index: int) -> Any:
    opening, _ = _braces(node)
    if index == 0:
        return getattr(node, opening).whitespace_after
    return node.elements[index - 1].comma.whitespace_after


def _element_indent(node: cst.Dict | cst.List) -> cst.SimpleWhitespace:
    gap = _gap_before(node, 0)
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        raise InputError(
            "olx inserts into dicts and lists written one element per line only",
            "write the dict or list over several lines (as ruff formats it), then rerun",
        )
    return gap.last_line


def _newline_gap(
    first_line: cst.TrailingWhitespace | None,
    empty_lines: Any,
    last_line: cst.SimpleWhitespace,
) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=first_line or cst.TrailingWhitespace(),
        empty_lines=list(empty_lines),
        indent=True,
        last_line=last_line,
    )


def _gaps(node: Any) -> list[Any]:
    """gaps[i] is the whitespace before element i; gaps[n] the one before the closer."""
    _, closing = _braces(node)
    gaps = [_gap_before(node, i) for i in range(len(node.elements))]
    gaps.append(getattr(node, closing).whitespace_before)
    return gaps


def _with_gaps(node: Any, elements: list[Any], gaps: list[Any], trailing: bool) -> Any:
    """Put ``gaps`` (one more than ``elements``) back into commas and braces.

    Every element but the last ends with ", <gap>"; the last keeps the container's
    trailing-comma style (ruff's magic trailing comma) and the closing gap goes to the
    closing brace.
    """
    opening, closing = _braces(node)
    if not elements:
        gaps = [cst.SimpleWhitespace(""), cst.SimpleWhitespace("")]
    rebuilt = []
    for i, elem in enumerate(elements):
        old = elem.comma if isinstance(elem.comma, cst.Comma) else cst.Comma()
        if i < len(elements) - 1:
            comma = old.with_changes(whitespace_after=gaps[i + 1])
        elif trailing:
            comma = old.with_changes(whitespace_after=cst.SimpleWhitespace(""))
        else:
            comma = cst.MaybeSentinel.DEFAULT
        rebuilt.append(elem.with_changes(comma=comma))
    return node.with_changes(
        elements=rebuilt,
        **{
            opening: getattr(node, opening).with_changes(whitespace_after=gaps[0]),
            closing: getattr(node, closing).with_changes(whitespace_before=gaps[-1]),
        },
    )


def _trailing(node: Any) -> bool:
    return not node.elements or isinstance(node.elements[-1].comma, cst.Comma)


def insert_element(node: Any, index: int, element: Any) -> Any:
    """Insert ``element`` at ``index`` of a multi-line dict/list, in its siblings' style.

    The comments that led the element previously at ``index`` stay with it.
    """
    if not node.elements:
        raise InputError(
            "olx cannot insert into an empty dict or list",
            "remove the empty entry first: olx then writes the whole block",
        )
    indent = _element_indent(node)
    trailing = _trailing(node)
    elements = list(node.elements)
    gaps = _gaps(node)
    gap = gaps[index]
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        raise InputError(
            "olx inserts into dicts and lists written one element per line only",
            "write the dict or list over several lines (as ruff formats it), then rerun",
        )
    before = _newline_gap(gap.first_line, [], indent)
    after = _newline_gap(None, gap.empty_lines, gap.last_line)
    elements.insert(index, element.with_changes(comma=cst.Comma()))
    gaps[index : index + 1] = [before, after]
    return _with_gaps(node, elements, gaps, trailing)


def own_comments(lines: Sequence[cst.EmptyLine]) -> tuple[list[Any], list[Any]]:
    """Split the lines above an element into (not its own, its own).

    Its own comments are the run directly above it; anything up to the last blank line
    (a section header, say) belongs to what surrounds it and stays.
    """
    lines = list(lines)
    last_blank = max(
        (i for i, line in enumerate(lines) if line.comment is None), default=-1
    )
    return lines[: last_blank + 1], lines[last_blank + 1 :]


def join_lines(first: Sequence[Any], second: Sequence[Any]) -> list[Any]:
    """Concatenate two runs of empty/comment lines without doubling a blank line."""
    first, second = list(first), list(second)
    if first and second and first[-1].comment is None and second[0].comment is None:
        second = second[1:]
    return first + second


def remove_element(node: Any, index: int) -> Any:
    """Remove element ``index`` with its own leading comments and trailing comment."""
    trailing = _trailing(node)
    elements = list(node.elements)
    gaps = _gaps(node)
    before, after = gaps[index], gaps[index + 1]
    del elements[index]
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(
        after, cst.ParenthesizedWhitespace
    ):
        # Keep the previous line's trailing comment, what stood above the removed
        # element but was not its own, and the next element's leading comments.
        kept, _ = own_comments(before.empty_lines)
        merged = _newline_gap(
            before.first_line, join_lines(kept, after.empty_lines), after.last_line
        )
    else:
        # One line: "{a, b}" loses "a, " or ", b" (no space left after the brace).
        merged = before if index == 0 else after
    gaps[index : index + 2] = [merged]
    return _with_gaps(node, elements, gaps, trailing)


def element_code(node: cst.CSTNode) -> str:
    """Source text of a node (for messages and tests)."""
    return cst.Module(body=[]).code_for_node(node)


def fit_call(call: cst.Call, limit: int = 88) -> cst.Call:
    """Explode a call whose arguments sit on one line inside broken parentheses, when a
    rename made that line longer than ``limit`` (what ``ruff format`` would do).

    Only the form ruff itself produces is handled: ``Name(\\n    a=1, b=2\\n)``.
    """
    before = call.whitespace_before_args
    if not isinstance(before, cst.ParenthesizedWhitespace) or not call.args:
        return call
    last = call.args[-1]
    closing = last.whitespace_after_arg
    if isinstance(last.comma, cst.Comma) and isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        closing = last.comma.whitespace_after
    if not isinstance(closing, cst.ParenthesizedWhitespace):
        return call
    inner = call.args[:-1]
    if any(
        not isinstance(a.comma, cst.Comma) or "\n" in element_code(a) for a in inner
    ):
        return call
    line = before.last_line.value + "".join(element_code(a) for a in call.args).rstrip()
    if len(line.rstrip(",")) <= limit or "\n" in element_code(last).rstrip():
        return call
    indent = before.last_line
    args = []
    for arg in inner:
        gap = _newline_gap(None, [], indent)
        args.append(
            arg.with_changes(comma=arg.comma.with_changes(whitespace_after=gap))
        )
    args.append(
        last.with_changes(
            whitespace_after_arg=cst.SimpleWhitespace(""),
            comma=cst.Comma(whitespace_after=_newline_gap(None, [], closing.last_line)),
        )
    )
    return call.with_changes(args=args)
