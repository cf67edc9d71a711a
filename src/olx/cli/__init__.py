"""The command-line layer: parse arguments, call the core, render, map exit codes.

``entry`` holds the typer app and the console script; the ``commands_*`` modules
register the commands on it, one module per family.
"""

from olx.cli import (  # noqa: F401 (each module registers its commands)
    commands_audit,
    commands_entries,
    commands_fields,
    commands_plan,
    commands_read,
    commands_release,
    commands_types,
    commands_upstream,
)
from olx.cli.entry import app, main, run

__all__ = ["app", "main", "run"]
