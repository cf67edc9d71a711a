"""``olx clone-release OLD NEW``: copy ``ReleaseMap[OLD]`` to ``ReleaseMap[NEW]``.

Every ``release="OLD"`` of the copy becomes NEW (an entry pinned to another release
keeps its pin); a ``branch_override`` naming OLD as a whole path segment or name
(``mitx/teak``, ``teak``, ``release/teak``) names NEW instead; everything else, comments
and order included, is copied as it is. The new block sits next to OLD, following the
order the existing blocks keep.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any, cast

import libcst as cst

from olx.core import names
from olx.core.model import NEWEST_NAMES, Matrix, release_rank
from olx.core.reader import RELEASE_ENUM, RELEASE_MAP
from olx.core.wording import fit
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.sequences import fit_call, insert_element, remove_element
from olx.edit.splice import (
    quoted,
    replace_strings,
    rewrite_statement,
    string_value,
)
from olx.errors import BadValueError, SafetyError


def rename_in_branch(branch: str, old: str, new: str) -> str:
    """``mitx/teak`` → ``mitx/ulmo``: OLD as a whole path segment or name only."""
    return re.sub(names.word_pattern(old), new, branch)


def block_order(model: Matrix) -> int:
    """+1 when named blocks run oldest-first, -1 newest-first, 0 when it cannot be told.

    With a single named block, a ``master``/``main`` block above it says newest-first.
    """
    releases = [b.release for b in model.matrix.release_map]
    ranks = [release_rank(r) for r in releases if r not in NEWEST_NAMES]
    if len(ranks) == 1 and releases and releases[0] in NEWEST_NAMES:
        return -1
    if len(ranks) < 2:
        return 0
    if all(a < b for a, b in itertools.pairwise(ranks)):
        return 1
    if all(a > b for a, b in itertools.pairwise(ranks)):
        return -1
    return 0


def new_block_index(model: Matrix, old: str, new: str) -> int:
    """Where ``ReleaseMap[NEW]`` goes.

    Where the named blocks keep an order, NEW goes where that order puts it (right next
    to OLD when NEW is OLD's neighbour in release order, which is the usual case; a
    ``master``/``main`` NEW on the newest side); otherwise right after OLD. Existing
    ``master``/``main`` blocks never move.
    """
    releases = [b.release for b in model.matrix.release_map]
    order = block_order(model)
    named = [i for i, r in enumerate(releases) if r not in NEWEST_NAMES]
    if order == 0 or not named:
        return releases.index(old) + 1
    rank = release_rank(new)
    for i in named:
        if (release_rank(releases[i]) > rank) == (order > 0):
            return i
    return named[-1] + 1


def map_dict(module: cst.Module) -> tuple[cst.Assign | cst.AnnAssign, cst.Dict]:
    """The assignment of ``ReleaseMap`` (the module's only statement) and its dict."""
    stmt = module.body[0]
    small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
    if not isinstance(small, (cst.Assign, cst.AnnAssign)) or not isinstance(
        small.value, cst.Dict
    ):
        raise SafetyError(f"{RELEASE_MAP} is not a dict literal")
    return small, small.value


def replace_map(
    module: cst.Module, small: cst.Assign | cst.AnnAssign, new_dict: cst.Dict
) -> cst.Module:
    stmt = module.body[0]
    new_stmt = stmt.with_changes(body=[small.with_changes(value=new_dict)])
    return module.with_changes(body=[new_stmt])


def element_key(elem: cst.BaseDictElement) -> str | None:
    """The string key of a dict element (None for ``**spread`` or another key)."""
    return string_value(elem.key) if isinstance(elem, cst.DictElement) else None


def key_index(node: cst.Dict, key: str) -> int | None:
    for i, elem in enumerate(node.elements):
        if element_key(elem) == key:
            return i
    return None


class _Retarget(cst.CSTTransformer):
    """In ``OpenEdxApplicationVersion(...)`` calls: release OLD → NEW, branch names."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Arg(  # noqa: N802 (libcst API)
        self, original_node: cst.Arg, updated_node: cst.Arg
    ) -> cst.Arg:
        if updated_node.keyword is None:
            return updated_node
        kw = updated_node.keyword.value
        if kw == "release":
            return updated_node.with_changes(value=self._release(updated_node.value))
        if kw == "branch_override":
            return updated_node.with_changes(
                value=replace_strings(
                    updated_node.value,
                    lambda s: rename_in_branch(s, self.old, self.new),
                )
            )
        return updated_node

    def _release(self, value: cst.BaseExpression) -> cst.BaseExpression:
        """A release reference to OLD, as written, naming NEW (others unchanged)."""
        if string_value(value) == self.old:
            like = value if isinstance(value, cst.SimpleString) else None
            return quoted(self.new, like)
        if (
            isinstance(value, cst.Attribute)
            and isinstance(value.value, cst.Name)
            and value.value.value == RELEASE_ENUM
            and value.attr.value == self.old
        ):
            return value.with_changes(attr=cst.Name(self.new))
        if (
            isinstance(value, cst.Attribute)
            and value.attr.value == "value"
            and isinstance(value.value, cst.Attribute)
            and value.value.attr.value == self.old
        ):  # OpenEdxSupportedRelease.OLD.value
            inner = value.value.with_changes(attr=cst.Name(self.new))
            return value.with_changes(value=inner)
        if isinstance(value, cst.Subscript):
            return cast(
                cst.BaseExpression,
                replace_strings(value, lambda s: self.new if s == self.old else None),
            )
        return value

    def leave_Call(  # noqa: N802 (libcst API)
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.Call:
        # A longer name may push a one-line argument list past the line length.
        return fit_call(updated_node)


def expected_entries(
    entries: list[dict[str, Any]], old: str, new: str
) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        entry = dict(entry)
        if entry.get("release") == old:
            entry["release"] = new
        if isinstance(entry.get("branch_override"), str):
            entry["branch_override"] = rename_in_branch(
                entry["branch_override"], old, new
            )
        out.append(entry)
    return out


def _insert_ordered(
    d: dict[str, Any], index: int, key: str, value: Any
) -> dict[str, Any]:
    items = list(d.items())
    items.insert(index, (key, value))
    return dict(items)


def clone_release(
    ws: Workspace,
    old: str,
    new: str,
    deployments: list[str] | None = None,
    held: Callable[[str], str | None] | None = None,
) -> Change:
    """Plan ``olx clone-release OLD NEW [--deployment D]…``.

    ``held`` tells whether the history of types.py ever held a release (not None):
    a clone whose OLD has gone since (retired by a later step of a runbook run again)
    is then a no-op when NEW's block holds every deployment asked for.
    """
    model = ws.model
    old_block = model.matrix.block(old)
    if old_block is None:
        return _without_old(ws, old, new, deployments, held)
    new = names.release(model, new).name
    if new == old:
        raise BadValueError("OLD and NEW are the same release")
    in_old = [d.deployment for d in old_block.deployments]
    selected = _selected(model, old, in_old, deployments)
    new_block = model.matrix.block(new)
    to_add = [d for d in selected if new_block is None or new_block.get(d) is None]
    differ = differences(model, old, new, [d for d in selected if d not in to_add])
    args = [old, new, *(deployments or [])]
    summary = fit(
        lambda d: f"Clone ReleaseMap {old} to {new}" + (f" for {d}" if d else ""),
        (to_add if deployments else [], "deployments"),
    )
    if not to_add:
        # Already done (a runbook run again): a no-op, saying where the block has
        # moved on since it was cloned.
        why = f"ReleaseMap[{new!r}] already has {', '.join(selected)}"
        return nothing_to_do(
            ws, "clone-release", args, summary, why + _differ_note(old, differ)
        )
    if differ:
        present = [d.deployment for d in new_block.deployments] if new_block else []
        _refuse_different(old, new, differ, [d for d in in_old if d not in present])
    clone = _CloneBlock(old, new, to_add, in_old, new_block_index(model, old, new))
    stmt = model.matrix.release_map_stmt
    new_matrix = rewrite_statement(ws.matrix_src, stmt, clone)
    expected = clone.expected(expected_of(model))
    change = Change(
        "clone-release",
        args,
        summary,
        ws.types_src,
        new_matrix,
        details=clone.details(expected),
    )
    return finish(ws, change, expected)


def _without_old(
    ws: Workspace,
    old: str,
    new: str,
    deployments: list[str] | None,
    held: Callable[[str], str | None] | None,
) -> Change:
    """OLD has no block: done already when the history held OLD and NEW's block
    holds every deployment asked for; else OLD is an unknown block."""
    if held is not None and held(old) is not None:
        done = _done_without_old(ws, old, new, deployments)
        if done is not None:
            return done
    model = ws.model
    raise names.unknown(
        "ReleaseMap block", old, [b.release for b in model.matrix.release_map]
    )


def _selected(
    model: Matrix, old: str, in_old: list[str], deployments: list[str] | None
) -> list[str]:
    """The deployments to clone, in OLD's order: those asked for (each must be in
    OLD), else all of OLD's."""
    if not deployments:
        return in_old
    chosen = names.deployment_names(model, deployments)
    for name in chosen:
        if name not in in_old:
            raise names.unknown(f"deployment in ReleaseMap[{old!r}]", name, in_old)
    return [d for d in in_old if d in chosen]


