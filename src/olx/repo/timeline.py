"""The stage timeline: every change of a (deployment, stage) release in the git history.

``olx history`` and the soak-time guard both ask the history of the matrix file when
each stage got the release it has. The walk never checks anything out and never runs a
process per revision: one ``git log`` lists the commits that touched either file (oldest
first along the first-parent line, the line HEAD was built on), and one
``git cat-file --batch`` process feeds every revision of both files from the object
database, in memory, to the ast reader (:mod:`olx.core.reader`).

Only the deployment Enum of each revision is read (with the release Enum of types.py to
resolve ``OpenEdxSupportedRelease.x``): a stage's release does not depend on
``ReleaseMap``, so a revision whose ``ReleaseMap`` was half-refactored still tells where
every stage stood. A revision whose matrix cannot be read (a syntax error, a shape olx
does not know, a file that is not there) is skipped and recorded, never fatal; the next
readable revision is compared with the last readable one. A revision whose types.py
cannot be read resolves release references with the nearest earlier readable one.

Public API: :func:`read_timeline`, :class:`Timeline` (``changes``, ``skipped``,
:meth:`Timeline.restricted`, :meth:`Timeline.to_json`), :func:`since_when`,
:func:`longest_run`, :func:`parse_since`, :func:`select_deployments`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from olx.core import reader
from olx.core.evaluate import Evaluator
from olx.core.model import STAGES, Statement, release_rank
from olx.errors import BadValueError, ShapeError
from olx.repo import revisions
from olx.repo.revisions import Commit, Ranges, git_log, moved_to_line, statements

# The deployment Enum reader is the one read_matrix uses; history reads it alone.
_read_deployments = reader._read_deployments

Progress = Callable[[int, int], None]  # (revisions read, revisions in all)
State = dict[
    str, tuple[str, dict[str, str]]
]  # deployment -> (member, stage -> release)


@dataclass(frozen=True)
class StageChange:
    """One stage of one deployment changing release in one commit.

    ``from_release`` is None when the stage (or the deployment) appears, ``to_release``
    None when it disappears; a renamed deployment disappears under its old name and
    appears under the new one.
    """

    commit: str  # full hash
    date: datetime  # committer date, UTC
    author: str
    deployment: str  # deployment_name
    stage: str
    from_release: str | None
    to_release: str | None


@dataclass(frozen=True)
class Skipped:
    """A revision of the matrix file that could not be read, and why."""

    commit: str
    date: datetime
    reason: str


@dataclass
class Timeline:
    """The stage changes of a history, oldest first, and what was skipped.

    ``reached``, ``put_at``, ``current`` and ``members`` always describe the whole
    history, also in a :meth:`restricted` view: when a release first reached each
    stage of each deployment, when each stage got its current release, every stage's
    release at the last readable revision, and every Enum member name a deployment
    had.
    """

    changes: list[StageChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    revisions: int = 0
    reached: dict[str, dict[str, dict[str, datetime]]] = field(default_factory=dict)
    put_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    current: dict[str, dict[str, str]] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    # Set by restricted(): the window the changes were cut to.
    since: datetime | None = None
    deployments: frozenset[str] | None = None

    def restricted(
        self,
        deployments: set[str] | frozenset[str] | None = None,
        since: datetime | None = None,
    ) -> Timeline:
        """A view of the changes and skipped revisions of ``deployments`` (names) at
        or after ``since``; the whole-history fields are kept as they are."""

        def keep(change: StageChange) -> bool:
            if deployments is not None and change.deployment not in deployments:
                return False
            return since is None or change.date >= since

        return replace(
            self,
            changes=[c for c in self.changes if keep(c)],
            skipped=[s for s in self.skipped if since is None or s.date >= since],
            since=since,
            deployments=None if deployments is None else frozenset(deployments),
        )

    def first_reached(self) -> dict[str, dict[str, dict[str, datetime]]]:
        """Per release (oldest first), per deployment, per stage: when it first got
        there; within the view (its deployments, releases that moved since ``since``)."""
        out: dict[str, dict[str, dict[str, datetime]]] = {}
        for release in sorted(self.reached, key=release_rank):
            deps = {
                dep: dict(sorted(stages.items(), key=lambda kv: _stage_key(kv[0])))
                for dep, stages in self.reached[release].items()
                if self.deployments is None or dep in self.deployments
            }
            if self.since is not None and not any(
                when >= self.since
                for stages in deps.values()
                for when in stages.values()
            ):
                continue
            if deps:
                out[release] = deps
        return out

    def lead_times(self) -> dict[str, dict[str, int | None]]:
        """CI → Production in whole days (UTC dates) per release and deployment; None
        when the release has not reached Production, or reached it without CI first."""
        out: dict[str, dict[str, int | None]] = {}
        for release, deps in self.first_reached().items():
            out[release] = {}
            for dep, stages in deps.items():
                ci, prod = stages.get("CI"), stages.get("Production")
                days = None
                if ci is not None and prod is not None and prod >= ci:
                    days = (prod.date() - ci.date()).days
                out[release][dep] = days
        return out

    def to_json(self) -> dict[str, Any]:
        """docs/contract.md's ``olx history --json`` object."""
        return {
            "changes": [
                {
                    "commit": c.commit,
                    "date": _day(c.date),
                    "author": c.author,
                    "deployment": c.deployment,
                    "stage": c.stage,
                    "from": c.from_release,
                    "to": c.to_release,
                }
                for c in self.changes
            ],
            "releases": {
                release: {
                    dep: {stage: _day(when) for stage, when in stages.items()}
                    for dep, stages in deps.items()
                }
                for release, deps in self.first_reached().items()
            },
            "lead_times": self.lead_times(),
            "skipped": [{"commit": s.commit, "reason": s.reason} for s in self.skipped],
        }


