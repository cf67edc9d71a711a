"""What the git history says about a name that is no longer there.

"Already gone" (docs/contract.md, "Applications and entries") means gone from a name the
files once had: ``olx retire NAME`` of a release, ``olx remove-field NAME`` of a field,
``olx remove-app VALUE`` of an application and ``olx disable-app`` of an entry that the
history held are nothing to do, and say in which commit they left; a name the history
never held is an input error. The lookups are cheap: ``git log -G`` lists only the
commits whose diff adds or removes a line naming the name in a file, and only those
revisions are read, with the same ast reader as every other read (an entry, which may
name its application by an Enum reference, is looked for in the matrix file's revisions
newest first, and only when some revision mentions the name). A revision that cannot be
read (a syntax error, a file that is not there) is skipped, never fatal; without git, a
repository or any history, the answer is "never held".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from olx import gitrun
from olx.core.entry_model import field_name
from olx.core.reader import ENTRY_MODEL, read_sources, read_types
from olx.errors import InputError
from olx.repo.revisions import Commit

# Where a name left, for a change still in the work tree (HEAD holds it, the file not).
UNCOMMITTED = "changes not committed yet"


def _git(root: Path, *args: str) -> gitrun.Result | None:
    """git's answer when it ran and succeeded; None otherwise (no git here, not a
    repository, no commits, a NUL in a name): the history never held the name."""
    try:
        done = gitrun.run(root, *args)
    except InputError:
        return None
    return done if done.ok else None


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
    if proc is None:
        return []  # not a repository, no commits yet, ...
    out = []
    for line in proc.out.splitlines():
        parts = line.split("\x00")
        if len(parts) == 4 and parts[2].isdigit():
            when = datetime.fromtimestamp(int(parts[2]), UTC)
            out.append(Commit(parts[0], when, subject=parts[3], short=parts[1]))
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
                return any(field_name(item) == name for item in node.body)
        return False

    return holds


def _app_held(value: str) -> Holds:
    def holds(source: str) -> bool | None:
        return any(
            a.value == value for a in read_types(source, "types.py").applications
        )

    return holds


def _member_value_held(value: str, member: str) -> Holds:
    """Whether the application member ``member`` has the value ``value``."""

    def holds(source: str) -> bool | None:
        return any(
            a.value == value and a.member == member
            for a in read_types(source, "types.py").applications
        )

    return holds


def _holds(root: Path, rev: str, rel: str, holds: Holds) -> bool | None:
    """Whether types.py at ``rev`` holds the name; None: unreadable."""
    proc = _git(root, "cat-file", "blob", f"{rev}:{rel}")
    if proc is None:
        return None  # the file is not there at that revision
    try:
        return holds(proc.stdout.decode("utf-8"))
    except Exception:  # a revision olx cannot read is skipped (contract: never fatal)
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
    # Field names are [A-Za-z][A-Za-z0-9_]*; git log -G takes POSIX extended
    # regular expressions: the name as a word followed by its annotation's colon.
    pattern = f"(^|[^A-Za-z0-9_]){re.escape(name)}[[:space:]]*:"
    return _left_in(root, types_path, pattern, _field_held(name))


def app_removed_in(root: Path, types_path: Path, value: str) -> str | None:
    """Where the history of ``types_path`` last saw the application VALUE leave the
    application Enums, as :func:`retired_in` says it; None when it never held it."""
    pattern = f"[\"']{re.escape(value)}[\"']"
    return _left_in(root, types_path, pattern, _app_held(value))


def value_left_member_in(
    root: Path, types_path: Path, value: str, member: str
) -> str | None:
    """Where the history of ``types_path`` last saw the application member
    ``member`` hold the value VALUE (a rename's old value), as :func:`retired_in`
    says it; None when that member never had that value."""
    pattern = f"[\"']{re.escape(value)}[\"']"
    return _left_in(root, types_path, pattern, _member_value_held(value, member))


def _left_in(root: Path, types_path: Path, pattern: str, holds: Holds) -> str | None:
    """Follow whether types.py holds a name through the commits whose diff touches a
    line matching ``pattern`` (``git log -G``): where it last left,
    :data:`UNCOMMITTED`, or None."""
    try:
        rel = types_path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    held = False
    left: str | None = None
    # -G: every commit whose diff adds or removes a line matching the pattern. (-S
    # lists only those that change how often it occurs, and misses a rename that
    # moves the name from the value to the path in one commit.)
    queue = _log(root, rel, f"-G{pattern}")
    touching: list[Commit] | None = None
    index = 0
    while index < len(queue):
        commit = queue[index]
        index += 1
        now = _holds(root, commit.hash, rel, holds)
        if now is None:
            # Unreadable: the state is known again only at the next readable revision,
            # which need not change the name's count (a fixed syntax error), so the
            # file's other commits up to the next candidate are read too.
            if touching is None:
                touching = _log(root, rel)
            hashes = [c.hash for c in touching]
            after = (
                hashes.index(commit.hash) + 1 if commit.hash in hashes else len(hashes)
            )
            upto = queue[index].hash if index < len(queue) else None
            extra = []
            for other in touching[after:]:
                if other.hash == upto:
                    break
                extra.append(other)
            queue[index:index] = extra
            continue
        if held and not now:
            left = _named(commit)
        held = now
    if held:
        # The last commit that touched the name still has it: the work tree (or an
        # earlier step of the same plan) is where it went.
        return UNCOMMITTED
    return left


def _named(commit: Commit) -> str:
    """``1a2b3c4d5e 2024-03-01 "subject"``: a commit as a message names it."""
    return f'{commit.short} {commit.date.strftime("%Y-%m-%d")} "{commit.subject}"'


def _rel(root: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return None


def _blob(root: Path, rev: str, rel: str) -> str | None:
    proc = _git(root, "cat-file", "blob", f"{rev}:{rel}")
    if proc is None:
        return None  # the file is not there at that revision
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def entry_removed_in(
    root: Path, types_path: Path, matrix_path: Path, entry: tuple[str, str, str]
) -> str | None:
    """How the history of the matrix file lost the entry ``(application value,
    release, deployment)``: ``left in 1a2b3c4d5e 2025-01-01 "subject"``, or, for a
    list that was made without it (cloned and trimmed in one commit, as a plan does),
    ``made without it in …``; None when the history never held it there.

    An entry may name its application by an Enum reference, which no pickaxe on the
    value finds; so the revisions of the matrix file are read newest first until one
    holds the entry (a runbook re-run finds it a commit or two back). A name that no
    revision of either file ever mentions is not walked at all.
    """
    value = entry[0]
    types_rel, matrix_rel = _rel(root, types_path), _rel(root, matrix_path)
    if types_rel is None or matrix_rel is None:
        return None
    if not _log(root, matrix_rel, "-S", value) and not _log(
        root, types_rel, "-S", value
    ):
        return None
    commits = _log(root, matrix_rel)
    later: Commit | None = None
    for commit in reversed(commits):
        found = _entry_at(root, commit.hash, types_rel, matrix_rel, entry)
        if found is None:
            continue
        holds, has_list, elsewhere = found
        if holds or (not has_list and elsewhere):
            how = "left" if holds else "made without it"
            if later is None:
                return f"{how} in {UNCOMMITTED}"
            return f"{how} in {_named(later)}"
        if not has_list:
            return None  # the list came without it, from nowhere that had it
        later = commit
    return None


def _entry_at(
    root: Path, rev: str, types_rel: str, matrix_rel: str, entry: tuple[str, str, str]
) -> tuple[bool, bool, bool] | None:
    """At ``rev``: (the list holds the entry, the list exists, the deployment's list
    of another release holds the application); None: unreadable there."""
    value, release, deployment = entry
    types_src, matrix_src = _blob(root, rev, types_rel), _blob(root, rev, matrix_rel)
    if types_src is None or matrix_src is None:
        return None
    try:
        model = read_sources(types_src, matrix_src, types_rel, matrix_rel)
    except Exception:  # a revision olx cannot read is skipped (contract: never fatal)
        return None

    def held(block_release: str) -> bool | None:
        block = model.matrix.block(block_release)
        found = block.get(deployment) if block is not None else None
        if found is None:
            return None
        return any(e.application == value for e in found.entries)

    here = held(release)
    elsewhere = any(
        held(b.release) for b in model.matrix.release_map if b.release != release
    )
    return bool(here), here is not None, elsewhere
