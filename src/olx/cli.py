"""The thin command-line layer: parse arguments, call the core, render, map exit codes.

No logic lives here. libcst and GitPython are imported only by the commands that use
them, so ``olx --help``, ``show`` and ``check`` start fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from olx import __version__
from olx.errors import OlxError

app = typer.Typer(
    name="olx",
    help="Safe, verified edits of an Open edX version matrix.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Options:
    repo: str | None
    types: str | None
    matrix: str | None
    json: bool

    def target(self):  # -> olx.targets.Target
        from olx.targets import discover

        return discover(self.repo, self.types, self.matrix)


def _version(value: bool) -> None:
    if value:
        print(f"olx {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    repo: Annotated[
        str | None, typer.Option("--repo", help="Target repository (default: $OLX_REPO or git top-level).")
    ] = None,
    types: Annotated[str | None, typer.Option("--types", help="types.py, relative to the repo.")] = None,
    matrix: Annotated[
        str | None, typer.Option("--matrix", help="version_matrix.py, relative to the repo.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """olx: promote, add, clone and retire Open edX releases in a version matrix, safely."""
    ctx.obj = Options(repo, types, matrix, json_out)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def report_error(exc: OlxError, as_json: bool) -> None:
    """One line on stderr (or the SPEC error object on stdout with --json)."""
    if as_json:
        emit_json({"error": exc.message, "hint": exc.hint, "exit_code": exc.exit_code})
    else:
        line = f"olx: error: {exc.message}"
        if exc.hint:
            line += f" (hint: {exc.hint})"
        print(line, file=sys.stderr)


def handled(func: Callable[..., None]) -> Callable[..., None]:
    """Map olx's exceptions to their exit codes inside the command, so that every
    caller (the console script, typer's CliRunner) sees the same behaviour."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        ctx = kwargs.get("ctx")
        as_json = bool(ctx and isinstance(ctx.obj, Options) and ctx.obj.json)
        try:
            func(*args, **kwargs)
        except OlxError as exc:
            report_error(exc, as_json)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


@app.command()
@handled
def show(ctx: typer.Context) -> None:
    """Deployments × stages, supported releases, and ReleaseMap blocks."""
    from olx.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    if opts.json:
        emit_json(matrix.to_json())
        return
    from olx import render

    render.show(matrix, render.console())


@app.command()
@handled
def check(ctx: typer.Context) -> None:
    """Validate the invariants; exit 1 when any is violated."""
    from olx.check import check as run_check
    from olx.targets import load

    opts: Options = ctx.obj
    matrix, _, _ = load(opts.target())
    result = run_check(matrix)
    if opts.json:
        emit_json(result.to_json())
    else:
        from olx import render

        render.check(result, render.console())
    if not result.ok:
        raise typer.Exit(1)


@app.command("init-example")
@handled
def init_example(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="New directory to create.")],
) -> None:
    """Create a new git repository at DIRECTORY holding a realistic example matrix."""
    from olx.example import init_example as make

    opts: Options = ctx.obj
    commit, files = make(directory)
    if opts.json:
        emit_json({"directory": str(directory), "commit": commit, "files": files})
    else:
        print(f"created {directory} (commit {commit[:10]}): try `olx --repo {directory} show`")


def _fail(exc: OlxError, as_json: bool) -> NoReturn:
    report_error(exc, as_json)
    sys.exit(exc.exit_code)


def main(argv: list[str] | None = None) -> NoReturn:
    """Console entry point: runs the app and turns olx errors into exit codes."""
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        code = app(args=args, prog_name="olx", standalone_mode=False)
    except OlxError as exc:
        _fail(exc, as_json)
    except KeyboardInterrupt:
        print("olx: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click/typer usage errors carry their own exit code
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            _fail(OlxError(exc.format_message(), "see olx --help"), as_json)
        raise
    sys.exit(code if isinstance(code, int) else 0)
