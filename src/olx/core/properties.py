"""One property of the entry model compiled into closures (for
:mod:`olx.core.interpret`): once per property per run, on first use.

Each statement becomes a closure returning the property's result or None (go on), each
expression a closure returning a (value, source) pair; a construct outside the subset
becomes a closure that stops the evaluation with its :class:`Problem` when (and only
when) an entry reaches it, and is listed in :attr:`CompiledProperty.problems` for
``olx check``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from olx.core.enums import Problem, snippet
from olx.core.semantics import (
    Entry,
    PythonError,
    UnsupportedError,
    Value,
    contains,
    equal,
    identical,
    truthy,
)

if TYPE_CHECKING:
    from olx.core.interpret import Interpreter

Code = Callable[[Entry, dict[str, Value]], Value]
Block = Callable[[Entry, dict[str, Value]], Value | None]


_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_WHAT = {
    ast.Call: "a call",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Subscript: "a subscript",
    ast.BinOp: "an operator",
    ast.Lambda: "a lambda",
    ast.NamedExpr: "an assignment expression",
    ast.Starred: "a starred expression",
    ast.Dict: "a dict display",
    ast.Set: "a set display",
    ast.List: "a list display",
    ast.Tuple: "a tuple display",
    ast.Slice: "a slice",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.For: "a loop",
    ast.AsyncFor: "a loop",
    ast.While: "a loop",
    ast.Try: "try",
    ast.With: "with",
    ast.AsyncWith: "with",
    ast.Raise: "raise",
    ast.Assert: "assert",
    ast.AugAssign: "an augmented assignment",
    ast.Delete: "del",
    ast.Import: "an import",
    ast.ImportFrom: "an import",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.Match: "match",
    ast.FunctionDef: "a nested function",
    ast.AsyncFunctionDef: "a nested function",
    ast.ClassDef: "a nested class",
    **dict.fromkeys(_COMPREHENSIONS, "a comprehension"),
}


def _what(node: ast.AST) -> str:
    if isinstance(node, ast.Compare):
        return (
            "a comparison olx does not interpret (only ==, !=, in, not in, is, is not)"
        )
    if isinstance(node, ast.UnaryOp):
        return "an operator"
    if isinstance(node, ast.Constant):
        return f"a constant of type {type(node.value).__name__}"
    return _WHAT.get(type(node), f"{type(node).__name__}")


def _getter(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated as a property getter: ``@property`` innermost (``cached_property``
    too), with at most pydantic's ``@computed_field`` around it."""
    decos = fn.decorator_list
    if not decos:
        return False

    def base(d: ast.expr) -> str | None:
        if isinstance(d, ast.Call):
            d = d.func
        if isinstance(d, ast.Name):
            return d.id
        if isinstance(d, ast.Attribute):
            return d.attr
        return None

    if isinstance(decos[-1], ast.Call) or base(decos[-1]) not in (
        "property",
        "cached_property",
    ):
        return False
    return all(base(d) == "computed_field" for d in decos[:-1])


