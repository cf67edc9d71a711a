"""Plain-text rendering of a write's outcome; rich is used only on a terminal."""

from __future__ import annotations

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
    change = result.change
    out: list[tuple[str, str]] = []
    err = [(f"warning: {w}", "yellow") for w in [*change.warnings, *result.warnings]]
    if not change.changed:
        out += [(note, "") for note in change.notes or ["nothing to do"]]
        return out, err
    if result.mode == "dry-run":
        out += [(line, _styled(line)) for line in change.diff.splitlines()]
    out.append((change.summary, "bold"))
    out += [(f"  {detail}", "") for detail in change.details]
    if result.verified is not None:
        from olx.repo.upstream import summary

        out.append((summary(result.verified), ""))
    files = ", ".join(e.shown for e in change.edits)
    if result.mode == "dry-run":
        out.append((f"dry run: would write {files}", "dim"))
    elif result.mode == "no-commit":
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


def emit(lines: list[tuple[str, str]], stream: TextIO) -> None:
    """Print styled lines: with rich on a terminal, as plain text otherwise.

    Plain text off a terminal keeps rich out of scripted runs entirely (start-up cost).
    """
    if not lines:
        return
    if stream.isatty():
        from rich.console import Console
        from rich.text import Text

        con = Console(file=stream, highlight=False)
        for text, style in lines:
            con.print(Text(text, style=style), soft_wrap=True)
    else:
        stream.write("".join(text + "\n" for text, _ in lines))
        stream.flush()
