"""The entry model class of types.py (``OpenEdxApplicationVersion``) as source.

What ``add-field`` and ``remove-field`` need to know that the model does not carry:
where each field is declared, what else the class defines (properties, methods,
``model_config``), which names the class body itself evaluates, and where its code
refers to a field. Read with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from olx.core.reader import ENTRY_MODEL, parse, statements
from olx.errors import ShapeError

# Attributes of pydantic's BaseModel (v1 and v2) that a field of the same name would
# shadow; v2 also reserves every name that starts with ``model_``.
BASEMODEL_NAMES = frozenset(
    {
        "Config",
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)


@dataclass(frozen=True)
class FieldDecl:
    """One field of the model: ``name: annotation [= default]``."""

    name: str
    annotation: ast.expr
    line: int
    end_line: int


@dataclass
class EntryModel:
    """The entry model class as written: its fields in order and its other names."""

    module: ast.Module
    cls: ast.ClassDef
    index: int  # the class's index in the module body
    start_line: int  # the class statement's lines (decorators included)
    end_line: int
    fields: list[FieldDecl]
    defined: set[str]  # names the class body defines that are not fields

    def field(self, name: str) -> FieldDecl | None:
        return next((f for f in self.fields if f.name == name), None)


def is_field(node: ast.stmt) -> bool:
    """A field declaration, by the reader's rule: an annotated name that is not private,
    not ``model_config`` and not a ``ClassVar``."""
    return field_name(node) is not None


def field_name(node: ast.stmt) -> str | None:
    """The name :func:`is_field` declares, else None."""
    if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
        return None
    name = node.target.id
    if name.startswith("_") or name == "model_config":
        return None
    return None if "ClassVar" in ast.unparse(node.annotation) else name


def read_entry_model(source: str, path: str) -> EntryModel:
    """The entry model class of types.py; an input error when there is none."""
    module = parse(source, path)
    for node, stmt in statements(module):
        if isinstance(node, ast.ClassDef) and node.name == ENTRY_MODEL:
            fields: list[FieldDecl] = []
            defined: set[str] = set()
            for item in node.body:
                name = field_name(item)
                if name is not None and isinstance(item, ast.AnnAssign):
                    fields.append(
                        FieldDecl(
                            name,
                            item.annotation,
                            item.lineno,
                            item.end_lineno or item.lineno,
                        )
                    )
                else:
                    defined |= _names_defined(item)
            return EntryModel(
                module,
                node,
                stmt.index,
                stmt.start_line,
                stmt.end_line,
                fields,
                defined,
            )
    raise ShapeError(
        path,
        None,
        f"no class {ENTRY_MODEL}",
        "olx edits the fields of the entry model only; is --types the right file?",
    )


def _names_defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def class_scope_names(cls: ast.ClassDef) -> set[str]:
    """Names the class body evaluates in its own namespace when the class is created:
    annotations (those written as strings too, which pydantic resolves in the class's
    namespace first), values, decorators, and function signatures (not function
    bodies, which look names up in the module). A new field of such a name would
    change what they mean."""
    found: set[str] = set()
    roots: list[ast.AST] = []
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            roots += item.decorator_list
            roots += [a.annotation for a in _all_args(item.args) if a.annotation]
            roots += [d for d in [*item.args.defaults, *item.args.kw_defaults] if d]
            if item.returns is not None:
                roots.append(item.returns)
        elif isinstance(item, ast.ClassDef):
            roots += item.decorator_list + item.bases
        else:
            roots.append(item)
    for root in roots:
        found |= _names_in(root)
    return found


def _names_in(root: ast.AST) -> set[str]:
    """The names ``root`` reads, those of a string that is an expression (a forward
    reference) included."""
    found: set[str] = set()
    for node in ast.walk(root):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value.strip(), mode="eval")
            except (SyntaxError, ValueError):
                continue
            found |= _names_in(inner)
    return found


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    out += [a for a in (args.vararg, args.kwarg) if a is not None]
    return out


def field_uses(model: EntryModel, name: str) -> list[int]:
    """Lines of the class's own code that need field ``name``: ``self.NAME`` in a
    property or method, and a decorator naming it as a string (a validator)."""
    lines: set[int] = set()
    for item in model.cls.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        first = item.args.posonlyargs + item.args.args
        this = first[0].arg if first else "self"
        for node in ast.walk(item):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == name
                and isinstance(node.value, ast.Name)
                and node.value.id in (this, "self")
            ):
                lines.add(node.lineno)
        for deco in item.decorator_list:
            for node in ast.walk(deco):
                if isinstance(node, ast.Constant) and node.value == name:
                    lines.add(node.lineno)
    return sorted(lines)