class CompiledProperty:
    """One property of the model, compiled into closures on first use."""

    def __init__(self, interp: Interpreter, fn: ast.FunctionDef | ast.AsyncFunctionDef):
        self.interp = interp
        self.fn = fn
        self.name = fn.name
        self.is_getter = _getter(fn)
        self.problem: Problem | None = None  # the whole property is out of the subset
        self.problems: list[Problem] = []  # constructs out of the subset, anywhere
        self.reads: tuple[str, ...] | None = None  # self.X names, for memoising
        self.helpers: list[str] = []
        self.code: Block | None = None
        self.param = ""
        self.local_names: set[str] = set()
        self.nested_names: set[str] = set()
        self.self_rebound = False

    def all_problems(
        self, interp: Interpreter, seen: set[str] | None = None
    ) -> list[Problem]:
        seen = seen if seen is not None else set()
        seen.add(self.name)
        out = [self.problem] if self.problem else list(self.problems)
        for helper in self.helpers:
            if helper not in seen:
                prop = interp._property(helper)
                if prop is not None:
                    out += prop.all_problems(interp, seen)
        return out

    def compile(self) -> None:
        fn = self.fn
        if not self.is_getter:
            self.problem = Problem(fn.lineno, "a method without @property", fn.name)
            return
        args = fn.args
        if (
            isinstance(fn, ast.AsyncFunctionDef)
            or len(args.posonlyargs + args.args) != 1
            or args.vararg
            or args.kwarg
            or args.kwonlyargs
        ):
            self.problem = Problem(
                fn.lineno, "a property signature olx does not interpret", fn.name
            )
            return
        self.param = (args.posonlyargs + args.args)[0].arg
        for node in ast.walk(fn):
            if isinstance(
                node, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)
            ):
                self.problem = Problem(node.lineno, _what(node), snippet(node))
                return
        self._scope(fn, nested=False)
        self.self_rebound = self.param in self.local_names
        self.local_names.add(self.param)
        self.reads = self._reads()
        self.code = self._block(fn.body)

    def _scope(self, node: ast.AST, nested: bool) -> None:
        """Local names (bound anywhere in the body) and names bound only in nested
        scopes (read elsewhere, olx cannot tell what they are)."""
        for child in ast.iter_child_nodes(node):
            names = self.nested_names if nested else self.local_names
            if isinstance(child, _NESTED):
                if not isinstance(child, ast.Lambda):
                    names.add(child.name)
                self._scope(child, True)
                continue
            if isinstance(child, _COMPREHENSIONS):
                self._scope(child, True)
                continue
            if isinstance(child, ast.Name) and not isinstance(child.ctx, ast.Load):
                names.add(child.id)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                names.add(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in child.names)
            elif isinstance(child, (ast.MatchAs, ast.MatchStar)) and child.name:
                names.add(child.name)
            elif isinstance(child, ast.MatchMapping) and child.rest:
                names.add(child.rest)
            self._scope(child, nested)

    def _reads(self) -> tuple[str, ...] | None:
        """The ``self.X`` names the body reads (with those of the properties it uses),
        or None when ``self`` is used any other way (then results are not memoised)."""
        param = self.param
        names: list[str] = []
        attrs_of_self = set()
        for node in ast.walk(self.fn):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == param
            ):
                attrs_of_self.add(id(node.value))
                if node.attr not in names:
                    names.append(node.attr)
        for node in ast.walk(self.fn):
            if (
                isinstance(node, ast.Name)
                and node.id == param
                and id(node) not in attrs_of_self
            ):
                return None
        model = self.interp.model
        out = list(names)
        for name in names:
            if model is not None and name not in model.fields and name in model.bound:
                self.helpers.append(name)
                if name == self.name:
                    continue
                helper = self.interp._property(name)
                if helper is None:
                    continue
                if helper.reads is None:
                    if helper.code is not None or helper.problem is None:
                        return None
                    continue
                out += [r for r in helper.reads if r not in out]
        return tuple(out)

    def call(self, entry: Entry) -> Value:
        name = self.name
        done = entry.props.get(name)
        if done is not None:
            return done
        if name in entry.active:
            raise PythonError(self.fn, "RecursionError", "the property uses itself")
        entry.active.add(name)
        try:
            if self.code is None:  # not compiled: out of the subset olx interprets
                raise UnsupportedError(
                    self.problem or Problem(self.fn.lineno, "not compiled", self.name)
                )
            result = self.code(entry, {self.param: (entry, None)})
        finally:
            entry.active.discard(name)
        if result is None:
            result = (None, self.fn.lineno)
        entry.props[name] = result
        return result

    # --- statements -------------------------------------------------------------------

    def _out(self, node: ast.AST, what: str | None = None) -> Code:
        problem = Problem(
            getattr(node, "lineno", 0), what or _what(node), snippet(node)
        )
        self.problems.append(problem)

        def run(entry: Entry, loc: dict[str, Value]) -> Value:
            raise UnsupportedError(problem)

        return run

    def _block(self, body: list[ast.stmt]) -> Block:
        steps = [step for step in map(self._stmt, body) if step is not None]
        if len(steps) == 1:
            return steps[0]

        def run(entry: Entry, loc: dict[str, Value]) -> Value | None:
            for step in steps:
                result = step(entry, loc)
                if result is not None:
                    return result
            return None

        return run

    def _stmt(self, node: ast.stmt) -> Block | None:
        if isinstance(node, ast.Return):
            if node.value is None:
                const: Value = (None, node.lineno)
                return lambda entry, loc: const
            return self._expr(node.value)
        if isinstance(node, ast.If):
            test = self._expr(node.test)
            body = self._block(node.body)
            orelse = self._block(node.orelse) if node.orelse else None

            def run_if(entry: Entry, loc: dict[str, Value]) -> Value | None:
                if truthy(test(entry, loc)[0]):
                    return body(entry, loc)
                return orelse(entry, loc) if orelse is not None else None

            return run_if
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not all(isinstance(t, ast.Name) for t in targets):
                return self._out(node, "an assignment to something other than a name")
            if node.value is None:
                return None  # a bare annotation binds nothing
            value = self._expr(node.value)
            names = [t.id for t in targets if isinstance(t, ast.Name)]

            def run_assign(entry: Entry, loc: dict[str, Value]) -> None:
                result = value(entry, loc)
                for name in names:
                    loc[name] = result

            return run_assign
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return None  # a docstring
        if isinstance(node, ast.Pass):
            return None
        return self._out(node)

    # --- expressions ------------------------------------------------------------------

    def _expr(self, node: ast.expr) -> Code:
        line = node.lineno
        if isinstance(node, ast.Constant):
            if node.value is None or node.value.__class__ in (str, int, float, bool):
                const: Value = (node.value, line)
                return lambda entry, loc: const
            return self._out(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.BoolOp):
            parts = [self._expr(v) for v in node.values]
            if isinstance(node.op, ast.Or):

                def run_or(entry: Entry, loc: dict[str, Value]) -> Value:
                    for part in parts:
                        result = part(entry, loc)
                        if truthy(result[0]):
                            return result
                    return result

                return run_or

            def run_and(entry: Entry, loc: dict[str, Value]) -> Value:
                for part in parts:
                    result = part(entry, loc)
                    if not truthy(result[0]):
                        return result
                return result

            return run_and
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self._expr(node.operand)
            return lambda entry, loc: (not truthy(operand(entry, loc)[0]), line)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (
                self._expr(node.test),
                self._expr(node.body),
                self._expr(node.orelse),
            )
            return lambda entry, loc: (
                body(entry, loc) if truthy(test(entry, loc)[0]) else orelse(entry, loc)
            )
        if isinstance(node, ast.Compare):
            return self._compare(node)
        return self._out(node)

    def _name(self, node: ast.Name) -> Code:
        name = node.id
        if name in self.local_names:

            def run_local(entry: Entry, loc: dict[str, Value]) -> Value:
                found = loc.get(name)
                if found is None:
                    raise PythonError(
                        node,
                        "UnboundLocalError",
                        f"local variable {name!r} is read before it is assigned",
                    )
                return found

            return run_local
        if name in self.nested_names:
            return self._out(node, f"a name bound in a nested scope ({name})")
        interp = self.interp
        return lambda entry, loc: interp.global_name(name, node)

    def _attribute(self, node: ast.Attribute) -> Code:
        interp = self.interp
        attr = node.attr
        if (
            isinstance(node.value, ast.Name)
            and node.value.id == self.param
            and not self.self_rebound
        ):
            return lambda entry, loc: interp.self_attr(entry, attr, node)
        obj = self._expr(node.value)
        return lambda entry, loc: interp.attr(obj(entry, loc), attr, node, entry)

    def _compare(self, node: ast.Compare) -> Code:
        line = node.lineno
        left = self._expr(node.left)
        steps: list[tuple[Callable[[Any, Any], bool], Code]] = []
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)) and isinstance(
                comparator, (ast.Tuple, ast.List)
            ):
                right = self._display(comparator)
            else:
                right = self._expr(comparator)
            test = self._operator(op, node)
            if test is None:
                return self._out(node)
            steps.append((test, right))

        def run(entry: Entry, loc: dict[str, Value]) -> Value:
            a = left(entry, loc)[0]
            for test, right in steps:
                b = right(entry, loc)[0]
                if not test(a, b):
                    return False, line
                a = b
            return True, line

        return run

    def _operator(
        self, op: ast.cmpop, node: ast.Compare
    ) -> Callable[[Any, Any], bool] | None:
        if isinstance(op, ast.Eq):
            return equal
        if isinstance(op, ast.NotEq):
            return lambda a, b: not equal(a, b)
        if isinstance(op, ast.In):
            return lambda a, b: contains(b, a, node)
        if isinstance(op, ast.NotIn):
            return lambda a, b: not contains(b, a, node)
        if isinstance(op, ast.Is):
            return lambda a, b: identical(a, b, node)
        if isinstance(op, ast.IsNot):
            return lambda a, b: not identical(a, b, node)
        return None

    def _display(self, node: ast.Tuple | ast.List) -> Code:
        """A tuple or list display as the right operand of ``in``: every item is
        evaluated first, as Python builds the display before it looks inside."""
        if any(isinstance(elt, ast.Starred) for elt in node.elts):
            return self._out(node, "a starred expression")
        items = [self._expr(elt) for elt in node.elts]
        line = node.lineno

        def run(entry: Entry, loc: dict[str, Value]) -> Value:
            return [item(entry, loc)[0] for item in items], line

        return run
