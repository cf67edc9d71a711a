"""The entry model's fields: ``add-field`` and ``remove-field``."""

# No ``from __future__ import annotations``: typer reads the annotations as objects
# (see entry.py).

from typing import TYPE_CHECKING, Annotated

import typer

from olx.cli import completion as complete
from olx.cli.entry import Plan, app, handled, write_command

if TYPE_CHECKING:
    from olx.edit.change import Change, Workspace


@app.command("add-field")
@handled
@write_command()
def add_field(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help="Field name, e.g. translation_overrides.")
    ],
    type_text: Annotated[
        str,
        typer.Argument(
            metavar="TYPE",
            help="Its annotation, admitting None, e.g. 'list[str] | None'.",
        ),
    ],
) -> Plan:
    """Declare NAME: TYPE = None on the entry model, after its last field."""
    from olx.ops.add_field import add_field as plan

    return lambda ws: plan(ws, name, type_text)


@app.command("remove-field")
@handled
@write_command()
def remove_field(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="A field of the entry model.",
            autocompletion=complete.complete_removable_field,
        ),
    ],
) -> Plan:
    """Remove field NAME, its keyword from every entry, and the constants it leaves
    unused, in one change."""
    from olx.ops.remove_field import remove_field as plan

    def planned(ws: "Workspace") -> "Change":
        # A field the model does not declare is "already removed" only if the history
        # of types.py declared it; the git layer answers that, when asked.
        from olx.repo.lookups import field_lookup

        target = ctx.obj.target()
        return plan(ws, name, field_lookup(target.root, target.types))

    return planned
