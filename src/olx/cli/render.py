"""Human output with rich: tables for ``show``, lines for ``check`` and writes.

Imported only by the CLI, and only when the output is for people (``--json`` never
imports rich). Colour only on a terminal; rich itself honours ``NO_COLOR``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from olx.core.model import STAGES, Matrix, release_rank

if TYPE_CHECKING:
    from olx.core.check import CheckResult

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


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


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
                f": all invariants hold ({len(result.warnings)} warnings)",
            )
        )
    else:
        out.print(
            f"{len(result.violations)} violation(s), {len(result.warnings)} warning(s)",
            markup=False,
        )
