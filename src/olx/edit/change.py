"""The one object that describes a write, and the proof that it is the intended one.

Every write command plans a :class:`Change` against a :class:`Workspace` (the two
files' texts and their model). Planning never prints and never writes: the CLI renders
the change, ``--dry-run`` shows its diff, and the write and git layers apply it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from olx.core.model import Matrix
from olx.core.reader import read_matrix, read_sources
from olx.core.values import default_branch
from olx.edit.diff import unified_diff
from olx.errors import OlxError, SafetyError, ShapeError


@dataclass(frozen=True)
class FileEdit:
    path: Path
    shown: str  # path relative to the repository, for diffs and messages
    old: str
    new: str


@dataclass
class Workspace:
    """The two files' texts (in memory) and their model; ``plan`` applies steps here."""

    types_path: Path
    matrix_path: Path
    types_shown: str
    matrix_shown: str
    types_src: str
    matrix_src: str
    _model: Matrix | None = None
    # The commit the texts were read from (``--base REF``), None for the work tree's:
    # what a step asks of the history (rollback, soak time) is asked at that commit.
    revision: str | None = None

    @property
    def model(self) -> Matrix:
        """The files' model; a matrix with a key given twice is refused (a shape
        error naming both lines): which of the two did its author mean to edit?"""
        if self._model is None:
            model = read_sources(
                self.types_src, self.matrix_src, self.types_shown, self.matrix_shown
            )
            refuse_duplicate_keys(model)
            self._model = model
        return self._model

    def after(self, change: Change) -> Workspace:
        """The workspace as ``change`` leaves it (for a change made of several steps)."""
        return Workspace(
            self.types_path,
            self.matrix_path,
            self.types_shown,
            self.matrix_shown,
            change.new_types,
            change.new_matrix,
            change.new_model,
            self.revision,
        )


def refuse_duplicate_keys(model: Matrix) -> None:
    """A write never edits a ``ReleaseMap`` with a key given twice (``olx check``
    rule 8): Python keeps the last value, but a person may have meant either."""
    for dup in model.matrix.duplicate_keys:
        path = model.matrix.path
        raise ShapeError(
            path,
            dup.line,
            dup.describe(f"{path}:"),
            "merge the two into one (Python keeps the last value, at the first key's "
            "place), then run olx again; olx check lists every duplicate",
        )


@dataclass(frozen=True)
class Change:
    """A planned write: new texts, what they mean, and what to tell the user.

    Frozen, its sequences never edited in place: a step that adds to a change
    (:func:`finish`, a plan's records, promote's component lines, the guard's
    warnings) makes a new one with :func:`dataclasses.replace`.
    """

    command: str
    args: Sequence[str]
    summary: str  # commit subject, e.g. "Promote palm to QA for mitx"
    new_types: str
    new_matrix: str
    new_model: Matrix | None = None
    details: Sequence[str] = field(default_factory=list)  # "mitx QA: olive → palm"
    warnings: Sequence[str] = field(default_factory=list)
    notes: Sequence[str] = field(default_factory=list)  # "nothing to do" reasons
    # A word whose other mentions in the repository are listed after the write (retire).
    follow_up_word: str | None = None
    # More such words (the constants remove-field removed).
    follow_up_more: Sequence[str] = field(default_factory=list)
    # Text the change wrote in which a follow-up word is no leftover (a rename to
    # ``course-authoring`` still "mentions" ``authoring``).
    follow_up_within: Sequence[str] = field(default_factory=list)
    edits: Sequence[FileEdit] = field(default_factory=list)
    # A runbook's steps (olx plan): [{"line", "command", "changed", "details"}].
    steps: Sequence[dict[str, Any]] | None = None
    # Trailers of the commit message (``Rollback-Of: <sha>``), its last paragraph.
    trailers: Sequence[str] = field(default_factory=list)
    # The command lines the commit body records instead of the one that ran: a
    # runbook read from outside the repository records its steps.
    recorded: Sequence[str] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    @property
    def diff(self) -> str:
        return unified_diff(self.edits)

    @property
    def branch(self) -> str:
        """The default branch name, ``olx/<command>-<args>``, valid for any args."""
        return default_branch([self.command, *self.args])


