"""What ``olx verify`` checks and what it concludes (pure: the refs are given to it).

A :class:`Check` is one component a stage builds (or an entry of a list no stage runs
yet): its resolved origin and branch, and where the branch comes from (``PATH:LINE``).
:func:`select` builds the checks of ``olx verify``'s selection; :func:`changed` those of
what a change makes or moves (the write guard, ``--changed-from``): the components whose
origin or branch differs from what the same stage (or list) built before. :func:`judge`
compares the checks with the refs of their origins into a :class:`Report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from olx.core import names
from olx.core.model import AppEntry, Deployment, Matrix
from olx.core.refs import Refs, closest
from olx.core.resolve import Component, resolve_entries, resolve_stage, stage_of
from olx.errors import ConfigError, UsageError

# --- configuration: [tool.olx.verify] --------------------------------------------------

DEFAULT_TIMEOUT = 30.0
DEFAULT_TTL = 600.0
DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)\s*\Z")
SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
KEYS = ("skip", "timeout", "ttl", "on-write")
# The longest timeout or cache lifetime (ten years, as for soak times): longer ones
# overflow the clocks they are added to.
LONGEST_SECONDS = 3650 * 86400


@dataclass(frozen=True)
class VerifyConfig:
    """``[tool.olx.verify]``: applications not checked, the timeout of one origin and
    the cache's lifetime (seconds), and whether every write verifies."""

    skip: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    ttl: float = DEFAULT_TTL
    on_write: bool = False


def parse_duration(value: object, what: str) -> float:
    """``"10m"``, ``"30s"``, ``"1h"``, ``"2d"`` or a number of seconds → seconds; at
    most ten years."""
    if isinstance(value, bool):
        match = None
    elif isinstance(value, int | float):
        match = DURATION.match(str(value))
    else:
        match = DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f"{what} = {value!r} is not a duration",
            'write a number of seconds or a string such as "30s", "10m", "1h", "2d"',
        )
    seconds = float(match.group(1)) * SECONDS[match.group(2)]
    if seconds > LONGEST_SECONDS:
        raise ConfigError(
            f"{what} = {value!r} is longer than {LONGEST_SECONDS // 86400}d (ten years)",
            'write a duration such as "30s", "10m", "1h", "2d"',
        )
    return seconds


def parse_config(table: object, where: str) -> VerifyConfig:
    """``[tool.olx.verify]`` as written → :class:`VerifyConfig`; None → the defaults;
    anything olx does not know is an input error (a typo would silently do nothing)."""
    if table is None:
        return VerifyConfig()
    name = f"{where}: [tool.olx.verify]"
    if not isinstance(table, dict):
        raise ConfigError(f"{name} is not a table")
    for key in table:
        if key not in KEYS:
            raise ConfigError(
                f"{name} has an unknown key {key!r}", f"keys: {', '.join(KEYS)}"
            )
    skip = table.get("skip", [])
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ConfigError(
            f"{name} skip must be a list of application names", 'skip = ["xqueue"]'
        )
    on_write = table.get("on-write", False)
    if not isinstance(on_write, bool):
        raise ConfigError(f"{name} on-write must be true or false")
    timeout = parse_duration(table.get("timeout", DEFAULT_TIMEOUT), f"{name} timeout")
    if timeout <= 0:
        raise ConfigError(f"{name} timeout must be more than 0")
    ttl = parse_duration(table.get("ttl", DEFAULT_TTL), f"{name} ttl")
    return VerifyConfig(tuple(skip), timeout, ttl, on_write)


