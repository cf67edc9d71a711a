"""Python source for JSON values, written the way ``ruff format`` writes them.

A ``--set`` value is data: olx writes it itself, character by character, as a Python
literal (strings quoted and escaped here, never pasted), and checks with
:func:`ast.literal_eval` that the text means exactly the value before it goes anywhere.
Layout follows ruff at line length 88: one line when it fits, else one item per line
with a trailing comma, a dict value that cannot fit after its key wrapped in
parentheses on a line of its own.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from olx.errors import SafetyError

LINE_LENGTH = 88
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def string_literal(value: str, quote: str = '"') -> str:
    """A quoted string literal for ``value``: escapes only where Python needs them."""
    out = []
    for char in value:
        if char == quote:
            out.append("\\" + char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif not char.isprintable():
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(char)
    return quote + "".join(out) + quote


def flat(value: Any, quote: str = '"') -> str:
    """The one-line literal of a JSON value."""
    if isinstance(value, str):
        return string_literal(value, quote)
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(flat(v, quote) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{flat(k, quote)}: {flat(v, quote)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise SafetyError(f"not a JSON value: {type(value).__name__}")


def render(value: Any, indent: int, start: int, tail: int, quote: str = '"') -> str:
    """``value`` written on a line indented by ``indent`` where it starts at column
    ``start`` and is followed by ``tail`` characters (a trailing comma, say).

    One line when it fits; else, for a non-empty list or dict, one item per line at
    ``indent + 4`` with a trailing comma and the closing bracket at ``indent``.
    """
    one = flat(value, quote)
    if start + len(one) + tail <= LINE_LENGTH or not (
        isinstance(value, (list, dict)) and value
    ):
        return one
    inner = indent + 4
    pad = " " * inner
    lines = []
    if isinstance(value, list):
        for item in value:
            lines.append(pad + render(item, inner, inner, 1, quote) + ",")
        opening, closing = "[", "]"
    else:
        for key, item in value.items():
            head = f"{flat(key, quote)}: "
            text = render(item, inner, inner + len(head), 1, quote)
            if (
                isinstance(item, str)
                and inner + len(head) + len(text) + 1 > LINE_LENGTH
            ):
                # ruff puts a value that cannot fit after its key in parentheses.
                text = f"(\n{pad}    {text}\n{pad})"
            lines.append(f"{pad}{head}{text},")
        opening, closing = "{", "}"
    return opening + "\n" + "\n".join(lines) + "\n" + " " * indent + closing


def checked(text: str, value: Any) -> str:
    """``text``, after proving that it is a pure literal meaning exactly ``value``."""
    try:
        back = ast.literal_eval(text.strip())
    except (SyntaxError, ValueError) as exc:
        raise SafetyError(f"the written literal does not read back: {exc}") from None
    if json.dumps(back, sort_keys=False) != json.dumps(value, sort_keys=False):
        raise SafetyError("the written literal does not mean the value given")
    return text
