"""Python's semantics for the values the interpreted subset makes (for
:mod:`olx.core.interpret`): truth, ``==``, ``is``, ``in``, and the exceptions that stop
an evaluation (outside the subset; raises in Python terms; an entry pydantic would
refuse).

Values are plain data (``None``, bools, numbers, strings, and the entry's lists and
dicts), Enum members (:class:`~olx.core.enums.Member`), Enum classes
(:class:`~olx.core.enums.EnumClass`) and the entry itself (:class:`Entry`, the value
of ``self``). A member of a ``str``-based Enum is a string (it equals its string, and
is as true as it is); a plain Enum member equals only itself and is always true.
"""

from __future__ import annotations

import ast
from typing import Any

from olx.core.enums import EnumClass, Member, Problem, snippet

# A value with where it came from: an entry field's name, a line of types.py, or None.
Source = int | str | None
Value = tuple[Any, Source]


class UnsupportedError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class PythonError(Exception):
    def __init__(self, node: ast.AST, exc: str, detail: str) -> None:
        self.line = getattr(node, "lineno", 0)
        self.exc = exc
        self.detail = detail
        self.text = snippet(node)


class RefusedEntryError(Exception):
    """The entry holds a value pydantic would refuse for ``field``."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        self.detail = detail


class Entry:
    """One entry while it is evaluated; also the value of ``self``."""

    __slots__ = ("active", "coerced", "props", "values")

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self.coerced: dict[str, Value] = {}
        self.props: dict[str, Value] = {}
        self.active: set[str] = set()


def unsupported(node: ast.AST, what: str) -> UnsupportedError:
    return UnsupportedError(Problem(getattr(node, "lineno", 0), what, snippet(node)))


def member_ok(m: Member) -> Member:
    if m.problem is not None:
        raise UnsupportedError(m.problem)
    return m


def truthy(value: Any) -> bool:
    """``bool(value)`` as Python computes it."""
    cls = value.__class__
    if cls is Member:
        text = member_ok(value).text
        return text is None or text != ""
    if cls is Entry or cls is EnumClass:
        return True
    return bool(value)


def equal(a: Any, b: Any) -> bool:
    """``a == b`` as Python computes it."""
    ca, cb = a.__class__, b.__class__
    if ca is Member or cb is Member:
        if ca is Member and cb is Member:
            ta, tb = member_ok(a).text, member_ok(b).text
            if ta is not None and tb is not None:
                return ta == tb  # str.__eq__: two str members compare as strings
            return a is b
        m, other = (a, b) if ca is Member else (b, a)
        text = member_ok(m).text
        return text is not None and other.__class__ is str and text == other
    if ca is Entry or cb is Entry or ca is EnumClass or cb is EnumClass:
        # The only model olx evaluates is self (pydantic compares models by fields, so
        # self equals only itself here); an Enum class equals only itself.
        return a is b
    return bool(a == b)


_SINGLETONS = (type(None), bool, Member, Entry, EnumClass)


def identical(a: Any, b: Any, node: ast.AST) -> bool:
    """``a is b``: defined when one side is None, a bool, a member, self or a class."""
    if a.__class__ in _SINGLETONS or b.__class__ in _SINGLETONS:
        return a is b
    raise unsupported(node, "'is' between values that are not None, bools or members")


def type_name(value: Any) -> str:
    if value.__class__ is Member:
        return value.enum.name
    return type(value).__name__


def contains(container: Any, item: Any, node: ast.AST) -> bool:
    """``item in container`` as Python computes it."""
    cls = container.__class__
    if cls is list or cls is tuple:
        return any(x is item or equal(x, item) for x in container)
    text = container
    if cls is Member:
        text = member_ok(container).text
        if text is None:
            raise PythonError(
                node,
                "TypeError",
                f"argument of type {container.enum.name!r} is not iterable",
            )
    elif cls is not str:
        if container is None or cls in (bool, int, float):
            raise PythonError(
                node, "TypeError", f"argument of type {cls.__name__!r} is not iterable"
            )
        if cls is dict and item.__class__ in (str, int, float, bool, type(None)):
            return item in container
        raise unsupported(node, f"'in' on a {type_name(container)}")
    if item.__class__ is str:
        return item in text
    if item.__class__ is Member and member_ok(item).text is not None:
        return item.text in text
    raise PythonError(
        node,
        "TypeError",
        f"'in <string>' requires string as left operand, not {type_name(item)}",
    )


def plain(value: Any, node: ast.AST) -> Any:
    """The value as data: a member is its string (``str`` Enum) or its value."""
    cls = value.__class__
    if cls is Member:
        m = member_ok(value)
        return m.text if m.text is not None else m.value
    if cls is Entry or cls is EnumClass:
        raise unsupported(node, "a return value that is not data")
    return value