def expected_of(model: Matrix) -> dict[str, Any]:
    """A fresh copy of the model's JSON, for an operation to edit into its expectation.

    ``to_json`` builds new containers on every call; operations replace values and
    never mutate the nested ones they share with the model.
    """
    return model.to_json()


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if type(a) is not type(b):
        return f"{path or '/'}: {a!r} became {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path or '/'}: keys {list(a)} became {list(b)}"
        for key in a:
            if a[key] != b[key] or json.dumps(a[key]) != json.dumps(b[key]):
                return _first_difference(a[key], b[key], f"{path}/{key}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path or '/'}: {len(a)} items became {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if json.dumps(x) != json.dumps(y):
                return _first_difference(x, y, f"{path}/{i}")
    return f"{path or '/'}: {a!r} became {b!r}"


def finish(ws: Workspace, change: Change, expected: dict[str, Any]) -> Change:
    """Re-read the new texts with the ast reader and prove they mean ``expected``.

    The reader is independent of libcst, which made the edit; any difference from the
    intended model (including order) is a :class:`SafetyError` and nothing is written.
    """
    try:
        if change.new_types == ws.types_src:
            # types.py is byte-identical: its model is the one already read from it.
            types = ws.model.types
            new_model = Matrix(
                types, read_matrix(change.new_matrix, ws.matrix_shown, types)
            )
        else:
            new_model = read_sources(
                change.new_types, change.new_matrix, ws.types_shown, ws.matrix_shown
            )
    except OlxError as exc:
        raise SafetyError(
            f"the rewritten source does not read back: {exc.message}"
        ) from None
    if new_model.matrix.duplicate_keys:
        raise SafetyError(
            "the rewrite gives a ReleaseMap key twice "
            f"({new_model.matrix.duplicate_keys[0].describe()}); nothing was written",
            "please report this with the command line",
        )
    actual = new_model.to_json()
    if json.dumps(actual) != json.dumps(expected):
        raise SafetyError(
            "the rewrite is not exactly the intended change "
            f"({_first_difference(expected, actual)}); nothing was written",
            "please report this with the command line",
        )
    return replace(change, new_model=new_model, edits=_edits(ws, change))


def _edits(ws: Workspace, change: Change) -> list[FileEdit]:
    return [
        FileEdit(path, shown, old, new)
        for path, shown, old, new in (
            (ws.types_path, ws.types_shown, ws.types_src, change.new_types),
            (ws.matrix_path, ws.matrix_shown, ws.matrix_src, change.new_matrix),
        )
        if old != new
    ]


def combine(
    ws: Workspace, command: str, args: list[str], summary: str, steps: list[Change]
) -> Change:
    """One change made of ``steps`` planned one after another from ``ws``.

    Each step was verified against the workspace before it; the composition is what
    gets written and committed, once.
    """
    last = steps[-1]
    words = [s.follow_up_word for s in steps if s.follow_up_word]
    words += [w for s in steps for w in s.follow_up_more]
    change = Change(
        command,
        args,
        summary,
        last.new_types,
        last.new_matrix,
        last.new_model,
        details=[d for s in steps for d in s.details],
        warnings=[w for s in steps for w in s.warnings],
        notes=[n for s in steps for n in s.notes],
        follow_up_word=next(
            (s.follow_up_word for s in steps if s.follow_up_word), None
        ),
        follow_up_more=[w for w in dict.fromkeys(words[1:]) if w != words[0]],
        follow_up_within=[w for s in steps for w in s.follow_up_within],
        trailers=[t for s in steps for t in s.trailers],
    )
    return replace(change, edits=_edits(ws, change))


def nothing_to_do(
    ws: Workspace, command: str, args: list[str], summary: str, why: str
) -> Change:
    """A change that changes nothing (exit 0, no write, no branch)."""
    return Change(
        command, args, summary, ws.types_src, ws.matrix_src, ws.model, notes=[why]
    )
