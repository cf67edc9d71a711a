"""The typed model of a version matrix, as the reader builds it from source.

Every item keeps the :class:`Span` of the node it came from and the :class:`Statement`
(top-level statement) that holds it, so that the write side can rewrite exactly that
statement and error messages can name file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from olx.errors import OlxError

STAGES = ("CI", "QA", "Production")
NEWEST_NAMES = ("master", "main")
# Fields of OpenEdxApplicationVersion when types.py declares no model (and the order in
# which docs/contract.md shows them first in JSON).
DEFAULT_ENTRY_FIELDS = (
    "application",
    "application_type",
    "release",
    "branch_override",
    "origin_override",
    "runtime_version_override",
    "translation_overrides",
)


@dataclass(frozen=True)
class Span:
    """Line (1-based) and column (0-based, UTF-8 bytes as ast reports) range of a node."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Statement:
    """A top-level statement of a file: its index in the module body and its lines."""

    index: int
    start_line: int
    end_line: int


@dataclass
class Release:
    name: str
    member: str
    branch: str | None
    python_version: str | None
    node_version: str | None
    arity: int
    span: Span
    stmt: Statement


@dataclass
class Application:
    value: str
    member: str
    type: str  # "IDA" or "MFE"
    repository: str | None
    path: str | None
    span: Span
    stmt: Statement


@dataclass
class StageRelease:
    stage: str
    release: str
    span: Span  # the node naming the release (string literal or attribute)
    stmt: Statement


@dataclass
class Deployment:
    name: str
    member: str
    stages: list[StageRelease]
    span: Span
    stmt: Statement

    def stage(self, name: str) -> StageRelease | None:
        for st in self.stages:
            if st.stage == name:
                return st
        return None


@dataclass
class AppEntry:
    """One ``OpenEdxApplicationVersion(...)``: its evaluated keyword values."""

    values: dict[str, Any]
    span: Span
    stmt: Statement
    # Keywords the model in types.py does not declare: not in ``values`` (pydantic
    # would refuse or drop them); ``olx check`` warns about them.
    undeclared: tuple[str, ...] = ()
    # The line of each keyword (``branch_override=``), for where a value comes from.
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def application(self) -> Any:
        return self.values.get("application")

    @property
    def application_type(self) -> Any:
        return self.values.get("application_type")

    @property
    def release(self) -> Any:
        return self.values.get("release")


@dataclass
class DeploymentBlock:
    deployment: str
    entries: list[AppEntry]
    span: Span  # the key
    stmt: Statement
    list_span: Span | None = None  # the list literal: entry edits rewrite only it


@dataclass(frozen=True)
class DuplicateKey:
    """A key given twice in one dict literal of ``ReleaseMap``: Python keeps the last
    value, at the first key's place (and so does the reader)."""

    container: str  # "ReleaseMap" or "ReleaseMap['ulmo']"
    key: str
    first_line: int
    line: int  # of the key given again

    def describe(self, where: str = "line ") -> str:
        return (
            f"{self.container} key {self.key!r} is given twice (first at "
            f"{where}{self.first_line})"
        )


@dataclass
class ReleaseBlock:
    release: str
    deployments: list[DeploymentBlock]
    span: Span  # the key
    stmt: Statement

    def get(self, deployment: str) -> DeploymentBlock | None:
        for block in self.deployments:
            if block.deployment == deployment:
                return block
        return None


@dataclass
class TypesModel:
    path: str
    releases: list[Release]
    applications: list[Application]  # IDAs then MFEs, in source order
    entry_fields: tuple[str, ...]
    release_stmt: Statement  # the release Enum (the reader refuses a file without)
    # The entry model's annotation of each field, as written (``list[str] | None``).
    field_types: dict[str, str] = field(default_factory=dict)
    # The parsed file, kept for the interpreter of the entry model's properties
    # (olx.core.interpret), which reads it only when a command resolves components.
    tree: Any = field(default=None, compare=False, repr=False)
    interpreter: Any = field(default=None, compare=False, repr=False)

    def release(self, name: str) -> Release | None:
        for rel in self.releases:
            if rel.name == name:
                return rel
        return None


@dataclass
class MatrixModel:
    path: str
    deployments: list[Deployment]
    release_map: list[ReleaseBlock]
    # The reader refuses a file without either (ShapeError): a write always has both.
    deployment_stmt: Statement
    release_map_stmt: Statement
    # Module-level constants (names assigned at the top level, ReleaseMap aside), each
    # evaluated on first use: ``--set FIELD=NAME`` writes the name and expects its value.
    constant_names: tuple[str, ...] = ()
    evaluate_constant: Callable[[str], Any] | None = field(default=None, repr=False)
    # Keys given twice in ReleaseMap (``olx check`` rule 8; every write refuses them).
    duplicate_keys: tuple[DuplicateKey, ...] = ()

    def constants(self) -> dict[str, Any]:
        """The module-level constants that olx can read, by name, with their values."""
        out: dict[str, Any] = {}
        evaluate = self.evaluate_constant
        if evaluate is None:  # a model made without its file (none read)
            return out
        for name in self.constant_names:
            try:
                out[name] = evaluate(name)
            except OlxError:
                continue  # not a literal olx reads (a call, say): not offered
        return out

    def block(self, release: str) -> ReleaseBlock | None:
        for block in self.release_map:
            if block.release == release:
                return block
        return None


@dataclass
class Matrix:
    """Both files read together."""

    types: TypesModel
    matrix: MatrixModel

    def to_json(self) -> dict[str, Any]:
        """The ``olx show --json`` object of docs/contract.md (values as Python
        evaluates them)."""
        fields = ordered_fields(self.types.entry_fields)
        return {
            "releases": [
                {
                    "name": r.name,
                    "member": r.member,
                    "branch": r.branch,
                    "python_version": r.python_version,
                    "node_version": r.node_version,
                }
                for r in self.types.releases
            ],
            "applications": [
                {
                    "value": a.value,
                    "member": a.member,
                    "type": a.type,
                    "repository": a.repository,
                    "path": a.path,
                }
                for a in self.types.applications
            ],
            "deployments": [
                {
                    "name": d.name,
                    "member": d.member,
                    "stages": {s.stage: s.release for s in d.stages},
                }
                for d in self.matrix.deployments
            ],
            "release_map": {
                block.release: {
                    dep.deployment: [
                        {f: entry.values.get(f) for f in fields}
                        for entry in dep.entries
                    ]
                    for dep in block.deployments
                }
                for block in self.matrix.release_map
            },
        }


def ordered_fields(declared: tuple[str, ...]) -> tuple[str, ...]:
    """docs/contract.md's key order: application, application_type, release, then
    declared order."""
    head = [f for f in ("application", "application_type", "release") if f in declared]
    return tuple(head + [f for f in declared if f not in head])


def release_rank(name: str) -> tuple[int, str]:
    """Release order: named releases alphabetically, ``master``/``main`` newest."""
    return (1 if name in NEWEST_NAMES else 0, name)
