"""``olx add-field NAME TYPE``: a new optional field on the entry model.

``NAME: TYPE = None`` goes after the model's last field (before its properties and
methods), at the class body's indentation, laid out as ruff would. TYPE is validated
and normalised by :mod:`olx.core.field_type`: nothing typed becomes code. Every entry
of ``ReleaseMap`` gains the field, null (or the value an entry already gave the
keyword before the model declared it).
"""

from __future__ import annotations

import ast
import copy
import keyword
import re
from typing import Any

import libcst as cst

from olx.core import field_type
from olx.core.entry_model import (
    BASEMODEL_NAMES,
    EntryModel,
    FieldDecl,
    class_scope_names,
    read_entry_model,
)
from olx.core.evaluate import Evaluator
from olx.core.model import Matrix, Statement
from olx.core.reader import ENTRY_MODEL, IDA_ENUM, MFE_ENUM, RELEASE_ENUM, parse
from olx.core.wording import SUBJECT_ROOM
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.literals import LINE_LENGTH
from olx.edit.proof import prove_tree
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.errors import BadValueError, SafetyError, ShapeError
from olx.ops.entry_edit import keyword_sources

FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def subject(long: str, short: str) -> str:
    """The longer way to say what changed when it fits in a commit subject."""
    return long if len(long) <= SUBJECT_ROOM else short


def validate_field_name(name: str) -> str:
    """An identifier (ASCII), not a keyword, not private."""
    if len(name) > 100 or not FIELD_NAME.match(name) or keyword.iskeyword(name):
        raise BadValueError(
            f"invalid field name {name[:60]!r}",
            "use letters, digits and _, starting with a letter (not a keyword, "
            "not _private)",
        )
    return name


def _check_free(entry: EntryModel, name: str) -> None:
    """NAME must not be a name the class (or pydantic's BaseModel) already gives a
    meaning to, nor one the module binds: pydantic resolves the class's annotations
    in its own namespace first, so a field of that name would be what they find."""
    if name in entry.defined:
        raise BadValueError(
            f"{ENTRY_MODEL} already defines {name!r} (a property, method or class "
            "attribute)",
            "choose another field name",
        )
    if name in BASEMODEL_NAMES or name.startswith("model_"):
        raise BadValueError(
            f"a field named {name!r} would shadow pydantic's BaseModel.{name}",
            "choose another field name (pydantic reserves model_* and its methods)",
        )
    if name in class_scope_names(entry.cls):
        raise BadValueError(
            f"the body of {ENTRY_MODEL} uses the name {name!r} (an annotation, a "
            "decorator or a default): a field of that name would change what it means",
            "choose another field name",
        )
    if name in field_type.bindings(entry.module, entry.index).anywhere:
        raise BadValueError(
            f"types.py binds {name!r} at module level: a field of that name would "
            "hide it from the entry model's annotations",
            "choose another field name",
        )


def quote_of(source: str, module: ast.Module) -> str:
    """The quote character of the file's first string literal that is not a
    docstring (``"`` by default)."""
    plain = source.removeprefix("\ufeff")
    for node in ast.walk(module):
        if isinstance(node, ast.Expr):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = ast.get_source_segment(plain, node) or ""
            text = text.lstrip("rRbBuUfF")
            if text[:3] in ('"""', "'''"):
                continue
            if text[:1] in ("'", '"'):
                return text[0]
    return '"'


