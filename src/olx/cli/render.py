"""Human output with rich: tables for ``show`` and ``show DEPLOYMENT``, lines for
``diff``, ``check`` and writes.

Imported only by the CLI, and only when the output is for people (``--json`` never
imports rich). Colour only on a terminal; with ``NO_COLOR`` set, no escape sequence at
all (rich alone would still send bold and dim).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from olx.core.model import STAGES, Matrix, release_rank

if TYPE_CHECKING:
    from olx.core.check import CheckResult
    from olx.core.resolve import Component, ComponentChanges, StageView

PALETTE = (
    "green",
    "cyan",
    "magenta",
    "yellow",
    "blue",
    "red",
    "bright_green",
    "bright_cyan",
)


class _Console(Console):
    """rich's console, but a closed pipe raises BrokenPipeError for the CLI to end
    quietly with its own code (rich's default exits 1, the "refused" code)."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def console(stderr: bool = False) -> Console:
    """A console that styles only a terminal, and nothing at all under ``NO_COLOR``."""
    if os.environ.get("NO_COLOR"):
        return _Console(
            stderr=stderr, highlight=False, soft_wrap=False, color_system=None
        )
    return _Console(stderr=stderr, highlight=False, soft_wrap=False)


def release_colours(matrix: Matrix) -> dict[str, str]:
    """A distinct colour per release, stable in release order (newest last)."""
    names = sorted({r.name for r in matrix.types.releases}, key=release_rank)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def show(matrix: Matrix, out: Console) -> None:
    colours = release_colours(matrix)

    def rel(name: str | None) -> Text:
        if name is None:
            return Text("—", style="dim")
        return Text(name, style=colours.get(name, "bold red"))

    stages = [s for s in STAGES if any(d.stage(s) for d in matrix.matrix.deployments)]
    extra = sorted(
        {st.stage for d in matrix.matrix.deployments for st in d.stages} - set(STAGES)
    )
    deployments = Table(title="Deployments × stages", title_justify="left")
    deployments.add_column("deployment", style="bold")
    for stage in [*stages, *extra]:
        deployments.add_column(stage)
    for dep in matrix.matrix.deployments:
        cells = []
        for stage in [*stages, *extra]:
            st = dep.stage(stage)
            cells.append(rel(st.release if st else None))
        deployments.add_row(dep.name, *cells)
    out.print(deployments)

    releases = Table(title="Supported releases", title_justify="left")
    for col in ("release", "branch", "python", "node"):
        releases.add_column(col)
    for r in matrix.types.releases:
        releases.add_row(
            rel(r.name), r.branch or "", r.python_version or "—", r.node_version or "—"
        )
    out.print(releases)

    blocks = Table(
        title="ReleaseMap (applications per deployment)", title_justify="left"
    )
    blocks.add_column("release")
    blocks.add_column("deployments")
    for block in matrix.matrix.release_map:
        parts = []
        for dep in block.deployments:
            pinned = sum(
                1 for e in dep.entries if e.release not in (None, block.release)
            )
            note = f", {pinned} pinned" if pinned else ""
            parts.append(f"{dep.deployment} ({len(dep.entries)}{note})")
        blocks.add_row(rel(block.release), ", ".join(parts) or "—")
    out.print(blocks)


def check(result: CheckResult, out: Console) -> None:
    # Messages hold ``ReleaseMap['x']``: never let rich read them as markup.
    for v in result.violations:
        out.print(Text.assemble((f"rule {v.rule} ", "red"), v.message), soft_wrap=True)
    for w in result.warnings:
        out.print(Text.assemble(("warning ", "yellow"), w), soft_wrap=True)
    if result.ok:
        out.print(
            Text.assemble(
                ("ok", "green"),
                f": all invariants hold ({_count(len(result.warnings), 'warning')})",
            )
        )
    else:
        out.print(
            f"{_count(len(result.violations), 'violation')}, "
            f"{_count(len(result.warnings), 'warning')}",
            markup=False,
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --- show DEPLOYMENT [STAGE] and diff ---------------------------------------------------

GITHUB = "https://github.com/"
MARK = "*"
SHORTENED = f"origins on {GITHUB} shown as owner/name"
LEGEND = (
    f"{MARK} set on the entry: an override, or a release pinned apart from its block\n"
    f"runtime py (IDA) or node (MFE); origins on {GITHUB} as owner/name"
)


def shown(value: Any) -> str:
    """A resolved value as a cell: text as is, ``None`` as a dash, others as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _origin(value: Any) -> str:
    text = shown(value)
    return text[len(GITHUB) :] if text.startswith(GITHUB) else text


def _cell(text: str, marked: bool, style: str = "") -> Text:
    cell = Text(text, style=style)
    if marked:
        cell.append(MARK, style="bold yellow")
    return cell


def _runtime(comp: Component) -> str:
    # The rule's own words: an IDA runs python, anything else node. The label keeps
    # the table narrow enough for 80 columns without a type column.
    if comp.runtime is None:
        return "—"
    kind = "py" if comp.application_type == "IDA" else "node"
    return f"{kind}{shown(comp.runtime)}"


def _stage_table(view: StageView, colours: dict[str, str]) -> Table:
    table = Table(
        box=None,
        padding=(0, 2),
        collapse_padding=True,
        pad_edge=False,
        header_style="bold underline",
    )
    table.add_column("application", style="bold", overflow="fold")
    table.add_column("origin", overflow="fold")
    table.add_column("branch", overflow="fold")
    table.add_column("runtime", no_wrap=True)
    for comp in view.components:
        table.add_row(
            _cell(shown(comp.application), comp.pinned),
            _cell(_origin(comp.origin), "origin" in comp.overridden),
            _cell(shown(comp.branch), "branch" in comp.overridden),
            _cell(_runtime(comp), "runtime" in comp.overridden),
        )
    return table


def _release(name: Any, colours: dict[str, str]) -> tuple[str, str]:
    return (shown(name), colours.get(name, "bold red"))


def deployment_view(matrix: Matrix, views: list[StageView], out: Console) -> None:
    """``olx show DEPLOYMENT [STAGE]``: per stage a heading and a table, then the
    pinned entries, the entries' other fields and any notes; one legend at the end."""
    colours = release_colours(matrix)
    noted: set[str] = set()  # a note about the model's code comes once, not per stage
    for index, view in enumerate(views):
        if index:
            out.print()
        out.print(
            Text.assemble(
                (f"{view.deployment} {view.stage}", "bold"),
                " builds ",
                _release(view.release, colours),
                f" ({len(view.components)} components)",
            )
        )
        if view.components:
            out.print(_stage_table(view, colours))
        for comp in view.components:
            app = shown(comp.application)
            if comp.pinned:
                out.print(
                    Text.assemble(
                        f"  {app}{MARK} is pinned to ",
                        _release(comp.release, colours),
                    )
                )
            for name, value in comp.other.items():
                out.print(
                    Text.assemble(f"  {app}: ", (name, "cyan"), f" = {shown(value)}")
                )
        for note in view.notes:
            if note not in noted:
                noted.add(note)
                out.print(Text.assemble(("  note: ", "yellow"), note))
    out.print(Text(LEGEND, style="dim"))


def _summary(comp: Component) -> str:
    parts = [f"origin {_origin(comp.origin)}", f"branch {shown(comp.branch)}"]
    parts.append(f"runtime {shown(comp.runtime)}")
    parts += [f"{name} {shown(value)}" for name, value in comp.other.items()]
    return ", ".join(parts)


def _component_line(sign: str, style: str, comp: Component) -> Text:
    return Text.assemble(
        (f"{sign} ", style),
        (shown(comp.application), "bold"),
        f" ({shown(comp.application_type)}, {shown(comp.release)}): {_summary(comp)}",
    )


def stage_diff(
    matrix: Matrix,
    before: StageView,
    after: StageView,
    changes: ComponentChanges,
    out: Console,
) -> None:
    """``olx diff``: a heading, a line per added (``+``) or removed (``-``) component,
    and a table of the changed fields (``from`` → ``to``)."""
    colours = release_colours(matrix)
    out.print(
        Text.assemble(
            (before.ref, "bold"),
            " (",
            _release(before.release, colours),
            ") → ",
            (after.ref, "bold"),
            " (",
            _release(after.release, colours),
            ")",
        )
    )
    for note in dict.fromkeys((*before.notes, *after.notes)):
        out.print(Text.assemble(("note: ", "yellow"), note))
    if changes.empty:
        out.print(
            f"no differences: both build the same {len(after.components)} components",
            markup=False,
        )
        return
    for comp in changes.added:
        out.print(_component_line("+", "green", comp))
    for comp in changes.removed:
        out.print(_component_line("-", "red", comp))
    if changes.changed:
        table = Table(
            box=None,
            padding=(0, 2),
            collapse_padding=True,
            pad_edge=False,
            header_style="bold underline",
        )
        table.add_column("application", style="bold", overflow="fold")
        table.add_column("field", style="cyan", overflow="fold")
        table.add_column("from", overflow="fold")
        table.add_column("to", overflow="fold")
        for change in changes.changed:
            for i, (name, (old, new)) in enumerate(change.fields.items()):
                app = f"~ {shown(change.application)}" if i == 0 else ""
                if name == "origin":
                    old, new = _origin(old), _origin(new)
                table.add_row(app, name, shown(old), shown(new))
        out.print(table)
    out.print(
        f"{len(changes.added)} added, {len(changes.removed)} removed, "
        f"{len(changes.changed)} changed",
        markup=False,
    )
    out.print(Text(SHORTENED, style="dim"))