class _CloneBlock:
    """Copies the lists ``to_add`` of ``ReleaseMap[OLD]`` to ``ReleaseMap[NEW]``,
    retargeted: a new block at ``block_at``, or lists added to NEW's block in OLD's
    order. ``expected`` makes the same edit of the model's JSON."""

    def __init__(
        self, old: str, new: str, to_add: list[str], order: list[str], block_at: int
    ) -> None:
        self.old, self.new = old, new
        self.to_add = to_add
        self.order = order  # OLD's deployments, in its order
        self.block_at = block_at
        self.retarget = _Retarget(old, new)

    def __call__(self, module: cst.Module) -> cst.Module:
        small, root = map_dict(module)
        old_i = key_index(root, self.old)
        if old_i is None:
            raise SafetyError(f"{RELEASE_MAP}[{self.old!r}] not found in the statement")
        old_elem = root.elements[old_i]
        if not isinstance(old_elem, cst.DictElement) or not isinstance(
            old_elem.value, cst.Dict
        ):
            raise SafetyError(f"{RELEASE_MAP}[{self.old!r}] is not a dict literal")
        new_i = key_index(root, self.new)
        if new_i is None:
            elem = self._new_block(old_elem, old_elem.value)
            return replace_map(module, small, insert_element(root, self.block_at, elem))
        return replace_map(module, small, self._add_lists(root, new_i, old_elem.value))

    def _new_block(self, old_elem: cst.DictElement, value: cst.Dict) -> cst.DictElement:
        for i in reversed(range(len(value.elements))):
            if element_key(value.elements[i]) not in self.to_add:
                value = remove_element(value, i)
        key = old_elem.key
        return old_elem.with_changes(
            key=quoted(self.new, key if isinstance(key, cst.SimpleString) else None),
            value=value.visit(self.retarget),
        )

    def _add_lists(self, root: cst.Dict, new_i: int, old: cst.Dict) -> cst.Dict:
        copies = {
            element_key(elem): elem.visit(self.retarget)
            for elem in old.elements
            if element_key(elem) in self.to_add
        }
        target = root.elements[new_i]
        value = target.value
        if not isinstance(value, cst.Dict):
            raise SafetyError(f"{RELEASE_MAP}[{self.new!r}] is not a dict literal")
        for dep in self.to_add:
            value = insert_element(
                value, _dep_index(value, dep, self.order), copies[dep]
            )
        return root.with_changes(
            elements=[
                *root.elements[:new_i],
                target.with_changes(value=value),
                *root.elements[new_i + 1 :],
            ]
        )

    def details(self, expected: dict[str, Any]) -> list[str]:
        """A line per list copied, with its number of entries."""
        old_json = expected["release_map"][self.old]
        return [
            f"ReleaseMap[{self.new!r}][{dep!r}]: {len(old_json[dep])} applications "
            f"from {self.old}"
            for dep in self.to_add
        ]

    def expected(self, expected: dict[str, Any]) -> dict[str, Any]:
        rm = expected["release_map"]
        old_json = rm[self.old]
        if self.new not in rm:
            block = {
                dep: expected_entries(old_json[dep], self.old, self.new)
                for dep in self.to_add
            }
            expected["release_map"] = _insert_ordered(
                rm, self.block_at, self.new, block
            )
            return expected
        for dep in self.to_add:
            index = _json_dep_index(list(rm[self.new]), dep, self.order)
            rm[self.new] = _insert_ordered(
                rm[self.new],
                index,
                dep,
                expected_entries(old_json[dep], self.old, self.new),
            )
        return expected


