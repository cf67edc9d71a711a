"""What a stage really builds: every component resolved as the pipelines resolve it.

The pipelines build each entry of ``ReleaseMap`` from three values of the
infrastructure's own model, ``OpenEdxApplicationVersion``: its properties
``git_origin``, ``release_branch`` and ``runtime_version``. This module is the one
place that computes a component (``olx show DEPLOYMENT``, ``olx diff``, promote's
component lines and plan steps all come here): each value is what the property in
types.py returns for the entry, found by interpreting the property's source
(:mod:`olx.core.interpret`); a value the interpreter cannot find is ``None`` with a note.
Where the model has no such property, docs/contract.md's documented defaults apply:

- origin: ``origin_override``, else the application Enum member's repository;
- branch: ``branch_override``, else the branch of the entry's *own* release (an entry
  pinned to ``master`` inside the ``ulmo`` block builds master's branch);
- runtime: ``runtime_version_override``, else the entry's release's python version for
  an IDA and node version for anything else (``None`` where the release members have
  two fields and no override is set).

These are written as ``override or default``, so an empty override falls back to the
default too. Every other declared field that is set (not ``None``) is carried along in
``other``. :func:`component_changes` compares two lists of components (``olx diff``,
and promote's report of what a stage will deploy differently).

Everything here is pure: no I/O, no printing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from olx.core.interpret import interpreter_for
from olx.core.model import AppEntry, Deployment, Matrix, ordered_fields
from olx.core.names import find_deployment, unknown
from olx.errors import UnknownNameError, UsageError

# Fields the resolution consumes; every other declared field goes to ``other``.
CONSUMED = (
    "application",
    "application_type",
    "release",
    "branch_override",
    "origin_override",
    "runtime_version_override",
)
# The fields component_changes compares, in the order it reports them (others follow).
COMPARED = ("application_type", "release", "origin", "branch", "runtime")


@dataclass(frozen=True)
class Component:
    """One application as a stage builds it.

    ``overridden`` names the resolved values (``origin``, ``branch``, ``runtime``) that
    came from a field the entry sets itself rather than from the model (the table's
    ``*``); ``pinned`` is true when the entry's release differs from its block's (a
    deliberate pin). ``sources`` says where each known value came from, as
    ``"PATH:LINE"`` (keys ``origin``, ``branch``, ``runtime``): the entry's keyword in
    the matrix file for a field of the entry, the member in types.py for an Enum
    member's attribute, the constant or expression in types.py for a value the property
    itself holds; a value olx could not find has no key. None of these is part of the
    JSON.
    """

    application: Any
    application_type: Any
    release: Any
    origin: Any
    branch: Any
    runtime: Any
    other: dict[str, Any] = field(default_factory=dict)
    overridden: frozenset[str] = frozenset()
    pinned: bool = False
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

    def values(self) -> dict[str, Any]:
        """The compared values by name: :data:`COMPARED`, then the ``other`` fields."""
        out = {name: getattr(self, name) for name in COMPARED}
        out.update(self.other)
        return out

    def to_json(self) -> dict[str, Any]:
        """docs/contract.md's component object."""
        return {
            "application": self.application,
            "application_type": self.application_type,
            "release": self.release,
            "origin": self.origin,
            "branch": self.branch,
            "runtime": self.runtime,
            "other": dict(self.other),
        }


@dataclass(frozen=True)
class StageView:
    """What one stage of one deployment builds.

    ``notes`` explain what could not be resolved, each once: a stage whose (release,
    deployment) list is missing builds nothing; an entry whose release or application
    is in no Enum leaves the values that depend on it ``None``; a property of the model
    that uses what olx does not interpret, or raises, leaves its value ``None``
    (``PATH:LINE: PROPERTY ...``, once per property however many entries reach it).
    """

    deployment: str
    stage: str
    release: str
    components: tuple[Component, ...]
    notes: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """``DEPLOYMENT:STAGE``, as ``olx diff`` takes and reports it."""
        return f"{self.deployment}:{self.stage}"

    def to_json(self) -> dict[str, Any]:
        return {
            "release": self.release,
            "components": [c.to_json() for c in self.components],
        }