def declaration(name: str, annotation: ast.expr, text: str, indent: int) -> str | None:
    """``NAME: TYPE = None`` at column ``indent``, laid out as ``ruff format`` lays it
    out (relative to the class body's indentation); None when ruff would need more
    than olx writes (the caller then writes one line and warns)."""
    one = f"{name}: {text} = None"
    if indent + len(one) <= LINE_LENGTH:
        return one + "\n"
    head = f"{name}: {text} = ("
    if indent + len(head) <= LINE_LENGTH:  # ruff splits the right-hand side first
        return f"{head}\n    None\n)\n"
    if isinstance(annotation, (ast.Name, ast.Attribute, ast.Constant)):
        return one + "\n"  # nothing to split: ruff leaves the line long
    if isinstance(annotation, ast.BinOp):
        if indent + 4 + len(text) <= LINE_LENGTH:
            return f"{name}: (\n    {text}\n) = None\n"
        return None
    if isinstance(annotation, ast.Subscript):
        outer = ast.unparse(annotation.value)
        inner = text[len(outer) + 1 : -1]
        if text.startswith(outer + "[") and indent + 4 + len(inner) <= LINE_LENGTH:
            return f"{name}: {outer}[\n    {inner}\n] = None\n"
    return None


def _module_constants(module: ast.Module) -> dict[str, ast.expr]:
    """The value of each module-level ``NAME = value`` / ``NAME: T = value``."""
    constants: dict[str, ast.expr] = {}
    for node in module.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            constants[target.id] = value
    return constants


def _given_already(ws: Workspace, name: str) -> dict[tuple[str, str, int], Any]:
    """Entries that already set keyword NAME (which the model did not declare): their
    values, evaluated as the reader would once the field is declared."""
    model = ws.model
    found = [
        (block.release, dep.deployment, i, entry)
        for block in model.matrix.release_map
        for dep in block.deployments
        for i, entry in enumerate(dep.entries)
        if name in entry.undeclared
    ]
    if not found:
        return {}
    constants = _module_constants(parse(ws.matrix_src, ws.matrix_shown))
    types = model.types
    enums = {
        RELEASE_ENUM: {r.member: r.name for r in types.releases},
        IDA_ENUM: {a.member: a.value for a in types.applications if a.type == "IDA"},
        MFE_ENUM: {a.member: a.value for a in types.applications if a.type == "MFE"},
    }
    ev = Evaluator(ws.matrix_shown, enums, constants)
    return {
        (release, dep, i): ev.eval(keyword_sources(ws.matrix_src, entry)[name])
        for release, dep, i, entry in found
    }


def add_field(ws: Workspace, name: str, type_text: str) -> Change:
    """Plan ``olx add-field NAME TYPE``."""
    model = ws.model
    validate_field_name(name)
    entry = read_entry_model(ws.types_src, ws.types_shown)
    annotation = _annotation(ws, entry, type_text)
    args = [name]
    summary = subject(f"Add field {name} to the entry model", f"Add field {name}")
    existing = entry.field(name)
    if existing is not None:
        return _declared_already(ws, existing, annotation, args, summary)
    _check_free(entry, name)
    last = entry.fields[-1]
    last_node = _field_node(entry, last.name)
    text, warnings = _declaration_text(name, annotation, last_node.col_offset)
    new_types = rewrite_statement(
        ws.types_src,
        Statement(entry.index, entry.start_line, entry.end_line),
        lambda m: edit_class_body(m, _InsertAfter(last.name, text), ENTRY_MODEL),
    )
    _prove_declared(ws, entry, last_node, name, annotation, new_types)
    given = _given_already(ws, name)
    expected = _expected_with(model, name, given)
    details = _added_details(name, annotation, last.name, expected, given)
    change = Change(
        "add-field",
        args,
        summary,
        new_types,
        ws.matrix_src,
        details=details,
        warnings=warnings,
    )
    return finish(ws, change, expected)


def _annotation(
    ws: Workspace, entry: EntryModel, type_text: str
) -> field_type.Annotation:
    """TYPE validated against the names types.py binds, in the file's quotes (the
    model must have a field to follow)."""
    if not entry.fields:
        raise ShapeError(
            None,
            None,
            f"{ENTRY_MODEL} in {ws.types_shown} declares no fields",
            "olx adds a field after the model's last one: declare the first by hand",
        )
    names = field_type.bindings(entry.module, entry.index)
    names.own = entry.defined | {f.name for f in entry.fields}
    names.owner = ENTRY_MODEL
    return field_type.validate(type_text, names, quote_of(ws.types_src, entry.module))


