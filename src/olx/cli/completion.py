"""Shell completion of the names olx takes, read from the target's own files.

typer calls these as ``autocompletion=`` callbacks while the shell waits, in a process
that runs no command: the target is found from the global options already typed
(``--repo``/``--types``/``--matrix``), else ``$OLX_REPO``, else the current directory, and
both files are read with the ``ast`` reader only (never libcst or GitPython). A callback
never raises: whatever goes wrong (no repository, an unreadable file) completes nothing.

Comma lists complete the part after the last comma; the candidates keep the part before
it, so the shell replaces the whole word. Names already in the list are not offered again.
"""

# No ``from __future__ import annotations``: typer reads the callbacks' signatures.

from collections.abc import Callable, Iterable
from typing import Any

import typer

# (value, help): zsh and fish show the help next to the value, bash the value only.
Candidates = list[tuple[str, str]]


def _matrix(ctx: typer.Context) -> Any:  # -> olx.core.model.Matrix
    """Both files of the target that the command line names, read with ``ast``."""
    from olx.repo.targets import discover, load

    root = ctx.find_root().params
    target = discover(root.get("repo"), root.get("types"), root.get("matrix"))
    matrix, _, _ = load(target)
    return matrix


def _listed(incomplete: str, names: Iterable[tuple[str, str, str]]) -> Candidates:
    """The candidates for the last part of a comma list. ``names`` are (name, other
    spelling, help): the other spelling (an Enum member name) is offered only when no
    name fits what was typed."""
    head, comma, last = incomplete.rpartition(",")
    prefix = head + comma
    taken = {part.strip() for part in head.split(",")} if comma else set()
    names = [n for n in names if n[0] not in taken and n[1] not in taken]
    fits = [(prefix + n, h) for n, _, h in names if n.startswith(last)]
    if fits:
        return fits
    return [(prefix + m, h) for _, m, h in names if m and m.startswith(last)]


def _safely(produce: Callable[[], Candidates]) -> Candidates:
    try:
        return produce()
    except Exception:
        return []  # completion must never break the shell


def _deployments(
    ctx: typer.Context, incomplete: str, only: set[str] | None
) -> Candidates:
    deps = _matrix(ctx).matrix.deployments
    return _listed(
        incomplete,
        (
            (d.name, d.member, " · ".join(f"{s.stage} {s.release}" for s in d.stages))
            for d in deps
            if only is None or d.name in only
        ),
    )


def complete_deployment(ctx: typer.Context, incomplete: str) -> Candidates:
    """Deployment names (``deployment_name``), with their stages' releases as help."""
    return _safely(lambda: _deployments(ctx, incomplete, None))


def complete_stage_ref(ctx: typer.Context, incomplete: str) -> Candidates:
    """``DEPLOYMENT[:STAGE]`` (olx verify): deployments, and after ``:`` the stages
    of the deployment(s) typed before it."""

    def produce() -> Candidates:
        head, colon, tail = incomplete.partition(":")
        if not colon:
            return _deployments(ctx, incomplete, None)
        from olx.core import names

        model = _matrix(ctx)
        stages: list[str] = []
        for name in head.split(","):
            dep = names.find_deployment(model, name.strip())
            if dep is not None:
                stages += [s.stage for s in dep.stages if s.stage not in stages]
        return [
            (f"{head}:{value}", "")
            for value, _ in _listed(tail, ((s, "", "") for s in stages))
        ]

    return _safely(produce)


def complete_stage(incomplete: str) -> list[str]:
    """CI, QA, Production, matched in any case (olx takes any): in the stage's own case
    when what was typed is, else in the case of what was typed (``pr`` → ``production``)."""
    from olx.core.model import STAGES

    out = []
    for stage in STAGES:
        if stage.startswith(incomplete):
            out.append(stage)
        elif stage.lower().startswith(incomplete.lower()):
            typed_upper = incomplete.isupper()
            out.append(stage.upper() if typed_upper else stage.lower())
    return out


def _releases(ctx: typer.Context, incomplete: str) -> Candidates:
    return _listed(
        incomplete,
        ((r.name, r.member, r.branch or "") for r in _matrix(ctx).types.releases),
    )


def complete_release(ctx: typer.Context, incomplete: str) -> Candidates:
    """Members of the release Enum, with their branches as help."""
    return _safely(lambda: _releases(ctx, incomplete))


def _blocks(ctx: typer.Context, incomplete: str) -> Candidates:
    return _listed(
        incomplete,
        (
            (b.release, "", ", ".join(d.deployment for d in b.deployments))
            for b in _matrix(ctx).matrix.release_map
        ),
    )


def complete_block(ctx: typer.Context, incomplete: str) -> Candidates:
    """ReleaseMap keys, with their deployments as help."""
    return _safely(lambda: _blocks(ctx, incomplete))


def complete_any_release(ctx: typer.Context, incomplete: str) -> Candidates:
    """Release Enum members, then ReleaseMap keys that are not members (what retire
    takes: a release may be left in one file only)."""

    def produce() -> Candidates:
        members = _releases(ctx, incomplete)
        known = {value for value, _ in members}
        return members + [b for b in _blocks(ctx, incomplete) if b[0] not in known]

    return _safely(produce)


