"""Edit ``OpenEdxApplicationVersion(...)`` entries of ``ReleaseMap`` in place.

The machinery behind ``enable-app``, ``disable-app`` and ``override``: every edit of one
command is applied in one libcst pass over the ``ReleaseMap`` statement, so a change of a
dozen entries costs one parse. Keywords are set, inserted where the file's usual keyword
order puts them, or removed with their own comments; a call written on one line is laid
out again as ruff would; a new entry copies its neighbour's style (string values or Enum
references, one line or one keyword per line, quotes).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import libcst as cst

from olx.core.model import AppEntry, Application, Matrix, Release
from olx.core.reader import ENTRY_MODEL, IDA_ENUM, MFE_ENUM, RELEASE_ENUM
from olx.edit.diff import split_lines
from olx.edit.lists import ListRewrite
from olx.edit.literals import LINE_LENGTH, checked, render, string_literal
from olx.edit.sequences import (
    call_is_exploded,
    insert_arg,
    insert_element,
    layout_call,
    remove_arg,
    remove_element,
)
from olx.edit.splice import rewrite_spans
from olx.errors import SafetyError, ShapeError

# (indent of the line, column where the value starts, characters after it) → source.
Writer = Callable[[int, int, int], str]


def literal_writer(value: Any, quote: str = '"') -> Writer:
    """A JSON value as a Python literal, laid out for where it stands."""
    return lambda indent, start, tail: checked(
        render(value, indent, start, tail, quote), value
    )


def name_writer(name: str) -> Writer:
    """A module-level constant, written as its name (validated by the caller)."""
    if not name.isidentifier():
        raise SafetyError(f"refusing to write {name!r} as a name")
    return lambda indent, start, tail: name


def fixed_writer(text: str) -> Writer:
    return lambda indent, start, tail: text


class AppRef(StrEnum):
    """How an entry names its application: ``"learning"`` or
    ``OpenEdxMicroFrontend.learning``."""

    STRING = "string"
    ENUM = "enum"


class ReleaseRef(StrEnum):
    """How an entry names its release: ``"ulmo"``, ``OpenEdxSupportedRelease.ulmo``,
    ``OpenEdxSupportedRelease["ulmo"]`` or ``OpenEdxSupportedRelease.ulmo.value``."""

    STRING = "string"
    ATTRIBUTE = "attribute"
    SUBSCRIPT = "subscript"
    VALUE = "value"


@dataclass(frozen=True)
class EntryStyle:
    """How the file writes an entry: read off a neighbouring entry's source."""

    func: str = ENTRY_MODEL
    quote: str = '"'
    application: AppRef = AppRef.STRING
    release: ReleaseRef = ReleaseRef.STRING
    exploded: bool = True
    width: int = LINE_LENGTH  # see file_width
    # A pragma comment the neighbour carries on its application line (files of the
    # ``# type: ignore`` era put one on every entry), copied to a new entry's.
    application_comment: str = ""

    def application_text(self, app: Application) -> str:
        if self.application is AppRef.ENUM:
            return f"{IDA_ENUM if app.type == 'IDA' else MFE_ENUM}.{app.member}"
        return string_literal(app.value, self.quote)

    def release_text(self, release: Release) -> str:
        if self.release is ReleaseRef.ATTRIBUTE:
            return f"{RELEASE_ENUM}.{release.member}"
        if self.release is ReleaseRef.VALUE:
            return f"{RELEASE_ENUM}.{release.member}.value"
        if self.release is ReleaseRef.SUBSCRIPT:
            return f"{RELEASE_ENUM}[{string_literal(release.member, self.quote)}]"
        return string_literal(release.name, self.quote)


@functools.lru_cache(maxsize=4)
def _lines(matrix_src: str) -> tuple[str, ...]:
    """The file's lines, split once per text: a step reads several entries' text
    (its neighbour's style, each entry's pragma) and a plan's steps each read their
    own text (the cache holds the last few)."""
    return tuple(split_lines(matrix_src))


