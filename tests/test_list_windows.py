"""Entry edits parse and generate only the entries they touch (edit/lists.py): for every
write, on generated matrices in every layout, the result is byte for byte what parsing
and generating each whole list gives, and the diff knows the regions it changed."""

from __future__ import annotations

from typing import Any
from unittest import mock

import libcst as cst
from command_strategies import commands
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rewrite_support import sources, workspace
from strategies import matrices

import olx.edit.lists as lists
from olx.core.reader import read_sources
from olx.edit.diff import Rewritten
from olx.errors import OlxError
from olx.ops.entry_edit import ListEdit
from olx.ops.remove_app import remove_app


def _whole_lists(old: cst.List, new: cst.List, text: str, starts: list[int]) -> str:
    return cst.Module(body=[]).code_for_node(new)


def _plainly(run: Any) -> Any:
    """``run()`` with every list parsed and generated whole (the plain way)."""
    with (
        mock.patch.object(ListEdit, "touched", lambda self: None),
        mock.patch.object(lists, "list_code", _whole_lists),
    ):
        return run()


def _texts(change: Any) -> tuple[str, str]:
    return str(change.new_types), str(change.new_matrix)


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(matrices(sound=True), st.data())
def test_a_write_edits_as_if_it_parsed_each_whole_list(generated, data) -> None:
    ws = workspace(generated.types_src, generated.matrix_src)
    model = read_sources(ws.types_src, ws.matrix_src, "t.py", "m.py").to_json()
    cmd = data.draw(commands(model, valid=True), label="command")
    try:
        fast = cmd.run(ws)
    except OlxError as exc:
        event(f"refused: {cmd.family}")
        try:
            _plainly(lambda: cmd.run(workspace(*_texts_of(ws))))
        except OlxError as plain:
            assert type(plain) is type(exc) and plain.message == exc.message
            return
        raise AssertionError(f"refused only with windows: {exc.message}") from None
    plain = _plainly(lambda: cmd.run(workspace(*_texts_of(ws))))
    assert _texts(fast) == _texts(plain), cmd
    event(f"{'changed' if fast.changed else 'no-op'}: {cmd.family}")


def _texts_of(ws: Any) -> tuple[str, str]:
    return ws.types_src, ws.matrix_src


def test_remove_app_of_an_entry_in_every_list_touches_only_those_entries() -> None:
    types_src, matrix_src = sources("example")
    parsed: list[int] = []
    real = cst.parse_expression

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(text.count("\n"))
        return real(text, *args, **kwargs)

    with mock.patch.object(cst, "parse_expression", counting):
        change = remove_app(workspace(types_src, matrix_src), "forum")
    # One parse for all the lists' windows, each window a few entries, not the lists.
    assert len(parsed) == 1
    assert parsed[0] < matrix_src.count('application="forum"') * 3 * 8
    assert isinstance(change.new_matrix, Rewritten)
    assert len(change.new_matrix.regions) == matrix_src.count('application="forum"')
    assert change.diff.count('-                application="forum",') == (
        matrix_src.count('application="forum"')
    )