@dataclass(frozen=True)
class Changed:
    """One application built by both sides, differently: ``field → (old, new)``."""

    application: Any
    fields: dict[str, tuple[Any, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "application": self.application,
            "fields": {name: [old, new] for name, (old, new) in self.fields.items()},
        }


@dataclass(frozen=True)
class ComponentChanges:
    """What the new list of components builds differently from the old one."""

    added: tuple[Component, ...]
    removed: tuple[Component, ...]
    changed: tuple[Changed, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, Any]:
        """The ``added``/``removed``/``changed`` keys of docs/contract.md's ``diff``
        object."""
        return {
            "added": [c.to_json() for c in self.added],
            "removed": [c.to_json() for c in self.removed],
            "changed": [c.to_json() for c in self.changed],
        }


# --- resolution ------------------------------------------------------------------------


def _default(
    key: str, values: dict[str, Any], app: Any, release: Any
) -> tuple[Any, int | str | None]:
    """docs/contract.md's documented default for ``key``, where the model has no
    property: (value, source): a field name of the entry, or a line of types.py."""
    override = {
        "origin": "origin_override",
        "branch": "branch_override",
        "runtime": "runtime_version_override",
    }[key]
    if values.get(override):  # the model's ``override or default``
        return values[override], override
    if key == "origin":
        return (app.repository, app.span.start_line) if app else (None, None)
    if release is None:
        return None, None
    if key == "branch":
        return release.branch, release.span.start_line
    if values.get("application_type") == "IDA":
        return release.python_version, release.span.start_line
    return release.node_version, release.span.start_line


KEYS = ("origin", "branch", "runtime")


def resolve_entries(
    matrix: Matrix, entries: list[AppEntry], block_release: str
) -> tuple[list[Component], list[str]]:
    """Resolve ``AppEntry`` objects of the ``block_release`` block; (components, notes).

    Notes come once each: what an entry names that no Enum holds, and what the
    interpreter could not follow in a property (once per property, not per entry).
    """
    types = matrix.types
    releases = {r.name: r for r in types.releases}
    apps: dict[Any, Any] = {}
    for application in types.applications:
        # IDAs first, as the model's Union tries them.
        apps.setdefault(application.value, application)
    others = [f for f in ordered_fields(types.entry_fields) if f not in CONSUMED]
    interp = interpreter_for(types)
    modelled = [key for key in KEYS if interp.defines(key)]
    tpath, mpath = types.path, matrix.matrix.path
    components: list[Component] = []
    notes: list[str] = []
    for entry in entries:
        values = entry.values
        name = values.get("application")
        app_type = values.get("application_type")
        release_name = values.get("release")
        release = releases.get(release_name) if isinstance(release_name, str) else None
        app = apps.get(name) if isinstance(name, str) else None
        # Values that stay unknown because the entry names what no Enum holds
        # (pydantic would refuse the entry): said once, in the entry's own note.
        blocked: dict[str, list[str]] = {}
        if release is None:
            blocked["release"] = []
        if app is None:
            blocked["application"] = []
        resolved: dict[str, Any] = {}
        sources: dict[str, str] = {}
        overridden = set()
        later: list[str] = []
        for key in KEYS:
            if key in modelled:
                outcome = interp.evaluate(key, values)
                value, source = outcome.value, outcome.source
                bad = outcome.bad_field
                if bad is not None and bad in blocked:
                    blocked[bad].append(key)
                elif outcome.note is not None:
                    later.append(
                        outcome.note if bad is None else f"{name}: {outcome.note}"
                    )
            else:
                value, source = _default(key, values, app, release)
                if source is None:
                    needed = "application" if key == "origin" else "release"
                    if needed in blocked:
                        blocked[needed].append(key)
            resolved[key] = value
            if isinstance(source, str):
                overridden.add(key)
                sources[key] = (
                    f"{mpath}:{entry.lines.get(source, entry.span.start_line)}"
                )
            elif source is not None:
                sources[key] = f"{tpath}:{source}"
        if "release" in blocked:
            notes.append(
                f"{name}: release {release_name!r} is not a member of the release "
                f"Enum{_unknown(blocked['release'])}"
            )
        if "application" in blocked:
            notes.append(
                f"{name}: not a member of either application Enum"
                f"{_unknown(blocked['application'])}"
            )
        notes += [note for note in dict.fromkeys(later) if note not in notes]
        components.append(
            Component(
                application=name,
                application_type=app_type,
                release=release_name,
                origin=resolved["origin"],
                branch=resolved["branch"],
                runtime=resolved["runtime"],
                other={f: values[f] for f in others if values.get(f) is not None},
                overridden=frozenset(overridden),
                pinned=release_name != block_release,
                sources=sources,
            )
        )
    return components, notes


def _unknown(keys: list[str]) -> str:
    if not keys:
        return ""
    return f"; its {' and '.join(keys)} {'is' if len(keys) == 1 else 'are'} unknown"


def interpretation_notes(matrix: Matrix) -> list[str]:
    """Every note the model's properties give over the whole ``ReleaseMap``: what they
    use that olx does not interpret (reached or not), and what fails for an entry.
    Empty, and nothing compiled, where the model has none of the properties. Entries
    whose values no Enum holds are left to the check's own rules."""
    interp = interpreter_for(matrix.types)
    if not any(interp.defines(key) for key in KEYS):
        return []
    modelled = [key for key in KEYS if interp.defines(key)]
    notes = interp.static_notes()
    for block in matrix.matrix.release_map:
        for dep in block.deployments:
            for entry in dep.entries:
                for key in modelled:
                    outcome = interp.evaluate(key, entry.values)
                    note = outcome.note
                    # An entry's value that no Enum holds is a check violation already.
                    if note and outcome.bad_field is None and note not in notes:
                        notes.append(note)
    return notes


def resolve_stage(matrix: Matrix, deployment: Deployment, stage: str) -> StageView:
    """What ``stage`` of ``deployment`` builds: ``ReleaseMap[release][deployment]``
    resolved in ReleaseMap order. A missing block or list resolves to no components and
    a note, never an error (``olx check`` reports it as a violation)."""
    found = deployment.stage(stage)
    if found is None:
        raise stage_missing(deployment, stage)
    release = found.release
    block = matrix.matrix.block(release)
    dep_block = block.get(deployment.name) if block else None
    if dep_block is None:
        where = (
            f"ReleaseMap[{release!r}] has no {deployment.name!r} list"
            if block
            else f"ReleaseMap has no {release!r} block"
        )
        note = (
            f"{deployment.name} {stage} runs {release}, but {where}: it builds nothing"
        )
        return StageView(deployment.name, stage, release, (), (note,))
    components, notes = resolve_entries(matrix, dep_block.entries, release)
    return StageView(deployment.name, stage, release, tuple(components), tuple(notes))


def resolve_deployment(
    matrix: Matrix, deployment: Deployment, stage: str | None = None
) -> list[StageView]:
    """Every stage of ``deployment`` in its ``env_release_map`` order (or only
    ``stage``); a stage listed twice counts once, as its first entry."""
    stages: list[str] = []
    for st in deployment.stages:
        if st.stage not in stages and stage in (None, st.stage):
            stages.append(st.stage)
    if stage is not None and not stages:
        raise stage_missing(deployment, stage)
    return [resolve_stage(matrix, deployment, s) for s in stages]


def show_json(deployment: Deployment, views: list[StageView]) -> dict[str, Any]:
    """docs/contract.md's ``olx show DEPLOYMENT --json`` object."""
    return {
        "deployment": deployment.name,
        "stages": {view.stage: view.to_json() for view in views},
    }


# --- comparison ------------------------------------------------------------------------


def _keyed(components: list[Component] | tuple[Component, ...]) -> dict[Any, Component]:
    # An application listed twice (a check violation) pairs occurrence by occurrence.
    seen: dict[Any, int] = {}
    out: dict[Any, Component] = {}
    for comp in components:
        key = comp.application
        if not isinstance(key, str):
            key = repr(key)
        n = seen.get(key, 0)
        seen[key] = n + 1
        out[(key, n)] = comp
    return out


def component_changes(
    old_components: list[Component] | tuple[Component, ...],
    new_components: list[Component] | tuple[Component, ...],
) -> ComponentChanges:
    """What ``new_components`` builds differently from ``old_components``.

    Components are matched by application. ``added``: applications only the new list
    builds (in its order); ``removed``: those only the old one builds (in its order);
    ``changed``: applications both build whose resolved values differ, in the new list's
    order, each with ``{field: (old, new)}`` for ``application_type``, ``release``,
    ``origin``, ``branch``, ``runtime`` and every ``other`` field (a field set on one
    side only compares with ``None``). Equal lists give an empty result
    (:attr:`ComponentChanges.empty`).
    """
    old, new = _keyed(old_components), _keyed(new_components)
    added = tuple(c for k, c in new.items() if k not in old)
    removed = tuple(c for k, c in old.items() if k not in new)
    changed: list[Changed] = []
    for key, after in new.items():
        before = old.get(key)
        if before is None:
            continue
        a, b = before.values(), after.values()
        names = list(b) + [n for n in a if n not in b]
        fields = {n: (a.get(n), b.get(n)) for n in names if a.get(n) != b.get(n)}
        if fields:
            changed.append(Changed(after.application, fields))
    return ComponentChanges(added, removed, tuple(changed))


def diff_json(
    before: StageView, after: StageView, changes: ComponentChanges
) -> dict[str, Any]:
    """docs/contract.md's ``olx diff --json`` object."""
    return {"from": before.ref, "to": after.ref, **changes.to_json()}


# --- names as people type them ---------------------------------------------------------


def stage_missing(deployment: Deployment, stage: str) -> UnknownNameError:
    has = [st.stage for st in deployment.stages]
    return UnknownNameError(
        f"deployment {deployment.name!r} has no {stage} stage",
        f"its stages: {', '.join(has) or 'none'}",
    )


def one_deployment(matrix: Matrix, text: str) -> Deployment:
    """One deployment by ``deployment_name`` or Enum member name (no comma lists)."""
    found = find_deployment(matrix, text.strip())
    if found is None:
        raise unknown("deployment", text, [d.name for d in matrix.matrix.deployments])
    return found


def stage_of(deployment: Deployment, text: str) -> str:
    """A stage of ``deployment``, case-insensitively; unknown or absent: input error."""
    from olx.core.names import stage as known_stage

    lowered = text.strip().lower()
    for st in deployment.stages:  # stages beyond CI/QA/Production, as written
        if st.stage.lower() == lowered:
            return st.stage
    name = known_stage(text.strip())
    raise stage_missing(deployment, name)


def split_ref(text: str) -> tuple[str, str]:
    """``DEPLOYMENT:STAGE`` → (deployment text, stage text)."""
    deployment, sep, stage = text.partition(":")
    if not sep or not deployment.strip() or not stage.strip() or ":" in stage:
        raise UsageError(
            f"expected DEPLOYMENT:STAGE, got {text!r}",
            "olx diff DEPLOYMENT STAGE_A STAGE_B, or olx diff DEP_A:STAGE DEP_B:STAGE",
        )
    return deployment, stage


def diff_refs(matrix: Matrix, args: list[str]) -> tuple[StageView, StageView]:
    """The two stages ``olx diff`` compares, from its two or three arguments."""
    if len(args) == 3:
        if any(":" in a for a in args):
            raise UsageError(
                "with three arguments, olx diff takes DEPLOYMENT STAGE_A STAGE_B",
                "to compare two deployments: olx diff DEP_A:STAGE DEP_B:STAGE",
            )
        pairs = [(args[0], args[1]), (args[0], args[2])]
    elif len(args) == 2:
        if not any(":" in a for a in args):
            raise UsageError(
                f"olx diff {args[0]} {args[1]}: a second stage is missing",
                "olx diff DEPLOYMENT STAGE_A STAGE_B, or olx diff DEP_A:STAGE DEP_B:STAGE",
            )
        pairs = [split_ref(a) for a in args]
    else:
        raise UsageError(
            f"olx diff takes two or three arguments, got {len(args)}",
            "olx diff DEPLOYMENT STAGE_A STAGE_B, or olx diff DEP_A:STAGE DEP_B:STAGE",
        )
    views = []
    for dep_text, stage_text in pairs:
        deployment = one_deployment(matrix, dep_text)
        views.append(
            resolve_stage(matrix, deployment, stage_of(deployment, stage_text))
        )
    return views[0], views[1]


# --- one line per component change (promote's output and commit body) -------------------


def _shown(value: Any, limit: int = 60) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_changes(changes: ComponentChanges) -> list[str]:
    """``+ app``, ``- app`` and ``~ app: field old → new, …`` lines, one a component."""
    lines = [
        f"+ {c.application} ({c.application_type}, {_shown(c.branch)})"
        for c in changes.added
    ]
    lines += [f"- {c.application}" for c in changes.removed]
    for item in changes.changed:
        fields = ", ".join(
            f"{name} {_shown(old)} → {_shown(new)}"
            for name, (old, new) in item.fields.items()
        )
        lines.append(f"~ {item.application}: {fields}")
    return lines
