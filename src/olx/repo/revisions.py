"""Revisions of the matrix files, read in memory: the git side of ``olx history``.

One ``git log`` lists the commits that touched the files with their blob ids, one
``git cat-file --batch`` process feeds every blob (nothing is checked out, no process
per revision), and consecutive revisions are parsed incrementally: only the top-level
statements that changed between them go through :mod:`ast` again.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from olx import gitrun
from olx.core import reader
from olx.errors import GitStateError


@dataclass(frozen=True)
class Commit:
    """A commit as olx's readers of the history see it (each asks git for what it
    needs: the stage timeline for the blobs, the "already gone" lookups for the
    subject and git's abbreviation)."""

    hash: str
    date: datetime  # the committer's, in UTC
    author: str = ""
    subject: str = ""
    short: str = ""  # git's abbreviation (``--abbrev=10``), where asked for
    # The paths the commit changed → their new blob (None: deleted); empty when git
    # did not say (then each file is asked for as ``commit:path``).
    blobs: dict[str, str | None] = field(default_factory=dict)


# -z keeps paths unquoted.
GIT_LOG: tuple[str, ...] = ("log", "--first-parent", "--reverse", "--raw")
GIT_LOG += ("--no-abbrev", "--no-renames", "-z")


def git_log(root: Path, paths: tuple[str, ...], at: str | None = None) -> list[Commit]:
    """The commits up to ``at`` (a commit id; None: HEAD) that touched ``paths``,
    oldest first along the first-parent line (a merge counts where it lands, with its
    changes against the first parent)."""
    start = [] if at is None else ["--end-of-options", at]
    proc = gitrun.run(
        root, *GIT_LOG, "--format=%x01%H%x00%ct%x00%an", *start, "--", *paths
    )
    if not proc.ok:
        if b"does not have any commits" in proc.stderr:
            raise GitStateError(
                f"{root} has no commits yet",
                "olx history reads the commits that touched the matrix file",
            )
        raise GitStateError(
            f"{root} is not a git repository (or git cannot read it)",
            "run olx in the infrastructure repository, or pass --repo PATH",
        )
    out = []
    for record in proc.stdout.split(b"\x01")[1:]:
        fields = record.split(b"\x00")
        if len(fields) < 3 or not fields[1].isdigit():
            continue
        blobs: dict[str, str | None] = {}
        for meta, path in zip(fields[3::2], fields[4::2], strict=False):
            parts = meta.strip().split()  # :old-mode new-mode old-oid new-oid status
            if len(parts) == 5 and parts[0].startswith(b":"):
                oid = parts[3].decode()
                blobs[path.decode("utf-8", "replace")] = (
                    None if not oid.strip("0") else oid
                )
        when = datetime.fromtimestamp(int(fields[1]), UTC)
        author = fields[2].decode("utf-8", "replace")
        out.append(Commit(fields[0].decode(), when, author, blobs=blobs))
    return out


def blobs(root: Path, requests: list[str]) -> Iterator[tuple[str, bytes] | None]:
    """(object id, content) of each request (an object id or ``rev:path``) in order,
    None where it is not a blob; all from one ``git cat-file --batch`` process."""
    proc = gitrun.start(root, "cat-file", "--batch", stdin=True)
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None  # both piped

    def feed() -> None:
        # A thread, so that git never blocks on a full stdout while we write.
        try:
            stdin.write("".join(f"{r}\n" for r in requests).encode("utf-8"))
            stdin.close()
        except OSError:  # git went away; reading below reports it
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in requests:
            header = stdout.readline().split()
            if len(header) == 3:
                data = stdout.read(int(header[2]) + 1)[:-1]
                yield (header[0].decode(), data) if header[1] == b"blob" else None
            elif header and header[-1] in (b"missing", b"ambiguous"):
                yield None
            else:
                raise GitStateError("git cat-file stopped answering", "is git working?")
    finally:
        writer.join()
        stdout.close()
        proc.wait()


Ranges = list[tuple[ast.stmt, int, int]]  # top-level statements and their lines


def statements(
    text: str, path: str, previous: tuple[list[str], Ranges] | None
) -> tuple[list[str], Ranges]:
    """The top-level statements of ``text`` with their lines, and its lines.

    Consecutive revisions differ in a few lines, so only the statements that changed
    are parsed: those wholly inside the lines both revisions share at the start and
    at the end are taken from ``previous``, and the rest is parsed alone. Sound
    because a top-level statement boundary resets Python's tokenizer: shared lines up
    to a boundary read the same in both, and a middle that parses on its own ends at
    one. Whatever that does not cover (carriage returns, a middle that does not
    parse) is parsed whole, so errors are reported exactly as for the whole file.
    """
    lines = text.split("\n")
    if previous is not None and "\r" not in text:
        ranges = _reparse(lines, *previous)
        if ranges is not None:
            return lines, ranges
    module = reader.parse(text, path)
    ranges = [(n, st.start_line, st.end_line) for n, st in reader.statements(module)]
    return lines, ranges


def _reparse(lines: list[str], old: list[str], ranges: Ranges) -> Ranges | None:
    n_old, n_new = len(old), len(lines)
    limit = min(n_old, n_new)
    same = 0
    while same < limit and old[same] == lines[same]:
        same += 1
    end = 0
    while end < limit - same and old[n_old - 1 - end] == lines[n_new - 1 - end]:
        end += 1
    head = 0
    while head < len(ranges) and ranges[head][2] <= same:
        head += 1
    tail = len(ranges)
    while tail > head and ranges[tail - 1][1] > n_old - end:
        tail -= 1
    # Statements sharing a line (``a = 1; b = 2``) are never split apart.
    while 0 < head < len(ranges) and ranges[head][1] == ranges[head - 1][2]:
        head -= 1
    while 0 < tail < len(ranges) and ranges[tail][1] == ranges[tail - 1][2]:
        tail += 1
    low = ranges[head - 1][2] if head else 0
    high = (ranges[tail][1] - 1 if tail < len(ranges) else n_old) + n_new - n_old
    if high < low or (head == 0 and lines and lines[0].startswith("\ufeff")):
        return None
    try:
        # Blank lines first, so that the middle's nodes have their lines in the file.
        middle = ast.parse("\n" * low + "\n".join(lines[low:high]))
    except (SyntaxError, ValueError):
        return None
    shift = n_new - n_old
    return [
        *ranges[:head],
        *((n, st.start_line, st.end_line) for n, st in reader.statements(middle)),
        *((n, a + shift, b + shift) for n, a, b in ranges[tail:]),
    ]


def moved_to_line(node: Any, start: int) -> Any:
    """``node`` with its lines where the statement starts at ``start``: a statement
    taken from an earlier revision keeps that revision's lines, and error messages name
    lines (a copy, as the earlier revision still holds the node)."""
    own = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    if own == start:
        return node
    import copy

    return ast.increment_lineno(copy.deepcopy(node), start - own)
