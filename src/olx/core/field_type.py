"""Field annotations that ``olx add-field`` may write, validated and normalised.

TYPE is what a user types; nothing typed becomes code. It is parsed with :mod:`ast` in
eval mode and accepted only when it is built from names, dotted names, subscripts (with
tuples inside), ``|``, ``None`` and string constants (forward references, themselves
annotations under the same rules; inside ``Literal[...]``, plain values). Every name must
be bound in types.py (imported there, defined there, or a builtin type) where Python
will look it up, and the annotation must admit ``None`` (the new field's default). The
text written is rendered from the validated tree, in the file's quote style, never
pasted.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

from olx.errors import BadValueError

MAX_LENGTH = 300
MAX_DEPTH = 20
TYPING_MODULES = ("typing", "typing_extensions")
# Builtins that are types (``str``, ``dict``, ``list``...): a builtin function such as
# ``print`` is no annotation pydantic accepts.
BUILTIN_TYPES = frozenset(
    name
    for name in dir(builtins)
    if not name.startswith("_") and isinstance(getattr(builtins, name), type)
)
FORMS = "such as 'str | None', 'list[str] | None', 'Optional[dict[str, str]]'"


@dataclass
class Bindings:
    """What names mean at module level of types.py, as seen from the entry model.

    ``before``: names bound by the statements that run before the model class (so an
    annotation evaluated when the class is created finds them); ``anywhere``: every
    name the module binds (enough inside a string annotation, or everywhere with
    ``from __future__ import annotations``, since pydantic resolves those later);
    ``qualified``: imported names and modules of ``typing``, as ``typing.Optional``;
    ``aliases``: module-level assignments (``EnvStage = Literal[...]``) with their value.
    """

    before: set[str] = field(default_factory=set)
    anywhere: set[str] = field(default_factory=set)
    qualified: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, ast.expr] = field(default_factory=dict)
    checking_only: set[str] = field(default_factory=set)  # under ``if TYPE_CHECKING``
    deferred: bool = False  # from __future__ import annotations
    # The names the class's own body binds (its fields, attributes and methods):
    # pydantic resolves the annotations in the class's namespace first, so one of
    # those names in TYPE would mean the class's, not the module's.
    own: set[str] = field(default_factory=set)
    owner: str = "the class"


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _bound_by(node: ast.stmt, out: Bindings, runtime: bool, early: bool) -> None:
    """Record the names ``node`` binds at module level (recursing into if/try/with)."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            names.append(local)
            if alias.name in TYPING_MODULES:
                out.qualified[local] = "typing"
    elif isinstance(node, ast.ImportFrom):
        for alias in node.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            names.append(local)
            if node.module in TYPING_MODULES:
                out.qualified[local] = f"typing.{alias.name}"
            if node.module == "__future__" and alias.name == "annotations":
                out.deferred = True
    elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        names.append(node.name)
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
            if isinstance(target, ast.Name):
                out.aliases[target.id] = node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        if isinstance(node.target, ast.Name):
            names.append(node.target.id)
            out.aliases[node.target.id] = node.value
    elif isinstance(node, ast.If):
        inner = runtime and not _type_checking(node.test)
        for stmt in [*node.body, *node.orelse]:
            _bound_by(stmt, out, inner, early)
    elif isinstance(node, (ast.Try, ast.With)):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                _bound_by(child, out, runtime, early)
            elif isinstance(child, ast.ExceptHandler):
                for handled in child.body:
                    _bound_by(handled, out, runtime, early)
    elif type(node).__name__ == "TypeAlias":  # ``type X = ...`` (Python 3.12+)
        # ast.TypeAlias is Python 3.12's; mypy checks olx as 3.11, where it is unknown.
        names.append(node.name.id)  # type: ignore[attr-defined]
    out.anywhere.update(names)
    if runtime and early:
        out.before.update(names)
    if not runtime:
        out.checking_only.update(names)


def bindings(module: ast.Module, class_index: int) -> Bindings:
    """The names of ``module`` as the class at body index ``class_index`` sees them."""
    out = Bindings()
    for index, node in enumerate(module.body):
        _bound_by(node, out, runtime=True, early=index < class_index)
    return out


def _fail(node: ast.AST, what: str, hint: str | None = None) -> BadValueError:
    shown = ast.unparse(node)[:60]
    return BadValueError(
        f"TYPE: {what}" + ("" if f"{shown!r}" in what else f" ({shown})"),
        hint or f"an annotation of names bound in types.py, {FORMS}",
    )