def entry_source(matrix_src: str, entry: AppEntry) -> str:
    """The text of one entry's call, from its span."""
    lines = _lines(matrix_src)
    span = entry.span
    chunk = lines[span.start_line - 1 : span.end_line]
    if len(chunk) == 1:
        return _slice_bytes(chunk[0], span.start_col, span.end_col)
    first = _slice_bytes(chunk[0], span.start_col, None)
    last = _slice_bytes(chunk[-1], 0, span.end_col)
    return first + "".join(chunk[1:-1]) + last


def _slice_bytes(line: str, start: int, end: int | None) -> str:
    # ast columns count UTF-8 bytes.
    data = line.encode("utf-8")
    return data[start:end].decode("utf-8")


def keyword_sources(matrix_src: str, entry: AppEntry) -> dict[str, ast.expr]:
    """Each keyword of an entry with its value's ast node."""
    text = entry_source(matrix_src, entry).replace("\r\n", "\n")
    call = ast.parse("(" + text + ")", mode="eval").body
    if not isinstance(call, ast.Call):
        raise SafetyError("an entry is not a call")
    return {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}


def style_of(matrix_src: str, entry: AppEntry | None) -> EntryStyle:
    """The style of ``entry`` (the defaults of a ruff-formatted file without one)."""
    if entry is None:
        return EntryStyle()
    text = entry_source(matrix_src, entry)
    kws = keyword_sources(matrix_src, entry)
    app = kws.get("application")
    release = kws.get("release")
    release_style = ReleaseRef.STRING
    if isinstance(release, ast.Attribute):
        release_style = (
            ReleaseRef.VALUE if release.attr == "value" else ReleaseRef.ATTRIBUTE
        )
    elif isinstance(release, ast.Subscript):
        release_style = ReleaseRef.SUBSCRIPT
    quote = '"'
    for node in kws.values():
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            segment = ast.get_source_segment("(" + text + ")", node) or '"'
            quote = "'" if segment.startswith("'") else '"'
            break
    return EntryStyle(
        func=text[: text.index("(")].strip() or ENTRY_MODEL,
        quote=quote,
        application=AppRef.ENUM if isinstance(app, ast.Attribute) else AppRef.STRING,
        release=release_style,
        exploded="\n" in text,
        width=file_width(matrix_src),
        application_comment=application_pragma(text),
    )


def application_pragma(text: str) -> str:
    """``  # type: ignore`` when the entry's ``application=`` line ends with it."""
    for line in text.split("\n"):
        code, sep, comment = line.partition("  #")
        if sep and "application=" in code and comment.lstrip().startswith("type:"):
            return f"  #{comment.rstrip()}"
    return ""


@functools.lru_cache(maxsize=4)
def file_width(matrix_src: str) -> int:
    """The line length the file's one-line entries were laid out at (88 at least).

    A file laid out wider than ruff's 88 keeps its width: olx does not re-wrap what a
    person chose to keep on one line. Cached per text: a step asks twice (the new
    entry's style, the lists' rewrite), and every line is looked at.
    """
    width = LINE_LENGTH
    for line in matrix_src.split("\n"):
        if ENTRY_MODEL + "(" not in line:
            continue
        code = line.split("  #", 1)[0].rstrip()
        if code.endswith(("),", ")")):
            width = max(width, len(code))
    return width


