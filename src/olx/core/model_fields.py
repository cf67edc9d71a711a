"""The entry model class of ``types.py`` (``OpenEdxApplicationVersion``), read from
its source: each declared field with its annotation's Enums (what pydantic coerces the
entry's value to), whether it admits None, its default and its line; and whatever
else its body binds by name (properties, methods, class variables), for the
interpreter of its properties (:mod:`olx.core.interpret`).
"""

from __future__ import annotations

import ast
from typing import Any

from olx.core.enums import MISSING, EnumClass, Problem, base_name, snippet
from olx.core.evaluate import Evaluator
from olx.errors import ShapeError


class Field:
    """A declared field of the entry model: its annotation's Enums (in order, for
    pydantic's coercion; None when olx cannot follow the annotation), whether it also
    admits other types or None, its default (MISSING: none) and its line."""

    __slots__ = (
        "default",
        "default_problem",
        "enums",
        "line",
        "name",
        "optional",
        "others",
    )

    def __init__(
        self,
        name: str,
        line: int,
        enums: list[EnumClass] | None,
        others: bool,
        optional: bool,
    ) -> None:
        self.name = name
        self.line = line
        self.enums = enums
        self.others = others
        self.optional = optional
        self.default: Any = MISSING
        self.default_problem: Problem | None = None


class ModelClass:
    """The entry model: its fields and what else its class body binds by name."""

    __slots__ = (
        "bound",
        "fields",
        "keeps_values",
        "line",
        "name",
        "problem",
        "unknown_bases",
    )

    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.fields: dict[str, Field] = {}
        # name → the node binding it: a FunctionDef (a property getter or a method),
        # or an assignment (a class variable).
        self.bound: dict[str, ast.stmt] = {}
        self.unknown_bases: list[str] = []
        self.keeps_values = False  # use_enum_values: Enum fields hold the values
        self.problem: Problem | None = None


def _annotation_parts(node: ast.expr) -> list[ast.expr] | None:
    """The alternatives of ``A | B``, ``Union[A, B]``, ``Optional[A]`` (through
    ``Annotated[A, ...]`` and string annotations); None if odd."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:  # a forward reference: pydantic reads the string as the annotation
            inner = ast.parse(node.value.strip(), mode="eval").body
        except SyntaxError:
            return None
        return _annotation_parts(inner)
    if (
        isinstance(node, ast.Subscript)
        and base_name(node.value) == "Annotated"
        and isinstance(node.slice, ast.Tuple)
        and node.slice.elts
    ):
        return _annotation_parts(node.slice.elts[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_parts(node.left), _annotation_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Subscript):
        name = base_name(node.value)
        if name in ("Union", "Optional"):
            items = (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            )
            out: list[ast.expr] = []
            for item in items:
                parts = _annotation_parts(item)
                if parts is None:
                    return None
                out += parts
            if name == "Optional":
                out.append(ast.Constant(None))
            return out
    return [node]


def _is_none(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and node.value is None) or (
        isinstance(node, ast.Name) and node.id == "None"
    )


def read_model(
    tree: ast.Module, name: str, enums: dict[str, EnumClass], path: str
) -> ModelClass | None:
    """The entry model class ``name``: fields, defaults and what its body binds."""
    node = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None
    )
    if node is None:
        return None
    model = ModelClass(name, node.lineno)
    for base in node.bases:
        if base_name(base) != "BaseModel":
            model.unknown_bases.append(ast.unparse(base))
    ev = Evaluator(
        path, {e: {m: v.value for m, v in c.members.items()} for e, c in enums.items()}
    )
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            fname = stmt.target.id
            if "ClassVar" in ast.unparse(stmt.annotation):
                model.bound[fname] = stmt
                continue
            if fname == "model_config":
                _read_config(model, stmt.value)
                continue
            model.fields[fname] = _read_field(stmt, fname, enums, ev)
            model.bound.pop(fname, None)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            accessor = [
                d
                for d in stmt.decorator_list
                if isinstance(d, ast.Attribute)
                and isinstance(d.value, ast.Name)
                and d.value.id == stmt.name
                and d.attr in ("setter", "deleter")
            ]
            if accessor and stmt.name in model.bound:
                continue  # @x.setter keeps x's getter
            model.bound[stmt.name] = stmt
            model.fields.pop(stmt.name, None)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    if target.id == "model_config":
                        _read_config(model, stmt.value)
                    else:
                        model.bound[target.id] = stmt
        elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "use_enum_values"
                    for t in sub.targets
                ):
                    _enum_values(model, sub.value)
    return model


def _read_config(model: ModelClass, value: ast.expr | None) -> None:
    if isinstance(value, ast.Call):
        for kw in value.keywords:
            if kw.arg == "use_enum_values":
                _enum_values(model, kw.value)
    elif isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "use_enum_values":
                _enum_values(model, item)


def _enum_values(model: ModelClass, value: ast.expr) -> None:
    if isinstance(value, ast.Constant) and isinstance(value.value, bool):
        model.keeps_values = value.value
    else:
        model.problem = Problem(
            value.lineno, "a use_enum_values setting olx cannot read", snippet(value)
        )


def _read_field(
    stmt: ast.AnnAssign, name: str, enums: dict[str, EnumClass], ev: Evaluator
) -> Field:
    parts = _annotation_parts(stmt.annotation)
    found: list[EnumClass] | None = None  # None: an annotation olx cannot follow
    others = optional = False
    if parts is not None:
        found = []
        for part in parts:
            if _is_none(part):
                optional = True
            elif isinstance(part, ast.Name) and part.id in enums:
                found.append(enums[part.id])
            elif isinstance(part, ast.Name) and part.id == "Any":
                optional = others = True
            else:
                others = True
    out = Field(name, stmt.lineno, found, others, optional)
    if stmt.value is not None:
        try:
            out.default = ev.eval(stmt.value)
        except ShapeError:
            out.default_problem = Problem(
                stmt.lineno, "a field default olx cannot read", snippet(stmt.value)
            )
        ref = ev.enum_member(stmt.value)
        if ref is not None and ref[0] in enums:
            member = enums[ref[0]].members.get(ref[1])
            if member is not None:
                out.default = member
    return out
