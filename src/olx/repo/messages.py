"""Commit messages a reviewer accepts (docs/contract.md, "Commits, pushes and pull
requests"): a subject of at most 72 characters that says what changed, a body wrapped at 72, trailers last.

Three kinds of line are never broken, because a broken one could not be copied: a
recorded command line (``olx promote mitx QA``), a diff line (the ``+ app``,
``- app``, ``~ app: …`` lines under a stage), and a single word longer than the line (a
URL, a long ref). Everything else is wrapped at spaces, a continuation indented under
the text of its bullet.
"""

from __future__ import annotations

import re

from olx import __version__
from olx.core.wording import PREFIX, SUBJECT_ROOM, cut
from olx.edit.change import Change

WIDTH = 72

_BULLET = re.compile(r"^(\s*)(- )?(line \d+: )?")


def exempt(line: str) -> bool:
    """Whether ``line`` is one the body never breaks: a recorded command line, a diff
    line, or one word (after its indent and bullet) that is longer than the line."""
    match = _BULLET.match(line)
    assert match is not None  # the pattern matches every string
    rest = line[match.end() :]
    if rest.startswith("olx ") or rest == "olx" or is_diff_line(line):
        return True
    return " " not in rest.strip()


def is_diff_line(line: str) -> bool:
    """An indented ``+ app``, ``- app`` or ``~ app: …`` line: what a stage will build
    differently, under the line of the stage that moves."""
    match = _BULLET.match(line)
    assert match is not None
    rest = line[match.end() :]
    if len(match.group(1)) < 2 or match.group(3):
        return False
    return bool(match.group(2)) or rest[:2] in ("+ ", "~ ")


def wrap(line: str, width: int = WIDTH) -> list[str]:
    """``line`` as lines of at most ``width`` characters, broken at spaces, unless it
    is :func:`exempt`; continuation lines are indented under the bullet's text."""
    if len(line) <= width or exempt(line):
        return [line]
    match = _BULLET.match(line)
    assert match is not None
    lead = line[: match.end(2) if match.group(2) else match.end(1)]
    hang = " " * len(lead)
    words = line[len(lead) :].split()
    out: list[str] = []
    current = lead + words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            out.append(current)
            current = hang + word
    out.append(current)
    return out


def wrap_lines(lines: list[str], width: int = WIDTH) -> list[str]:
    return [part for line in lines for part in wrap(line, width)]


def subject_for(change: Change, first_line: str | None) -> str:
    """The message's first line: ``--message`` as given, else ``config: <summary>``
    within 72 characters."""
    if first_line:
        return first_line
    return PREFIX + cut(change.summary, SUBJECT_ROOM)


def what_changed(change: Change) -> list[str]:
    """The body's list of what changed (wrapped): each detail, then the warnings."""
    # An indented detail belongs to the line above it (promote's component changes,
    # a plan step's outcome).
    lines = [f"  {d}" if d.startswith("  ") else f"- {d}" for d in change.details]
    lines += [f"- warning: {w}" for w in change.warnings]
    return wrap_lines(lines)


def body_for(change: Change, command_line: str) -> list[str]:
    """The body's lines (wrapped), without the trailers."""
    lines = what_changed(change)
    if change.recorded is not None:
        lines += [
            "",
            f"Made by olx {__version__} from a runbook outside the repository, "
            "step by step:",
        ]
        lines += [f"    {command}" for command in change.recorded]
    else:
        lines += ["", f"Made by olx {__version__}:", f"    {command_line}"]
    return wrap_lines(lines)


def message_for(change: Change, first_line: str | None, command_line: str) -> str:
    """``config: <summary>``, a body listing each change, the olx version and the
    command (``command_line`` is already the re-runnable one, without ``--repo`` or
    machine paths: :func:`olx.cli.cmdline.recorded`), then the trailers
    (``Rollback-Of: <sha>``) as the last paragraph, where git looks for them."""
    text = subject_for(change, first_line) + "\n\n"
    text += "\n".join(body_for(change, command_line)) + "\n"
    if change.trailers:
        text += "\n" + "\n".join(dict.fromkeys(change.trailers)) + "\n"
    return text
