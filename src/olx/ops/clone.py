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
from typing import Any

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
from olx.errors import InputError, SafetyError


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


def map_dict(module: cst.Module) -> tuple[Any, cst.Dict]:
    stmt = module.body[0]
    small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) else None
    if not isinstance(small, (cst.Assign, cst.AnnAssign)) or not isinstance(
        small.value, cst.Dict
    ):
        raise SafetyError(f"{RELEASE_MAP} is not a dict literal")
    return small, small.value


def replace_map(module: cst.Module, small: Any, new_dict: cst.Dict) -> cst.Module:
    stmt = module.body[0]
    new_stmt = stmt.with_changes(body=[small.with_changes(value=new_dict)])
    return module.with_changes(body=[new_stmt])


def key_index(node: cst.Dict, key: str) -> int | None:
    for i, elem in enumerate(node.elements):
        if isinstance(elem, cst.DictElement) and string_value(elem.key) == key:
            return i
    return None


class _Retarget(cst.CSTTransformer):
    """In ``OpenEdxApplicationVersion(...)`` calls: release OLD → NEW, branch names."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def leave_Arg(self, original, updated):  # noqa: N802 (libcst API)
        if updated.keyword is None:
            return updated
        kw = updated.keyword.value
        if kw == "release":
            value = updated.value
            if string_value(value) == self.old:
                return updated.with_changes(value=quoted(self.new, value))
            if (
                isinstance(value, cst.Attribute)
                and isinstance(value.value, cst.Name)
                and value.value.value == RELEASE_ENUM
                and value.attr.value == self.old
            ):
                return updated.with_changes(
                    value=value.with_changes(attr=cst.Name(self.new))
                )
            if (
                isinstance(value, cst.Attribute)
                and value.attr.value == "value"
                and isinstance(value.value, cst.Attribute)
                and value.value.attr.value == self.old
            ):  # OpenEdxSupportedRelease.OLD.value
                inner = value.value.with_changes(attr=cst.Name(self.new))
                return updated.with_changes(value=value.with_changes(value=inner))
            if isinstance(value, cst.Subscript):
                return updated.with_changes(
                    value=replace_strings(
                        value, lambda s: self.new if s == self.old else None
                    )
                )
        elif kw == "branch_override":
            return updated.with_changes(
                value=replace_strings(
                    updated.value, lambda s: rename_in_branch(s, self.old, self.new)
                )
            )
        return updated

    def leave_Call(self, original, updated):  # noqa: N802 (libcst API)
        # A longer name may push a one-line argument list past the line length.
        return fit_call(updated)


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
        done = None
        if held is not None and held(old) is not None:
            done = _done_without_old(ws, old, new, deployments)
        if done is not None:
            return done
        raise names.unknown(
            "ReleaseMap block", old, [b.release for b in model.matrix.release_map]
        )
    new_rel = names.release(model, new)
    new = new_rel.name
    if new == old:
        raise InputError("OLD and NEW are the same release")
    in_old = [d.deployment for d in old_block.deployments]
    selected = in_old
    if deployments:
        chosen = names.deployment_names(model, deployments)
        for name in chosen:
            if name not in in_old:
                raise names.unknown(f"deployment in ReleaseMap[{old!r}]", name, in_old)
        selected = [d for d in in_old if d in chosen]

    expected = expected_of(model)
    old_json = expected["release_map"][old]
    new_block = model.matrix.block(new)
    to_add = [
        dep for dep in selected if new_block is None or new_block.get(dep) is None
    ]
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
        raise InputError(
            f"ReleaseMap[{new!r}][{differ[0]!r}] exists and differs from a clone "
            f"of {old}",
            _differs_hint(old, new, [d for d in in_old if d not in present]),
        )

    retarget = _Retarget(old, new)
    block_at = new_block_index(model, old, new)

    def transform(module: cst.Module) -> cst.Module:
        small, root = map_dict(module)
        old_i = key_index(root, old)
        if old_i is None:
            raise SafetyError(f"{RELEASE_MAP}[{old!r}] not found in the statement")
        old_elem = root.elements[old_i]
        if not isinstance(old_elem.value, cst.Dict):
            raise SafetyError(f"{RELEASE_MAP}[{old!r}] is not a dict literal")
        copies = {}
        for i, dep_elem in enumerate(old_elem.value.elements):
            dep = string_value(dep_elem.key)
            if dep in to_add:
                copies[dep] = (i, dep_elem.visit(retarget))
        new_i = key_index(root, new)
        if new_i is None:
            value = old_elem.value
            for i in reversed(range(len(value.elements))):
                if string_value(value.elements[i].key) not in to_add:
                    value = remove_element(value, i)
            value = value.visit(retarget)
            elem = old_elem.with_changes(key=quoted(new, old_elem.key), value=value)
            return replace_map(module, small, insert_element(root, block_at, elem))
        target = root.elements[new_i]
        value = target.value
        for dep in to_add:
            value = insert_element(
                value, _dep_index(value, dep, in_old), copies[dep][1]
            )
        new_root = root.with_changes(
            elements=[
                *root.elements[:new_i],
                target.with_changes(value=value),
                *root.elements[new_i + 1 :],
            ]
        )
        return replace_map(module, small, new_root)

    new_matrix = rewrite_statement(
        ws.matrix_src, model.matrix.release_map_stmt, transform
    )  # type: ignore[arg-type]

    rm = expected["release_map"]
    if new not in rm:
        block = {dep: expected_entries(old_json[dep], old, new) for dep in to_add}
        expected["release_map"] = _insert_ordered(rm, block_at, new, block)
    else:
        for dep in to_add:
            index = _json_dep_index(list(rm[new]), dep, in_old)
            rm[new] = _insert_ordered(
                rm[new], index, dep, expected_entries(old_json[dep], old, new)
            )
    details = [
        f"ReleaseMap[{new!r}][{dep!r}]: {len(old_json[dep])} applications from {old}"
        for dep in to_add
    ]
    change = Change(
        "clone-release", args, summary, ws.types_src, new_matrix, details=details
    )
    return finish(ws, change, expected)


def _differs_hint(old: str, new: str, lacking: list[str]) -> str:
    """The command that clones only what NEW lacks (add-release --clone-from has no
    --deployment of its own)."""
    if not lacking:
        return f"edit ReleaseMap[{new!r}] by hand"
    return (
        f"edit it by hand, or clone only the deployments ReleaseMap[{new!r}] lacks: "
        f"olx clone-release {old} {new} --deployment {','.join(lacking)}"
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
    present = [string_value(e.key) or "" for e in value.elements]
    return _json_dep_index(present, dep, order)
