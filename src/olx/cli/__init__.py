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


def _entry() -> Any:
    """:mod:`olx.cli.entry`, with every command registered on its app (a run then
    builds only the one it names: :func:`olx.cli.entry.lean_app`) and arranged for
    the help (:func:`_arrange`)."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"olx.cli.{name}")  # registers its commands
    from olx.cli import entry

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

    gc.disable()
    _entry().run()
    raise AssertionError("unreachable: olx.cli.entry.run exits")