def _day(when: datetime) -> str:
    return when.strftime("%Y-%m-%d")


def _stage_key(stage: str) -> tuple[int, str]:
    return (STAGES.index(stage), "") if stage in STAGES else (len(STAGES), stage)


def since_when(
    timeline: Timeline, deployment: str, stage: str, release: str
) -> datetime | None:
    """When the commit that last put ``release`` on ``stage`` of ``deployment`` was
    made (committer date, UTC); None when that stage does not have it now (at the last
    readable revision). ``deployment`` is a deployment_name or an Enum member name."""
    name = _history_name(timeline, deployment)
    if name is None:
        return None
    stages = timeline.current.get(name, {})
    stage = next((s for s in stages if s.lower() == stage.lower()), stage)
    if stages.get(stage) != release:
        return None
    return timeline.put_at.get((name, stage))


def longest_run(
    timeline: Timeline, deployment: str, stage: str, release: str
) -> timedelta | None:
    """The longest time ``release`` ran on ``stage`` of ``deployment`` in a run that
    has ended (the stage moved on to another release since); None when the history
    never had it there. The run in progress is :func:`since_when`'s."""
    name = _history_name(timeline, deployment)
    if name is None:
        return None
    longest: timedelta | None = None
    started: datetime | None = None
    for change in timeline.changes:
        if change.deployment != name or change.stage.lower() != stage.lower():
            continue
        if change.from_release == release and started is not None:
            run = change.date - started
            longest = run if longest is None else max(longest, run)
            started = None
        if change.to_release == release:
            started = change.date
    return longest


def _history_name(timeline: Timeline, text: str) -> str | None:
    if text in timeline.members:
        return text
    return next((n for n, ms in timeline.members.items() if text in ms), None)


