"""The release commands: ``promote``, ``rollback``, ``add-release``, ``clone-release``,
``retire``."""

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


@app.command()
@handled
@write_command()
def promote(
    ctx: typer.Context,
    deployment: Annotated[
        str,
        typer.Argument(
            help="Deployment name or member; comma list.",
            autocompletion=complete.complete_deployment,
        ),
    ],
    stage: Annotated[
        str,
        typer.Argument(
            help="CI, QA or Production (any case).",
            autocompletion=complete.complete_stage,
        ),
    ],
    release: Annotated[
        str | None,
        typer.Argument(
            help="Release; default: the previous stage's release.",
            autocompletion=complete.complete_release,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Bypass the guards (stage order, block, soak time, --verify).",
        ),
    ] = False,
) -> Plan:
    """Set STAGE of DEPLOYMENT to RELEASE (default: the release of the stage before)."""
    from olx.ops.promote import promote as plan
    from olx.repo.policy import soak_policy

    # Soak time is measured on the history of the commit the write plans against.
    return lambda ws: plan(
        ws,
        deployment,
        stage,
        release,
        force,
        soak_policy(ctx.obj.target(), at=ws.revision),
    )


@app.command()
@handled
@write_command()
def rollback(
    ctx: typer.Context,
    deployment: Annotated[
        str,
        typer.Argument(
            help="Deployment name or member; comma list.",
            autocompletion=complete.complete_deployment,
        ),
    ],
    stage: Annotated[
        str,
        typer.Argument(
            help="CI, QA or Production (any case).",
            autocompletion=complete.complete_stage,
        ),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Bypass the guards (stage order, --verify).")
    ] = False,
) -> Plan:
    """Set STAGE of DEPLOYMENT back to the release it ran before its last change (from
    the matrix file's git history); soak time never holds it back."""
    from olx.ops.rollback import rollback as plan
    from olx.repo.stagelog import history_log

    return lambda ws: plan(
        ws, deployment, stage, history_log(ctx.obj.target(), ws.revision), force
    )


@app.command("add-release")
@handled
@write_command(git_branch_only=True)
def add_release(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="New release name, e.g. verawood.")],
    release_branch: Annotated[
        str | None,
        typer.Option(
            "--branch", help="The release's branch (default: the newest's pattern)."
        ),
    ] = None,
    python: Annotated[
        str | None, typer.Option("--python", help="Python version.")
    ] = None,
    node: Annotated[str | None, typer.Option("--node", help="Node.js version.")] = None,
    clone_from: Annotated[
        str | None,
        typer.Option(
            "--clone-from",
            help="Also clone this release's block.",
            autocompletion=complete.complete_block,
        ),
    ] = None,
) -> Plan:
    """Add NAME to the release Enum (and clone a ReleaseMap block with --clone-from)."""
    from olx.ops.releases import add_release as plan

    return lambda ws: plan(ws, name, release_branch, python, node, clone_from)


@app.command("clone-release")
@handled
@write_command()
def clone_release(
    ctx: typer.Context,
    old: Annotated[
        str,
        typer.Argument(
            help="Release whose block is copied.",
            autocompletion=complete.complete_block,
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="Release the copy is for.", autocompletion=complete.complete_release
        ),
    ],
    deployment: Annotated[
        list[str] | None,
        typer.Option(
            "--deployment",
            help="Only these deployments.",
            autocompletion=complete.complete_deployment,
        ),
    ] = None,
) -> Plan:
    """Copy ReleaseMap[OLD] (all deployments, or those named) to ReleaseMap[NEW]."""
    from olx.ops.clone import clone_release as plan

    def planned(ws: "Workspace") -> "Change":
        # An OLD without a block is "gone since" only if the history held it.
        from olx.repo.lookups import lookup

        target = ctx.obj.target()
        held = lookup(target.root, target.types)
        return plan(ws, old, new, deployment or None, held)

    return planned


@app.command()
@handled
@write_command()
def retire(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Release to retire.", autocompletion=complete.complete_any_release
        ),
    ],
    block_only: Annotated[
        bool, typer.Option("--block-only", help="Only the ReleaseMap block.")
    ] = False,
    enum_only: Annotated[
        bool, typer.Option("--enum-only", help="Only the Enum member.")
    ] = False,
    deployment: Annotated[
        list[str] | None,
        typer.Option(
            "--deployment",
            help="Only these deployments' lists (the Enum member stays); comma list.",
            autocompletion=complete.complete_deployment,
        ),
    ] = None,
) -> Plan:
    """Remove NAME's ReleaseMap block and Enum member in one change (or, with
    --deployment, only those deployments' lists)."""
    from olx.ops.retire import retire as plan

    def planned(ws: "Workspace") -> "Change":
        # A name in neither file is "already retired" only if the history of types.py
        # held it; the git layer answers that, and only when it is asked.
        from olx.repo.lookups import lookup

        target = ctx.obj.target()
        retired_in = lookup(target.root, target.types)
        return plan(ws, name, block_only, enum_only, deployment or None, retired_in)

    return planned