class _Checker:
    """Validates an annotation tree and renders its normalised source."""

    def __init__(self, names: Bindings, quote: str) -> None:
        self.names = names
        self.quote = quote

    def _name(self, name: str, node: ast.AST, in_string: bool) -> None:
        if name in self.names.own:
            raise _fail(
                node,
                f"{name!r} is a name of {self.names.owner}'s own (a field, attribute "
                "or method), which an annotation of the class finds before types.py's",
                "rename that name of the class first, or write TYPE without it",
            )
        if name in BUILTIN_TYPES and name not in self.names.anywhere:
            return
        if name in self.names.before:
            return
        if name in self.names.anywhere:
            if in_string or self.names.deferred:
                return
            if name in self.names.checking_only:
                raise _fail(
                    node,
                    f"{name!r} is imported for type checkers only",
                    f"write it as a string ('\"{name}\"'), or import it at run time",
                )
            raise _fail(
                node,
                f"{name!r} is bound only after the entry model in types.py",
                f"write it as a string ('\"{name}\"'), or import it before the class",
            )
        if name in dir(builtins):
            raise _fail(node, f"the builtin {name!r} is not a type")
        raise _fail(
            node,
            f"{name!r} is not bound in types.py",
            "import or define it in types.py first (olx does not add imports)",
        )

    def qualify(self, node: ast.expr) -> str | None:
        """``typing.Optional`` for ``Optional``/``typing.Optional``/aliases of them."""
        if isinstance(node, ast.Name):
            return self.names.qualified.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            base = self.names.qualified.get(node.value.id)
            return f"{base}.{node.attr}" if base == "typing" else None
        return None

    def render(self, node: ast.expr, in_string: bool, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise _fail(node, "nested too deep")
        deeper = depth + 1
        if isinstance(node, ast.Name):
            self._name(node.id, node, in_string)
            return node.id
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise _fail(node, "a private attribute")
            if not isinstance(node.value, (ast.Name, ast.Attribute)):
                raise _fail(node, "an attribute of something that is not a name")
            return f"{self.render(node.value, in_string, deeper)}.{node.attr}"
        if isinstance(node, ast.Subscript):
            if not isinstance(node.value, (ast.Name, ast.Attribute)):
                raise _fail(node, "a subscript of something that is not a name")
            head = self.render(node.value, in_string, deeper)
            literal = self.qualify(node.value) == "typing.Literal"
            items = (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            )
            if not items:
                raise _fail(node, "an empty subscript")
            inner = [
                self._literal_item(item)
                if literal
                else self._item(item, in_string, deeper)
                for item in items
            ]
            return f"{head}[{', '.join(inner)}]"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            operands = _union_operands(node)
            for operand in operands:
                if isinstance(operand, ast.Constant) and isinstance(operand.value, str):
                    raise _fail(
                        node,
                        "a string as an operand of |",
                        "Python cannot evaluate it: quote the whole annotation, "
                        "or use Optional[...]",
                    )
            if all(_is_none(o) for o in operands):
                raise _fail(node, "a union of None alone")
            return " | ".join(self.render(o, in_string, deeper) for o in operands)
        if isinstance(node, ast.Constant):
            if node.value is None:
                return "None"
            if isinstance(node.value, str):
                return self._string(node, node.value, depth)
        raise _fail(node, f"{_kind(node)} is not part of an annotation")

    def _item(self, node: ast.expr, in_string: bool, depth: int) -> str:
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            return "..."
        return self.render(node, in_string, depth)

    def _literal_item(self, node: ast.expr) -> str:
        """An item of ``Literal[...]``: a value, not a type."""
        value = node
        sign = ""
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) is int
        ):
            value, sign = node.operand, "-"
        if isinstance(value, ast.Constant):
            if isinstance(value.value, str) and not sign:
                return _quoted(node, value.value, self.quote)
            if value.value is None or isinstance(value.value, (bool, int)):
                return sign + repr(value.value)
        raise _fail(node, "a Literal item that is not a string, number, bool or None")

    def _string(self, node: ast.expr, text: str, depth: int) -> str:
        """A forward reference: its content is an annotation too, written in quotes."""
        inner = parse_annotation(text)
        other = "'" if self.quote == '"' else '"'
        rendered = _Checker(self.names, other).render(inner, True, depth + 1)
        return _quoted(node, rendered, self.quote)

    def admits_none(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> bool:
        if _is_none(node):
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return any(self.admits_none(o, seen) for o in _union_operands(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.admits_none(parse_annotation(node.value), seen)
        qualified = self.qualify(node)
        if qualified == "typing.Any" or (
            isinstance(node, ast.Name)
            and node.id == "object"
            and node.id not in self.names.anywhere
        ):
            return True
        if isinstance(node, ast.Subscript):
            head = self.qualify(node.value)
            items = (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            )
            if head == "typing.Optional":
                return True
            if head == "typing.Union":
                return any(self.admits_none(i, seen) for i in items)
            if head == "typing.Literal":
                return any(_is_none(i) for i in items)
            if head == "typing.Annotated":
                return self.admits_none(items[0], seen)
        if (
            isinstance(node, ast.Name)
            and node.id in self.names.aliases
            and node.id not in seen
        ):
            # A type alias of the module (``MaybeStr = Optional[str]``), one level at a time.
            return self.admits_none(self.names.aliases[node.id], seen | {node.id})
        return False


def _quoted(node: ast.expr, text: str, quote: str) -> str:
    """``text`` in quotes: the file's, else the other; one that needs an escape (a
    backslash, both quotes, a control character) is refused rather than guessed."""
    other = "'" if quote == '"' else '"'
    if quote in text:
        quote = other
    if quote in text or "\\" in text or not text.isprintable():
        raise _fail(node, "a string olx does not write without escapes")
    return f"{quote}{text}{quote}"


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _union_operands(node: ast.expr) -> list[ast.expr]:
    """``a | b | c`` as [a, b, c] (``|`` is associative for types)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_operands(node.left) + _union_operands(node.right)
    return [node]


def _kind(node: ast.AST) -> str:
    kinds = {
        ast.Call: "a call",
        ast.Lambda: "a lambda",
        ast.List: "a list",
        ast.Dict: "a dict",
        ast.Set: "a set",
        ast.Tuple: "a tuple",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.BinOp: "an operator other than |",
        ast.UnaryOp: "an operator",
        ast.NamedExpr: "an assignment expression",
        ast.Starred: "a starred expression",
        ast.JoinedStr: "an f-string",
        ast.IfExp: "a conditional expression",
        ast.Constant: "a constant that is not None or a string",
    }
    for cls, text in kinds.items():
        if isinstance(node, cls):
            return text
    return f"a {type(node).__name__}"


def parse_annotation(text: str) -> ast.expr:
    """``text`` parsed as one expression (eval mode), or an input error."""
    if len(text) > MAX_LENGTH:
        raise BadValueError(
            f"TYPE is {len(text)} characters long", f"at most {MAX_LENGTH}"
        )
    if not text.strip() or "\n" in text or "\r" in text or not text.isprintable():
        raise BadValueError(f"invalid TYPE {text[:60]!r}", f"one line, {FORMS}")
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise BadValueError(
            f"TYPE {text[:60]!r} is not a Python expression", FORMS
        ) from None


@dataclass(frozen=True)
class Annotation:
    """A validated annotation: its normalised text and tree."""

    text: str
    node: ast.expr


def validate(text: str, names: Bindings, quote: str = '"') -> Annotation:
    """Validate TYPE against types.py's names; the normalised text, or an input error."""
    checker = _Checker(names, quote)
    node = parse_annotation(text)
    rendered = checker.render(node, in_string=False)
    if not checker.admits_none(node):
        raise BadValueError(
            f"TYPE {rendered} does not admit None, the new field's default",
            f"write '{rendered} | None' or 'Optional[{rendered}]'",
        )
    return Annotation(rendered, ast.parse(rendered, mode="eval").body)


def same(a: ast.expr, b: ast.expr) -> bool:
    """Whether two annotations are written alike (quotes, spacing and the grouping of
    ``|`` aside)."""
    return _shape(a) == _shape(b)


def _shape(node: ast.expr) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return "|".join(_shape(o) for o in _union_operands(node))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return "'" + _shape(ast.parse(node.value, mode="eval").body) + "'"
        except SyntaxError:
            return repr(node.value)
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return f"{_shape(node.value)}[{','.join(_shape(i) for i in items)}]"
    return ast.dump(node)
