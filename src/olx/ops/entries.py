"""``enable-app``, ``disable-app`` and ``override``: the entries of ``ReleaseMap``.

APP, RELEASE and DEPLOYMENT take comma lists; every entry they name is edited in one
change, verified once. An entry goes where its neighbours' order puts it
(alphabetically where the list is alphabetical, else last); a keyword goes where the
file's usual keyword order puts it (:class:`olx.ops.entry_edit.KeywordOrder`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from olx.core import names
from olx.core import values as check_value
from olx.core.model import (
    AppEntry,
    Application,
    Matrix,
    Release,
    ReleaseBlock,
    ordered_fields,
)
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.literals import flat
from olx.errors import (
    BadValueError,
    ShapeError,
    UnknownNameError,
    UsageError,
)
from olx.ops.entry_edit import (
    EntryStyle,
    KeywordOrder,
    ListEdit,
    Writer,
    application_pragma,
    entry_source,
    fixed_writer,
    keyword_sources,
    rewrite_entries,
    style_of,
)
from olx.ops.fields import FieldEdits, describe, differs
from olx.ops.summaries import entries_summary, override_summary

# Plain classes with slots, not dataclasses, here: a dataclass costs a code generation
# at import, and every entry edit imports these.


class EntryList:
    """One ``ReleaseMap[release][deployment]`` list of entries that a command edits."""

    __slots__ = ("block", "deployment", "entries")

    def __init__(
        self, block: ReleaseBlock, deployment: str, entries: list[AppEntry]
    ) -> None:
        self.block = block
        self.deployment = deployment
        self.entries = entries

    @property
    def key(self) -> tuple[str, str]:
        return (self.block.release, self.deployment)

    @property
    def where(self) -> str:
        return f"ReleaseMap[{self.block.release!r}][{self.deployment!r}]"


class EntryPlan:
    """A builder of what a command does to the entries: the list edits, the model the
    files must mean afterwards, and a line per edit (``details``) or per entry left as
    it is (``notes``)."""

    __slots__ = ("details", "expected", "lists", "notes")

    def __init__(self, expected: dict[str, Any]) -> None:
        self.expected = expected
        self.lists: dict[tuple[str, str], ListEdit] = {}
        self.details: list[str] = []
        self.notes: list[str] = []

    def edit(self, target: EntryList) -> ListEdit:
        """The edit of ``target``'s list (a new one on first use)."""
        return self.lists.setdefault(target.key, ListEdit())

    def listed(self, target: EntryList) -> list[dict[str, Any]]:
        """``target``'s list in the expected model (edited in place)."""
        entries: list[dict[str, Any]] = self.expected["release_map"][
            target.block.release
        ][target.deployment]
        return entries


def _entry_lists(model: Matrix, releases: str, deployments: str) -> list[EntryList]:
    """Every (RELEASE, DEPLOYMENT) of the two comma lists, each once however it was
    typed (value or member name); each list must exist."""
    out: list[EntryList] = []
    known = [d.name for d in model.matrix.deployments]
    for block in _blocks(model, releases):
        present = [d.deployment for d in block.deployments]
        for dep in names.deployment_names(model, [deployments]):
            dep_block = block.get(dep)
            if dep_block is None and dep not in known:
                raise names.unknown("deployment", dep, known)
            if dep_block is None:
                raise UnknownNameError(
                    f"ReleaseMap[{block.release!r}] has no {dep!r} list",
                    f"lists there: {', '.join(present) or 'none'}; to add one: "
                    f"olx clone-release OLD {block.release} --deployment {dep}",
                )
            out.append(EntryList(block, dep, dep_block.entries))
    return out


def _blocks(model: Matrix, releases: str) -> list[ReleaseBlock]:
    """The ReleaseMap blocks a comma list names, by key or release member, each once."""
    out: list[ReleaseBlock] = []
    for text in names.split_list(releases):
        block = model.matrix.block(text)
        if block is None:
            rel = next((r for r in model.types.releases if text == r.member), None)
            block = model.matrix.block(rel.name) if rel else None
        if block is None:
            raise names.unknown(
                "ReleaseMap block", text, [b.release for b in model.matrix.release_map]
            )
        if block not in out:
            out.append(block)
    return out


