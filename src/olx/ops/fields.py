"""The field edits that ``enable-app`` and ``override`` options ask for: validated,
with the values the model must get and how each is written.

``--branch``/``--origin``/``--runtime`` (and their ``--no-`` forms) set or remove the
three override fields; ``--set FIELD=VALUE``/``--unset FIELD`` any other field the entry
model declares, the value JSON that fits the declared type or a module-level constant.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from olx.core import names
from olx.core import values as check_value
from olx.core.model import AppEntry, Matrix
from olx.edit.literals import flat
from olx.errors import BadValueError, UnknownNameError, UsageError
from olx.ops.entry_edit import Writer, literal_writer, name_writer

# Fields with options of their own: --set/--unset refuse them, naming the option.
OWN_OPTIONS = {
    "application": "the APP argument",
    "application_type": "the application's Enum (it is not set by hand)",
    "release": "--pin / --no-pin",
    "branch_override": "--branch / --no-branch",
    "origin_override": "--origin / --no-origin",
    "runtime_version_override": "--runtime / --no-runtime",
}


class FieldEdits:
    """The keyword edits that options ask for, validated, with their model values."""

    def __init__(self, model: Matrix, constants: dict[str, Any] | None = None) -> None:
        self.model = model
        self.constants = constants
        self.writers: dict[str, Writer | None] = {}
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str | None] = {}  # how the value is written, for no-ops

    def _declared(self, name: str, option: str, text: str | None = None) -> None:
        declared = self.model.types.entry_fields
        if name not in declared:
            close = names.closest(name, list(declared))
            hint = f"did you mean {close!r}? " if close else ""
            free = [f for f in declared if f not in OWN_OPTIONS]
            hint += f"fields for --set/--unset: {', '.join(free) or 'none'}"
            if text is not None:
                # A new field is declared first, then set (two steps of one plan).
                hint += f"; to declare it: olx add-field {name} {suggest_type(text)}"
            raise UnknownNameError(
                f"{option} {name}: OpenEdxApplicationVersion declares no field {name!r}",
                hint,
            )

    def set_string(self, name: str, value: str, quote: str) -> None:
        self._declared(name, f"--{name}")
        self.writers[name] = literal_writer(value, quote)
        self.values[name] = value
        self.sources[name] = None

    def unset(self, name: str, option: str) -> None:
        self._declared(name, option)
        self.writers[name] = None
        self.values[name] = None
        self.sources[name] = None

    def set_field(self, assignment: str, quote: str) -> None:
        name, text = check_value.split_assignment(assignment)
        self._check_free(name, "--set", text)
        if self.constants is None:
            self.constants = self.model.matrix.constants()
        parsed = check_value.parse_field_value(
            name, text, self.constants, self.model.matrix.path
        )
        annotation = self.model.types.field_types.get(name)
        if annotation and check_value.conforms(parsed.value, annotation) is False:
            raise BadValueError(
                f"--set {name}: {parsed.shown[:60]} is not a {annotation}",
                f"OpenEdxApplicationVersion declares {name}: {annotation}",
            )
        if parsed.constant is not None:
            self.writers[name] = name_writer(parsed.constant)
        else:
            self.writers[name] = literal_writer(parsed.value, quote)
        self.values[name] = parsed.value
        self.sources[name] = parsed.constant

    def _check_free(self, name: str, option: str, text: str | None = None) -> None:
        if name in OWN_OPTIONS:
            raise UsageError(
                f"{option} {name}: that field has its own option",
                f"use {OWN_OPTIONS[name]}",
            )
        if name in self.writers:
            raise UsageError(f"{name} is given twice", "set or unset each field once")
        self._declared(name, option, text)

    def unset_field(self, name: str) -> None:
        self._check_free(name, "--unset")
        self.unset(name, "--unset")


def suggest_type(text: str) -> str:
    """A TYPE for ``olx add-field`` that the JSON ``text`` would fit (``TYPE`` when it
    is not JSON of a plain shape), quoted for a shell."""
    try:
        value = json.loads(text)
    except ValueError:
        return "TYPE"
    scalars = {str: "str", bool: "bool", int: "int", float: "float"}

    def of(items: list[Any]) -> str | None:
        kinds = {scalars.get(type(v)) for v in items}
        return kinds.pop() if len(kinds) == 1 and None not in kinds else None

    kind: str | None = scalars.get(type(value))
    if isinstance(value, list) and value:
        item = of(value)
        kind = f"list[{item}]" if item else None
    elif isinstance(value, dict) and value:
        item = of(list(value.values()))
        kind = f"dict[str, {item}]" if item else None
    return f"'{kind} | None'" if kind else "TYPE"


def differs(
    edits: FieldEdits, entry: AppEntry, kws: dict[str, ast.expr], name: str
) -> bool:
    """Whether setting ``name`` changes the entry (its value, or a constant's name)."""
    if edits.writers[name] is None:
        return name in kws
    if name not in kws:
        return True
    if edits.sources[name] is not None:  # a constant: written as its name
        node = kws[name]
        return not (isinstance(node, ast.Name) and node.id == edits.sources[name])
    current = entry.values.get(name)
    return flat(current) != flat(edits.values[name]) or type(current) is not type(
        edits.values[name]
    )


def describe(name: str, value: Any, source: str | None) -> str:
    if value is None and source is None:
        return f"{name} removed"
    return f"{name} = {source or flat(value)}"
