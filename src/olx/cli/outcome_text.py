"""Plain-text rendering of a write's outcome and of other line-by-line output (verify,
upstream); rich is used only on a terminal, through :func:`olx.cli.render.console`.

Also the one rule that breaks lines between words (:func:`line_breaks`), shared with
rich's output (:func:`olx.cli.render.print_wrapped`).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from olx.repo.apply import Outcome


def _styled(line: str) -> str:
    """The style of a unified-diff line."""
    if line.startswith(("+++", "---")):
        return "bold"
    if line.startswith("+"):
        return "green"
    if line.startswith("-"):
        return "red"
    if line.startswith("@@"):
        return "cyan"
    return ""


def outcome_lines(
    result: Outcome,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(stdout lines, stderr lines) describing a write, each with a rich style."""
    from olx.repo.apply import Mode

    change = result.change
    out: list[tuple[str, str]] = []
    err = [(f"warning: {w}", "yellow") for w in [*change.warnings, *result.warnings]]
    if not change.changed:
        out += [(note, "") for note in change.notes or ["nothing to do"]]
        return out, err
    if result.mode is Mode.DRY_RUN:
        out += [(line, _styled(line)) for line in change.diff.splitlines()]
    out.append((change.summary, "bold"))
    out += [(f"  {detail}", "") for detail in change.details]
    if result.verified is not None:
        from olx.repo.upstream import summary

        out.append((summary(result.verified), ""))
    files = ", ".join(e.shown for e in change.edits)
    if result.mode is Mode.DRY_RUN:
        out.append((f"dry run: would write {files}", "dim"))
    elif result.mode is Mode.NO_COMMIT:
        out.append((f"wrote {files} (not committed)", ""))
    else:
        out.append((f"committed {(result.commit or '')[:10]} on {result.branch}", ""))
        if result.pushed:
            out.append((f"pushed {result.branch} to {result.remote}", ""))
        if result.pull_request:
            out.append((f"opened {result.pull_request}", "bold"))
    if result.follow_up:
        out.append(("Still to check by hand:", "bold"))
        out += [(f"  {line}", "") for line in result.follow_up]
    return out, err


def piped_width() -> int:
    """The width of output that is not on a terminal: ``$COLUMNS``, else 80."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else 80


# Narrower than this, a continuation line would hold next to nothing: lines are then
# broken as if the width were this.
_NARROWEST = 40


def line_breaks(
    text: str, width: int, hang: int = 4, phrases: bool = False
) -> list[tuple[str, int, int]]:
    """How ``text`` goes on lines of ``width`` columns, broken only at spaces:
    ``(indentation, start, end)`` per line, ``text[start:end]`` its words. The first
    line keeps the text's own indentation, the others are indented ``hang`` columns
    more; a word longer than a line stays whole (a URL, a path). With ``phrases``, a
    phrase (up to a comma) that fits on a line of its own is not split (``~ app:
    release ulmo → teak, runtime 24 → 20`` breaks after a comma); a longer one is
    filled word by word, as prose always is."""
    lead = len(text) - len(text.lstrip(" "))
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if not words:
        return [("", 0, len(text))]
    width = max(width, _NARROWEST)
    groups: list[list[tuple[int, int]]] = [[]]
    for span in words:
        groups[-1].append(span)
        if phrases and text[span[1] - 1] == ",":
            groups.append([])
    rest = " " * (lead + hang)
    lines: list[tuple[str, int, int]] = []
    indent, start, end = " " * lead, words[0][0], words[0][0]  # an empty first line
    for phrase in filter(None, groups):
        first, last = phrase[0][0], phrase[-1][1]
        if (
            end > start
            and len(indent) + last - start > width
            and len(rest) + last - first <= width
        ):
            lines.append((indent, start, end))  # the phrase whole on the next line
            indent, start = rest, first
        for word_start, word_end in phrase:
            if end > start and len(indent) + word_end - start > width:
                lines.append((indent, start, end))
                indent, start = rest, word_start
            end = word_end
    lines.append((indent, start, end))
    return lines


def wrapped(text: str, width: int, hang: int = 4) -> list[str]:
    """``text`` on lines of ``width`` columns (:func:`line_breaks`)."""
    return [indent + text[s:e] for indent, s, e in line_breaks(text, width, hang)]


def emit(lines: list[tuple[str, str]], stream: TextIO, wrap: bool = False) -> None:
    """Print styled lines: with rich on a terminal (:func:`olx.cli.render.console`:
    no style at all under ``NO_COLOR``), as plain text otherwise. With ``wrap``, each
    line is broken between words to fit the width (:func:`line_breaks`); without, a
    line is never broken (a diff's).

    Plain text off a terminal keeps rich out of scripted runs entirely (start-up cost).
    """
    if not lines:
        return
    if stream.isatty():
        from rich.text import Text

        from olx.cli import render

        out = render.console(file=stream)
        for text, style in lines:
            if wrap:
                render.print_wrapped(out, Text(text, style=style))
            else:
                out.print(Text(text, style=style), soft_wrap=True)
        return
    if wrap:
        width = piped_width()
        lines = [(part, "") for text, _ in lines for part in wrapped(text, width)]
    stream.write("".join(text + "\n" for text, _ in lines))
    stream.flush()
