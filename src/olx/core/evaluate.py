"""The literal subset of Python the matrix files use, evaluated as Python would.

Constants, containers, ``**`` merges in dicts, Enum references (``E.member``,
``E["member"]``, ``E.member.value``) and names of module-level constants; anything else
(a call, an operator on names) is a :class:`ShapeError` naming file and line. Nothing is
ever executed.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from olx.errors import ShapeError


def _json_scalar(value: Any) -> bool:
    """Whether JSON can hold ``value`` as it is (None, str, int, bool, finite float)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int))


class Evaluator:
    """Evaluates the literal subset of Python the matrix uses, as Python would.

    Constants, containers, ``**`` merges in dicts, Enum references (``E.member``,
    ``E["member"]``, ``E.member.value``) and names of module-level constants. Anything
    else (a call, an operator on names) is a shape olx does not understand.
    """

    def __init__(
        self,
        path: str,
        enums: dict[str, dict[str, str]],
        constants: dict[str, ast.expr] | None = None,
    ) -> None:
        self.path = path
        self.enums = enums
        self.constants = constants or {}
        self._cache: dict[str, Any] = {}
        self._active: set[str] = set()

    def fail(
        self,
        node: ast.AST,
        what: str,
        hint: str = "olx reads literals, Enum references and module-level constants only",
    ) -> ShapeError:
        return ShapeError(
            self.path,
            getattr(node, "lineno", None),
            f"{what}: {ast.unparse(node)[:60]}",
            hint,
        )

    def enum_member(self, node: ast.expr) -> tuple[str, str] | None:
        """(enum, member name) for ``E.member`` / ``E["member"]``, else None."""
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.enums
        ):
            return node.value.id, node.attr
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.enums
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            return node.value.id, node.slice.value
        return None

    def enum_value(self, node: ast.expr) -> str:
        ref = self.enum_member(node)
        if ref is None:
            raise self.fail(node, "not an Enum reference")
        enum, name = ref
        members = self.enums[enum]
        if name in members:
            return members[name]
        if name in members.values():  # lookup by value (inverted-lookup metaclass)
            return name
        raise ShapeError(
            self.path,
            node.lineno,
            f"{enum} has no member {name!r}",
            f"members: {', '.join(members)}",
        )

    def eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            if not _json_scalar(node.value):
                raise self.fail(node, "a constant olx cannot show as JSON")
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return [self.eval(elt) for elt in node.elts]
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    merged = self.eval(value)
                    if not isinstance(merged, dict):
                        raise self.fail(value, "** of something that is not a dict")
                    out.update(merged)
                else:
                    item = self.eval(key)
                    if not _json_scalar(item):
                        raise self.fail(key, "a dict key olx cannot show as JSON")
                    out[item] = self.eval(value)
            return out
        if isinstance(node, ast.Name):
            return self.constant(node)
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "value"
            and self.enum_member(node.value) is not None
        ):
            return self.enum_value(node.value)
        if self.enum_member(node) is not None:
            return self.enum_value(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.eval(node.left), self.eval(node.right)
            if type(left) is type(right) and isinstance(left, (str, list)):
                return left + right
        if isinstance(node, ast.Call):
            raise self.fail(node, "a value computed by a function call")
        raise self.fail(node, "a value olx cannot read")

    def constant(self, node: ast.Name) -> Any:
        name = node.id
        if name in self._cache:
            return self._cache[name]
        if name not in self.constants:
            raise self.fail(node, "a name that is not a module-level constant")
        if name in self._active:
            raise self.fail(node, "a constant that refers to itself")
        self._active.add(name)
        try:
            value = self.eval(self.constants[name])
        finally:
            self._active.discard(name)
        self._cache[name] = value
        return value