# --- what is checked ----------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One component to find upstream: ``stage`` is empty for an entry of a list that
    no stage builds."""

    deployment: str
    stage: str
    application: str
    origin: str
    branch: str
    source: str


@dataclass
class Checks:
    """What a selection (or a change) asks to check, what it skips, and what olx
    could not resolve (reported, never guessed)."""

    checks: list[Check] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def origins(self) -> list[str]:
        return list(dict.fromkeys(c.origin for c in self.checks))


@dataclass(frozen=True)
class Unit:
    """What one stage (or one list no stage runs: ``stage`` empty) builds, and the
    notes of what could not be resolved. ``key`` tells units apart across two models."""

    deployment: str
    stage: str
    key: tuple[str, ...]
    components: tuple[Component, ...]
    notes: tuple[str, ...] = ()


def source_of(component: Component) -> str:
    """Where the component's branch comes from, ``PATH:LINE`` (the entry's keyword, the
    release member, or the property's constant), as the resolution found it; empty
    when it could not tell (never guessed)."""
    return component.sources.get("branch", "")


def _entries(matrix: Matrix, release: str, deployment: str) -> list[AppEntry]:
    block = matrix.matrix.block(release)
    dep_block = block.get(deployment) if block else None
    return dep_block.entries if dep_block else []


def _stage_unit(matrix: Matrix, deployment: Deployment, stage: str) -> Unit:
    view = resolve_stage(matrix, deployment, stage)
    return Unit(deployment.name, stage, ("stage", stage), view.components, view.notes)


def _list_unit(matrix: Matrix, release: str, deployment: str) -> Unit:
    entries = _entries(matrix, release, deployment)
    components, notes = resolve_entries(matrix, entries, release)
    return Unit(deployment, "", ("list", release), tuple(components), tuple(notes))


def _stages(deployment: Deployment) -> list[str]:
    return list(dict.fromkeys(st.stage for st in deployment.stages))


def _stages_running(matrix: Matrix, deployment: str, release: str) -> list[str]:
    dep = names.find_deployment(matrix, deployment)
    if dep is None:
        return []
    return list(dict.fromkeys(s.stage for s in dep.stages if s.release == release))


def select_units(
    matrix: Matrix, targets: list[str], releases: list[str]
) -> list[tuple[Deployment | None, str, str | None]]:
    """(deployment, stage, release of a list no stage runs) of ``olx verify``'s
    arguments: ``DEPLOYMENT[:STAGE]`` (comma lists on either side, names as people
    type them) and ``--release R`` (every list of ``ReleaseMap[R]``: the stages of its
    deployment that run R, or the list itself when none does). Neither: every stage
    of every deployment. Each stage once, in the order asked."""
    chosen: list[tuple[Deployment | None, str, str | None]] = []

    def add(item: tuple[Deployment | None, str, str | None]) -> None:
        if item not in chosen:
            chosen.append(item)

    for text in targets:
        dep_text, sep, stage_text = text.partition(":")
        if sep and not (dep_text.strip() and stage_text.strip()):
            raise UsageError(
                f"expected DEPLOYMENT or DEPLOYMENT:STAGE, got {text!r}",
                "for example mitx, mitx:QA or mitx,xpro:qa,production",
            )
        for dep in names.deployments(matrix, dep_text):
            if sep:
                stages = [stage_of(dep, s) for s in names.split_list(stage_text)]
            else:
                stages = _stages(dep)
            for stage in stages:
                add((dep, stage, None))
    for text in releases:
        for name in names.split_list(text):
            block = matrix.matrix.block(name)
            if block is None:
                member = next(
                    (r for r in matrix.types.releases if name == r.member), None
                )
                block = matrix.matrix.block(member.name) if member else None
            if block is None:
                raise names.unknown(
                    "ReleaseMap block",
                    name,
                    [b.release for b in matrix.matrix.release_map],
                )
            for dep_block in block.deployments:
                found = names.find_deployment(matrix, dep_block.deployment)
                running = _stages_running(matrix, dep_block.deployment, block.release)
                if found is not None and running:
                    for stage in running:
                        add((found, stage, None))
                else:
                    add((found, dep_block.deployment, block.release))
    if not targets and not releases:
        for dep in matrix.matrix.deployments:
            for stage in _stages(dep):
                add((dep, stage, None))
    return chosen


def select(
    matrix: Matrix, targets: list[str], releases: list[str], skip: tuple[str, ...]
) -> Checks:
    """The checks of ``olx verify``'s selection (see :func:`select_units`)."""
    refuse_unknown_skips(skip, matrix)
    units: list[Unit] = []
    for dep, label, release in select_units(matrix, targets, releases):
        if release is not None:  # a list no stage runs: ``label`` is its deployment
            units.append(_list_unit(matrix, release, label))
        else:
            assert dep is not None
            units.append(_stage_unit(matrix, dep, label))
    return _checks(matrix, units, skip, lambda unit, comp: True)


def refuse_unknown_skips(skip: tuple[str, ...], *matrices: Matrix) -> None:
    """``[tool.olx.verify] skip`` names applications: a name that no application of
    ``matrices`` has (as an Enum value or in an entry) is a configuration error, like
    an unknown key: a typo would silently check what it meant to skip."""
    known = {a.value for m in matrices for a in m.types.applications}
    known |= {
        str(e.application)
        for m in matrices
        for block in m.matrix.release_map
        for dep in block.deployments
        for e in dep.entries
    }
    for name in skip:
        if name not in known:
            close = names.closest(name, sorted(known))
            hint = f"did you mean {close!r}? " if close else ""
            raise ConfigError(
                f"[tool.olx.verify] skip names {name!r}, which is no application",
                f"{hint}skip takes application values, such as xqueue",
            )


def changed(before: Matrix | None, after: Matrix, skip: tuple[str, ...]) -> Checks:
    """The checks of what ``after`` makes or moves: per stage, the components whose
    (application, origin, branch) the same stage did not build in ``before``; per list
    of a ``ReleaseMap`` block that no stage runs, the entries whose resolved values
    are new in that list (a block just cloned, an override on a list no stage runs yet).
    ``before`` None (no earlier files): everything."""
    refuse_unknown_skips(skip, *([before] if before is not None else []), after)
    units: list[Unit] = []
    for dep in after.matrix.deployments:
        units += [_stage_unit(after, dep, stage) for stage in _stages(dep)]
    for block in after.matrix.release_map:
        for dep_block in block.deployments:
            if not _stages_running(after, dep_block.deployment, block.release):
                units.append(_list_unit(after, block.release, dep_block.deployment))
    seen: set[tuple[Any, ...]] = set()
    if before is not None:
        for unit in units:
            old = _old_unit(before, unit)
            if old is not None:
                seen.update(
                    (unit.deployment, unit.key, *_key(c)) for c in old.components
                )

    def is_new(unit: Unit, comp: Component) -> bool:
        return (unit.deployment, unit.key, *_key(comp)) not in seen

    return _checks(after, units, skip, is_new)


