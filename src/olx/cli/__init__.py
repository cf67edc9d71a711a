"""The command-line layer: parse arguments, call the core, render, map exit codes.

``entry`` holds the typer app and the console script; the ``commands_*`` modules
register the commands on it, one module per family. They are loaded on first use of
``app`` or ``main``, or by ``run``: the console script pauses the cycle collector before
typer and the commands load (see :func:`olx.cli.entry.run`).
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["app", "main", "run"]


MODULES = (
    "commands_audit",
    "commands_entries",
    "commands_fields",
    "commands_plan",
    "commands_read",
    "commands_release",
    "commands_types",
    "commands_upstream",
)


def _entry() -> Any:
    """:mod:`olx.cli.entry`, with every command registered on its app (a run then
    builds only the one it names: :func:`olx.cli.entry.lean_app`)."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"olx.cli.{name}")  # registers its commands
    from olx.cli import entry

    return entry


def __getattr__(name: str) -> Any:
    if name in ("app", "main"):
        return getattr(_entry(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> NoReturn:
    """The ``olx`` console script and ``python -m olx``: one command, with the cycle
    collector paused from before the commands load (:func:`olx.cli.entry.run`)."""
    import gc

    gc.disable()
    _entry().run()
    raise AssertionError("unreachable: olx.cli.entry.run exits")