def _apps(model: Matrix, text: str) -> list[Application]:
    out: list[Application] = []
    for name in names.split_list(text):
        app = names.application(model, name)
        if app not in out:
            out.append(app)
    return out


def _find(target: EntryList, app: Application) -> int | None:
    found = [i for i, e in enumerate(target.entries) if e.application == app.value]
    if len(found) > 1:
        raise ShapeError(
            None,
            None,
            f"{app.value} appears twice in {target.where}",
            "remove one by hand (olx check reports it as rule 5)",
        )
    return found[0] if found else None


def _named(
    apps: list[Application], targets: list[EntryList]
) -> tuple[list[str], list[str], list[str]]:
    """The applications, deployments and releases a command names, for its summary."""
    return (
        [a.value for a in apps],
        list(dict.fromkeys(t.deployment for t in targets)),
        list(dict.fromkeys(t.block.release for t in targets)),
    )


def _any_entry(model: Matrix) -> AppEntry | None:
    for block in model.matrix.release_map:
        for dep in block.deployments:
            if dep.entries:
                return dep.entries[0]
    return None


# The options of the three override fields: the word of ``--WORD``/``--no-WORD`` →
# the field, and how a value given to ``--WORD`` is validated.
OVERRIDE_OPTIONS: dict[str, tuple[str, Callable[[str], str]]] = {
    "branch": ("branch_override", check_value.validate_branch),
    "origin": ("origin_override", check_value.validate_url),
    "runtime": (
        "runtime_version_override",
        lambda v: check_value.validate_runtime(v, "runtime version"),
    ),
}


def _field_edits(
    model: Matrix,
    quote: str,
    given: dict[str, str | None],
    removed: Iterable[str] = (),
    sets: list[str] | None = None,
    unsets: list[str] | None = None,
) -> FieldEdits:
    """The field edits the options ask for, validated in the options' order:
    ``given`` maps an override word to its value, ``removed`` the words of the
    ``--no-`` forms given."""
    edits = FieldEdits(model)
    for word, (name, valid) in OVERRIDE_OPTIONS.items():
        value = given.get(word)
        if value is not None:
            edits.set_string(name, valid(value), quote)
        if word in removed:
            edits.unset(name, f"--no-{word}")
    for assignment in sets or []:
        edits.set_field(assignment, quote)
    for name in unsets or []:
        edits.unset_field(name)
    return edits


def _entries_change(
    ws: Workspace,
    command: str,
    args: list[str],
    summary: str,
    plan: EntryPlan,
    why: str,
    order: KeywordOrder | None = None,
) -> Change:
    """The change that applies ``plan`` (nothing to do, for ``why``, when it edits no
    list), proved to mean its expected model."""
    if not plan.lists:
        return nothing_to_do(ws, command, args, summary, why)
    new_matrix = rewrite_entries(ws.matrix_src, ws.model, plan.lists, order)
    change = Change(
        command,
        args,
        summary,
        ws.types_src,
        new_matrix,
        details=plan.details,
        notes=plan.notes,
    )
    return finish(ws, change, plan.expected)


# --- override -------------------------------------------------------------------