def _old_unit(before: Matrix, unit: Unit) -> Unit | None:
    """The same stage (or list) in ``before``, if it was there."""
    kind, name = unit.key
    if kind == "list":
        return _list_unit(before, name, unit.deployment)
    dep = names.find_deployment(before, unit.deployment)
    if dep is None or dep.stage(name) is None:
        return None
    return _stage_unit(before, dep, name)


def _key(comp: Component) -> tuple[Any, Any, Any]:
    return (comp.application, comp.origin, comp.branch)


def _checks(
    matrix: Matrix,
    units: list[Unit],
    skip: tuple[str, ...],
    keep: Callable[[Unit, Component], bool],
) -> Checks:
    out = Checks()
    for unit in units:
        new = [c for c in unit.components if keep(unit, c)]
        for comp in new:
            app = comp.application
            if app in skip:
                if app not in out.skipped:
                    out.skipped.append(app)
                continue
            where = f"{unit.deployment} {unit.stage or '(no stage)'} {app}"
            origin, branch = comp.origin, comp.branch
            if not isinstance(origin, str) or not origin:
                out.unresolved.append(f"{where}: its origin cannot be resolved")
            elif not isinstance(branch, str) or not branch:
                out.unresolved.append(f"{where}: its branch cannot be resolved")
            else:
                source = source_of(comp)
                out.checks.append(
                    Check(unit.deployment, unit.stage, str(app), origin, branch, source)
                )
        if new:
            out.unresolved += [n for n in unit.notes if n not in out.unresolved]
    return out


# --- the verdict --------------------------------------------------------------------


@dataclass
class Report:
    """What verify found: docs/contract.md's object (:meth:`to_json`), and for people
    the number of origins asked and what could not be resolved."""

    checked: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    unreachable: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    origins: int = 0
    not_checked: int = 0  # checks whose origin was unreachable

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unreachable

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "missing": self.missing,
            "unreachable": self.unreachable,
            "skipped": self.skipped,
        }


def judge(checks: Checks, answers: Mapping[str, Refs | str]) -> Report:
    """Each check against its origin's refs (``answers``: the refs, or why they could
    not be read). A branch is found when it names a branch or a tag."""
    report = Report(
        skipped=list(checks.skipped),
        unresolved=list(checks.unresolved),
        origins=len(checks.origins),
    )
    for origin in checks.origins:
        answer = answers[origin]
        if not isinstance(answer, Refs):
            report.unreachable.append({"origin": origin, "error": answer})
    for check in checks.checks:
        refs = answers[check.origin]
        if not isinstance(refs, Refs):
            report.not_checked += 1
            continue
        report.checked += 1
        if not refs.has(check.branch):
            report.missing.append(
                {
                    "deployment": check.deployment,
                    "stage": check.stage,
                    "application": check.application,
                    "origin": check.origin,
                    "branch": check.branch,
                    "source": check.source,
                    "closest": closest(check.branch, refs),
                }
            )
    return report


def describe_missing(item: Mapping[str, Any]) -> str:
    """``mitx CI edx-platform: release/teak.master is not in ORIGIN (from PATH:LINE;
    closest: release/teak)``."""
    return f"{_stage_of(item)} {_what_is_missing(item)}"


def _stage_of(item: Mapping[str, Any]) -> str:
    """``mitx CI``, or ``mitx (no stage)`` for a list no stage runs."""
    return f"{item['deployment']} {item['stage'] or '(no stage)'}"


def _what_is_missing(item: Mapping[str, Any]) -> str:
    """``edx-platform: release/teak.master is not in ORIGIN (from PATH:LINE; closest:
    release/teak)``."""
    extra = [f"from {item['source']}"] if item["source"] else []
    if item["closest"]:
        extra.append(f"closest: {', '.join(item['closest'])}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return f"{item['application']}: {item['branch']} is not in {item['origin']}{tail}"


def grouped_missing(missing: list[dict[str, Any]]) -> list[str]:
    """One line per missing ref (application, origin, branch, source), naming every
    stage that builds it: ``edx-platform: release/teak.master is not in ORIGIN (from
    PATH:LINE; closest: release/teak) for mitx QA, mitx Production``."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in missing:
        key = (item["application"], item["origin"], item["branch"], item["source"])
        groups.setdefault(key, []).append(item)
    lines = []
    for items in groups.values():
        where = ", ".join(_stage_of(i) for i in items)
        lines.append(f"{_what_is_missing(items[0])} for {where}")
    return lines


def describe_unreachable(item: Mapping[str, str]) -> str:
    return f"{item['origin']} unreachable: {item['error']}"
