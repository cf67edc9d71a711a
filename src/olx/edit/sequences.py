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

from olx.errors import SafetyError, ShapeError


def _braces(node: cst.Dict | cst.List) -> tuple[str, str]:
    return (
        ("lbrace", "rbrace") if isinstance(node, cst.Dict) else ("lbracket", "rbracket")
    )


def comma_after(node: cst.BaseElement | cst.BaseDictElement | cst.Arg) -> cst.Comma:
    """The comma after an element that is not the last (libcst parses one there)."""
    if not isinstance(node.comma, cst.Comma):
        raise SafetyError("an element that is not the last has no comma after it")
    return node.comma


def _gap_before(node: cst.Dict | cst.List, index: int) -> Any:
    opening, _ = _braces(node)
    if index == 0:
        return getattr(node, opening).whitespace_after
    return comma_after(node.elements[index - 1]).whitespace_after


def _element_indent(node: cst.Dict | cst.List) -> cst.SimpleWhitespace:
    gap = _gap_before(node, 0)
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        raise ShapeError(
            None,
            None,
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
        comma: cst.Comma | cst.MaybeSentinel
        old = elem.comma if isinstance(elem.comma, cst.Comma) else cst.Comma()
        if i < len(elements) - 1:
            if (
                isinstance(elem.comma, cst.Comma)
                and old.whitespace_after is gaps[i + 1]
            ):
                rebuilt.append(elem)  # as it was: the same node (see _keep)
                continue
            comma = old.with_changes(whitespace_after=gaps[i + 1])
        elif trailing:
            if isinstance(elem.comma, cst.Comma) and _empty(old.whitespace_after):
                rebuilt.append(elem)
                continue
            comma = old.with_changes(whitespace_after=cst.SimpleWhitespace(""))
        else:
            comma = cst.MaybeSentinel.DEFAULT
        rebuilt.append(elem.with_changes(comma=comma))
    return node.with_changes(
        elements=rebuilt,
        **{
            opening: _keep(getattr(node, opening), "whitespace_after", gaps[0]),
            closing: _keep(getattr(node, closing), "whitespace_before", gaps[-1]),
        },
    )


def _empty(whitespace: Any) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


def _keep(node: Any, field: str, value: Any) -> Any:
    """``node`` with ``field`` set to ``value``; the very same node when it already
    has that value, so that a list's writer knows the node did not change
    (:func:`olx.edit.splice.rewrite_spans` then keeps its text)."""
    if getattr(node, field) is value:
        return node
    return node.with_changes(**{field: value})


def _trailing(node: Any) -> bool:
    return not node.elements or isinstance(node.elements[-1].comma, cst.Comma)


def insert_element(node: Any, index: int, element: Any) -> Any:
    """Insert ``element`` at ``index`` of a multi-line dict/list, in its siblings' style.

    The comments that led the element previously at ``index`` stay with it.
    """
    if not node.elements:
        raise ShapeError(
            None,
            None,
            "olx cannot insert into an empty dict or list",
            "remove the empty entry first: olx then writes the whole block",
        )
    indent = _element_indent(node)
    trailing = _trailing(node)
    elements = list(node.elements)
    gaps = _gaps(node)
    gap = gaps[index]
    if not isinstance(gap, cst.ParenthesizedWhitespace):
        raise ShapeError(
            None,
            None,
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
            arg.with_changes(comma=comma_after(arg).with_changes(whitespace_after=gap))
        )
    args.append(
        last.with_changes(
            whitespace_after_arg=cst.SimpleWhitespace(""),
            comma=cst.Comma(whitespace_after=_newline_gap(None, [], closing.last_line)),
        )
    )
    return call.with_changes(args=args)


# --- keyword arguments of a call ---------------------------------------------------------


def _call_gaps(call: cst.Call) -> list[Any]:
    """gaps[i] is the whitespace before argument i; gaps[n] the one before ``)``."""
    args = call.args
    gaps = [call.whitespace_before_args]
    gaps += [comma_after(arg).whitespace_after for arg in args[:-1]]
    if args:
        last = args[-1]
        gaps.append(
            last.comma.whitespace_after
            if isinstance(last.comma, cst.Comma)
            else last.whitespace_after_arg
        )
    return gaps


def _call_with_gaps(
    call: cst.Call, args: list[cst.Arg], gaps: list[Any], trailing: bool
) -> cst.Call:
    """Put ``gaps`` (one more than ``args``) back into the commas of ``args``."""
    if not args:
        return call.with_changes(
            args=[], whitespace_before_args=cst.SimpleWhitespace("")
        )
    rebuilt = []
    for i, arg in enumerate(args):
        old = arg.comma if isinstance(arg.comma, cst.Comma) else cst.Comma()
        if i < len(args) - 1:
            rebuilt.append(
                arg.with_changes(
                    comma=old.with_changes(whitespace_after=gaps[i + 1]),
                    whitespace_after_arg=cst.SimpleWhitespace(""),
                )
            )
        elif trailing:
            rebuilt.append(
                arg.with_changes(
                    comma=old.with_changes(whitespace_after=gaps[-1]),
                    whitespace_after_arg=cst.SimpleWhitespace(""),
                )
            )
        else:
            rebuilt.append(
                arg.with_changes(
                    comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=gaps[-1]
                )
            )
    return call.with_changes(args=rebuilt, whitespace_before_args=gaps[0])


def call_is_exploded(call: cst.Call) -> bool:
    """One argument per line, as ruff writes a call with a magic trailing comma."""
    return isinstance(
        call.whitespace_before_args, cst.ParenthesizedWhitespace
    ) and bool(call.args and isinstance(call.args[-1].comma, cst.Comma))


def insert_arg(call: cst.Call, index: int, arg: cst.Arg) -> cst.Call:
    """Insert keyword argument ``arg`` at ``index``, in its siblings' layout.

    In a call written one argument per line the new argument gets a line of its own at
    the siblings' indentation (comments above the argument that was at ``index`` stay
    with it); in a call on one line it is joined with ", ".
    """
    args = list(call.args)
    gaps = _call_gaps(call)
    trailing = bool(args) and isinstance(args[-1].comma, cst.Comma)
    gap = gaps[index]
    if isinstance(gap, cst.ParenthesizedWhitespace) and args:
        indent = (
            gaps[0].last_line
            if isinstance(gaps[0], cst.ParenthesizedWhitespace)
            else gap.last_line
        )
        if index == len(args):  # after the last: the closing gap keeps its indent
            before = _newline_gap(gap.first_line, gap.empty_lines, indent)
            after = _newline_gap(None, [], gap.last_line)
        else:
            before = _newline_gap(gap.first_line, [], indent)
            after = _newline_gap(None, gap.empty_lines, gap.last_line)
        args.insert(index, arg.with_changes(comma=cst.Comma()))
        gaps[index : index + 1] = [before, after]
        return _call_with_gaps(call, args, gaps, trailing)
    # One line: "(a, b)" gets ", c" (or "c, " in front).
    args.insert(index, arg.with_changes(comma=cst.Comma()))
    space = cst.SimpleWhitespace(" ")
    gaps = [
        gaps[0],
        *([space] * (len(args) - 1)),
        gaps[-1] if len(gaps) > 1 else gaps[0],
    ]
    return _call_with_gaps(call, args, gaps, trailing)


def remove_arg(call: cst.Call, index: int) -> cst.Call:
    """Remove argument ``index`` with its own leading comments and trailing comment,
    leaving no blank line and no stray comma."""
    args = list(call.args)
    gaps = _call_gaps(call)
    trailing = isinstance(args[-1].comma, cst.Comma)
    before, after = gaps[index], gaps[index + 1]
    del args[index]
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(
        after, cst.ParenthesizedWhitespace
    ):
        kept, _ = own_comments(before.empty_lines)
        merged = _newline_gap(
            before.first_line, join_lines(kept, after.empty_lines), after.last_line
        )
    else:
        merged = before if index == 0 else after
    gaps[index : index + 2] = [merged]
    return _call_with_gaps(call, args, gaps, trailing)


def layout_call(call: cst.Call, indent: int, tail: int, limit: int = 88) -> cst.Call:
    """Lay out a call without a magic trailing comma as ruff would, after an edit.

    The call starts a line indented by ``indent`` and is followed by ``tail``
    characters. On one line when it fits; else its arguments on one line of their own
    ("hugged"); else one argument per line with a trailing comma. A call that holds a
    comment or a multi-line argument is left as it is: ruff would keep its lines.
    """
    if call_is_exploded(call) or not call.args:
        return call
    texts = [
        element_code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip()
        for a in call.args
    ]
    if any("\n" in t or "#" in t for t in texts):
        return call
    for gap in _call_gaps(call):
        if isinstance(gap, cst.ParenthesizedWhitespace) and (
            gap.empty_lines or gap.first_line.comment is not None
        ):
            return call
    head = element_code(call.func)
    joined = ", ".join(texts)
    space = cst.SimpleWhitespace(" ")
    empty = cst.SimpleWhitespace("")
    gaps: list[cst.BaseParenthesizableWhitespace]
    if indent + len(head) + len(joined) + 2 + tail <= limit:
        gaps = [empty, *([space] * (len(texts) - 1)), empty]
        return _call_with_gaps(call, list(call.args), gaps, False)
    inner = cst.SimpleWhitespace(" " * (indent + 4))
    outer = cst.SimpleWhitespace(" " * indent)
    if indent + 4 + len(joined) <= limit:
        gaps = [_newline_gap(None, [], inner), *([space] * (len(texts) - 1))]
        gaps.append(_newline_gap(None, [], outer))
        return _call_with_gaps(call, list(call.args), gaps, False)
    gaps = [_newline_gap(None, [], inner) for _ in texts]
    gaps.append(_newline_gap(None, [], outer))
    return _call_with_gaps(call, list(call.args), gaps, True)
