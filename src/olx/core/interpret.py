"""The entry model's own properties, interpreted: what ``git_origin``,
``release_branch`` and ``runtime_version`` return for one entry.

The pipelines call these properties of ``OpenEdxApplicationVersion`` in types.py, and
the team rewrites them now and then; olx follows whatever the file says by interpreting
the property's source, never by executing it. The subset (docs/contract.md, "Resolved by
the model's own code"): ``if``/``elif``/``else``, ``return``, assignments to local
names, ``and``/``or``/``not``, ``==``/``!=``/``in``/``not in``/``is``/``is not``
(chained too; the right operand of ``in`` may also be a tuple or list display),
conditional expressions, string, number, ``None`` and boolean constants, docstrings and
``pass``; names: the property's ``self``, its local names, the Enum classes and the
literal constants of types.py; attribute access on ``self`` (the entry's fields, coerced
as pydantic coerces them, with the class's defaults; other properties of the model) and
on Enum members (the attributes ``__new__`` sets from the member's tuple, ``.value``,
``.name``). Python's semantics hold: a member of a ``str``-based Enum equals its string
and is as true as it; a plain Enum member equals only itself and is always true;
``and``/``or`` return an operand.

Each property is compiled once (into closures, on first use) and evaluated per entry;
results are memoised on the entry fields the property reads. Whatever lies outside the
subset, or raises in Python terms, makes that value unknown (``None``) with a note
naming the property and the line; it is never guessed. Every value carries where it
came from: an entry field (by name), or a line of types.py (a member, a constant of the
property, a field's default). Pure: no I/O.
"""

from __future__ import annotations

import ast
from typing import Any

from olx.core.enums import MISSING, EnumClass, Member, Problem, read_enums
from olx.core.model_fields import Field, ModelClass, read_model
from olx.core.properties import CompiledProperty
from olx.core.semantics import (
    Entry,
    PythonError,
    RefusedEntryError,
    Source,
    UnsupportedError,
    Value,
    member_ok,
    plain,
    type_name,
    unsupported,
)

# Resolved value → the model's property that computes it.
PROPERTIES = {
    "origin": "git_origin",
    "branch": "release_branch",
    "runtime": "runtime_version",
}
ENTRY_MODEL = "OpenEdxApplicationVersion"
_STR_ATTRS = frozenset(dir(str))


# --- the interpreter --------------------------------------------------------------------


class Outcome:
    """What one property gives for one entry: ``value`` (plain data, ``None`` when
    unknown), ``source``, and ``note``/``bad_field`` when it is unknown."""

    __slots__ = ("bad_field", "note", "source", "value")

    def __init__(
        self,
        value: Any,
        source: Source,
        note: str | None = None,
        bad_field: str | None = None,
    ) -> None:
        self.value = value
        self.source = source
        self.note = note
        self.bad_field = bad_field