def override(
    ws: Workspace,
    releases: str,
    deployments: str,
    apps: str,
    *,
    branch: str | None = None,
    no_branch: bool = False,
    origin: str | None = None,
    no_origin: bool = False,
    runtime: str | None = None,
    no_runtime: bool = False,
    pin: str | None = None,
    no_pin: bool = False,
    sets: list[str] | None = None,
    unsets: list[str] | None = None,
) -> Change:
    """Plan ``olx override RELEASE DEPLOYMENT APP [options]``."""
    model = ws.model
    given = {"branch": branch, "origin": origin, "runtime": runtime, "pin": pin}
    offs = (no_branch, no_origin, no_runtime, no_pin)
    removed = {word for word, off in zip(given, offs, strict=True) if off}
    _refuse_both_forms(given, removed)
    targets = _entry_lists(model, releases, deployments)
    chosen = _apps(model, apps)
    quote = style_of(ws.matrix_src, _any_entry(model)).quote
    edits = _field_edits(model, quote, given, removed, sets, unsets)
    pinned = names.release(model, pin) if pin is not None else None
    if not edits.writers and pinned is None and not no_pin:
        raise UsageError(
            "nothing to override",
            "give --branch, --origin, --runtime, --pin, --set FIELD=VALUE, --unset "
            "FIELD or their --no- forms",
        )
    plan = EntryPlan(expected_of(model))
    for target in targets:
        release = pinned.name if pinned else target.block.release if no_pin else None
        for app in chosen:
            _override_entry(ws, plan, target, app, edits, release)
    summary = override_summary(
        {name: writer is not None for name, writer in edits.writers.items()},
        pinned.name if pinned else None,
        no_pin,
        *_named(chosen, targets),
    )
    why = "the entries already have those values"
    return _entries_change(
        ws, "override", [releases, deployments, apps], summary, plan, why
    )


def _refuse_both_forms(given: dict[str, str | None], removed: set[str]) -> None:
    """``--WORD`` and ``--no-WORD`` together are a usage error."""
    for word, value in given.items():
        if value is not None and word in removed:
            raise UsageError(
                f"--{word} and --no-{word} exclude each other", "give one of them"
            )


def _override_entry(
    ws: Workspace,
    plan: EntryPlan,
    target: EntryList,
    app: Application,
    edits: FieldEdits,
    release: str | None,
) -> None:
    """Add to ``plan`` what the options change in ``app``'s entry of ``target`` (the
    entry must be there); ``release`` is the release to pin it to, if any."""
    index = _find(target, app)
    if index is None:
        raise UnknownNameError(
            f"{app.value} is not enabled in {target.where}",
            f"olx enable-app {app.value} {target.block.release} {target.deployment}",
        )
    entry = target.entries[index]
    todo, shown = _field_changes(ws, entry, edits)
    if release is not None and entry.release != release:
        rel = names.release(ws.model, release)
        text = style_of(ws.matrix_src, entry).release_text(rel)
        todo.append(("release", fixed_writer(text)))
        shown.append(
            f"pinned to {rel.name}"
            if rel.name != target.block.release
            else f"back on {rel.name} (unpinned)"
        )
    if not todo:
        return
    plan.edit(target).keywords[index] = todo
    new = plan.listed(target)[index]
    for name, _ in todo:
        new[name] = release if name == "release" else edits.values[name]
    plan.details.append(f"{target.where} {app.value}: {', '.join(shown)}")


def _field_changes(
    ws: Workspace, entry: AppEntry, edits: FieldEdits
) -> tuple[list[tuple[str, Writer | None]], list[str]]:
    """The keyword edits that change ``entry``, and how each is said."""
    kws = keyword_sources(ws.matrix_src, entry)
    todo: list[tuple[str, Writer | None]] = []
    shown: list[str] = []
    for name in edits.writers:
        if differs(edits, entry, kws, name):
            todo.append((name, edits.writers[name]))
            shown.append(describe(name, edits.values[name], edits.sources[name]))
    return todo, shown


# --- enable-app -----------------------------------------------------------------


def _position(entries: list[dict[str, Any]], value: str) -> int:
    """Alphabetically where the list is alphabetical (by application), else last.

    A list with one entry out of place (``learning`` before ``learner-dashboard``, as
    people write them) still counts as alphabetical: the new entry goes before the first
    one that sorts after it, where a person would put it.
    """
    apps = [str(e.get("application")) for e in entries]
    descents = sum(1 for a, b in itertools.pairwise(apps) if a > b)
    if descents == 0 or (descents == 1 and len(apps) >= 4):
        return next((i for i, a in enumerate(apps) if a > value), len(apps))
    return len(apps)


