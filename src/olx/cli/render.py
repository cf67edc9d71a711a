"""Human output with rich: tables for ``show`` and ``show DEPLOYMENT``, lines for
``diff`` and ``check``, and :func:`console`, the one console every output for people
goes through (writes, status, history, verify and upstream too).

Imported only by the CLI, and only when the output is for people (``--json`` never
imports rich). Colour only on a terminal; with ``NO_COLOR`` set, no escape sequence at
all (rich alone would still send bold and dim). On a pipe or in a file the width is
``$COLUMNS``, else 80, whatever terminal the other streams are on; every table and line
fits it and breaks only between words (a value too long for its cell is elided with
``…``; a line's word longer than the line stays whole).
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from olx.cli.outcome_text import line_breaks, piped_width
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


def console(stderr: bool = False, file: TextIO | None = None) -> Console:
    """The console of every output for people, on ``file`` (default: stdout, or
    stderr with ``stderr``): styled only on a terminal, and not at all under
    ``NO_COLOR``; on a pipe or in a file ``$COLUMNS`` (else 80) wide, not the width of
    a terminal that stdin or stderr happen to be on (rich's default)."""
    stream = file if file is not None else sys.stderr if stderr else sys.stdout
    options: dict[str, Any] = {"file": stream, "highlight": False, "soft_wrap": False}
    if os.environ.get("NO_COLOR"):
        options["color_system"] = None
    out = _Console(**options)
    if not out.is_terminal:
        out.width = piped_width()
    return out


def print_wrapped(
    out: Console, text: Text | str, hang: int = 4, phrases: bool = False
) -> None:
    """``text`` at the console's width, broken only between words; continuation lines
    are indented ``hang`` columns more than the text's own indentation (see
    :func:`olx.cli.outcome_text.line_breaks` for ``phrases``)."""
    if isinstance(text, str):
        text = Text(text)
    plain = text.plain
    for prefix, start, end in line_breaks(plain, out.width, hang, phrases):
        out.print(Text(prefix) + text[start:end], soft_wrap=True)


def plain_table(title: str | None = None) -> Table:
    """A table without borders, two spaces between columns (those of ``status``,
    ``history``, ``show DEPLOYMENT``): more room for values in 80 columns."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, 2),
        collapse_padding=True,
        pad_edge=False,
        header_style="bold underline",
    )


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
        for listed in block.deployments:
            pinned = sum(
                1 for e in listed.entries if e.release not in (None, block.release)
            )
            note = f", {pinned} pinned" if pinned else ""
            parts.append(f"{listed.deployment} ({len(listed.entries)}{note})")
        blocks.add_row(rel(block.release), ", ".join(parts) or "—")
    out.print(blocks)


def check(result: CheckResult, out: Console) -> None:
    # Messages hold ``ReleaseMap['x']``: never let rich read them as markup.
    for v in result.violations:
        print_wrapped(out, Text.assemble((f"rule {v.rule} ", "red"), v.message))
    for w in result.warnings:
        print_wrapped(out, Text.assemble(("warning ", "yellow"), w))
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


def _cell(text: str, marked: bool, width: int | None = None) -> Text:
    """A cell, ``*`` after a value set on the entry; elided (…) to ``width``."""
    if width is not None and len(text) + marked > width:
        text = text[: max(width - marked - 1, 0)] + "…"
    cell = Text(text)
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


def _stage_table(view: StageView, width: int) -> Table:
    """The components of a stage in ``width`` columns: origin and branch give up room
    first, the wider first; a value too long for its cell is elided (…) before its
    ``*``, never folded mid-word (``--json`` has every value whole)."""
    headers = ("application", "origin", "branch", "runtime")
    rows = [
        (
            (shown(comp.application), comp.pinned),
            (_origin(comp.origin), "origin" in comp.overridden),
            (shown(comp.branch), "branch" in comp.overridden),
            (_runtime(comp), "runtime" in comp.overridden),
        )
        for comp in view.components
    ]
    natural = [
        max(len(header), *(len(row[i][0]) + row[i][1] for row in rows))
        for i, header in enumerate(headers)
    ]
    room = width - natural[0] - natural[3] - 2 * (len(headers) - 1)
    cells = _narrowed(natural[1:3], room)
    table = plain_table()
    table.add_column("application", style="bold", no_wrap=True)
    table.add_column("origin", no_wrap=True)
    table.add_column("branch", no_wrap=True)
    table.add_column("runtime", no_wrap=True)
    for app, origin, branch, runtime in rows:
        table.add_row(
            _cell(*app),
            _cell(*origin, width=cells[0]),
            _cell(*branch, width=cells[1]),
            _cell(*runtime),
        )
    return table


def _narrowed(widths: list[int], room: int, least: int = 8) -> list[int]:
    """``widths`` narrowed, the widest first, until they fit ``room`` (none below
    ``least``)."""
    widths = list(widths)
    while sum(widths) > room and max(widths) > least:
        widths[widths.index(max(widths))] -= 1
    return widths


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
                f" ({_count(len(view.components), 'component')})",
            )
        )
        if view.components:
            out.print(_stage_table(view, out.width))
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
                print_wrapped(
                    out,
                    Text.assemble(f"  {app}: ", (name, "cyan"), f" = {shown(value)}"),
                )
        for note in view.notes:
            if note not in noted:
                noted.add(note)
                print_wrapped(out, Text.assemble(("  note: ", "yellow"), note))
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
    """``olx diff``: a heading, then a line per component added (``+``), removed
    (``-``) or changed (``~ app: field old → new, …``, as promote lists them), each
    broken only between words to fit the width."""
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
        print_wrapped(out, Text.assemble(("note: ", "yellow"), note))
    if changes.empty:
        out.print(
            f"no differences: both build the same {_count(len(after.components), 'component')}",
            markup=False,
        )
        return
    for comp in changes.added:
        print_wrapped(out, _component_line("+", "green", comp), phrases=True)
    for comp in changes.removed:
        print_wrapped(out, _component_line("-", "red", comp), phrases=True)
    for change in changes.changed:
        line = Text.assemble(("~ ", "yellow"), (shown(change.application), "bold"), ":")
        for i, (name, (old, new)) in enumerate(change.fields.items()):
            if name == "origin":
                old, new = _origin(old), _origin(new)
            line.append("," if i else "")
            line.append_text(
                Text.assemble(" ", (name, "cyan"), f" {shown(old)} → {shown(new)}")
            )
        print_wrapped(out, line, phrases=True)
    out.print(
        f"{len(changes.added)} added, {len(changes.removed)} removed, "
        f"{len(changes.changed)} changed",
        markup=False,
    )
    out.print(Text(SHORTENED, style="dim"))