def _refuse_different(
    old: str, new: str, differ: list[str], lacking: list[str]
) -> None:
    """A list NEW has that is not what a clone of OLD makes is refused; the hint is
    the command that clones only what NEW lacks (add-release --clone-from has no
    --deployment of its own)."""
    hint = f"edit ReleaseMap[{new!r}] by hand"
    if lacking:
        hint = (
            f"edit it by hand, or clone only the deployments ReleaseMap[{new!r}] "
            f"lacks: olx clone-release {old} {new} --deployment {','.join(lacking)}"
        )
    raise BadValueError(
        f"ReleaseMap[{new!r}][{differ[0]!r}] exists and differs from a clone of {old}",
        hint,
    )


def differences(model: Matrix, old: str, new: str, deployments: list[str]) -> list[str]:
    """The deployments whose list in ``ReleaseMap[NEW]`` is not what a clone of
    ``ReleaseMap[OLD]`` would make (missing from NEW, or other entries)."""
    expected = expected_of(model)
    rm = expected["release_map"]
    out = []
    for dep in deployments:
        have = rm.get(new, {}).get(dep)
        want = rm.get(old, {}).get(dep)
        if want is None:
            continue  # OLD has no list for it: nothing to compare with
        if have is None or json.dumps(have) != json.dumps(
            expected_entries(want, old, new)
        ):
            out.append(dep)
    return out


