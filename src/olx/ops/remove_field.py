"""``olx remove-field NAME``: a field of the entry model, with every use of it.

In one change: the declaration in types.py (with its own comments), the ``NAME=``
keyword of every ``ReleaseMap`` entry (each listed), and every module-level constant
of the matrix file that nothing references any more afterwards (a constant referenced
only by a removed one goes too; one that nothing referenced before stays). Refused while
the model's own code needs the field (``self.NAME`` in a property, a validator naming
it), since types.py would then fail at run time.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from olx.core import names
from olx.core.entry_model import EntryModel, field_uses, read_entry_model
from olx.core.model import Matrix, Statement
from olx.core.reader import ENTRY_MODEL, RELEASE_MAP, parse
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.members import drop_at
from olx.edit.proof import prove_tree
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.edit.statements import remove_lines
from olx.errors import BadValueError, SafetyError, ShapeError
from olx.ops.add_field import field_statement, subject, validate_field_name
from olx.ops.entry_edit import ListEdit, rewrite_entries

# The fields every entry needs: what an application version is.
REQUIRED = ("application", "application_type", "release")

# Where the history of types.py last saw a field go (``1a2b3c4d5e 2025-02-14 "…"``),
# or None when the model never declared it.
RemovedIn = Callable[[str], "str | None"]


def _binds(node: ast.stmt) -> set[str]:
    """Every module-level name a top-level statement binds (over-counting is safe:
    it only keeps a constant)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
    }


def _constant_defs(module: ast.Module) -> dict[str, int]:
    """Module-level constants (``NAME = value`` / ``NAME: T = value``, bound by that
    statement alone, ReleaseMap aside) by name, with their statement's index."""
    bound: Counter[str] = Counter()
    simple: dict[str, int] = {}
    for index, node in enumerate(module.body):
        bound.update(_binds(node))
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target = node.target
        if isinstance(target, ast.Name) and target.id != RELEASE_MAP:
            simple[target.id] = index
    # A name bound twice (reassigned, augmented, imported) is not olx's to remove.
    return {name: index for name, index in simple.items() if bound[name] == 1}


def _loads(node: ast.AST) -> Counter[str]:
    return Counter(
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    )


def _entry_calls(module: ast.Module) -> list[ast.Call]:
    """Every ``OpenEdxApplicationVersion(...)`` inside ReleaseMap's value."""
    for node in module.body:
        target: ast.expr | None = (
            node.target if isinstance(node, ast.AnnAssign) else None
        )
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == RELEASE_MAP:
            return [
                call
                for call in ast.walk(node)
                if isinstance(call, ast.Call)
                and (
                    (isinstance(call.func, ast.Name) and call.func.id == ENTRY_MODEL)
                    or (
                        isinstance(call.func, ast.Attribute)
                        and call.func.attr == ENTRY_MODEL
                    )
                )
            ]
    return []


def unreferenced_after(module: ast.Module, removed: list[ast.expr]) -> list[str]:
    """The constants that something referenced before and nothing references once the
    ``removed`` expressions are gone, transitively (in definition order)."""
    defs = _constant_defs(module)
    per_stmt = [_loads(node) for node in module.body]
    gone: Counter[str] = Counter()
    for expr in removed:
        gone.update(_loads(expr))

    def references(name: str, dead: set[int], subtract: bool) -> int:
        total = sum(
            counts[name]
            for index, counts in enumerate(per_stmt)
            if index not in dead and index != defs[name]
        )
        return total - (gone[name] if subtract else 0)

    doomed: set[int] = set()
    changed = True
    while changed:
        changed = False
        for name, index in defs.items():
            if index in doomed or references(name, set(), False) == 0:
                continue  # already going, or unreferenced before: it stays
            if references(name, doomed, True) <= 0:
                doomed.add(index)
                changed = True
    return [
        name
        for name, index in sorted(defs.items(), key=lambda x: x[1])
        if index in doomed
    ]


