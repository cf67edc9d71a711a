"""The commands that read: ``show`` (also ``show DEPLOYMENT [STAGE]``), ``diff``,
``check``, ``init-example``."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from olx.cli import completion as complete
from olx.cli.entry import (
    JsonFlag,
    Options,
    app,
    emit_json,
    handled,
)


@app.command()
@handled
def show(
    ctx: typer.Context,
    deployment: Annotated[
        str | None,
        typer.Argument(
            metavar="[DEPLOYMENT]",
            help="A deployment: show what each of its stages builds.",
            show_default=False,
            autocompletion=complete.complete_deployment,
        ),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Argument(
            metavar="[STAGE]",
            help="Only this stage (CI, QA, Production).",
            show_default=False,
            autocompletion=complete.complete_stage,
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show deployments × stages, supported releases and ReleaseMap blocks; with
    DEPLOYMENT, every component each of its stages builds (origin, branch, runtime)."""
    from olx.repo.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    as_json = opts.json or json_out
    if deployment is None:
        if as_json:
            emit_json(matrix.to_json())
            return
        from olx.cli import render

        render.show(matrix, render.console())
        return
    from olx.core import resolve

    dep = resolve.one_deployment(matrix, deployment)
    chosen = resolve.stage_of(dep, stage) if stage is not None else None
    views = resolve.resolve_deployment(matrix, dep, chosen)
    if as_json:
        warn_notes(note for view in views for note in view.notes)
        emit_json(resolve.show_json(dep, views))
        return
    from olx.cli import render

    render.deployment_view(matrix, views, render.console())


@app.command()
@handled
def diff(
    ctx: typer.Context,
    first: Annotated[
        str,
        typer.Argument(
            metavar="DEPLOYMENT|DEP_A:STAGE", help="A deployment, or DEP_A:STAGE."
        ),
    ],
    second: Annotated[
        str,
        typer.Argument(metavar="STAGE_A|DEP_B:STAGE", help="A stage, or DEP_B:STAGE."),
    ],
    third: Annotated[
        str | None,
        typer.Argument(
            metavar="[STAGE_B]", help="With DEPLOYMENT STAGE_A: the stage to compare."
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show what a stage builds differently from another: components added, removed
    and changed (olx diff DEPLOYMENT STAGE_A STAGE_B, or olx diff DEP_A:STAGE
    DEP_B:STAGE)."""
    from olx.core import resolve
    from olx.repo.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    args = [first, second] + ([third] if third is not None else [])
    before, after = resolve.diff_refs(matrix, args)
    changes = resolve.component_changes(before.components, after.components)
    if opts.json or json_out:
        warn_notes([*before.notes, *after.notes])
        emit_json(resolve.diff_json(before, after, changes))
        return
    from olx.cli import render

    render.stage_diff(matrix, before, after, changes, render.console())


def warn_notes(notes: Iterable[str]) -> None:
    """With --json, stdout holds the object only: what could not be resolved goes to
    stderr (the object keeps exactly docs/contract.md's keys)."""
    for note in dict.fromkeys(notes):  # once each, however many stages share it
        print(f"olx: warning: {note}", file=sys.stderr)


@app.command()
@handled
def check(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Check the matrix's invariants; exit 1 when any is violated."""
    from olx.core.check import check as run_check
    from olx.repo.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    result = run_check(matrix)
    if opts.json or json_out:
        emit_json(result.to_json())
    else:
        from olx.cli import render

        render.check(result, render.console())
    if not result.ok:
        raise typer.Exit(1)


@app.command("init-example")
@handled
def init_example(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Argument(help="The directory to create (or that holds the example)."),
    ],
    json_out: JsonFlag = False,
) -> None:
    """Create DIRECTORY, a git repository holding a realistic example matrix; nothing
    to do when DIRECTORY already holds it."""
    from olx.example import init_example as make

    opts: Options = ctx.obj
    made = make(directory)
    if opts.json or json_out:
        emit_json(
            {
                "directory": str(directory),
                "commit": made.commit,
                "files": made.files,
                "changed": made.created,
            }
        )
    elif made.created:
        print(
            f"created {directory} (commit {made.commit[:10]}): "
            f"try `olx --repo {directory} show`"
        )
    else:
        since = f" ({made.since})" if made.since else ""
        print(
            f"{directory} already holds the olx example{since}: nothing to do; "
            f"try `olx --repo {directory} show`"
        )
