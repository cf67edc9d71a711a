"""The commands that read upstream: ``verify`` (does every branch the matrix names
exist?) and ``upstream`` (what named releases has edx-platform cut?)."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

import os
import sys
from typing import Annotated, Any

import typer

from olx.cli import completion as complete
from olx.cli.entry import JsonFlag, Options, app, emit_json, handled
from olx.errors import BadValueError, UnreachableError, UsageError

Refresh = Annotated[
    bool, typer.Option("--refresh", help="Read every origin again (ignore the cache).")
]


@app.command()
@handled
def verify(
    ctx: typer.Context,
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[DEPLOYMENT[:STAGE]]...",
            help="Deployments (and stages) to verify; comma lists. Default: all.",
            show_default=False,
            autocompletion=complete.complete_stage_ref,
        ),
    ] = None,
    release: Annotated[
        list[str] | None,
        typer.Option(
            "--release",
            help="Every entry of ReleaseMap[R] (repeatable, comma lists).",
            show_default=False,
            autocompletion=complete.complete_block,
        ),
    ] = None,
    refresh: Refresh = False,
    changed_from: Annotated[
        str | None,
        typer.Option(
            "--changed-from",
            help="Only what the change from REV makes or moves (to --changed-to).",
            show_default=False,
        ),
    ] = None,
    changed_to: Annotated[
        str | None,
        typer.Option(
            "--changed-to",
            help="With --changed-from: the revision changed to (default: the files).",
            show_default=False,
        ),
    ] = None,
    pre_push: Annotated[
        bool,
        typer.Option(
            "--pre-push",
            help="--changed-from/--changed-to from pre-commit's PRE_COMMIT_FROM_REF "
            "and PRE_COMMIT_TO_REF (everything when it sets none).",
        ),
    ] = False,
    json_out: JsonFlag = False,
) -> None:
    """Check upstream that every branch the selected stages build exists (a branch or
    tag of its origin); exit 1 when any is missing or unreachable."""
    from olx.core import verify as core
    from olx.repo import upstream
    from olx.repo.targets import load

    opts: Options = ctx.obj
    target = opts.target()
    config = upstream.verify_config(target)
    targets, releases = targets or [], release or []
    if pre_push:
        if changed_from or changed_to:
            raise UsageError(
                "--pre-push reads the revisions from pre-commit's variables"
            )
        changed_from = os.environ.get("PRE_COMMIT_FROM_REF") or None
        changed_to = os.environ.get("PRE_COMMIT_TO_REF") or None
    elif changed_to and not changed_from:
        raise UsageError("--changed-to goes with --changed-from")
    if (changed_from or pre_push) and (targets or releases):
        raise UsageError(
            "--changed-from/--pre-push verify what a change touches",
            "leave out DEPLOYMENT[:STAGE] and --release",
        )
    if changed_from:
        before = upstream.model_at(target, changed_from, lenient=True)
        if changed_to:
            after = upstream.model_at(target, changed_to, lenient=False)
        else:
            after = load(target)[0]
        if after is None:
            raise BadValueError(f"{changed_to} holds no version matrix")
        checks = core.changed(before, after, config.skip)
    else:
        matrix = load(target)[0]
        checks = core.select(matrix, targets, releases, config.skip)
    report = upstream.verify(target, checks, config, refresh=refresh)
    if opts.json or json_out:
        for line in report.unresolved:
            print(f"olx: warning: not checked: {line}", file=sys.stderr)
        emit_json(report.to_json())
    else:
        from olx.cli import outcome_text

        outcome_text.emit(verify_lines(report), sys.stdout, wrap=True)
    if not report.ok:
        raise typer.Exit(1)


def verify_lines(report: Any) -> list[tuple[str, str]]:
    """The report for people, one styled line each."""
    from olx.core.verify import describe_unreachable, grouped_missing
    from olx.repo.upstream import summary

    head = summary(report, write=False)
    if report.not_checked:
        head += f" ({report.not_checked} not checked)"
    lines = [(head, "bold" if report.ok else "bold red")]
    if report.missing:
        lines.append(("missing upstream:", "bold"))
        lines += [(f"  {line}", "red") for line in grouped_missing(report.missing)]
    if report.unreachable:
        lines.append(("unreachable:", "bold"))
        lines += [(f"  {describe_unreachable(u)}", "red") for u in report.unreachable]
    if report.unresolved:
        lines.append(("not checked (olx cannot resolve them):", "bold"))
        lines += [(f"  {u}", "yellow") for u in report.unresolved]
    return lines


@app.command()
@handled
def upstream(
    ctx: typer.Context,
    repository: Annotated[
        str | None,
        typer.Option(
            "--repository",
            help="The repository to read (default: the edx-platform application's).",
            show_default=False,
        ),
    ] = None,
    refresh: Refresh = False,
    json_out: JsonFlag = False,
) -> None:
    """List the named releases upstream has that the release Enum lacks (newest
    first, each with the olx add-release that adds it), and the supported releases
    whose branch is gone upstream."""
    from olx.core.refs import Refs, compare_upstream
    from olx.repo import upstream as repo_upstream
    from olx.repo.targets import load

    opts: Options = ctx.obj
    target = opts.target()
    matrix = load(target)[0]
    if repository is None:
        platform = next(
            (a for a in matrix.types.applications if a.value == "edx-platform"), None
        )
        if platform is None or not platform.repository:
            raise UsageError(
                "the application Enum has no edx-platform repository",
                "pass --repository URL",
            )
        repository = platform.repository
    else:
        from olx.repo.remote import check_readable

        check_readable(repository, "--repository")
    config = repo_upstream.verify_config(target)
    answer = repo_upstream.answers(target, [repository], config, refresh=refresh)[
        repository
    ]
    if not isinstance(answer, Refs):
        raise UnreachableError(
            f"cannot read {repository}: {answer}",
            "check the URL, the network and your git credentials",
        )
    found = compare_upstream(matrix.types.releases, answer, repository)
    if opts.json or json_out:
        emit_json(found.to_json())
        return
    from olx.cli import outcome_text

    outcome_text.emit(upstream_lines(found), sys.stdout, wrap=True)


def upstream_lines(found: Any) -> list[tuple[str, str]]:
    lines = [(f"upstream: {found.repository}", "bold")]
    if found.new:
        lines.append(("named releases the release Enum lacks (newest first):", "bold"))
        for item in found.new:
            if item["branch"] is None:
                lines.append(
                    (
                        f"  {item['name']}: only tags upstream "
                        f"({', '.join(item['tags'][:3])}): {item['command']}",
                        "",
                    )
                )
            else:
                lines.append((f"  {item['name']}: {item['command']}", ""))
    else:
        lines.append(("no named release upstream that the release Enum lacks", ""))
    if found.gone:
        lines.append(("supported releases whose branch is gone upstream:", "bold"))
        for item in found.gone:
            hint = (
                f" (closest: {', '.join(item['closest'])})" if item["closest"] else ""
            )
            lines.append((f"  {item['name']}: {item['branch']}{hint}", "red"))
    else:
        lines.append(("every supported release's branch exists upstream", ""))
    return lines
