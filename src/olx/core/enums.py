"""The Enum classes of ``types.py`` as Python builds them, read from their source.

The interpreter of the entry model's properties (:mod:`olx.core.interpret`) needs what
Python would know after ``import types``: every Enum's members, each with its value,
its string (for a ``str``-based Enum: what ``==`` compares) and the attributes its
``__new__`` sets from the member's tuple (``enum_element.branch = release_branch``:
which position is which is read from ``__new__``, never assumed). Nothing is executed:
a ``__new__`` olx cannot follow, a member that is not a literal, or an Enum whose
comparison rules a method changes, is recorded as a :class:`Problem` that the
interpreter reports when a property uses it, never guessed.
"""

from __future__ import annotations

import ast
from typing import Any

from olx.core.evaluate import Evaluator
from olx.errors import ShapeError

ENUM_BASES = {"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag", "ReprEnum"}
# Methods that change how members compare, test true or answer attributes: an Enum
# defining one is not interpreted (its members are a problem wherever they are used).
SEMANTIC_METHODS = {
    "__eq__",
    "__ne__",
    "__bool__",
    "__len__",
    "__getattr__",
    "__getattribute__",
    "__contains__",
    "__hash__",
    "__init__",
    "_missing_",
}
MISSING: Any = object()


class Problem:
    """Why olx cannot interpret something: where (line of types.py) and what."""

    # Plain classes with slots, not dataclasses, in this module and its neighbours:
    # a dataclass costs a code generation at import, and every command that resolves
    # components imports these.
    __slots__ = ("line", "snippet", "what")

    def __init__(self, line: int, what: str, snippet: str) -> None:
        self.line = line
        self.what = what
        self.snippet = snippet


def snippet(node: ast.AST, limit: int = 50) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Member:
    """One Enum member as Python builds it. ``text`` is the member's string for a
    ``str``-based Enum (what ``==`` compares); ``attrs`` what ``__new__`` set."""

    __slots__ = ("attrs", "enum", "line", "name", "problem", "text", "value")

    def __init__(self, enum: EnumClass, name: str, line: int) -> None:
        self.enum = enum
        self.name = name
        self.line = line
        self.value: Any = None
        self.text: str | None = None
        self.attrs: dict[str, Any] = {}
        self.problem: Problem | None = None

    def __repr__(self) -> str:
        return f"{self.enum.name}.{self.name}"


class EnumClass:
    """An Enum class of types.py: ``kind`` is ``"str"`` (members are strings),
    ``"plain"`` (members equal only themselves) or ``""`` (olx does not interpret it:
    ``problem`` says why)."""

    __slots__ = ("functions", "kind", "line", "members", "name", "problem")

    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.kind = ""
        self.members: dict[str, Member] = {}
        self.functions: set[str] = set()
        self.problem: Problem | None = None

    def by_value(self, value: Any) -> Member | None:
        """The member ``EnumClass(value)`` returns, as pydantic looks it up."""
        for member in self.members.values():
            if member.problem is None and _same(member.value, value):
                return member
        return None


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def base_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def read_enums(
    tree: ast.Module, path: str
) -> tuple[dict[str, EnumClass], dict[str, tuple[Any, int]]]:
    """Every Enum class of the module (by name), and its literal module constants."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    constants: dict[str, tuple[Any, int]] = {}
    for node in tree.body:
        # The last binding of a name at module level wins; a name bound by anything
        # but ``NAME = <str, number, bool or None>`` is no constant olx binds.
        value = getattr(node, "value", None)
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign) and value is not None:
            target = node.target
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, (str, int, float, type(None)))
        ):
            constants[target.id] = (value.value, node.lineno)
            continue
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            constants.pop(node.name, None)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                constants.pop((alias.asname or alias.name).split(".")[0], None)
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
                    constants.pop(sub.id, None)
    kinds: dict[str, str | None] = {}

    def kind_of(name: str, seen: frozenset[str] = frozenset()) -> str | None:
        """ "str"/"plain" for an Enum, "other" for an Enum olx does not interpret,
        None for a class that is not an Enum."""
        if name in kinds:
            return kinds[name]
        if name in seen:
            return None
        node = classes[name]
        bases = [base_name(b) for b in node.bases]
        found: set[str] = set()
        enum = False
        for base in bases:
            if base in classes:
                sub = kind_of(base, seen | {name})
                if sub is not None:
                    enum = True
                    found.add(sub)
                elif base is not None:
                    found.add("mixin")
            elif base in ENUM_BASES:
                enum = True
                found.add(
                    {"Enum": "plain", "StrEnum": "str", "ReprEnum": "plain"}.get(
                        base, "other"
                    )
                )
            elif base == "str":
                found.add("str-mixin")
            elif base is not None:
                found.add("mixin")
        kind: str | None = None
        if enum:
            if "other" in found or "mixin" in found:
                kind = "other"
            elif "str" in found or "str-mixin" in found:
                kind = "str"
            else:
                kind = "plain"
        kinds[name] = kind
        return kind

    enums: dict[str, EnumClass] = {}
    for name, node in classes.items():
        kind = kind_of(name)
        if kind is not None:
            enums[name] = _read_enum(node, kind, path)
    return enums, constants


# A ``def`` in a class body (a ``__new__`` written ``async def`` is read as a plain one).
Function = ast.FunctionDef | ast.AsyncFunctionDef


def _read_enum(node: ast.ClassDef, kind: str, path: str) -> EnumClass:
    enum = EnumClass(node.name, node.lineno)
    new: Function | None = None
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            enum.functions.add(stmt.name)
            if stmt.name == "__new__":
                new = stmt
    odd = sorted(enum.functions & SEMANTIC_METHODS)
    if kind == "other":
        enum.problem = Problem(
            node.lineno,
            "an Enum of a kind olx does not interpret",
            f"class {node.name}({', '.join(ast.unparse(b) for b in node.bases)})",
        )
    elif odd:
        enum.problem = Problem(
            node.lineno, f"an Enum that defines {odd[0]}", f"{node.name}.{odd[0]}"
        )
    else:
        enum.kind = kind
    plan = _read_new(new) if new is not None else None
    ev = Evaluator(path, {})
    for stmt in node.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and not stmt.targets[0].id.startswith("_")
        ):
            continue
        member = Member(enum, stmt.targets[0].id, stmt.lineno)
        enum.members[member.name] = member
        try:
            if isinstance(stmt.value, ast.Tuple):
                args = [ev.eval(elt) for elt in stmt.value.elts]
                value: Any = args
            else:
                value = ev.eval(stmt.value)
                args = [value]
        except ShapeError:
            member.problem = Problem(
                stmt.lineno, "an Enum member that is not a literal", snippet(stmt)
            )
            continue
        _build(member, value, args, plan, kind, new)
    return enum


class _NewPlan:
    """What a ``__new__`` does, in terms of the member's tuple positions."""

    __slots__ = ("attrs", "params", "problem", "text", "value", "value_const")

    def __init__(self, params: list[str]) -> None:
        self.params = params
        self.text: str | None = None  # the param given to str.__new__
        self.value: str | None = None  # the param assigned to _value_
        self.value_const: Any = MISSING
        self.attrs: dict[str, tuple[str, Any]] = {}  # attr → (param or "", constant)
        self.problem: Problem | None = None


