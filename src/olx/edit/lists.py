"""A list literal rewritten at the cost of the elements that change.

An edit of one entry of a long ReleaseMap list (a removal, a keyword set) needs libcst
for that entry and its neighbours only. :class:`ListRewrite` parses a *window* of the
list, the elements the edit touches and one on each side, as a list of its own, and
generates code only for the elements the edit replaced: the others keep their text.
The ast spans of the elements (which the reader has) tell where each begins and ends.

The window is a faithful stand-in because every edit of :mod:`olx.edit.sequences`
looks only at the element it edits, the gaps on either side of it and its neighbours;
a window starts after its first neighbour's predecessor's comma (so that the gap
before it is the list's own) and ends after its last neighbour's comma, or at the
list's own brackets. Where the text is not as expected (no comma right after an
element, parentheses, an edit that inserts), the whole list is parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from olx.core.model import Span
from olx.errors import SafetyError

# (the list, or a window of it; the index in the list of its first element)
ListTransform = Callable[[cst.List, int], cst.List]


@dataclass(frozen=True)
class ListRewrite:
    """One list literal to rewrite (an :class:`olx.edit.splice.SpanRewrite`)."""

    span: Span
    transform: ListTransform
    elements: Sequence[Span]  # the ast spans of the list's elements
    # The first and last element the transform edits; None: any (the whole list).
    touched: tuple[int, int] | None = None

    def prepare(
        self, text: str, position: Callable[[int, int], int]
    ) -> tuple[str, Callable[[cst.BaseExpression], str]]:
        starts = [position(e.start_line, e.start_col) for e in self.elements]
        ends = [position(e.end_line, e.end_col) for e in self.elements]
        window = self._window(text, ends)
        if window is None:
            return text, lambda node: self._generate(node, text, starts, 0)
        lo, hi, begin, stop = window
        opening = "" if lo == 0 else "["
        closing = "" if hi == len(self.elements) - 1 else "]"
        part = opening + text[begin:stop] + closing
        shift = len(opening) - begin
        part_starts = [s + shift for s in starts[lo : hi + 1]]

        def finish(node: cst.BaseExpression) -> str:
            code = self._generate(node, part, part_starts, lo)
            if not (code.startswith(opening) and code.endswith(closing)):
                # (an edit took a bracket away): the whole list, then
                whole = cst.parse_expression(text)
                return self._generate(whole, text, starts, 0)
            inner = code[len(opening) : len(code) - len(closing)]
            return text[:begin] + inner + text[stop:]

        return part, finish

    def _window(self, text: str, ends: list[int]) -> tuple[int, int, int, int] | None:
        """(first element, last element, start, stop in ``text``) of the window, or
        None for the whole list."""
        if self.touched is None or not self.elements:
            return None
        n = len(self.elements)
        lo, hi = max(0, self.touched[0] - 1), min(n - 1, self.touched[1] + 1)
        if lo == 0 and hi == n - 1:
            return None
        begin, stop = 0, len(text)
        if lo > 0:
            if not text.startswith(",", ends[lo - 1]):
                return None
            begin = ends[lo - 1] + 1
        if hi < n - 1:
            if not text.startswith(",", ends[hi]):
                return None
            stop = ends[hi] + 1
        return lo, hi, begin, stop

    def _generate(
        self, old: cst.BaseExpression, text: str, starts: list[int], lo: int
    ) -> str:
        if not isinstance(old, cst.List):
            raise SafetyError("a ReleaseMap deployment value is not a list")
        return list_code(old, self.transform(old, lo), text, starts)


def list_code(old: cst.List, new: cst.List, text: str, starts: list[int]) -> str:
    """The code of ``new``, a transform of ``old`` (parsed from ``text``, its element
    ``i`` beginning at ``starts[i]``).

    The elements the transform left as they were (the same nodes, before and after
    the ones it changed) keep their text, and only the others are generated. Every
    boundary used is checked against the text; anything unexpected (parentheses, a
    bracket changed) generates the whole list.
    """
    code = cst.Module(body=[]).code_for_node
    if (
        old.lpar
        or new.lpar
        or old.lbracket is not new.lbracket
        or old.rbracket is not new.rbracket
        or len(starts) != len(old.elements)
        or not old.elements
    ):
        return code(new)
    a, b = old.elements, new.elements
    p = 0
    while p < min(len(a), len(b)) and a[p] is b[p]:
        p += 1
    q = 0
    while q < min(len(a), len(b)) - p and a[-1 - q] is b[-1 - q]:
        q += 1
    if p == len(a) == len(b):
        return text  # nothing changed
    p = min(p, len(a) - 1)  # the last element's own end is not known: regenerate it
    if not _begins(a[p], text, starts[p]) or (
        q and not _begins(a[-q], text, starts[-q])
    ):
        return code(new)
    middle = []
    for index in range(p, len(b) - q):
        element = b[index]
        middle.append(code(element))
        if element.comma is cst.MaybeSentinel.DEFAULT and index < len(b) - 1:
            middle.append(", ")  # as the list's own code writes a missing comma
    tail = text[starts[-q] :] if q else code(new.rbracket)
    return text[: starts[p]] + "".join(middle) + tail


def _begins(element: cst.BaseElement, text: str, at: int) -> bool:
    """Whether ``element`` (a call, not parenthesized) begins at ``at`` in ``text``."""
    value = element.value
    if not isinstance(value, cst.Call) or value.lpar:
        return False
    func = value.func
    name = func.value if isinstance(func, cst.Name) else None
    before = text[at - 1] if at > 0 else " "
    return (
        name is not None
        and text.startswith(name, at)
        and not (before.isalnum() or before == "_")
    )
