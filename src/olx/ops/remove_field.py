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

import libcst as cst

from olx.core import names
from olx.core.entry_model import field_uses, read_entry_model
from olx.core.model import Statement
from olx.core.reader import ENTRY_MODEL, RELEASE_MAP, parse
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.members import drop_at
from olx.edit.proof import prove_tree
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.edit.statements import remove_lines
from olx.errors import InputError, SafetyError
from olx.ops.add_field import subject, validate_field_name
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
        raise InputError(
            f"{name} cannot be removed: every entry needs it",
            "olx removes optional fields only",
        )
    entry = read_entry_model(ws.types_src, ws.types_shown)
    args = [name]
    summary = f"Remove field {name}"
    decl = entry.field(name)
    if decl is None:
        if name in entry.defined:
            raise InputError(
                f"{name} is not a field of {ENTRY_MODEL} (a property, method or class "
                "attribute)",
                "edit the class by hand",
            )
        where = removed_in(name) if removed_in is not None else None
        if where is None:
            raise names.unknown("field", name, [f.name for f in entry.fields])
        shown = PurePosixPath(ws.types_shown).name
        return nothing_to_do(
            ws,
            "remove-field",
            args,
            summary,
            f"{name} is already removed (left {shown} in {where})",
        )
    uses = field_uses(entry, name)
    if uses:
        raise InputError(
            f"{ENTRY_MODEL}'s own code uses {name}: "
            + ", ".join(f"{ws.types_shown}:{line}" for line in uses),
            "change that code first: without the field it would fail at run time",
        )
    if len(entry.fields) == 1:
        raise InputError(
            f"{name} is the only field of {ENTRY_MODEL}", "edit the class by hand"
        )

    # types.py: the declaration, with its own comments.
    def drop(body: list[Any]) -> list[Any]:
        for i, stmt in enumerate(body):
            if (
                isinstance(stmt, cst.SimpleStatementLine)
                and len(stmt.body) == 1
                and isinstance(stmt.body[0], cst.AnnAssign)
                and isinstance(stmt.body[0].target, cst.Name)
                and stmt.body[0].target.value == name
            ):
                return drop_at(body, i)
        raise SafetyError(f"{ENTRY_MODEL}.{name} not found in the statement")

    stmt = Statement(entry.index, entry.start_line, entry.end_line)
    new_types = rewrite_statement(
        ws.types_src, stmt, lambda m: edit_class_body(m, drop, ENTRY_MODEL)
    )
    types_tree = copy.deepcopy(entry.module)
    cls = types_tree.body[entry.index]
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
    prove_tree(
        types_tree, new_types, ws.types_shown, f"the declaration of {name} removed"
    )

    # version_matrix.py: the keyword of every entry, then the constants it leaves unused.
    expected = expected_of(model)
    details = [f"{ENTRY_MODEL}.{name} removed ({ws.types_shown}:{decl.line})"]
    plan: dict[tuple[str, str], ListEdit] = {}
    count = 0
    for block in model.matrix.release_map:
        for dep in block.deployments:
            for i, app_entry in enumerate(dep.entries):
                if name in app_entry.values:
                    plan.setdefault(
                        (block.release, dep.deployment), ListEdit()
                    ).keywords[i] = [(name, None)]
                    count += 1
                    details.append(
                        f"ReleaseMap[{block.release!r}][{dep.deployment!r}] "
                        f"{app_entry.application}: {name} removed"
                    )
    for deps in expected["release_map"].values():
        for entries in deps.values():
            for values in entries:
                values.pop(name, None)

    old_tree = parse(ws.matrix_src, ws.matrix_shown)
    calls = _entry_calls(old_tree)
    removed_values = [
        kw.value for call in calls for kw in call.keywords if kw.arg == name
    ]
    doomed = unreferenced_after(old_tree, removed_values)
    new_matrix = rewrite_entries(ws.matrix_src, model, plan) if plan else ws.matrix_src
    if doomed:
        new_matrix = _drop_constants(new_matrix, ws.matrix_shown, doomed)
        details += [
            f"constant {c} removed (nothing references it any more)" for c in doomed
        ]
    matrix_tree = copy.deepcopy(old_tree)
    for call in _entry_calls(matrix_tree):
        call.keywords = [kw for kw in call.keywords if kw.arg != name]
    defs = _constant_defs(matrix_tree)
    dead = {defs[c] for c in doomed}
    matrix_tree.body = [n for i, n in enumerate(matrix_tree.body) if i not in dead]
    prove_tree(matrix_tree, new_matrix, ws.matrix_shown, f"the uses of {name} removed")

    parts = [f"{count} {'entry' if count == 1 else 'entries'}"] if count else []
    if doomed:
        parts.append(f"{len(doomed)} constant{'' if len(doomed) == 1 else 's'}")
    if parts:
        summary = subject(f"{summary} ({', '.join(parts)})", summary)
    change = Change(
        "remove-field",
        args,
        summary,
        new_types,
        new_matrix,
        details=details,
        follow_up_word=name,
        follow_up_more=doomed,
    )
    return finish(ws, change, expected)


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
            raise InputError(
                f"{shown}:{start}: constant {name} shares a line with another statement",
                "remove it by hand",
            )
        ranges.append((start, end))
    return remove_lines(source, ranges)