def _applications(
    ctx: typer.Context, incomplete: str, only: set[str] | None
) -> Candidates:
    apps = _matrix(ctx).types.applications
    return _listed(
        incomplete,
        ((a.value, a.member, a.type) for a in apps if only is None or a.value in only),
    )


def complete_application(ctx: typer.Context, incomplete: str) -> Candidates:
    """Application values (IDAs, then MFEs) with their type as help."""
    return _safely(lambda: _applications(ctx, incomplete, None))


def complete_app_type(incomplete: str) -> list[str]:
    """add-app's ``--type``: which Enum the application joins."""
    return [t for t in ("IDA", "MFE") if t.startswith(incomplete.upper())]


def _named_blocks(ctx: typer.Context, param: str) -> list[Any] | None:
    """The ReleaseMap blocks named (comma list) by the command's parameter ``param``
    when it is already typed, else None."""
    typed = ctx.params.get(param)
    if not isinstance(typed, str) or not typed:
        return None
    model = _matrix(ctx)
    names = {part.strip() for part in typed.split(",")}
    # A block is named by its key or, as the commands accept, by the release's member.
    names |= {r.name for r in model.types.releases if r.member in names}
    found = [b for b in model.matrix.release_map if b.release in names]
    return found or None


def complete_deployment_in(param: str) -> Callable[[typer.Context, str], Candidates]:
    """Deployments that have a list in the block(s) already typed as ``param`` (all
    deployments until it is typed, or when it names no block)."""

    def complete(ctx: typer.Context, incomplete: str) -> Candidates:
        def produce() -> Candidates:
            blocks = _named_blocks(ctx, param)
            only = (
                None
                if blocks is None
                else {d.deployment for b in blocks for d in b.deployments}
            )
            return _deployments(ctx, incomplete, only)

        return _safely(produce)

    complete.__name__ = complete.__qualname__ = f"complete_deployment_in_{param}"
    return complete


def complete_application_in(
    release_param: str, deployment_param: str
) -> Callable[[typer.Context, str], Candidates]:
    """Applications with an entry in ReleaseMap[release][deployment] as already typed
    (all applications until both are typed)."""

    def complete(ctx: typer.Context, incomplete: str) -> Candidates:
        def produce() -> Candidates:
            blocks = _named_blocks(ctx, release_param)
            typed = ctx.params.get(deployment_param)
            if blocks is None or not isinstance(typed, str) or not typed:
                return _applications(ctx, incomplete, None)
            from olx.core import names

            model = _matrix(ctx)
            wanted = set()
            for name in typed.split(","):
                dep = names.find_deployment(model, name.strip())
                if dep is not None:
                    wanted.add(dep.name)
            only = {
                entry.application
                for b in blocks
                for d in b.deployments
                if d.deployment in wanted
                for entry in d.entries
            }
            return _applications(ctx, incomplete, only or None)

        return _safely(produce)

    complete.__name__ = complete.__qualname__ = "complete_application_in_block"
    return complete


# The entry fields that have options (or an argument) of their own, which --set and
# --unset refuse: olx.ops.fields.OWN_OPTIONS (not imported: it loads libcst).
OWN_FIELDS = frozenset(
    (
        "application",
        "application_type",
        "release",
        "branch_override",
        "origin_override",
        "runtime_version_override",
    )
)


def complete_entry_field(ctx: typer.Context, incomplete: str) -> Candidates:
    """``--unset FIELD``: the fields the types.py model declares for an entry, but
    those with options of their own."""

    def produce() -> Candidates:
        fields = _matrix(ctx).types.entry_fields
        return [
            (f, "") for f in fields if f not in OWN_FIELDS and f.startswith(incomplete)
        ]

    return _safely(produce)


def complete_set_field(ctx: typer.Context, incomplete: str) -> Candidates:
    """``--set FIELD=VALUE``: ``FIELD=`` for the declared fields (the value is free)."""
    if "=" in incomplete:
        return []
    return [(f"{f}=", h) for f, h in complete_entry_field(ctx, incomplete)]


# The fields every entry needs, which remove-field refuses.
REQUIRED_FIELDS = frozenset(("application", "application_type", "release"))


def complete_removable_field(ctx: typer.Context, incomplete: str) -> Candidates:
    """``remove-field NAME``: the fields the types.py model declares, with their
    annotations as help, but those every entry needs."""

    def produce() -> Candidates:
        types = _matrix(ctx).types
        return [
            (f, types.field_types.get(f, ""))
            for f in types.entry_fields
            if f not in REQUIRED_FIELDS and f.startswith(incomplete)
        ]

    return _safely(produce)


def complete_git_ref(ctx: typer.Context, incomplete: str) -> Candidates:
    """``--base REF``: the target's local and remote-tracking branches."""

    def produce() -> Candidates:
        from olx import gitrun
        from olx.repo.targets import discover

        root = ctx.find_root().params
        target = discover(root.get("repo"), root.get("types"), root.get("matrix"))
        out = gitrun.run(
            target.root,
            "for-each-ref",
            "--format=%(refname:short)",
            "refs/heads",
            "refs/remotes",
            timeout=5,
        ).out.split()
        return [
            (ref, "")
            for ref in out
            if ref.startswith(incomplete) and not ref.endswith("/HEAD")
        ]

    return _safely(produce)
