"""What the git history of types.py says about a name that is no longer there.

``olx retire NAME`` of a name in neither file is "already retired" only when types.py
once held NAME as a member of the release Enum, and ``olx remove-field NAME`` of a field
the entry model does not declare is "already removed" only when the model once declared
it; the message says in which commit it left. The lookup is cheap: ``git log -S`` (pickaxe) lists only the commits that changed
how often the quoted name occurs in the file, and only those revisions are read, with
the same ast reader as every other read. A revision that cannot be read (a syntax
error, a file that is not there) is skipped, never fatal; without git, a repository or
any history, the answer is "never held".
"""

from __future__ import annotations

import ast
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from olx.core.entry_model import is_field
from olx.core.reader import ENTRY_MODEL, read_types

# Where a name left, for a change still in the work tree (HEAD holds it, the file not).
UNCOMMITTED = "changes not committed yet"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            # A repository's log.showSignature would put gpg's lines into the format.
            ["git", "-c", "log.showSignature=false", *args],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError:  # no git on this machine: no history to ask
        return None


Commit = tuple[str, str, int, str]  # full hash, short hash, committer time, subject


def _log(root: Path, rel: str, *select: str) -> list[Commit]:
    """Commits that changed the file, oldest first along the first-parent line (the
    line HEAD was built on: a merge counts where it lands), narrowed by ``select``."""
    proc = _git(
        root,
        "log",
        "--first-parent",
        "--reverse",
        "--abbrev=10",
        "--format=%H%x00%h%x00%ct%x00%s",
        *select,
        "--",
        rel,
    )
    if proc is None or proc.returncode != 0:
        return []  # not a repository, no commits yet, ...
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        parts = line.split("\x00")
        if len(parts) == 4 and parts[2].isdigit():
            out.append((parts[0], parts[1], int(parts[2]), parts[3]))
    return out


# Whether a revision's types.py holds the name (None: it cannot be read).
Holds = Callable[[str], "bool | None"]


def _release_held(name: str) -> Holds:
    def holds(source: str) -> bool | None:
        return read_types(source, "types.py").release(name) is not None

    return holds


def _field_held(name: str) -> Holds:
    """Whether the entry model of a revision declares field ``name`` (only that class
    is read: an older file olx cannot otherwise read still answers)."""

    def holds(source: str) -> bool | None:
        module = ast.parse(source.removeprefix("\ufeff"))
        for node in module.body:
            if isinstance(node, ast.ClassDef) and node.name == ENTRY_MODEL:
                return any(
                    is_field(item) and item.target.id == name  # type: ignore[attr-defined]
                    for item in node.body
                )
        return False

    return holds


def _holds(root: Path, rev: str, rel: str, holds: Holds) -> bool | None:
    """Whether types.py at ``rev`` holds the name; None: unreadable."""
    proc = _git(root, "cat-file", "blob", f"{rev}:{rel}")
    if proc is None or proc.returncode != 0:
        return None  # the file is not there at that revision
    try:
        return holds(proc.stdout.decode("utf-8"))
    except Exception:  # any revision olx cannot read is skipped (SPEC: never fatal)
        return None


def retired_in(root: Path, types_path: Path, name: str) -> str | None:
    """Where the history of ``types_path`` last saw NAME leave the release Enum:
    ``1a2b3c4d5e 2024-03-01 "config: Retire olive"`` (committer date, UTC), or
    :data:`UNCOMMITTED` when HEAD still holds it; None when the history never held it.

    Membership is followed from one readable revision to the next, so a removal made
    across revisions that do not read (the half-retired ones of the real history) is
    dated at the first readable revision without the member.
    """
    # Release names are [a-z][a-z0-9_]*, so the name needs no escaping beyond re's.
    pattern = f"[\"']{re.escape(name)}[\"']"
    return _left_in(root, types_path, pattern, _release_held(name))


def field_removed_in(root: Path, types_path: Path, name: str) -> str | None:
    """Where the history of ``types_path`` last saw the entry model's field NAME
    go, as :func:`retired_in` says it; None when the model never declared it."""
    # Field names are [A-Za-z][A-Za-z0-9_]*; git's pickaxe takes POSIX extended
    # regular expressions: the name as a word followed by its annotation's colon.
    pattern = f"(^|[^A-Za-z0-9_]){re.escape(name)}[[:space:]]*:"
    return _left_in(root, types_path, pattern, _field_held(name))


def _left_in(root: Path, types_path: Path, pattern: str, holds: Holds) -> str | None:
    """Follow whether types.py holds a name through the commits where ``pattern``'s
    count changed (git's pickaxe): where it last left, :data:`UNCOMMITTED`, or None."""
    try:
        rel = types_path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    held = False
    left: str | None = None
    queue = _log(root, rel, "--pickaxe-regex", f"-S{pattern}")
    touching: list[Commit] | None = None
    index = 0
    while index < len(queue):
        full, short, when, subject = queue[index]
        index += 1
        now = _holds(root, full, rel, holds)
        if now is None:
            # Unreadable: the state is known again only at the next readable revision,
            # which need not change the name's count (a fixed syntax error), so the
            # file's other commits up to the next candidate are read too.
            if touching is None:
                touching = _log(root, rel)
            hashes = [c[0] for c in touching]
            after = hashes.index(full) + 1 if full in hashes else len(hashes)
            upto = queue[index][0] if index < len(queue) else None
            extra = []
            for commit in touching[after:]:
                if commit[0] == upto:
                    break
                extra.append(commit)
            queue[index:index] = extra
            continue
        if held and not now:
            day = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d")
            left = f'{short} {day} "{subject}"'
        held = now
    if held:
        # The last commit that touched the name still has it: the work tree (or an
        # earlier step of the same plan) is where it went.
        return UNCOMMITTED
    return left


def lookup(root: Path, types_path: Path) -> Callable[[str], str | None]:
    """:func:`retired_in` for one target, as the ops layer takes it."""
    return lambda name: retired_in(root, types_path, name)


def field_lookup(root: Path, types_path: Path) -> Callable[[str], str | None]:
    """:func:`field_removed_in` for one target, as the ops layer takes it."""
    return lambda name: field_removed_in(root, types_path, name)
