"""The audit trail: ``olx history [DEPLOYMENT] [--since DATE]``, and where each stage
stands now: ``olx status [DEPLOYMENT]``.

The walk is :mod:`olx.repo.timeline`'s; this module chooses what to show and shows it:
a rich table on a terminal, docs/contract.md's object with ``--json``, a transient
progress bar on stderr while a long history is read (only when stderr is a terminal).
"""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from olx.cli import completion as complete
from olx.cli.entry import JsonFlag, Options, app, emit_json, handled

if TYPE_CHECKING:
    from rich.progress import Progress as Bar
    from rich.progress import TaskID

    from olx.repo.targets import Target
    from olx.repo.timeline import Progress, Timeline

# Below this many revisions the walk takes well under a second: no bar.
PROGRESS_FROM = 200


@app.command()
@handled
def history(
    ctx: typer.Context,
    deployment: Annotated[
        str | None,
        typer.Argument(help="Only this deployment (name or member; comma list)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only changes on or after DATE (YYYY-MM-DD)."),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show every stage change in the matrix file's git history, oldest first, when
    each release reached each stage, and CI → Production lead times."""
    from olx.repo import timeline as tl

    opts: Options = ctx.obj
    as_json = opts.json or json_out
    start = tl.parse_since(since) if since is not None else None
    target = opts.target()
    with _progress() as progress:
        whole = tl.read_timeline(
            target.root,
            target.rel(target.matrix),
            target.rel(target.types),
            progress=progress,
        )
    chosen = None
    if deployment is not None:
        chosen = tl.select_deployments(whole, deployment, _current(target))
    view = whole.restricted(chosen, start)
    if as_json:
        emit_json(view.to_json())
        return
    _render(view)


@app.command()
@handled
def status(
    ctx: typer.Context,
    deployment: Annotated[
        str | None,
        typer.Argument(
            help="Only this deployment (name or member; comma list).",
            autocompletion=complete.complete_deployment,
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Show where each stage stands: its release, since when (date, commit), and
    whether its next promotion is allowed now, from when (soak time), or refused."""
    from olx.ops.status import status as compute
    from olx.ops.status import status_json
    from olx.repo.policy import soak_policy
    from olx.repo.stagelog import history_log
    from olx.repo.targets import load

    opts: Options = ctx.obj
    target = opts.target()
    matrix, _, _ = load(target)
    statuses = compute(matrix, history_log(target), soak_policy(target), deployment)
    if opts.json or json_out:
        emit_json(status_json(statuses))
        return
    from olx.cli import render
    from olx.cli.render_status import status_table

    status_table(matrix, statuses, render.console())


def _current(target: "Target") -> list[tuple[str, str]]:
    """(name, member) of the work tree's deployments; none when they do not read."""
    from olx.errors import OlxError
    from olx.repo.targets import load

    try:
        matrix, _, _ = load(target)
    except OlxError:
        return []  # the history alone then says which names exist
    return [(d.name, d.member) for d in matrix.matrix.deployments]


@contextmanager
def _progress() -> "Iterator[Progress | None]":
    """A progress callback drawing a transient bar on a terminal's stderr, started
    only once the walk turns out to be long; None elsewhere."""
    if not sys.stderr.isatty():
        yield None
        return
    drawn: tuple[Bar, TaskID] | None = None  # the bar, once started

    def advance(done: int, total: int) -> None:
        nonlocal drawn
        if total < PROGRESS_FROM:
            return
        if drawn is None:
            from rich.progress import Progress

            from olx.cli import render

            bar = Progress(console=render.console(stderr=True), transient=True)
            bar.start()
            drawn = bar, bar.add_task("reading the history", total=total)
        drawn[0].update(drawn[1], completed=done)

    try:
        yield advance
    finally:
        if drawn is not None:
            drawn[0].stop()


def _render(view: "Timeline") -> None:
    """Both tables at the console's width (80 on a pipe), one line a row: an author
    too long for the room the other columns leave is elided (…), never folded."""
    from rich.text import Text

    from olx.cli import render

    out = render.console()

    def rel(name: str | None) -> Text:
        return Text("—", style="dim") if name is None else Text(name)

    if view.changes:
        rows = [
            (
                c.date.strftime("%Y-%m-%d"),
                c.commit[:10],
                Text(c.author),
                Text(c.deployment),
                c.stage,
                Text.assemble(rel(c.from_release), " → ", rel(c.to_release)),
            )
            for c in view.changes
        ]
        # One line a change (``olx history | grep xpro`` finds whole changes): the
        # author gets the room the other columns leave, and is elided beyond it.
        headers = ("date", "commit", "author", "deployment", "stage", "from → to")
        others = [
            max(len(headers[i]), *(len(str(row[i])) for row in rows))
            for i in (0, 1, 3, 4, 5)
        ]
        room = out.width - sum(others) - 2 * len(others)
        table = render.plain_table(title="Stage changes (oldest first)")
        for header in headers:
            table.add_column(
                header,
                no_wrap=True,
                max_width=max(room, len(header)) if header == "author" else None,
            )
        for row in rows:
            table.add_row(*row)
        out.print(table)
    else:
        out.print("no stage changes", markup=False)

    reached = view.to_json()
    if reached["releases"]:
        table = render.plain_table(title="Releases: first reached")
        table.add_column("release", no_wrap=True, overflow="ellipsis")
        table.add_column("deployment", overflow="ellipsis")
        for col in ("CI", "QA", "Production", "CI → Prod"):
            table.add_column(col, no_wrap=True)
        for release, deps in reached["releases"].items():
            for dep, stages in deps.items():
                days = reached["lead_times"][release][dep]
                extra = [s for s in stages if s not in ("CI", "QA", "Production")]
                table.add_row(
                    Text(release),
                    Text(dep + "".join(f" ({s}: {stages[s]})" for s in extra)),
                    stages.get("CI", "—"),
                    stages.get("QA", "—"),
                    stages.get("Production", "—"),
                    "—" if days is None else f"{days} d",
                )
        out.print(table)
    for s in view.skipped:
        render.print_wrapped(
            out, Text.assemble(("skipped ", "yellow"), f"{s.commit[:10]}: {s.reason}")
        )