def remove_field(
    ws: Workspace, name: str, removed_in: RemovedIn | None = None
) -> Change:
    """Plan ``olx remove-field NAME``."""
    model = ws.model
    validate_field_name(name)
    if name in REQUIRED:
        raise BadValueError(
            f"{name} cannot be removed: every entry needs it",
            "olx removes optional fields only",
        )
    entry = read_entry_model(ws.types_src, ws.types_shown)
    args = [name]
    summary = f"Remove field {name}"
    decl = entry.field(name)
    if decl is None:
        return _removed_already(ws, entry, name, removed_in, args, summary)
    _refuse_in_use(ws, entry, name)
    # types.py: the declaration, with its own comments.
    new_types = _drop_declaration(ws, entry, name)
    # version_matrix.py: the keyword of every entry, then the constants it leaves unused.
    plan, entry_lines = _keyword_removals(ws, name)
    old_tree = parse(ws.matrix_src, ws.matrix_shown)
    removed_values = [
        kw.value
        for call in _entry_calls(old_tree)
        for kw in call.keywords
        if kw.arg == name
    ]
    doomed = unreferenced_after(old_tree, removed_values)
    new_matrix = _drop_uses(ws, plan, doomed)
    _prove_uses_removed(ws, old_tree, name, doomed, new_matrix)
    details = [f"{ENTRY_MODEL}.{name} removed ({ws.types_shown}:{decl.line})"]
    details += entry_lines
    details += [
        f"constant {c} removed (nothing references it any more)" for c in doomed
    ]
    change = Change(
        "remove-field",
        args,
        _summary(summary, len(entry_lines), doomed),
        new_types,
        new_matrix,
        details=details,
        follow_up_word=name,
        follow_up_more=doomed,
    )
    return finish(ws, change, _expected_without(model, name))


def _removed_already(
    ws: Workspace,
    entry: EntryModel,
    name: str,
    removed_in: RemovedIn | None,
    args: list[str],
    summary: str,
) -> Change:
    """NAME is no field: nothing to do when the history of types.py declared it;
    else a name the class gives another meaning, or an unknown field."""
    if name in entry.defined:
        raise BadValueError(
            f"{name} is not a field of {ENTRY_MODEL} (a property, method or class "
            "attribute)",
            "edit the class by hand",
        )
    where = removed_in(name) if removed_in is not None else None
    if where is None:
        raise names.unknown("field", name, [f.name for f in entry.fields])
    shown = PurePosixPath(ws.types_shown).name
    why = f"{name} is already removed (left {shown} in {where})"
    return nothing_to_do(ws, "remove-field", args, summary, why)


def _refuse_in_use(ws: Workspace, entry: EntryModel, name: str) -> None:
    """The model's own code must not need the field, and a model keeps one field."""
    uses = field_uses(entry, name)
    if uses:
        raise ShapeError(
            None,
            None,
            f"{ENTRY_MODEL}'s own code uses {name}: "
            + ", ".join(f"{ws.types_shown}:{line}" for line in uses),
            "change that code first: without the field it would fail at run time",
        )
    if len(entry.fields) == 1:
        raise ShapeError(
            None,
            None,
            f"{name} is the only field of {ENTRY_MODEL}",
            "edit the class by hand",
        )


