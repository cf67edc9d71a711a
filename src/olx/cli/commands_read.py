"""The commands that read: ``show``, ``check``, ``init-example``."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

from pathlib import Path
from typing import Annotated

import typer

from olx.cli.entry import (
    JsonFlag,
    Options,
    app,
    emit_json,
    handled,
)


@app.command()
@handled
def show(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Deployments × stages, supported releases, and ReleaseMap blocks."""
    from olx.repo.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    if opts.json or json_out:
        emit_json(matrix.to_json())
        return
    from olx.cli import render

    render.show(matrix, render.console())


@app.command()
@handled
def check(ctx: typer.Context, json_out: JsonFlag = False) -> None:
    """Validate the invariants; exit 1 when any is violated."""
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
    directory: Annotated[Path, typer.Argument(help="New directory to create.")],
    json_out: JsonFlag = False,
) -> None:
    """Create a new git repository at DIRECTORY holding a realistic example matrix."""
    from olx.example import init_example as make

    opts: Options = ctx.obj
    commit, files = make(directory)
    if opts.json or json_out:
        emit_json({"directory": str(directory), "commit": commit, "files": files})
    else:
        print(
            f"created {directory} (commit {commit[:10]}): try `olx --repo {directory} show`"
        )