class Interpreter:
    """The entry model of one types.py, interpreted. Cheap to make: the classes are
    read on first use and each property is compiled the first time it is needed."""

    def __init__(self, tree: ast.Module | None, path: str) -> None:
        self.tree = tree
        self.path = path
        self._ready = False
        self.model: ModelClass | None = None
        self.enums: dict[str, EnumClass] = {}
        self.constants: dict[str, tuple[Any, int]] = {}
        self._compiled: dict[str, CompiledProperty] = {}
        self._memo: dict[str, dict[tuple[Any, ...], Outcome]] = {}

    def _setup(self) -> None:
        if self._ready:
            return
        self._ready = True
        if self.tree is None:
            return
        self.enums, self.constants = read_enums(self.tree, self.path)
        self.model = read_model(self.tree, ENTRY_MODEL, self.enums, self.path)
        for enum in self.enums.values():
            for member in enum.members.values():
                if member.problem is None and enum.problem is not None:
                    member.problem = enum.problem

    def defines(self, key: str) -> bool:
        """Whether the model has the property that computes ``key`` (else
        docs/contract.md's documented default applies). A model inheriting from a class
        olx does not read counts as having it: olx cannot tell, and says so."""
        self._setup()
        model = self.model
        if model is None:
            return False
        name = PROPERTIES[key]
        return name in model.bound or name in model.fields or bool(model.unknown_bases)

    def evaluate(self, key: str, values: dict[str, Any]) -> Outcome:
        """What ``key``'s property returns for the entry with these field values."""
        self._setup()
        name = PROPERTIES[key]
        prop = self._property(name)
        memo = self._memo.setdefault(key, {})
        memo_key: tuple[Any, ...] | None = None
        if prop is not None and prop.reads is not None:
            items = tuple([values.get(f, MISSING) for f in prop.reads])
            memo_key = (items, tuple([v.__class__ for v in items]))
            try:
                found = memo.get(memo_key)
            except TypeError:  # a list or dict field: not hashable, not memoised
                memo_key = None
            else:
                if found is not None:
                    return found
        outcome = self._evaluate(key, name, values)
        if memo_key is not None:
            memo[memo_key] = outcome
        return outcome

    def _evaluate(self, key: str, name: str, values: dict[str, Any]) -> Outcome:
        entry = Entry(values)
        bound = self.model.bound.get(name) if self.model is not None else None
        node: ast.AST = bound or ast.Pass(lineno=0)
        try:
            value, source = self.self_attr(entry, name, node)
            return Outcome(plain(value, node), source)
        except UnsupportedError as exc:
            p = exc.problem
            return Outcome(
                None,
                None,
                f"{self.path}:{p.line}: {name} uses {p.what} ({p.snippet}), "
                f"which olx does not interpret: {key} unknown",
            )
        except PythonError as exc:
            return Outcome(
                None,
                None,
                f"{self.path}:{exc.line}: {name} raises {exc.exc} at {exc.text} "
                f"({exc.detail}): {key} unknown",
            )
        except RefusedEntryError as exc:
            return Outcome(
                None,
                None,
                f"{exc.field} {exc.detail}: its {key} is unknown",
                bad_field=exc.field,
            )

    def static_notes(self) -> list[str]:
        """What the three properties use that olx does not interpret, wherever it is
        (reached by an entry or not), one note each."""
        self._setup()
        out: list[str] = []
        for key, name in PROPERTIES.items():
            prop = self._property(name)
            if prop is None:
                continue
            for p in prop.all_problems(self):
                note = (
                    f"{self.path}:{p.line}: {name} uses {p.what} ({p.snippet}), "
                    f"which olx does not interpret: {key} unknown"
                )
                if note not in out:
                    out.append(note)
        return out

    # --- attribute lookup -------------------------------------------------------------

    def _property(self, name: str) -> CompiledProperty | None:
        if name in self._compiled:
            return self._compiled[name]
        node = self.model.bound.get(name) if self.model else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        prop = CompiledProperty(self, node)
        self._compiled[name] = prop
        prop.compile()
        return prop

    def self_attr(self, entry: Entry, name: str, node: ast.AST) -> Value:
        """``self.NAME`` for ``entry``: a field (coerced, or its default), another
        property, or nothing olx can bind."""
        model = self.model
        if model is None:
            raise unsupported(node, "a model olx cannot find")
        field = model.fields.get(name)
        if field is not None:
            return self._field(entry, field)
        bound = model.bound.get(name)
        if bound is not None:
            prop = self._property(name)
            if prop is not None and prop.problem is None and prop.is_getter:
                return prop.call(entry)
            if prop is not None and prop.problem is not None:
                raise UnsupportedError(prop.problem)
            value = getattr(bound, "value", None)
            if isinstance(value, ast.Constant):
                return value.value, bound.lineno
            raise unsupported(node, f"a class attribute olx cannot read ({name})")
        if model.unknown_bases:
            raise UnsupportedError(
                Problem(
                    model.line,
                    f"an attribute olx cannot bind (the model inherits from "
                    f"{', '.join(model.unknown_bases)})",
                    f"self.{name}",
                )
            )
        raise unsupported(node, f"an attribute the model does not declare ({name})")

    def _field(self, entry: Entry, field: Field) -> Value:
        name = field.name
        done = entry.coerced.get(name)
        if done is not None:
            return done
        raw = entry.values.get(name, MISSING)
        if raw is MISSING:
            if field.default_problem is not None:
                raise UnsupportedError(field.default_problem)
            if field.default is MISSING:
                if not field.optional and field.enums is not None:
                    raise RefusedEntryError(
                        name, "is not set, and the model has no default"
                    )
                out: Value = (None, field.line)
            else:
                out = (field.default, field.line)
        else:
            out = (self._coerce(field, raw), name)
        entry.coerced[name] = out
        return out

    def _coerce(self, field: Field, raw: Any) -> Any:
        """What pydantic makes of the entry's value: the member of the first Enum of
        the annotation that holds it (IDAs before MFEs in ``Union[IDA, MFE]``)."""
        if field.enums is None:
            raise UnsupportedError(
                Problem(field.line, "a field annotation olx cannot follow", field.name)
            )
        if not field.enums or (raw is None and field.optional):
            return raw
        if field.others:
            raise UnsupportedError(
                Problem(
                    field.line,
                    "a field whose annotation mixes Enums with other types",
                    field.name,
                )
            )
        if self.model is not None and self.model.problem is not None:
            raise UnsupportedError(self.model.problem)
        for enum in field.enums:
            if enum.problem is not None:
                raise UnsupportedError(enum.problem)
            member = enum.by_value(raw)
            if member is not None:
                member_ok(member)
                if self.model is not None and self.model.keeps_values:
                    return member.value
                return member
        names = " or ".join(e.name for e in field.enums)
        raise RefusedEntryError(field.name, f"{raw!r} is not a member of {names}")

    def attr(self, obj: Value, name: str, node: ast.AST, entry: Entry) -> Value:
        """``obj.NAME`` for any value the subset makes."""
        value = obj[0]
        cls = value.__class__
        if cls is Member:
            m = member_ok(value)
            if name in m.attrs:
                return m.attrs[name], m.line
            if name == "value" or name == "_value_":
                return m.value, m.line
            if name == "name" or name == "_name_":
                return m.name, m.line
            if (
                name.startswith("_")
                or name in m.enum.functions
                or name in m.enum.members
                or (m.text is not None and name in _STR_ATTRS)
            ):
                raise unsupported(node, f"an attribute olx does not follow ({name})")
            raise PythonError(
                node,
                "AttributeError",
                f"'{m.enum.name}' object has no attribute {name!r}",
            )
        if cls is Entry:
            return self.self_attr(value, name, node)
        if cls is EnumClass:
            member = value.members.get(name)
            if member is None or name.startswith("_"):
                raise unsupported(node, f"an attribute of an Enum class ({name})")
            return member, member.line
        if value is None:
            raise PythonError(
                node, "AttributeError", f"'NoneType' object has no attribute {name!r}"
            )
        raise unsupported(node, f"an attribute of a {type_name(value)}")

    def global_name(self, name: str, node: ast.AST) -> Value:
        enum = self.enums.get(name)
        if enum is not None:
            return enum, enum.line
        constant = self.constants.get(name)
        if constant is not None:
            return constant
        raise unsupported(node, f"a name olx cannot bind ({name})")


def interpreter_for(types: Any) -> Interpreter:
    """The interpreter of ``types`` (a TypesModel), made once and kept on it."""
    found = getattr(types, "interpreter", None)
    if found is None:
        found = Interpreter(getattr(types, "tree", None), types.path)
        types.interpreter = found
    return found
