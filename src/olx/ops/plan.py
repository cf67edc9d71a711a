"""``olx plan FILE``: a runbook applied as one verified change.

A runbook is a text file, one olx write command per line without the leading ``olx``,
words split as a POSIX shell splits them (quotes allowed; ``#`` comments and blank lines
allowed). Every step is planned in memory against the texts the step before left, with
the same operation (and guards) as the command on its own; the composition is verified
once more from scratch at the end, then written and committed once. A step that fails
or is refused fails the plan, naming its line: nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from olx.core.model import Matrix
from olx.core.reader import read_sources
from olx.core.wording import SUBJECT_ROOM, cut, join_clauses
from olx.edit.change import Change, Workspace, combine, nothing_to_do
from olx.errors import BadValueError, OlxError, SafetyError, UsageError

MAX_STEPS = 1000
_WHITESPACE = " \t\r\n"  # shlex's, in POSIX mode: what separates words


@dataclass(frozen=True)
class Step:
    """One runbook line: its number, its text, and its words."""

    line: int
    text: str
    words: list[str]

    @property
    def command(self) -> str:
        return shlex.join(["olx", *self.words])


def parse_runbook(text: str, shown: str) -> list[Step]:
    """The steps of a runbook; a line that does not split is an input error naming it."""
    if "\x00" in text:
        raise BadValueError(f"{shown}: not a text file (NUL byte)", "a runbook is text")
    steps = []
    # Lines end at "\n" only, as a shell reads them (str.splitlines would also end one
    # at \f, \v, U+0085, U+2028...); a "\r" before it is whitespace to shlex.
    for number, line in enumerate(text.split("\n"), start=1):
        try:
            words = shlex.split(_without_comment(line), comments=False, posix=True)
        except ValueError as exc:
            raise UsageError(
                f"{shown}:{number}: cannot split the line: {exc}",
                "quote as a POSIX shell does",
            ) from None
        if words:
            steps.append(Step(number, line.strip(), words))
    if not steps:
        raise UsageError(
            f"{shown}: no steps", "one olx command per line, without 'olx'"
        )
    if len(steps) > MAX_STEPS:
        raise UsageError(f"{shown}: {len(steps)} steps", f"at most {MAX_STEPS}")
    return steps


def _without_comment(line: str) -> str:
    """``line`` up to its comment: a ``#`` that starts a word, outside quotes and not
    escaped, as a POSIX shell reads it (shlex would also cut ``mitx/fix#123``)."""
    quote = ""
    escaped = False
    word_start = True
    for i, char in enumerate(line):
        if escaped:
            escaped = word_start = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif quote == '"':
            if char == "\\":
                escaped = True
            elif char == '"':
                quote = ""
        elif char in _WHITESPACE:
            word_start = True
        elif char == "#" and word_start:
            return line[:i]
        else:
            word_start = False
            if char == "\\":
                escaped = True
            elif char in "'\"":
                quote = char
    return line


def at_line(step: Step, exc: OlxError, shown: str) -> OlxError:
    """The same error (same class and attributes, same exit code) naming the
    runbook line."""
    return exc.with_context(f"{shown}:{step.line}: {step.command}: ")


def run_plan(
    ws: Workspace,
    shown: str,
    steps: list[tuple[Step, Callable[[Workspace], Change]]],
    summary: str,
    args: list[str],
) -> Change:
    """Plan every step in order against the workspace the step before left; return one
    change whose texts are the last step's, verified once more from scratch."""
    changes: list[Change] = []
    records: list[dict[str, Any]] = []
    details: list[str] = []
    current = ws
    for step, planned in steps:
        try:
            change = planned(current)
        except OlxError as exc:
            raise at_line(step, exc, shown) from None
        changes.append(change)
        step_details = change.details if change.changed else change.notes
        command = step.command
        records.append(
            {
                "line": step.line,
                "command": command,
                "changed": change.changed,
                "details": list(step_details),
            }
        )
        # The step's command on a line of its own (a command line is never broken in
        # a commit body), what it did under it (with its own indented lines, as
        # promote's component changes).
        details.append(f"line {step.line}: {command}")
        details += [f"  {d}" for d in list(step_details) or ["nothing to do"]]
        if change.changed:
            current = current.after(change)
    if not any(c.changed for c in changes):
        return dataclasses.replace(
            nothing_to_do(ws, "plan", args, summary, "no step changes anything"),
            steps=records,
            details=details,
            notes=[*details, "no step changes anything"],
        )
    result = combine(ws, "plan", args, subject(changes), changes)
    result = dataclasses.replace(result, details=details, steps=records)
    return dataclasses.replace(result, new_model=_verify_from_scratch(ws, result))


def subject(changes: list[Change]) -> str:
    """What the plan changed, as one subject within :data:`SUBJECT_ROOM`, in the
    first of these forms that fits: the changing steps' own summaries (``Roll back QA
    of xpro to teak; promote ulmo to CI for xpro``); each without where it applies
    (``Set branch of forum; promote ulmo to QA``); the first in full or short and
    how many more; how many changes of which commands (``5 changes: promote (3),
    override, roll back``), cut at a word. Never the runbook's name: a subject says
    what changed."""
    said = list(dict.fromkeys(c.summary for c in changes if c.changed))
    short = list(dict.fromkeys(without_where(s) for s in said))
    more = len(said) - 1
    others = f" and {more} more change{'s' if more > 1 else ''}"
    for text in (
        join_clauses(said),
        join_clauses(short),
        said[0] + others,
        short[0] + others,
    ):
        if len(text) <= SUBJECT_ROOM:
            return text
    return cut(f"{len(said)} changes: {_tally(changes)}")


_WHERE = re.compile(r" \(.*\)$| (?:for|in) .*$")


def without_where(summary: str) -> str:
    """A step's summary without where it applies: its ``for DEPLOYMENTS``, ``in
    RELEASES`` and a closing parenthesis (``Set branch of forum for xpro in ulmo``
    → ``Set branch of forum``; ``Add release verawood (cloned from ulmo)`` →
    ``Add release verawood``). Names never hold a space, so the words are olx's own."""
    return _WHERE.sub("", summary) or summary


def _tally(changes: list[Change]) -> str:
    """The commands of the changing steps, in order, each with how often it ran:
    ``promote (3), override, roll back``."""
    counts: dict[str, int] = {}
    for change in changes:
        if change.changed:
            verb = "roll back" if change.command == "rollback" else change.command
            counts[verb.replace("-", " ")] = counts.get(verb.replace("-", " "), 0) + 1
    return ", ".join(f"{v} ({n})" if n > 1 else v for v, n in counts.items())


def _verify_from_scratch(ws: Workspace, result: Change) -> Matrix:
    """The final texts, read anew (no model carried over from the steps), must mean
    exactly what the last changing step proved they mean; their fresh model."""
    try:
        fresh = read_sources(
            result.new_types, result.new_matrix, ws.types_shown, ws.matrix_shown
        )
    except OlxError as exc:
        raise SafetyError(
            f"the plan's result does not read back: {exc.message}"
        ) from None
    if result.new_model is None or json.dumps(fresh.to_json()) != json.dumps(
        result.new_model.to_json()
    ):
        raise SafetyError(
            "the plan's result is not the composition of its steps; nothing was written",
            "please report this with the runbook",
        )
    return fresh
