"""Unified diffs of a change, computed on the changed region only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from olx.edit.change import FileEdit


def unified_diff(edits: list[FileEdit]) -> str:
    """``diff -u`` of each edit, computed on the changed region only.

    The lines both versions share at the start and at the end are set aside before
    difflib runs: a one-line promote in a 12,000-line file then costs what a one-line
    diff costs.
    """
    import difflib

    parts: list[str] = []
    for edit in edits:
        old = edit.old.splitlines(keepends=True)
        new = edit.new.splitlines(keepends=True)
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while (
            tail < min(len(old), len(new)) - head
            and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]
        ):
            tail += 1
        matcher = difflib.SequenceMatcher(
            None,
            old[head : len(old) - tail],
            new[head : len(new) - tail],
            autojunk=False,
        )
        groups = list(_shifted_groups(matcher, head, len(old), len(new)))
        if not groups:
            continue
        parts += [f"--- a/{edit.shown}\n", f"+++ b/{edit.shown}\n"]
        for group in groups:
            parts.append(_hunk_header(group))
            for tag, i1, i2, j1, j2 in group:
                if tag == "equal":
                    parts += [" " + line for line in old[i1:i2]]
                    continue
                parts += ["-" + line for line in old[i1:i2]]
                parts += ["+" + line for line in new[j1:j2]]
    return "".join(line if line.endswith("\n") else line + "\n" for line in parts)


def _shifted_groups(matcher, offset: int, n_old: int, n_new: int, context: int = 3):
    """difflib's grouped opcodes for the trimmed middle, in whole-file line numbers,
    with up to ``context`` lines of the trimmed head and tail around each hunk."""
    codes = [
        (tag, i1 + offset, i2 + offset, j1 + offset, j2 + offset)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if not (tag == "equal" and i1 == i2)
    ]
    if not any(tag != "equal" for tag, *_ in codes):
        return
    # Put the shared head and tail back as "equal" runs, then group as difflib does.
    if offset:
        codes.insert(0, ("equal", 0, offset, 0, offset))
    end_old, end_new = codes[-1][2], codes[-1][4]
    if end_old < n_old:
        codes.append(("equal", end_old, n_old, end_new, n_new))
    groups, group = [], []
    first = codes[0]
    if first[0] == "equal":
        tag, i1, i2, j1, j2 = first
        codes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    last = codes[-1]
    if last[0] == "equal":
        tag, i1, i2, j1, j2 = last
        codes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    for tag, i1, i2, j1, j2 in codes:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, i1 + context, j1, j1 + context))
            groups.append(group)
            group = []
            i1, j1 = i2 - context, j2 - context
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    yield from groups


def _hunk_header(group) -> str:
    def rng(start: int, stop: int) -> str:
        length = stop - start
        first = start + 1 if length else start
        return f"{first}" if length == 1 else f"{first},{length}"

    first, last = group[0], group[-1]
    return f"@@ -{rng(first[1], last[2])} +{rng(first[3], last[4])} @@\n"
