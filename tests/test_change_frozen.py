"""A planned change is a value: nothing edits it after it is made; every step that
adds to it (the proof, a plan's composition, promote's component lines) makes a new
one."""

from __future__ import annotations

import dataclasses

import pytest
from rewrite_support import ws_of

from olx.core.check import check
from olx.edit.change import Change, combine, expected_of, finish
from olx.ops.entries import override
from olx.ops.remove_app import remove_app


def test_a_change_cannot_be_edited() -> None:
    change = Change("x", [], "Do it", "a\n", "b\n", details=["one"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.details = ["two"]  # type: ignore[misc]  # the refusal is the test
    assert change.details == ["one"]


def test_finish_returns_a_new_change_and_leaves_the_planned_one():
    ws = ws_of("example")
    # A comment changes the text, not the model: the proof accepts it.
    planned = Change("x", [], "Comment", ws.types_src, ws.matrix_src + "# note\n")
    done = finish(ws, planned, expected_of(ws.model))
    assert (planned.edits, planned.new_model) == ([], None)
    assert [e.shown for e in done.edits] == [ws.matrix_shown]
    assert done.new_model is not None
    assert dataclasses.replace(done, edits=[], new_model=None) == planned


def test_combine_joins_the_steps_without_touching_them():
    ws = ws_of("example")
    first = override(ws, "ulmo", "xpro", "learning", branch="xpro/ulmo")
    second = remove_app(ws.after(first), "profile")
    before = (list(first.details), list(second.details))
    both = combine(ws, "plan", ["day"], "A day", [first, second])
    assert both.details == [*first.details, *second.details]
    assert (first.details, second.details) == before
    assert both.follow_up_word == "profile" and both.new_model is second.new_model
    assert {e.shown for e in both.edits} == {ws.types_shown, ws.matrix_shown}


def test_a_check_result_is_frozen_with_tuples() -> None:
    result = check(ws_of("example").model)
    assert isinstance(result.violations, tuple) and isinstance(result.warnings, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.warnings = ()  # type: ignore[misc]  # the refusal is the test