class _Enabling:
    """What every new entry of one ``enable-app`` shares; ``template`` gives the
    style of a new entry in an empty list."""

    __slots__ = ("edits", "order", "pinned", "template", "ws")

    def __init__(
        self,
        ws: Workspace,
        edits: FieldEdits,
        pinned: Release | None,
        order: KeywordOrder,
        template: AppEntry | None,
    ) -> None:
        self.ws = ws
        self.edits = edits
        self.pinned = pinned
        self.order = order
        self.template = template


def enable_app(
    ws: Workspace,
    apps: str,
    releases: str,
    deployments: str,
    *,
    pin: str | None = None,
    branch: str | None = None,
    origin: str | None = None,
    runtime: str | None = None,
    sets: list[str] | None = None,
) -> Change:
    """Plan ``olx enable-app APP RELEASE DEPLOYMENT [options]``."""
    model = ws.model
    chosen = _apps(model, apps)
    targets = _entry_lists(model, releases, deployments)
    template = _any_entry(model)
    quote = style_of(ws.matrix_src, template).quote
    given = {"branch": branch, "origin": origin, "runtime": runtime}
    edits = _field_edits(model, quote, given, sets=sets)
    pinned = names.release(model, pin) if pin is not None else None
    how = _Enabling(ws, edits, pinned, KeywordOrder(model), template)
    plan = EntryPlan(expected_of(model))
    for target in targets:
        release = pinned or names.release(model, target.block.release)
        for app in chosen:
            _enable_entry(how, plan, target, app, release)
    summary = entries_summary("Enable", *_named(chosen, targets))
    return _entries_change(
        ws,
        "enable-app",
        [apps, releases, deployments],
        summary,
        plan,
        "; ".join(plan.notes),
        how.order,
    )


def _enable_entry(
    how: _Enabling,
    plan: EntryPlan,
    target: EntryList,
    app: Application,
    release: Release,
) -> None:
    """Add ``app``'s new entry of ``target`` to ``plan`` (a note when the same entry is
    there already; an entry with other fields is refused)."""
    listed = plan.listed(target)
    want = _wanted_entry(how, app, release)
    index = _find(target, app)
    if index is not None:
        if flat(listed[index]) != flat(want):
            raise BadValueError(
                f"{app.value} is already enabled in {target.where} with other fields",
                f"change them with olx override {target.block.release} "
                f"{target.deployment} {app.value} ...",
            )
        plan.notes.append(f"{app.value} is already enabled in {target.where}")
        return
    at = _position(listed, app.value)
    style = _new_entry_style(how, target, at)
    kwargs: list[tuple[str, Writer]] = [
        ("application", fixed_writer(style.application_text(app))),
        ("application_type", fixed_writer(flat(app.type, style.quote))),
        ("release", fixed_writer(style.release_text(release))),
    ]
    kwargs += [(k, w) for k, w in how.edits.writers.items() if w is not None]
    by_name = dict(kwargs)
    ordered = [(k, by_name[k]) for k in how.order.arrange([k for k, _ in kwargs])]
    plan.edit(target).insertions.append((at, style, ordered))
    listed.insert(at, want)
    plan.details.append(_enabled_detail(how, target, app, release))


def _wanted_entry(how: _Enabling, app: Application, release: Release) -> dict[str, Any]:
    """The new entry in the model: the application, its release and the options'
    fields, every other declared field None, in the model's key order."""
    fields = how.ws.model.types.entry_fields
    want: dict[str, Any] = {f: None for f in ordered_fields(fields)}
    want.update(application=app.value, application_type=app.type, release=release.name)
    want.update(how.edits.values)
    return {k: v for k, v in want.items() if k in fields}


