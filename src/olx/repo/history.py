"""What the git history of types.py says about a release that is no longer there.

``olx retire NAME`` of a name in neither file is "already retired" only when types.py
once held NAME as a member of the release Enum; the message says in which commit it
left. The lookup is cheap: ``git log -S`` (pickaxe) lists only the commits that changed
how often the quoted name occurs in the file, and only those revisions are read, with
the same ast reader as every other read. A revision that cannot be read (a syntax
error, a file that is not there) is skipped, never fatal; without git, a repository or
any history, the answer is "never held".
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from olx.core.reader import read_types

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


def _candidates(root: Path, rel: str, name: str) -> list[Commit]:
    """The commits where the number of ``"NAME"`` (or ``'NAME'``) in the file changed:
    a member can only come or go in one of them."""
    # Release names are [a-z][a-z0-9_]*, so the name needs no escaping beyond re's.
    pattern = f"[\"']{re.escape(name)}[\"']"
    return _log(root, rel, "--pickaxe-regex", f"-S{pattern}")


def _holds(root: Path, rev: str, rel: str, name: str) -> bool | None:
    """Whether types.py at ``rev`` has NAME in its release Enum; None: unreadable."""
    proc = _git(root, "cat-file", "blob", f"{rev}:{rel}")
    if proc is None or proc.returncode != 0:
        return None  # the file is not there at that revision
    try:
        source = proc.stdout.decode("utf-8")
        return read_types(source, rel).release(name) is not None
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
    try:
        rel = types_path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    held = False
    left: str | None = None
    queue = _candidates(root, rel, name)
    touching: list[Commit] | None = None
    index = 0
    while index < len(queue):
        full, short, when, subject = queue[index]
        index += 1
        now = _holds(root, full, rel, name)
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