def _declared_already(
    ws: Workspace,
    existing: FieldDecl,
    annotation: field_type.Annotation,
    args: list[str],
    summary: str,
) -> Change:
    """NAME declared alike is nothing to do; with another TYPE, refused."""
    name = existing.name
    shown = ast.unparse(existing.annotation)
    where = f"{ws.types_shown}:{existing.line}"
    if not field_type.same(existing.annotation, annotation.node):
        raise BadValueError(
            f"{ENTRY_MODEL} already declares {name}: {shown} ({where})",
            f"olx remove-field {name} first, or choose another name",
        )
    why = f"{name} is already declared ({where}: {name}: {shown})"
    return nothing_to_do(ws, "add-field", args, summary, why)


def _field_node(entry: EntryModel, name: str) -> ast.AnnAssign:
    """The statement of field ``name`` in the class body (ast)."""
    for node in entry.cls.body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            return node
    raise SafetyError(f"{ENTRY_MODEL}.{name} not found in the class body")


def _declaration_text(
    name: str, annotation: field_type.Annotation, indent: int
) -> tuple[str, list[str]]:
    """The declaration's text, and a warning when it is longer than ruff's line."""
    text = declaration(name, annotation.node, annotation.text, indent)
    if text is not None:
        return text, []
    return f"{name}: {annotation.text} = None\n", [
        f"the declaration of {name} passes {LINE_LENGTH} columns: "
        "run ruff format on types.py"
    ]


def field_statement(body: list[Any], name: str) -> int | None:
    """The index of ``name: TYPE [= value]`` in a class body (libcst), if there."""
    return next(
        (
            i
            for i, stmt in enumerate(body)
            if isinstance(stmt, cst.SimpleStatementLine)
            and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.AnnAssign)
            and isinstance(stmt.body[0].target, cst.Name)
            and stmt.body[0].target.value == name
        ),
        None,
    )


class _InsertAfter:
    """Inserts the statement ``text`` after field ``after`` of the entry model."""

    def __init__(self, after: str, text: str) -> None:
        self.after = after
        self.text = text

    def __call__(self, body: list[Any]) -> list[Any]:
        at = field_statement(body, self.after)
        if at is None:
            raise SafetyError(f"{ENTRY_MODEL}.{self.after} not found in the statement")
        return [*body[: at + 1], cst.parse_statement(self.text), *body[at + 1 :]]


def _prove_declared(
    ws: Workspace,
    entry: EntryModel,
    last: ast.AnnAssign,
    name: str,
    annotation: field_type.Annotation,
    new_types: str,
) -> None:
    """types.py now parses to the old tree with the declaration after the last field."""
    tree = copy.deepcopy(entry.module)
    cls = tree.body[entry.index]
    assert isinstance(cls, ast.ClassDef)
    cls.body.insert(
        entry.cls.body.index(last) + 1,
        ast.parse(f"{name}: {annotation.text} = None").body[0],
    )
    prove_tree(tree, new_types, ws.types_shown, f"the declaration of {name} added")


def _expected_with(
    model: Matrix, name: str, given: dict[tuple[str, str, int], Any]
) -> dict[str, Any]:
    """Every entry gains NAME: None, or the value it gave the keyword already."""
    expected = expected_of(model)
    for release, deps in expected["release_map"].items():
        for dep, entries in deps.items():
            for i, values in enumerate(entries):
                values[name] = given.get((release, dep, i))
    return expected


def _added_details(
    name: str,
    annotation: field_type.Annotation,
    after: str,
    expected: dict[str, Any],
    given: dict[tuple[str, str, int], Any],
) -> list[str]:
    count = sum(
        len(es) for deps in expected["release_map"].values() for es in deps.values()
    )
    kept = f"; {len(given)} already set it and keep their values"
    return [
        f"{ENTRY_MODEL}.{name}: {annotation.text} = None (after {after})",
        f"every entry ({count}) now has {name}" + (kept if given else " (None)"),
    ]
