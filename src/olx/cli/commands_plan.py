"""``olx plan FILE``: a runbook of write commands applied as one verified change."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from olx.cli.entry import (
    Options,
    Plan,
    handled,
    write_command,
)
from olx.cli.entry import app as cli_app
from olx.errors import BadValueError, FileAccessError, UsageError

if TYPE_CHECKING:
    from olx.edit.change import Change, Workspace

# The commands a runbook step may run: every command that writes, but plan itself.
STEP_COMMANDS = (
    "promote",
    "rollback",
    "add-release",
    "set-release",
    "clone-release",
    "retire",
    "add-app",
    "set-app",
    "remove-app",
    "enable-app",
    "disable-app",
    "override",
    "add-field",
    "remove-field",
)
# The app's help options: in a step, click would print help and plan nothing.
HELP_OPTIONS = tuple((cli_app.info.context_settings or {})["help_option_names"])


def _read_runbook(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileAccessError(
            f"{path}: cannot read the runbook: {exc.strerror}"
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadValueError(
            f"{path}: not a UTF-8 text file", "a runbook is text"
        ) from None


@functools.cache
def _command_tree() -> Any:
    """typer's click command for the app, built once for all the steps (typer builds
    it anew on every call of the app)."""
    return typer.main.get_command(cli_app)


def step_plan(obj: Options, step: Any, shown: str) -> Callable[..., Any]:
    """Parse one runbook step with its command's own parser; return its planned write."""
    where = f"{shown}:{step.line}"
    name = step.words[0]
    if name.startswith("-"):
        raise UsageError(
            f"{where}: a step starts with its command, not {name!r}",
            "global options (--repo, --json, ...) go on the plan's own command line",
        )
    if name not in STEP_COMMANDS:
        raise UsageError(
            f"{where}: {name!r} is not a command a runbook can run",
            f"steps: {', '.join(STEP_COMMANDS)}",
        )
    for word in step.words[1:]:
        if word == "--":
            break
        if word in HELP_OPTIONS:  # its help would land before the plan's JSON
            raise UsageError(
                f"{where}: {word} inside a step", f"run olx {name} --help on its own"
            )
    taken: list[Callable[..., Any]] = []
    refused: list[str] = []

    def take(planned: Callable[..., Any], used: list[str]) -> None:
        refused.extend(used)
        taken.append(planned)

    # The step runs with the plan's options and session (its target, found once),
    # and hands its planned write to ``take`` instead of running it.
    step_obj = dataclasses.replace(obj, capture=take)
    try:
        _command_tree().main(
            args=step.words, prog_name="olx", standalone_mode=False, obj=step_obj
        )
    except (typer.Exit, typer.Abort) as exc:
        if getattr(exc, "exit_code", 1):
            raise UsageError(f"{where}: the step was refused") from None
    except Exception as exc:
        # click's usage errors (typer may bundle its own click): duck-typed, as in
        # entry.main.
        if not hasattr(exc, "format_message"):
            raise
        raise UsageError(
            f"{where}: {exc.format_message()}", f"see olx {name} --help"
        ) from None
    if refused:
        raise UsageError(
            f"{where}: {', '.join(refused)} inside a step",
            "write options go on the plan's own command line",
        )
    if len(taken) != 1:
        raise UsageError(f"{where}: the step plans no write", f"see olx {name} --help")
    return taken[0]


@cli_app.command()
@handled
@write_command()
def plan(
    ctx: typer.Context,
    runbook: Annotated[
        Path, typer.Argument(help="Runbook: one olx command per line, without 'olx'.")
    ],
) -> Plan:
    """Apply a runbook: every step in memory, verified, written and committed once."""
    from olx.ops.plan import parse_runbook, run_plan

    shown = runbook.name
    steps = parse_runbook(_read_runbook(runbook), shown)
    planned = [(step, step_plan(ctx.obj, step, shown)) for step in steps]
    count = f"{len(steps)} step{'s' if len(steps) != 1 else ''}"
    summary = f"Apply runbook {shown} ({count})"

    def planned_plan(ws: "Workspace") -> "Change":
        change = run_plan(ws, shown, planned, summary, [runbook.stem])
        root = ctx.obj.target().root.resolve()
        if not runbook.resolve().is_relative_to(root):
            # Nobody else has the file: the commit records its steps instead.
            return dataclasses.replace(
                change, recorded=[step.command for step in steps]
            )
        return change

    return planned_plan
