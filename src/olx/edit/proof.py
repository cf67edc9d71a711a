"""Structural proof of a rewrite: the new source parses to exactly the tree expected.

The model comparison of :func:`olx.edit.change.finish` proves what the files *mean* to
olx; it does not see code olx does not model (a property of the entry model, a
module-level constant nothing references yet). Writes that add or remove whole
statements therefore also prove that the new file's syntax tree is the old one with
exactly that statement added or removed, and nothing else changed.
"""

from __future__ import annotations

import ast

from olx.core.reader import parse
from olx.errors import OlxError, SafetyError


def prove_tree(expected: ast.Module, new_source: str, shown: str, what: str) -> None:
    """Refuse (exit 3) unless ``new_source`` parses to ``expected`` (positions and
    formatting aside)."""
    try:
        actual = parse(new_source, shown)
    except OlxError as exc:
        raise SafetyError(
            f"the rewritten source does not read back: {exc.message}"
        ) from None
    if ast.dump(actual) != ast.dump(expected):
        raise SafetyError(
            f"{shown}: the rewrite is not exactly {what}; nothing was written",
            "please report this with the command line",
        )