def _new_entry_style(how: _Enabling, target: EntryList, at: int) -> EntryStyle:
    """The style of the entry that goes at ``at``: its neighbour's (the template's
    in an empty list), without a pragma only some entries of the list carry."""
    src = how.ws.matrix_src
    entries = target.entries
    neighbour = entries[min(at, len(entries) - 1)] if entries else how.template
    style = style_of(src, neighbour)
    if style.application_comment and not all(
        application_pragma(entry_source(src, e)) for e in entries
    ):
        # One entry's pragma is that entry's business, not the list's style.
        style = dataclasses.replace(style, application_comment="")
    return style


def _enabled_detail(
    how: _Enabling, target: EntryList, app: Application, release: Release
) -> str:
    edits = how.edits
    extra = "".join(
        f", {describe(k, edits.values[k], edits.sources[k])}" for k in edits.writers
    )
    pin_note = f", pinned to {release.name}" if how.pinned else ""
    return f"{target.where}: {app.value} ({app.type}) enabled{pin_note}{extra}"


# --- disable-app ----------------------------------------------------------------

# How the matrix file's history lost an entry (application value, release,
# deployment): "left in <commit>", "made without it in <commit>"; None when it never
# held it (olx.repo.history).
EntryGone = Callable[[str, str, str], "str | None"]


def disable_app(
    ws: Workspace,
    apps: str,
    releases: str,
    deployments: str,
    gone_in: EntryGone | None = None,
) -> Change:
    """Plan ``olx disable-app APP RELEASE DEPLOYMENT``: remove those entries.

    An entry that is not there is "already gone" (nothing to do) when the history of
    the matrix file held it (``gone_in``), else an input error.
    """
    model = ws.model
    chosen, unknown = _apps_or_gone(model, apps, gone_in)
    targets = _entry_lists(model, releases, deployments)
    plan = EntryPlan(expected_of(model))
    for target in targets:
        _disable_in(plan, target, chosen, unknown, gone_in)
    apps_named, deps_named, rels_named = _named(chosen, targets)
    summary = entries_summary(
        "Disable", [*apps_named, *unknown], deps_named, rels_named
    )
    return _entries_change(
        ws,
        "disable-app",
        [apps, releases, deployments],
        summary,
        plan,
        "; ".join(plan.notes),
    )


def _apps_or_gone(
    model: Matrix, text: str, gone_in: EntryGone | None
) -> tuple[list[Application], dict[str, UnknownNameError]]:
    """The applications named, and (when the history can say they are gone) the
    names that are in no Enum now, each with the error it would otherwise be."""
    chosen: list[Application] = []
    unknown: dict[str, UnknownNameError] = {}
    for name in names.split_list(text):
        try:
            app = names.application(model, name)
        except UnknownNameError as exc:
            if gone_in is None:
                raise
            unknown[name] = exc
            continue
        if app not in chosen:
            chosen.append(app)
    return chosen, unknown


def _disable_in(
    plan: EntryPlan,
    target: EntryList,
    chosen: list[Application],
    unknown: dict[str, UnknownNameError],
    gone_in: EntryGone | None,
) -> None:
    """Add the removal of the chosen entries of ``target`` to ``plan``."""
    for name, error in unknown.items():
        plan.notes.append(_gone(name, target, error, gone_in))
    removed: list[int] = []
    for app in chosen:
        index = _find(target, app)
        if index is None:
            error = UnknownNameError(
                f"{app.value} is not enabled in {target.where}",
                "nothing to disable there; olx show --json lists the entries",
            )
            plan.notes.append(_gone(app.value, target, error, gone_in))
            continue
        removed.append(index)
        plan.details.append(f"{target.where}: {app.value} disabled")
    if not removed:
        return
    plan.lists[target.key] = ListEdit(removals=set(removed))
    listed = plan.listed(target)
    for index in sorted(removed, reverse=True):
        del listed[index]
    if not listed:
        plan.details.append(f"{target.where} is now empty")


def _gone(
    value: str, target: EntryList, error: UnknownNameError, gone_in: EntryGone | None
) -> str:
    """The "already gone" note of an entry the history held; else ``error``."""
    where = gone_in(value, *target.key) if gone_in is not None else None
    if where is None:
        raise error
    return f"{value} is already gone from {target.where} ({where})"
