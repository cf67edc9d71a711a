"""Commit subjects that fit: lists of names shortened until the line is short enough.

A subject says what changed in at most 72 characters (docs/contract.md, "Commits,
pushes and pull requests"); with the ``config: `` prefix that leaves
:data:`SUBJECT_ROOM` for what an operation says. An operation names its lists
(deployments, applications, releases) through :func:`fit`, which keeps every name where
the line allows it and otherwise shortens as few lists as it can, as little as it can:
``mitx, mitx-staging and 2 more``, ``mitx and 3 more``, then ``4 deployments``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

SUBJECT_LIMIT = 72
PREFIX = "config: "
SUBJECT_ROOM = SUBJECT_LIMIT - len(PREFIX)


def forms(items: Sequence[str], noun: str) -> list[str]:
    """The ways to say ``items``, most detailed first: every name, the first names and
    how many more, then only how many (``3 deployments``)."""
    items = list(dict.fromkeys(items))
    if len(items) < 2:
        return [", ".join(items)]
    out = [", ".join(items)]
    if len(items) > 3:
        out.append(f"{items[0]}, {items[1]} and {len(items) - 2} more")
    out.append(f"{items[0]} and {len(items) - 1} more")
    out.append(f"{len(items)} {noun}")
    return out


def fit(
    build: Callable[..., str],
    *lists: tuple[Sequence[str], str],
    room: int = SUBJECT_ROOM,
) -> str:
    """``build(*texts)`` with each list (``(items, plural noun)``) said as fully as the
    room allows: of the texts that fit, the one that shortens the lists least (then the
    longest). When even the shortest forms do not fit, the line is cut at a word with
    an ellipsis."""
    options = [forms(items, noun) for items, noun in lists]
    best: tuple[int, int, str] | None = None
    for chosen in itertools.product(*(range(len(o)) for o in options)):
        text = build(*(o[i] for o, i in zip(options, chosen, strict=True)))
        if len(text) > room:
            continue
        key = (sum(chosen), -len(text), text)
        if best is None or key < best:
            best = key
    if best is not None:
        return best[2]
    return cut(build(*(o[-1] for o in options)), room)


def cut(text: str, room: int = SUBJECT_ROOM) -> str:
    """``text`` within ``room`` characters, cut after a whole word with ``…``."""
    if len(text) <= room:
        return text
    head = text[: room - 1]
    if text[room - 1] != " " and " " in head:
        head = head[: head.rindex(" ")]  # not in the middle of a word
    return head.rstrip(" ,;:") + "…"


def join_clauses(clauses: Sequence[str]) -> str:
    """``Roll back QA of xpro to teak; promote ulmo to CI for xpro``: sentences made
    one, the later ones starting in lower case (their first word is a verb)."""
    out = []
    for i, clause in enumerate(clauses):
        if i and clause[:1].isupper() and not clause[1:2].isupper():
            clause = clause[0].lower() + clause[1:]
        out.append(clause)
    return "; ".join(out)
