"""``olx status`` for people: one table a release manager reads at a glance.

A heading row per deployment, then a row per stage: release, since when (date and
commit) and the next promotion (``ulmo now``, ``ulmo from 2025-12-03 14:00 UTC``,
``ulmo refused [1]``); the reasons a promotion is refused follow the table, numbered,
each with what to do. Fits 80 columns, on a terminal and piped (rich's width then), and
breaks lines only between words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from olx.cli.render import plain_table, print_wrapped, release_colours

if TYPE_CHECKING:
    from olx.core.model import Matrix
    from olx.ops.status import DeploymentStatus, NextPromotion


def _when(promotion: NextPromotion) -> str:
    assert promotion.not_before is not None
    return promotion.not_before.strftime("%Y-%m-%d %H:%M UTC")


def status_table(
    matrix: Matrix, statuses: list[DeploymentStatus], out: Console
) -> None:
    colours = release_colours(matrix)

    def rel(name: str | None) -> Text:
        if name is None:
            return Text("—", style="dim")
        return Text(name, style=colours.get(name, "bold red"))

    table = plain_table()
    table.add_column("stage", no_wrap=True, overflow="ellipsis")
    table.add_column("release", no_wrap=True, overflow="ellipsis")
    table.add_column("since", no_wrap=True)
    table.add_column("commit", no_wrap=True)
    # Wraps between words ("ulmo from 2025-11-06 16:01 UTC"), never inside one.
    table.add_column("next promotion", overflow="ellipsis")
    notes: list[str] = []
    for dep in statuses:
        table.add_row(Text(dep.name, style="bold"), "", "", "", "")
        for st in dep.stages:
            step = st.next
            if step.release is None:
                upcoming = Text("—", style="dim")
            elif step.allowed:
                upcoming = Text.assemble(rel(step.release), (" now", "green"))
            elif step.not_before is not None:
                upcoming = Text.assemble(
                    rel(step.release), (f" from {_when(step)}", "yellow")
                )
            else:
                notes.append(
                    f"{dep.name} {st.stage} → {step.release}: {step.reason}"
                    + (f" (hint: {step.hint})" if step.hint else "")
                )
                upcoming = Text.assemble(
                    rel(step.release), (f" refused [{len(notes)}]", "red")
                )
            table.add_row(
                Text(f"  {st.stage}"),
                rel(st.release),
                st.since.strftime("%Y-%m-%d") if st.since else Text("—", style="dim"),
                st.commit[:9] if st.commit else Text("—", style="dim"),
                upcoming,
            )
    out.print(table)
    for number, note in enumerate(notes, start=1):
        print_wrapped(out, Text(f"[{number}] {note}"))
