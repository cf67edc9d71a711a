"""``enable-app``, ``disable-app`` and ``override``: the entries of ``ReleaseMap``.

APP, RELEASE and DEPLOYMENT take comma lists; every entry they name is edited in one
change, verified once. An entry goes where its neighbours' order puts it
(alphabetically where the list is alphabetical, else last); a keyword goes where the
file's usual keyword order puts it (:class:`olx.ops.entry_edit.KeywordOrder`).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from olx.core import names
from olx.core import values as check_value
from olx.core.model import (
    AppEntry,
    Application,
    Matrix,
    ReleaseBlock,
    ordered_fields,
)
from olx.edit.change import Change, Workspace, expected_of, finish, nothing_to_do
from olx.edit.literals import flat
from olx.errors import InputError
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


@dataclass
class Target:
    """One (release, deployment) list that a command edits."""

    block: ReleaseBlock
    deployment: str
    entries: list[AppEntry]


def _targets(model: Matrix, releases: str, deployments: str) -> list[Target]:
    """Every (RELEASE, DEPLOYMENT) of the two comma lists, each once however it was
    typed (value or member name); each list must exist."""
    out: list[Target] = []
    known = [d.name for d in model.matrix.deployments]
    for block in _blocks(model, releases):
        present = [d.deployment for d in block.deployments]
        for dep in names.deployment_names(model, [deployments]):
            dep_block = block.get(dep)
            if dep_block is None and dep not in known:
                raise names.unknown("deployment", dep, known)
            if dep_block is None:
                raise InputError(
                    f"ReleaseMap[{block.release!r}] has no {dep!r} list",
                    f"lists there: {', '.join(present) or 'none'}; to add one: "
                    f"olx clone-release OLD {block.release} --deployment {dep}",
                )
            out.append(Target(block, dep, dep_block.entries))
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


def _find(target: Target, app: Application) -> int | None:
    found = [i for i, e in enumerate(target.entries) if e.application == app.value]
    if len(found) > 1:
        raise InputError(
            f"{app.value} appears twice in ReleaseMap[{target.block.release!r}]"
            f"[{target.deployment!r}]",
            "remove one by hand (olx check reports it as rule 5)",
        )
    return found[0] if found else None


def _named(
    apps: list[Application], targets: list[Target]
) -> tuple[list[str], list[str], list[str]]:
    """The applications, deployments and releases a command names, for its summary."""
    return (
        [a.value for a in apps],
        list(dict.fromkeys(t.deployment for t in targets)),
        list(dict.fromkeys(t.block.release for t in targets)),
    )


def _where(target: Target) -> str:
    return f"ReleaseMap[{target.block.release!r}][{target.deployment!r}]"


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
    for on, off, what in (
        (branch, no_branch, "branch"),
        (origin, no_origin, "origin"),
        (runtime, no_runtime, "runtime"),
        (pin, no_pin, "pin"),
    ):
        if on is not None and off:
            raise InputError(
                f"--{what} and --no-{what} exclude each other", "give one of them"
            )
    targets = _targets(model, releases, deployments)
    chosen = _apps(model, apps)
    quote = style_of(ws.matrix_src, _any_entry(model)).quote
    edits = FieldEdits(model)
    if branch is not None:
        edits.set_string("branch_override", check_value.validate_branch(branch), quote)
    if no_branch:
        edits.unset("branch_override", "--no-branch")
    if origin is not None:
        edits.set_string("origin_override", check_value.validate_url(origin), quote)
    if no_origin:
        edits.unset("origin_override", "--no-origin")
    if runtime is not None:
        check_value.validate_runtime(runtime, "runtime version")
        edits.set_string("runtime_version_override", runtime, quote)
    if no_runtime:
        edits.unset("runtime_version_override", "--no-runtime")
    for assignment in sets or []:
        edits.set_field(assignment, quote)
    for name in unsets or []:
        edits.unset_field(name)
    pinned = names.release(model, pin) if pin is not None else None
    if not edits.writers and pinned is None and not no_pin:
        raise InputError(
            "nothing to override",
            "give --branch, --origin, --runtime, --pin, --set FIELD=VALUE, --unset "
            "FIELD or their --no- forms",
        )

    expected = expected_of(model)
    plan: dict[tuple[str, str], ListEdit] = {}
    details: list[str] = []
    for target in targets:
        for app in chosen:
            index = _find(target, app)
            if index is None:
                raise InputError(
                    f"{app.value} is not enabled in {_where(target)}",
                    f"olx enable-app {app.value} {target.block.release} "
                    f"{target.deployment}",
                )
            entry = target.entries[index]
            kws = keyword_sources(ws.matrix_src, entry)
            todo: list[tuple[str, Writer | None]] = []
            shown: list[str] = []
            for name in edits.writers:
                if differs(edits, entry, kws, name):
                    todo.append((name, edits.writers[name]))
                    shown.append(
                        describe(name, edits.values[name], edits.sources[name])
                    )
            release_name = (
                pinned.name if pinned else target.block.release if no_pin else None
            )
            if release_name is not None and entry.release != release_name:
                rel = names.release(model, release_name)
                text = style_of(ws.matrix_src, entry).release_text(rel)
                todo.append(("release", fixed_writer(text)))
                shown.append(
                    f"pinned to {rel.name}"
                    if rel.name != target.block.release
                    else f"back on {rel.name} (unpinned)"
                )
            if not todo:
                continue
            plan.setdefault(
                (target.block.release, target.deployment), ListEdit()
            ).keywords[index] = todo
            new = expected["release_map"][target.block.release][target.deployment][
                index
            ]
            for name, _ in todo:
                new[name] = release_name if name == "release" else edits.values[name]
            details.append(f"{_where(target)} {app.value}: {', '.join(shown)}")

    args = [releases, deployments, apps]
    summary = override_summary(
        {name: writer is not None for name, writer in edits.writers.items()},
        pinned.name if pinned else None,
        no_pin,
        *_named(chosen, targets),
    )
    if not plan:
        return nothing_to_do(
            ws, "override", args, summary, "the entries already have those values"
        )
    new_matrix = rewrite_entries(ws.matrix_src, model, plan)
    change = Change(
        "override", args, summary, ws.types_src, new_matrix, details=details
    )
    return finish(ws, change, expected)


def _any_entry(model: Matrix) -> AppEntry | None:
    for block in model.matrix.release_map:
        for dep in block.deployments:
            if dep.entries:
                return dep.entries[0]
    return None


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
    targets = _targets(model, releases, deployments)
    fields = model.types.entry_fields
    template_all = _any_entry(model)
    quote = style_of(ws.matrix_src, template_all).quote
    edits = FieldEdits(model)
    if branch is not None:
        edits.set_string("branch_override", check_value.validate_branch(branch), quote)
    if origin is not None:
        edits.set_string("origin_override", check_value.validate_url(origin), quote)
    if runtime is not None:
        check_value.validate_runtime(runtime, "runtime version")
        edits.set_string("runtime_version_override", runtime, quote)
    for assignment in sets or []:
        edits.set_field(assignment, quote)
    pinned = names.release(model, pin) if pin is not None else None
    order = KeywordOrder(model)

    expected = expected_of(model)
    plan: dict[tuple[str, str], ListEdit] = {}
    details: list[str] = []
    already: list[str] = []
    for target in targets:
        listed = expected["release_map"][target.block.release][target.deployment]
        release = pinned or names.release(model, target.block.release)
        for app in chosen:
            want = {f: None for f in ordered_fields(fields)}
            want.update(
                application=app.value, application_type=app.type, release=release.name
            )
            want.update(edits.values)
            want = {k: v for k, v in want.items() if k in fields}
            index = _find(target, app)
            if index is not None:
                have = listed[index]
                if flat(have) == flat(want):
                    already.append(
                        f"{app.value} is already enabled in {_where(target)}"
                    )
                    continue
                raise InputError(
                    f"{app.value} is already enabled in {_where(target)} with other "
                    "fields",
                    f"change them with olx override {target.block.release} "
                    f"{target.deployment} {app.value} ...",
                )
            at = _position(listed, app.value)
            neighbour = (
                target.entries[min(at, len(target.entries) - 1)]
                if (target.entries)
                else template_all
            )
            style: EntryStyle = style_of(ws.matrix_src, neighbour)
            if style.application_comment and not all(
                application_pragma(entry_source(ws.matrix_src, e))
                for e in target.entries
            ):
                # One entry's pragma is that entry's business, not the list's style.
                style = dataclasses.replace(style, application_comment="")
            kwargs: list[tuple[str, Writer]] = [
                ("application", fixed_writer(style.application_text(app))),
                ("application_type", fixed_writer(flat(app.type, style.quote))),
                ("release", fixed_writer(style.release_text(release))),
            ]
            kwargs += [(k, w) for k, w in edits.writers.items() if w is not None]
            ordered = order.arrange([k for k, _ in kwargs])
            by_name = dict(kwargs)
            edit = plan.setdefault(
                (target.block.release, target.deployment), ListEdit()
            )
            edit.insertions.append((at, style, [(k, by_name[k]) for k in ordered]))
            listed.insert(at, want)
            extra = "".join(
                f", {describe(k, edits.values[k], edits.sources[k])}"
                for k in edits.writers
            )
            pin_note = f", pinned to {release.name}" if pinned else ""
            details.append(
                f"{_where(target)}: {app.value} ({app.type}) enabled{pin_note}{extra}"
            )

    args = [apps, releases, deployments]
    summary = entries_summary("Enable", *_named(chosen, targets))
    if not plan:
        return nothing_to_do(ws, "enable-app", args, summary, "; ".join(already))
    new_matrix = rewrite_entries(ws.matrix_src, model, plan, order)
    change = Change(
        "enable-app",
        args,
        summary,
        ws.types_src,
        new_matrix,
        details=details,
        notes=already,
    )
    return finish(ws, change, expected)


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
    chosen: list[Application] = []
    unknown: dict[str, InputError] = {}  # in no Enum now: gone, if the history says
    for name in names.split_list(apps):
        try:
            app = names.application(model, name)
        except InputError as exc:
            if gone_in is None:
                raise
            unknown[name] = exc
            continue
        if app not in chosen:
            chosen.append(app)
    targets = _targets(model, releases, deployments)
    expected = expected_of(model)
    plan: dict[tuple[str, str], ListEdit] = {}
    details: list[str] = []
    already: list[str] = []

    def gone(value: str, target: Target, error: InputError) -> None:
        where = None
        if gone_in is not None:
            where = gone_in(value, target.block.release, target.deployment)
        if where is None:
            raise error
        already.append(f"{value} is already gone from {_where(target)} ({where})")

    for target in targets:
        removed: list[int] = []
        for name, error in unknown.items():
            gone(name, target, error)
        for app in chosen:
            index = _find(target, app)
            if index is None:
                gone(
                    app.value,
                    target,
                    InputError(
                        f"{app.value} is not enabled in {_where(target)}",
                        "nothing to disable there; olx show --json lists the entries",
                    ),
                )
                continue
            removed.append(index)
            details.append(f"{_where(target)}: {app.value} disabled")
        if not removed:
            continue
        plan[(target.block.release, target.deployment)] = ListEdit(
            removals=set(removed)
        )
        listed = expected["release_map"][target.block.release][target.deployment]
        for index in sorted(removed, reverse=True):
            del listed[index]
        if not listed:
            details.append(f"{_where(target)} is now empty")
    args = [apps, releases, deployments]
    apps_named, deps_named, rels_named = _named(chosen, targets)
    summary = entries_summary(
        "Disable", [*apps_named, *unknown], deps_named, rels_named
    )
    if not plan:
        return nothing_to_do(ws, "disable-app", args, summary, "; ".join(already))
    new_matrix = rewrite_entries(ws.matrix_src, model, plan)
    change = Change(
        "disable-app",
        args,
        summary,
        ws.types_src,
        new_matrix,
        details=details,
        notes=already,
    )
    return finish(ws, change, expected)