def select_deployments(
    timeline: Timeline, text: str, current: list[tuple[str, str]]
) -> set[str]:
    """The deployment names a (comma separated) DEPLOYMENT argument means: each a
    deployment_name or Enum member name of the current files (``current``: (name,
    member) pairs) or of any revision in the history; else an input error with the
    closest valid name."""
    from olx.core.names import split_list, unknown

    out: set[str] = set()
    for word in split_list(text):
        found = next((n for n, m in current if word in (n, m)), None)
        if found is None:
            found = _history_name(timeline, word)
        if found is None:
            valid = [n for n, _ in current]
            valid += [n for n in timeline.members if n not in valid]
            raise unknown("deployment", word, valid)
        out.add(found)
    return out


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` → that day's start in UTC; anything else is an input error."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise BadValueError(
            f"--since {text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2024-03-01"
        ) from None
    return day.replace(tzinfo=UTC)


# --- reading the history ---------------------------------------------------------


def _release_names(source: str, path: str) -> dict[str, str]:
    """Release Enum member → release name; a types.py whose other Enums do not read
    still gives its release Enum (a light read). ShapeError when even that fails."""
    try:
        return {r.member: r.name for r in reader.read_types(source, path).releases}
    except ShapeError:
        module = reader.parse(source, path)  # re-raises a syntax error
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == reader.RELEASE_ENUM:
            out = {}
            for item in node.body:
                if not (
                    isinstance(item, ast.Assign)
                    and len(item.targets) == 1
                    and isinstance(item.targets[0], ast.Name)
                ):
                    continue
                value = item.value
                if isinstance(value, ast.Tuple) and value.elts:
                    value = value.elts[0]
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    out[item.targets[0].id] = value.value
            return out
    raise ShapeError(path, None, f"no class {reader.RELEASE_ENUM}")


def _parse_matrix(ranges: Ranges, path: str) -> tuple[Any, Any, dict[str, ast.expr]]:
    """The deployment Enum's class node and statement, and the module's constants."""
    found = None
    constants: dict[str, ast.expr] = {}
    for index, (node, start, end) in enumerate(ranges):
        if isinstance(node, ast.ClassDef) and node.name == reader.DEPLOYMENT_ENUM:
            found = (moved_to_line(node, start), Statement(index, start, end))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            single = isinstance(node, ast.AnnAssign) or len(node.targets) == 1
            if (
                single
                and isinstance(target, ast.Name)
                and target.id != reader.RELEASE_MAP
            ):
                constants[target.id] = moved_to_line(node, start).value
    if found is None:
        raise ShapeError(path, None, f"no class {reader.DEPLOYMENT_ENUM}")
    return found[0], found[1], constants


# A matrix revision read as far as the deployment Enum: its class, its statement and
# the module's constants.
Parsed = tuple[Any, Any, dict[str, Any]]


def _read_state(parsed: Parsed, path: str, names: dict[str, str]) -> State:
    enums = {reader.RELEASE_ENUM: names, reader.IDA_ENUM: {}, reader.MFE_ENUM: {}}
    ev = Evaluator(path, enums, parsed[2])
    state: State = {}
    for dep in _read_deployments(ev, parsed[0], parsed[1]):
        if dep.name in state:
            raise ShapeError(path, dep.span.start_line, f"two deployments {dep.name!r}")
        stages: dict[str, str] = {}
        for st in dep.stages:
            stages.setdefault(st.stage, st.release)  # the first, as pipelines look up
        state[dep.name] = (dep.member, stages)
    return state


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShapeError(path, None, f"not UTF-8 ({exc.reason})") from None


class _Walk:
    """Reads revisions one after another, parsing each distinct blob once."""

    def __init__(self, matrix_rel: str, types_rel: str) -> None:
        self.matrix_rel, self.types_rel = matrix_rel, types_rel
        self.names: dict[str, str] = {}  # the last readable release Enum
        self.names_oid: str | None = None
        self.types_cache: dict[str, dict[str, str] | None] = {}
        self.parsed: dict[str, Parsed | ShapeError] = {}
        self.previous: tuple[list[str], Ranges] | None = None
        self.states: dict[tuple[str, str | None], State | ShapeError] = {}

    def known(self, oid: str) -> bool:
        return oid in self.types_cache or oid in self.parsed

    def types(self, blob: tuple[str, bytes | None] | None) -> None:
        """Take types.py's release Enum when it reads; else keep the last one."""
        if blob is None:
            return
        oid, data = blob
        if oid not in self.types_cache:
            try:
                text = _decode(data or b"", self.types_rel)
                self.types_cache[oid] = _release_names(text, self.types_rel)
            except ShapeError:
                self.types_cache[oid] = None
        names = self.types_cache[oid]
        if names is not None:
            self.names, self.names_oid = names, oid

    def matrix(self, blob: tuple[str, bytes | None] | None) -> State:
        """The stages of the matrix revision; ShapeError when it does not read."""
        if blob is None:
            raise ShapeError(self.matrix_rel, None, "file not there")
        oid, data = blob
        if oid not in self.parsed:
            try:
                text = _decode(data or b"", self.matrix_rel)
                lines, ranges = statements(text, self.matrix_rel, self.previous)
                self.previous = (lines, ranges)
                self.parsed[oid] = _parse_matrix(ranges, self.matrix_rel)
            except ShapeError as exc:
                self.parsed[oid] = exc
        key = (oid, self.names_oid)
        if key not in self.states:
            parsed = self.parsed[oid]
            try:
                if isinstance(parsed, ShapeError):
                    raise parsed
                self.states[key] = _read_state(parsed, self.matrix_rel, self.names)
            except ShapeError as exc:
                self.states[key] = exc
        result = self.states[key]
        if isinstance(result, ShapeError):
            raise result
        return result


def _diff(old: State, new: State, commit: Commit) -> list[StageChange]:
    """The stage changes from ``old`` to ``new``: deployments in the old order, then
    the new ones; stages in stage order."""
    out = []
    for dep in [*old, *(d for d in new if d not in old)]:
        before = old[dep][1] if dep in old else {}
        after = new[dep][1] if dep in new else {}
        for stage in sorted({*before, *after}, key=_stage_key):
            if before.get(stage) != after.get(stage):
                out.append(
                    StageChange(
                        commit.hash,
                        commit.date,
                        commit.author,
                        dep,
                        stage,
                        before.get(stage),
                        after.get(stage),
                    )
                )
    return out


def read_timeline(
    root: Path,
    matrix_rel: str,
    types_rel: str,
    since: datetime | None = None,
    progress: Progress | None = None,
    at: str | None = None,
) -> Timeline:
    """Walk the history of ``matrix_rel`` and ``types_rel`` (paths relative to the
    repository ``root``) and return its :class:`Timeline`, restricted to changes at or
    after ``since`` when given (the whole-history fields stay whole), up to the commit
    ``at`` (None: HEAD).

    ``progress(done, total)`` is called as revisions are read. Not a git repository, no
    commits, no git: :class:`~olx.errors.GitStateError`. One ``git log`` and one ``git cat-file``
    process, whatever the length of the history; each distinct blob is read once.
    """
    commits = git_log(root, (types_rel, matrix_rel), at)
    # Per commit and file: an object id or ``commit:path`` to read, a known id, or None
    # (not there); the requests go to git in the order the walk takes the answers.
    plan: list[list[tuple[str | None, bool]]] = []
    requests: list[str] = []
    current: dict[str, str | None] = {}
    asked: set[str] = set()
    for commit in commits:
        refs: list[tuple[str | None, bool]] = []
        for rel in (types_rel, matrix_rel):
            if not commit.blobs:
                by_path = f"{commit.hash}:{rel}"
                refs.append((by_path, True))
                requests.append(by_path)
                current.pop(rel, None)
                continue
            if rel in commit.blobs:
                current[rel] = commit.blobs[rel]
            oid = current.get(rel)
            if oid is not None and oid not in asked:  # read once
                asked.add(oid)
                requests.append(oid)
                refs.append((oid, True))
            else:
                refs.append((oid, False))
        plan.append(refs)
    timeline = Timeline(revisions=len(commits))
    answers = revisions.blobs(root, requests) if requests else iter(())
    walk = _Walk(matrix_rel, types_rel)
    last: State = {}
    for done, (commit, refs) in enumerate(zip(commits, plan, strict=True), 1):
        blobs: list[tuple[str, bytes | None] | None] = [
            next(answers) if fetch else None if ref is None else (ref, None)
            for ref, fetch in refs
        ]
        walk.types(blobs[0])
        try:
            state = walk.matrix(blobs[1])
        except ShapeError as exc:
            timeline.skipped.append(Skipped(commit.hash, commit.date, exc.message))
        else:
            _record(timeline, _diff(last, state, commit))
            for dep, (member, _) in state.items():
                timeline.members.setdefault(dep, set()).add(member)
            last = state
        if progress is not None:
            progress(done, len(commits))
    for _ in answers:  # let the batch process finish
        pass
    timeline.current = {dep: dict(stages) for dep, (_, stages) in last.items()}
    return timeline.restricted(since=since) if since is not None else timeline


def _record(timeline: Timeline, changes: list[StageChange]) -> None:
    for c in changes:
        timeline.changes.append(c)
        if c.to_release is not None:
            timeline.put_at[(c.deployment, c.stage)] = c.date
            stages = timeline.reached.setdefault(c.to_release, {}).setdefault(
                c.deployment, {}
            )
            stages.setdefault(c.stage, c.date)
        else:
            timeline.put_at.pop((c.deployment, c.stage), None)
