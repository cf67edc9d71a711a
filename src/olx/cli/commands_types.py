"""Edits of the Enums in types.py: ``add-app``, ``set-app``, ``remove-app``, ``set-release``."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

from typing import TYPE_CHECKING, Annotated

import typer

from olx.cli import completion as complete
from olx.cli.entry import (
    Plan,
    app,
    handled,
    write_command,
)

if TYPE_CHECKING:
    from olx.edit.change import Change, Workspace


@app.command("add-app")
@handled
@write_command()
def add_app(
    ctx: typer.Context,
    value: Annotated[str, typer.Argument(help="Application value, e.g. notes-api.")],
    app_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="IDA or MFE (which Enum it joins).",
            autocompletion=complete.complete_app_type,
        ),
    ],
    repository: Annotated[
        str, typer.Option("--repository", help="Its git repository (https URL).")
    ],
    path: Annotated[
        str | None, typer.Option("--path", help="MFE path (default: VALUE).")
    ] = None,
    member: Annotated[
        str | None,
        typer.Option("--member", help="Enum member name (default: VALUE, - as _)."),
    ] = None,
) -> Plan:
    """Add VALUE to the application Enum (IDA) or the micro-frontend Enum (MFE)."""
    from olx.ops.apps import add_app as plan

    return lambda ws: plan(ws, value, app_type, repository, path, member)


@app.command("set-app")
@handled
@write_command()
def set_app(
    ctx: typer.Context,
    value: Annotated[
        str,
        typer.Argument(
            help="Application value or member name.",
            autocompletion=complete.complete_application,
        ),
    ],
    repository: Annotated[
        str | None, typer.Option("--repository", help="New repository (https URL).")
    ] = None,
    path: Annotated[
        str | None, typer.Option("--path", help="New path (an MFE only).")
    ] = None,
    rename: Annotated[
        str | None,
        typer.Option(
            "--rename",
            metavar="NEW",
            help="Renamed upstream: the value becomes NEW, with every entry naming it.",
        ),
    ] = None,
) -> Plan:
    """Change the repository (or an MFE's path) of an existing application member, or
    (--rename) its value and every entry that names it."""
    if rename is not None:
        from olx.ops.rename_app import rename_app

        def renamed(ws: "Workspace") -> "Change":
            # "Already renamed" only from a value the history shows the member had.
            from olx.repo.lookups import renamed_lookup

            target = ctx.obj.target()
            found = renamed_lookup(target.root, target.types)
            return rename_app(ws, value, rename, repository, path, found)

        return renamed
    from olx.ops.apps import set_app as plan

    return lambda ws: plan(ws, value, repository, path)


@app.command("remove-app")
@handled
@write_command()
def remove_app(
    ctx: typer.Context,
    value: Annotated[
        str,
        typer.Argument(
            help="Application value or member name.",
            autocompletion=complete.complete_application,
        ),
    ],
) -> Plan:
    """Remove VALUE's Enum member and every ReleaseMap entry of it, in one change."""
    from olx.ops.remove_app import remove_app as plan

    def planned(ws: "Workspace") -> "Change":
        # A value in neither Enum is "already removed" only if the history of
        # types.py held it; asked only then.
        from olx.repo.lookups import app_lookup

        target = ctx.obj.target()
        return plan(ws, value, app_lookup(target.root, target.types))

    return planned


@app.command("set-release")
@handled
@write_command(git_branch_only=True)
def set_release(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Release, e.g. ulmo.", autocompletion=complete.complete_release
        ),
    ],
    release_branch: Annotated[
        str | None, typer.Option("--branch", help="The release's branch.")
    ] = None,
    python: Annotated[
        str | None, typer.Option("--python", help="Python version.")
    ] = None,
    node: Annotated[str | None, typer.Option("--node", help="Node.js version.")] = None,
) -> Plan:
    """Change the branch or runtime versions of the existing release NAME."""
    from olx.ops.releases import set_release as plan

    return lambda ws: plan(ws, name, release_branch, python, node)