def _differ_note(old: str, differ: list[str]) -> str:
    if not differ:
        return f" (as a clone of {old} makes it): nothing to do"
    return (
        f"; nothing to do, though {', '.join(differ)} "
        f"{'differs' if len(differ) == 1 else 'differ'} from a clone of {old} now"
    )


def _done_without_old(
    ws: Workspace, old: str, new: str, deployments: list[str] | None
) -> Change | None:
    """A clone whose OLD block is gone (retired after the clone, as a runbook does),
    when NEW's block holds every deployment asked for: a no-op; else None."""
    model = ws.model
    new_block = model.matrix.block(new)
    if new_block is None:
        return None
    present = [d.deployment for d in new_block.deployments]
    chosen = names.deployment_names(model, deployments) if deployments else present
    if not all(dep in present for dep in chosen):
        return None
    return nothing_to_do(
        ws,
        "clone-release",
        [old, new, *(deployments or [])],
        f"Clone ReleaseMap {old} to {new}",
        f"ReleaseMap[{new!r}] already has {', '.join(chosen)} "
        f"(ReleaseMap[{old!r}] is gone since): nothing to do",
    )


def _json_dep_index(present: list[str], dep: str, order: list[str]) -> int:
    """Insert ``dep`` after the last present deployment that precedes it in ``order``."""
    before = set(order[: order.index(dep)])
    index = 0
    for i, name in enumerate(present):
        if name in before:
            index = i + 1
    return index


def _dep_index(value: cst.Dict, dep: str, order: list[str]) -> int:
    present = [element_key(e) or "" for e in value.elements]
    return _json_dep_index(present, dep, order)
