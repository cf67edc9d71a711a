"""Edits of ReleaseMap entries: ``enable-app``, ``disable-app``, ``override``."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

from typing import TYPE_CHECKING, Annotated

import typer

from olx.cli import completion as complete
from olx.cli.entry import (
    Plan,
    handled,
    write_command,
)
from olx.cli.entry import app as cli_app

if TYPE_CHECKING:
    from olx.edit.change import Change, Workspace

APP_HELP = "Application value or member name; comma list."
AppArg = Annotated[
    str, typer.Argument(help=APP_HELP, autocompletion=complete.complete_application)
]
# override's APP comes after RELEASE and DEPLOYMENT: the entries of those lists.
EntryAppArg = Annotated[
    str,
    typer.Argument(
        help=APP_HELP,
        autocompletion=complete.complete_application_in("release", "deployment"),
    ),
]
ReleaseArg = Annotated[
    str,
    typer.Argument(
        help="ReleaseMap block (release); comma list.",
        autocompletion=complete.complete_block,
    ),
]
DeploymentArg = Annotated[
    str,
    typer.Argument(
        help="Deployment name or member; comma list.",
        autocompletion=complete.complete_deployment_in("release"),
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="FIELD=VALUE: VALUE is JSON or a module-level constant's name. Repeatable.",
        autocompletion=complete.complete_set_field,
    ),
]
PinOpt = Annotated[
    str | None,
    typer.Option(
        "--pin",
        help="Pin the entry to this release.",
        autocompletion=complete.complete_release,
    ),
]
EntryBranch = Annotated[
    str | None, typer.Option("--branch", help="branch_override (a git ref).")
]
EntryOrigin = Annotated[
    str | None, typer.Option("--origin", help="origin_override (https:// or git@).")
]
EntryRuntime = Annotated[
    str | None, typer.Option("--runtime", help="runtime_version_override (3.11, 20).")
]


@cli_app.command("enable-app")
@handled
@write_command(git_branch_only=True)
def enable_app(
    ctx: typer.Context,
    application: AppArg,
    release: ReleaseArg,
    deployment: DeploymentArg,
    pin: PinOpt = None,
    entry_branch: EntryBranch = None,
    origin: EntryOrigin = None,
    runtime: EntryRuntime = None,
    sets: SetOpt = None,
) -> Plan:
    """Add APP's entry to ReleaseMap[RELEASE][DEPLOYMENT] (type from its Enum)."""
    from olx.ops.entries import enable_app as plan

    return lambda ws: plan(
        ws,
        application,
        release,
        deployment,
        pin=pin,
        branch=entry_branch,
        origin=origin,
        runtime=runtime,
        sets=sets or [],
    )


@cli_app.command("disable-app")
@handled
@write_command()
def disable_app(
    ctx: typer.Context,
    application: AppArg,
    release: ReleaseArg,
    deployment: DeploymentArg,
) -> Plan:
    """Remove APP's entry from ReleaseMap[RELEASE][DEPLOYMENT]."""
    from olx.ops.entries import disable_app as plan

    def planned(ws: "Workspace") -> "Change":
        # An entry that is not there is "already gone" only if the matrix file's
        # history held it; asked only then.
        from olx.repo.lookups import entry_lookup

        target = ctx.obj.target()
        gone_in = entry_lookup(target.root, target.types, target.matrix)
        return plan(ws, application, release, deployment, gone_in)

    return planned


@cli_app.command()
@handled
@write_command(git_branch_only=True)
def override(
    ctx: typer.Context,
    release: ReleaseArg,
    deployment: DeploymentArg,
    application: EntryAppArg,
    entry_branch: EntryBranch = None,
    no_branch: Annotated[
        bool, typer.Option("--no-branch", help="Remove branch_override.")
    ] = False,
    origin: EntryOrigin = None,
    no_origin: Annotated[
        bool, typer.Option("--no-origin", help="Remove origin_override.")
    ] = False,
    runtime: EntryRuntime = None,
    no_runtime: Annotated[
        bool, typer.Option("--no-runtime", help="Remove runtime_version_override.")
    ] = False,
    pin: PinOpt = None,
    no_pin: Annotated[
        bool,
        typer.Option("--no-pin", help="Put the entry back on its block's release."),
    ] = False,
    sets: SetOpt = None,
    unsets: Annotated[
        list[str] | None,
        typer.Option(
            "--unset",
            help="Remove FIELD (the model's default applies).",
            autocompletion=complete.complete_entry_field,
        ),
    ] = None,
) -> Plan:
    """Set or remove fields of existing entries (one change for every entry named)."""
    from olx.ops.entries import override as plan

    return lambda ws: plan(
        ws,
        release,
        deployment,
        application,
        branch=entry_branch,
        no_branch=no_branch,
        origin=origin,
        no_origin=no_origin,
        runtime=runtime,
        no_runtime=no_runtime,
        pin=pin,
        no_pin=no_pin,
        sets=sets or [],
        unsets=unsets or [],
    )
