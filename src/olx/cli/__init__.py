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


# The module that registers each command: a run of the console script that names one
# loads that module alone (:func:`_entry`); tests/test_startup.py checks this
# against what each module registers. ``plan`` parses its steps with every command.
COMMAND_MODULES: dict[str, str] = {
    "show": "commands_read",
    "check": "commands_read",
    "diff": "commands_read",
    "init-example": "commands_read",
    "status": "commands_audit",
    "history": "commands_audit",
    "add-release": "commands_release",
    "clone-release": "commands_release",
    "promote": "commands_release",
    "rollback": "commands_release",
    "retire": "commands_release",
    "set-release": "commands_types",
    "add-app": "commands_types",
    "set-app": "commands_types",
    "remove-app": "commands_types",
    "enable-app": "commands_entries",
    "disable-app": "commands_entries",
    "override": "commands_entries",
    "add-field": "commands_fields",
    "remove-field": "commands_fields",
    "verify": "commands_upstream",
    "upstream": "commands_upstream",
}


# ``olx --help`` lists the commands in the order a release manager works, under these
# panels: read, move releases, change applications and entries, change the entry
# model, check upstream, run a runbook; then the example to try it all on.
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Read", ("show", "check", "diff", "status", "history")),
    (
        "Releases",
        (
            "add-release",
            "set-release",
            "clone-release",
            "promote",
            "rollback",
            "retire",
        ),
    ),
    (
        "Applications",
        ("add-app", "set-app", "remove-app", "enable-app", "disable-app", "override"),
    ),
    ("Model", ("add-field", "remove-field")),
    ("Upstream", ("verify", "upstream")),
    ("Runbooks", ("plan",)),
    ("Example", ("init-example",)),
)


def _entry(args: list[str] | None = None) -> Any:
    """:mod:`olx.cli.entry`, with every command registered on its app (a run then
    builds only the one it names: :func:`olx.cli.entry.lean_app`) and arranged for
    the help (:func:`_arrange`).

    Given the command line ``args`` that names a command of :data:`COMMAND_MODULES`,
    only that command's module is loaded (the eight cost about 2.5 ms, on every
    command); without one (``olx --help``), under shell completion, for ``plan`` or
    a word that names no command (its closest-name hint), all of them."""
    import importlib
    import os

    from olx.cli import entry

    modules: tuple[str, ...] = MODULES
    if args is not None and "_OLX_COMPLETE" not in os.environ:
        word = entry.command_word(args)
        if word in COMMAND_MODULES:
            modules = (COMMAND_MODULES[word],)
    for name in modules:
        importlib.import_module(f"olx.cli.{name}")  # registers its commands
    _arrange(entry.app)
    return entry


def _arrange(app: Any) -> None:
    """Give each command its place and panel (:data:`PANELS`; a command missing there
    goes last, without a panel) and its docstring as help without the docstring's
    line breaks (typer's rich help would keep them in the command list)."""
    import inspect

    places = [name for _, names in PANELS for name in names]
    panel = {name: title for title, names in PANELS for name in names}

    def name_of(info: Any) -> str:
        return str(info.name or info.callback.__name__.lower().replace("_", "-"))

    for info in app.registered_commands:
        if info.help is None and info.callback is not None:
            doc = inspect.getdoc(info.callback) or ""
            info.help = "\n\n".join(" ".join(p.split()) for p in doc.split("\n\n"))
        if name_of(info) in panel:
            info.rich_help_panel = panel[name_of(info)]
    app.registered_commands.sort(
        key=lambda info: (
            places.index(name_of(info)) if name_of(info) in places else len(places)
        )
    )


def __getattr__(name: str) -> Any:
    if name in ("app", "main"):
        return getattr(_entry(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> NoReturn:
    """The ``olx`` console script and ``python -m olx``: one command, with the cycle
    collector paused from before the commands load (:func:`olx.cli.entry.run`)."""
    import gc
    import sys

    gc.disable()
    _entry(sys.argv[1:]).run()
    raise AssertionError("unreachable: olx.cli.entry.run exits")