def _read_new(fn: Function) -> _NewPlan:
    """Follow ``obj = str.__new__(cls, p)`` / ``object.__new__(cls)``, ``obj._value_ =
    p``, ``obj.attr = p`` (or a constant) and ``return obj``; anything else is a
    problem (its attributes unknown)."""
    args = fn.args
    params = [a.arg for a in args.posonlyargs + args.args][1:]
    plan = _NewPlan(params)

    def problem(node: ast.stmt, what: str) -> _NewPlan:
        plan.problem = Problem(node.lineno, what, snippet(node))
        return plan

    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
        return problem(fn, "a __new__ signature olx does not follow")
    element: str | None = None
    body = list(fn.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    ):
        body = body[1:]
    for stmt in body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and element is None
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "__new__"
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id in ("str", "object")
            and not stmt.value.keywords
            and stmt.value.args
            and isinstance(stmt.value.args[0], ast.Name)
            and stmt.value.args[0].id == "cls"
        ):
            rest = stmt.value.args[1:]
            if stmt.value.func.value.id == "str":
                if len(rest) != 1 or not (
                    isinstance(rest[0], ast.Name) and rest[0].id in params
                ):
                    return problem(stmt, "a str.__new__ olx does not follow")
                plan.text = rest[0].id
            elif rest:
                return problem(stmt, "an object.__new__ olx does not follow")
            element = stmt.targets[0].id
            continue
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Attribute)
            and isinstance(stmt.targets[0].value, ast.Name)
            and element is not None
            and stmt.targets[0].value.id == element
        ):
            attr, value = stmt.targets[0].attr, stmt.value
            if isinstance(value, ast.Name) and value.id in params:
                source: tuple[str, Any] = (value.id, None)
            elif isinstance(value, ast.Constant):
                source = ("", value.value)
            else:
                return problem(stmt, "an attribute __new__ computes")
            if attr == "_value_":
                if source[0]:
                    plan.value = source[0]
                else:
                    plan.value_const = source[1]
            else:
                plan.attrs[attr] = source
            continue
        if (
            isinstance(stmt, ast.Return)
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id == element
        ):
            return plan
        if isinstance(stmt, ast.Pass):
            continue
        return problem(stmt, "a __new__ statement olx does not follow")
    return problem(fn, "a __new__ that does not return its member")


def _build(
    member: Member,
    value: Any,
    args: list[Any],
    plan: _NewPlan | None,
    kind: str,
    new: Function | None,
) -> None:
    """Fill ``member`` as Enum's metaclass would from its literal ``value``."""
    if plan is None:
        # No __new__: the value is the literal; a str Enum's member is str(value).
        member.value = value
        if kind == "str":
            if isinstance(value, str):
                member.text = value
            else:
                member.problem = Problem(
                    member.line, "a str Enum member that is not a string", member.name
                )
        return
    if plan.problem is not None:
        member.problem = plan.problem
        return
    if len(args) != len(plan.params):
        member.problem = Problem(
            member.line,
            f"a member with {len(args)} items for a __new__ of {len(plan.params)}",
            member.name,
        )
        return
    bound = dict(zip(plan.params, args, strict=True))
    for attr, (param, const) in plan.attrs.items():
        member.attrs[attr] = bound[param] if param else const
    if plan.value is not None:
        member.value = bound[plan.value]
    elif plan.value_const is not MISSING:
        member.value = plan.value_const
    elif kind == "str":
        # _value_ unset: Enum makes it str(*args), which only one string satisfies.
        if len(args) == 1 and isinstance(args[0], str):
            member.value = args[0]
        else:
            member.problem = Problem(
                new.lineno if new else member.line,
                "a __new__ that does not set _value_",
                member.name,
            )
            return
    else:
        member.value = value
    if kind == "str":
        if plan.text is None:
            member.problem = Problem(
                new.lineno if new else member.line,
                "a str Enum __new__ without str.__new__",
                member.name,
            )
            return
        text = bound[plan.text]
        if not isinstance(text, str):
            member.problem = Problem(
                member.line,
                "a str Enum member whose string is not a string",
                member.name,
            )
            return
        member.text = text