class _DropField:
    """Removes field ``name``'s statement (with its own comments) from a class body."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, body: list[Any]) -> list[Any]:
        at = field_statement(body, self.name)
        if at is None:
            raise SafetyError(f"{ENTRY_MODEL}.{self.name} not found in the statement")
        return drop_at(body, at)


def _drop_declaration(ws: Workspace, entry: EntryModel, name: str) -> str:
    """types.py without the declaration, proved to parse to the old tree without it."""
    stmt = Statement(entry.index, entry.start_line, entry.end_line)
    new_types = rewrite_statement(
        ws.types_src, stmt, lambda m: edit_class_body(m, _DropField(name), ENTRY_MODEL)
    )
    tree = copy.deepcopy(entry.module)
    cls = tree.body[entry.index]
    assert isinstance(cls, ast.ClassDef)
    cls.body = [
        n
        for n in cls.body
        if not (
            isinstance(n, ast.AnnAssign)
            and isinstance(n.target, ast.Name)
            and n.target.id == name
        )
    ]
    prove_tree(tree, new_types, ws.types_shown, f"the declaration of {name} removed")
    return new_types


def _keyword_removals(
    ws: Workspace, name: str
) -> tuple[dict[tuple[str, str], ListEdit], list[str]]:
    """The removal of ``NAME=`` from every entry that sets it, and a line for each."""
    plan: dict[tuple[str, str], ListEdit] = {}
    lines: list[str] = []
    for block in ws.model.matrix.release_map:
        for dep in block.deployments:
            for i, app_entry in enumerate(dep.entries):
                if name not in app_entry.values:
                    continue
                key = (block.release, dep.deployment)
                plan.setdefault(key, ListEdit()).keywords[i] = [(name, None)]
                lines.append(
                    f"ReleaseMap[{block.release!r}][{dep.deployment!r}] "
                    f"{app_entry.application}: {name} removed"
                )
    return plan, lines


def _drop_uses(
    ws: Workspace, plan: dict[tuple[str, str], ListEdit], doomed: list[str]
) -> str:
    """The matrix file without the keywords, then without the doomed constants."""
    new_matrix = (
        rewrite_entries(ws.matrix_src, ws.model, plan) if plan else ws.matrix_src
    )
    if doomed:
        new_matrix = _drop_constants(new_matrix, ws.matrix_shown, doomed)
    return new_matrix


def _prove_uses_removed(
    ws: Workspace, old_tree: ast.Module, name: str, doomed: list[str], new_matrix: str
) -> None:
    """The new matrix file parses to the old tree without the keywords and the
    doomed constants' statements."""
    tree = copy.deepcopy(old_tree)
    for call in _entry_calls(tree):
        call.keywords = [kw for kw in call.keywords if kw.arg != name]
    defs = _constant_defs(tree)
    dead = {defs[c] for c in doomed}
    tree.body = [n for i, n in enumerate(tree.body) if i not in dead]
    prove_tree(tree, new_matrix, ws.matrix_shown, f"the uses of {name} removed")


def _expected_without(model: Matrix, name: str) -> dict[str, Any]:
    expected = expected_of(model)
    for deps in expected["release_map"].values():
        for entries in deps.values():
            for values in entries:
                values.pop(name, None)
    return expected


def _summary(summary: str, count: int, doomed: list[str]) -> str:
    """``Remove field NAME (3 entries, 1 constant)`` where it fits."""
    parts = [f"{count} {'entry' if count == 1 else 'entries'}"] if count else []
    if doomed:
        parts.append(f"{len(doomed)} constant{'' if len(doomed) == 1 else 's'}")
    return subject(f"{summary} ({', '.join(parts)})", summary) if parts else summary


def _drop_constants(source: str, shown: str, doomed: list[str]) -> str:
    """Remove the doomed constants' statements (found anew: the entry edits moved lines)."""
    module = parse(source, shown)
    defs = _constant_defs(module)
    ranges = []
    for name in doomed:
        index = defs.get(name)
        if index is None:
            raise SafetyError(f"constant {name} not found in {shown}")
        node = module.body[index]
        before = module.body[index - 1].end_lineno if index > 0 else 0
        after = module.body[index + 1].lineno if index + 1 < len(module.body) else None
        start, end = node.lineno, node.end_lineno or node.lineno
        if (before or 0) >= start or (after is not None and after <= end):
            raise ShapeError(
                shown,
                start,
                f"constant {name} shares a line with another statement",
                "remove it by hand",
            )
        ranges.append((start, end))
    return remove_lines(source, ranges)