class KeywordOrder:
    """The file's usual keyword order, from how often one keyword precedes another.

    Ties (keywords never seen together) fall back to the model's declaration order.
    """

    def __init__(self, model: Matrix) -> None:
        self.declared = list(model.types.entry_fields)
        self._model = model
        self._before: dict[tuple[str, str], int] | None = None

    @property
    def before(self) -> dict[tuple[str, str], int]:
        """How often keyword a precedes keyword b, counted on first use (a write that
        only removes entries never asks)."""
        if self._before is None:
            counts: dict[tuple[str, str], int] = {}
            for block in self._model.matrix.release_map:
                for dep in block.deployments:
                    for entry in dep.entries:
                        kws = list(entry.values)
                        for i, a in enumerate(kws):
                            for b in kws[i + 1 :]:
                                counts[a, b] = counts.get((a, b), 0) + 1
            self._before = counts
        return self._before

    def _rank(self, name: str) -> int:
        return (
            self.declared.index(name) if name in self.declared else len(self.declared)
        )

    def precedes(self, a: str, b: str) -> bool:
        ab, ba = self.before.get((a, b), 0), self.before.get((b, a), 0)
        if ab != ba:
            return ab > ba
        return self._rank(a) < self._rank(b)

    def position(self, present: list[str], new: str) -> int:
        """Where ``new`` goes among ``present``: after the last keyword that precedes it."""
        at = 0
        for i, name in enumerate(present):
            if self.precedes(name, new):
                at = i + 1
        return at

    def arrange(self, names: list[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            out.insert(self.position(out, name), name)
        return out


def call_text(style: EntryStyle, kwargs: list[tuple[str, Writer]], indent: int) -> str:
    """A new entry's call at ``indent``: one line, hugged, or one keyword per line."""
    flat_args = ", ".join(f"{k}={w(0, 0, 0)}" for k, w in kwargs)
    if not style.exploded and "\n" not in flat_args:
        if indent + len(style.func) + len(flat_args) + 3 <= style.width:
            return f"{style.func}({flat_args})"
        if indent + 4 + len(flat_args) <= style.width:
            pad = " " * (indent + 4)
            return f"{style.func}(\n{pad}{flat_args}\n{' ' * indent})"
    inner = indent + 4
    lines = [
        f"{' ' * inner}{k}={w(inner, inner + len(k) + 1, 1)},"
        + (style.application_comment if k == "application" else "")
        for k, w in kwargs
    ]
    return f"{style.func}(\n" + "\n".join(lines) + f"\n{' ' * indent})"


@dataclass
class ListEdit:
    """What happens to one ``ReleaseMap[release][deployment]`` list.

    ``keywords`` maps an entry's index (in the list as it is) to its keyword edits, a
    writer to set a keyword or None to remove it; ``removals`` are indexes too;
    ``insertions`` are applied after the removals, in order, each at its position in the
    list as the previous ones left it.
    """

    keywords: dict[int, list[tuple[str, Writer | None]]] = field(default_factory=dict)
    removals: set[int] = field(default_factory=set)
    insertions: list[tuple[int, EntryStyle, list[tuple[str, Writer]]]] = field(
        default_factory=list
    )

    def touched(self) -> tuple[int, int] | None:
        """The first and last entry it edits (None when it inserts: the whole list
        is parsed, :class:`olx.edit.lists.ListRewrite`)."""
        indexes = [*self.keywords, *self.removals]
        if self.insertions or not indexes:
            return None
        return min(indexes), max(indexes)

    def shifted(self, first: int) -> ListEdit:
        """The same edit of a window of the list whose first entry is ``first``."""
        if not first:
            return self
        return ListEdit(
            {i - first: kws for i, kws in self.keywords.items()},
            {i - first for i in self.removals},
            list(self.insertions),
        )


def _element_indent(node: cst.List, index: int) -> int | None:
    """The indentation of element ``index`` when it starts a line, else None."""
    if index == 0:
        gap = node.lbracket.whitespace_after
    else:
        comma = node.elements[index - 1].comma
        if not isinstance(comma, cst.Comma):
            return None
        gap = comma.whitespace_after
    if isinstance(gap, cst.ParenthesizedWhitespace):
        return len(gap.last_line.value)
    return None


def _edit_call(
    call: cst.Call,
    edits: list[tuple[str, Writer | None]],
    order: KeywordOrder,
    indent: int | None,
    limit: int,
) -> cst.Call:
    written: dict[str, Writer] = {}
    exploded = call_is_exploded(call)
    arg_indent = (
        len(call.whitespace_before_args.last_line.value)
        if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
        else (indent or 0) + 4
    )
    for kw, writer in edits:
        names = [a.keyword.value if a.keyword else "" for a in call.args]
        at = names.index(kw) if kw in names else None
        if writer is None:
            if at is not None:
                call = remove_arg(call, at)
            continue
        text = (
            writer(arg_indent, arg_indent + len(kw) + 1, 1)
            if exploded
            else writer(0, 0, 0)
        )
        value = cst.parse_expression(text)
        if at is not None:
            args = list(call.args)
            args[at] = args[at].with_changes(value=value)
            call = call.with_changes(args=args)
        else:
            arg = cst.Arg(
                keyword=cst.Name(kw),
                value=value,
                equal=cst.AssignEqual(
                    whitespace_before=cst.SimpleWhitespace(""),
                    whitespace_after=cst.SimpleWhitespace(""),
                ),
            )
            call = insert_arg(call, order.position(names, kw), arg)
        written[kw] = writer
    if exploded or indent is None:
        return call
    call = layout_call(call, indent, 1, limit)
    if call_is_exploded(call) and written:
        call = _rewritten_for_place(call, written, indent + 4)
    return call


def _rewritten_for_place(
    call: cst.Call, written: dict[str, Writer], inner: int
) -> cst.Call:
    """A call just laid out one keyword per line: the values olx wrote, laid out
    again for that place (a long value breaks as it would there)."""
    args = [
        a.with_changes(
            value=cst.parse_expression(
                written[a.keyword.value](inner, inner + len(a.keyword.value) + 1, 1)
            )
        )
        if a.keyword is not None and a.keyword.value in written
        else a
        for a in call.args
    ]
    return call.with_changes(args=args)


def _edit_list(
    node: cst.List,
    edit: ListEdit,
    order: KeywordOrder,
    key_indent: int | None,
    width: int,
) -> cst.List:
    elements = list(node.elements)
    for index, kw_edits in edit.keywords.items():
        elem = elements[index]
        if not isinstance(elem.value, cst.Call):
            raise SafetyError("an entry is not a call")
        indent = _element_indent(node, index)
        elements[index] = elem.with_changes(
            value=_edit_call(elem.value, kw_edits, order, indent, width)
        )
    node = node.with_changes(elements=elements)
    for index in sorted(edit.removals, reverse=True):
        node = remove_element(node, index)
    for position, style, kwargs in edit.insertions:
        if not node.elements and key_indent is not None:
            # An empty list (a disable-app of its last entry left it): written anew,
            # one entry per line under its key.
            indent = key_indent + 4
            text = call_text(style, kwargs, indent)
            node = cst.ensure_type(
                cst.parse_expression(f"[\n{' ' * indent}{text},\n{' ' * key_indent}]"),
                cst.List,
            )
            continue
        indent = (
            _element_indent(node, min(position, len(node.elements) - 1))
            if node.elements
            else None
        )
        if indent is None:
            raise ShapeError(
                None,
                None,
                "olx adds entries to lists written one entry per line only",
                "write the list over several lines (as ruff formats it), then rerun",
            )
        call = cst.parse_expression(call_text(style, kwargs, indent))
        node = insert_element(node, position, cst.Element(value=call))
    return node


def rewrite_entries(
    matrix_src: str,
    model: Matrix,
    edits: dict[tuple[str, str], ListEdit],
    order: KeywordOrder | None = None,
) -> str:
    """Apply every list edit, each to its own list literal alone.

    Only the lists that change are rewritten (:func:`rewrite_spans`, which splices
    them back from the last to the first, splitting and joining the file once), and of
    each only the entries an edit touches and their neighbours are parsed with libcst
    (:class:`ListRewrite`): an edit of one entry costs what that entry costs, not what
    its list or ReleaseMap costs.
    """
    keyword_order = order or KeywordOrder(model)
    width = file_width(matrix_src)
    lines = _lines(matrix_src)
    located = []
    for (release, deployment), edit in edits.items():
        block = model.matrix.block(release)
        dep = block.get(deployment) if block is not None else None
        if dep is None or dep.list_span is None:
            raise SafetyError(f"ReleaseMap[{release!r}][{deployment!r}] not found")
        line = lines[dep.list_span.start_line - 1]
        key_indent = len(line) - len(line.lstrip(" "))

        def transform(
            node: cst.List,
            first: int,
            edit: ListEdit = edit,
            key_indent: int = key_indent,
        ) -> cst.List:
            return _edit_list(
                node, edit.shifted(first), keyword_order, key_indent, width
            )

        located.append(
            ListRewrite(
                dep.list_span, transform, [e.span for e in dep.entries], edit.touched()
            )
        )
    return rewrite_spans(matrix_src, located)
