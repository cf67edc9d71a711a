"""Unified diffs of a change: ``difflib.unified_diff`` on the regions that changed.

A rewrite knows which lines it replaced (:func:`olx.edit.splice.rewrite_statement`,
:func:`olx.edit.splice.rewrite_spans`): the text it returns is a :class:`Rewritten`, a
``str`` that also carries those line ranges, composed through every rewrite since the
text that was read (a plan's steps included). The diff runs difflib on each region
alone (its common head and tail trimmed, with the context lines around it), so a
change of scattered lines costs what those lines cost, not what the file costs. The
ranges are a hint, checked before use: where they are missing or do not hold, the
region is the whole of what differs between the common head and tail of the texts.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from olx.edit.change import FileEdit

CONTEXT = 3
# (old start, old end, new start, new end): 0-based, half-open line ranges.
Region = tuple[int, int, int, int]
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")
_HUNK = re.compile(r"@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split on ``\\n`` only, as git counts them
    (``str.splitlines`` also splits on ``\\f``, U+2028, ...)."""
    return _LINE.findall(text)


class Rewritten(str):
    """A text made from ``base`` by rewriting known line ranges (``regions``, in
    order); outside them the two texts have the same lines."""

    base: str
    regions: tuple[Region, ...]

    def __new__(cls, text: str, base: str, regions: Sequence[Region]) -> Rewritten:
        out = super().__new__(cls, text)
        out.base = base
        out.regions = tuple(regions)
        return out

    # str's gives (text,) alone; a Rewritten needs all three to be copied and pickled.
    def __getnewargs__(self) -> tuple[str, str, tuple[Region, ...]]:  # type: ignore[override]
        # (str's own gives the text only: copy and pickle would fail)
        return str(self), self.base, self.regions


def rewritten(source: str, new: str, edits: Sequence[Region]) -> Rewritten:
    """``new``, made from ``source`` by the line edits ``edits`` (made in this order,
    each in the lines of the text the ones before it left), remembering every edit
    since the text ``source`` itself was made from."""
    if isinstance(source, Rewritten):
        base, regions = source.base, list(source.regions)
    else:
        base, regions = source, []
    for edit in edits:
        regions = _compose(regions, edit)
    return Rewritten(new, base, regions)


def _compose(regions: list[Region], edit: Region) -> list[Region]:
    """``regions`` (base → text) followed by ``edit`` (text → new): base → new."""
    s0, s1, _, t1 = edit
    delta = (t1 - edit[2]) - (s1 - s0)
    before = [r for r in regions if r[3] < s0]
    touched = [r for r in regions if r[3] >= s0 and r[2] <= s1]
    after = [r for r in regions if r[2] > s1]
    shift = sum((r[3] - r[2]) - (r[1] - r[0]) for r in before)
    m0 = min([s0, *(r[2] for r in touched)])
    m1 = max([s1, *(r[3] for r in touched)])
    inner = sum((r[3] - r[2]) - (r[1] - r[0]) for r in touched)
    merged = (m0 - shift, m1 - shift - inner, m0, m1 + delta)
    return [
        *before,
        merged,
        *((a0, a1, b0 + delta, b1 + delta) for a0, a1, b0, b1 in after),
    ]


def unified_diff(edits: Sequence[FileEdit]) -> str:
    """``diff -u`` of each edit, computed on its changed regions only."""
    parts: list[str] = []
    for edit in edits:
        old, new = split_lines(edit.old), split_lines(edit.new)
        hunks: list[str] = []
        for region in _grouped(_regions(edit, old, new)):
            hunks += _hunks(old, new, region)
        if hunks:
            parts += [f"--- a/{edit.shown}\n", f"+++ b/{edit.shown}\n", *hunks]
    return "".join(line if line.endswith("\n") else line + "\n" for line in parts)


def _regions(edit: FileEdit, old: list[str], new: list[str]) -> list[Region]:
    """The changed regions, each trimmed of the lines both sides share at its ends."""
    known = getattr(edit.new, "regions", None)
    base = getattr(edit.new, "base", None)
    found: list[Region] = []
    if known is not None and (base is edit.old or base == edit.old):
        found = list(known)
        if not _holds(found, old, new):
            found = []
    if not found:
        found = [(0, len(old), 0, len(new))]
    return [
        r for r in (_trimmed(r, old, new) for r in found) if r[0] < r[1] or r[2] < r[3]
    ]


def _holds(regions: list[Region], old: list[str], new: list[str]) -> bool:
    """Whether the lines outside ``regions`` are the same on both sides."""
    i = j = 0
    for a0, a1, b0, b1 in regions:
        if a0 < i or b0 < j or a1 < a0 or b1 < b0 or a0 - i != b0 - j:
            return False
        if old[i:a0] != new[j:b0]:
            return False
        i, j = a1, b1
    return len(old) - i == len(new) - j and old[i:] == new[j:]


def _trimmed(region: Region, old: list[str], new: list[str]) -> Region:
    a0, a1, b0, b1 = region
    while a0 < a1 and b0 < b1 and old[a0] == new[b0]:
        a0, b0 = a0 + 1, b0 + 1
    while a1 > a0 and b1 > b0 and old[a1 - 1] == new[b1 - 1]:
        a1, b1 = a1 - 1, b1 - 1
    return a0, a1, b0, b1


def _grouped(regions: list[Region]) -> list[Region]:
    """Regions closer than two contexts joined, as difflib joins hunks."""
    out: list[Region] = []
    for region in regions:
        if out and region[0] - out[-1][1] <= 2 * CONTEXT:
            last = out[-1]
            out[-1] = (last[0], region[1], last[2], region[3])
        else:
            out.append(region)
    return out


def _hunks(old: list[str], new: list[str], region: Region) -> list[str]:
    """difflib's hunks of one region, with its context, in whole-file line numbers."""
    a0, a1, b0, b1 = region
    before = min(CONTEXT, a0)
    after = min(CONTEXT, len(old) - a1)
    lo_old, lo_new = a0 - before, b0 - before
    lines = difflib.unified_diff(
        old[lo_old : a1 + after], new[lo_new : b1 + after], n=CONTEXT
    )
    out = []
    for line in list(lines)[2:]:  # the file header is written once, by the caller
        if line.startswith("@@"):
            line = _HUNK.sub(
                lambda m: (
                    f"@@ -{int(m[1]) + lo_old}{m[2] or ''} "
                    f"+{int(m[3]) + lo_new}{m[4] or ''} @@"
                ),
                line,
                count=1,
            )
        out.append(line)
    return out
