"""Whole top-level statements removed from a file, the way a person removes them.

A statement goes with its own comment lines (the column-0 comments directly above it);
of the blank lines around it, as many stay as the larger of the two runs had (two
between a class and the next statement stay two), none at the end of the file. Every
other line is kept byte for byte.
"""

from __future__ import annotations

from olx.edit.diff import rewritten, split_lines
from olx.edit.splice import newline_of


def _blank(line: str) -> bool:
    return not line.strip()


def remove_lines(source: str, ranges: list[tuple[int, int]]) -> str:
    """``source`` without the top-level statements at ``ranges`` (1-based, inclusive
    line ranges, each holding one whole statement and nothing else)."""
    nl = newline_of(source)
    lines = split_lines(source)
    edits: list[tuple[int, int, int, int]] = []  # what changed, for the diff
    for start, end in sorted(ranges, reverse=True):
        first, stop = start - 1, end  # 0-based, stop exclusive
        while (
            first > 0
            and lines[first - 1].startswith("#")
            and not _blank(lines[first - 1])
        ):
            first -= 1  # its own comments
        above = first
        while above > 0 and _blank(lines[above - 1]):
            above -= 1
        below = stop
        while below < len(lines) and _blank(lines[below]):
            below += 1
        if below == len(lines) or above == 0:
            keep = 0  # nothing after it (or before it): no blank lines to keep
        else:
            keep = max(first - above, below - stop)
        lo = above
        if below == len(lines) and above > 0 and not lines[above - 1].endswith("\n"):
            lines[above - 1] += nl
            lo = above - 1
        lines[above:below] = [nl] * keep
        edits.append((lo, below, lo, above + keep))
    text = "".join(lines)
    if not source.endswith(("\n", "\r")) and text.endswith(nl):
        text = text[: -len(nl)]  # the file had no final newline: it still has none
        edits.append((len(lines) - 1, len(lines), len(lines) - 1, len(lines)))
    return rewritten(source, text, edits)
