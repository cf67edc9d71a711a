"""The write journal: a write killed at any instant is finished or undone by the next olx.

Before its first change a write records, next to the lock (in ``.git/``), what it is
about to do: the files with their old texts and the hash of their new ones, and for a
commit the branch it starts from, the branch it commits on and the commit it starts at.
The journal goes when the write is done or rolled back. A journal still there means a
writer died (SIGKILL, a power cut) somewhere in between; the next olx command, before
doing anything else and under the lock, finds the repository as the write left it and
brings it to one of the two states a user may see:

* the commit was made: the write is complete (as after), the journal goes;
* otherwise: the files, the index, the checkout and the branch are put back (as
  before): the olx-made branch is deleted only if it still points at the start.

Without git (``--no-commit``), the files are either all new (as after) or all put back.
Temporary files a killed write left beside the target files are removed. A write killed
while it wrote the journal itself (into a temporary file, renamed when complete) had
changed nothing and left no journal, only that temporary file: the next olx command
removes it, under the lock (a live writer, who holds the lock while it writes its
journal, is never robbed of its own).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from olx.edit.fileio import (
    lock_path,
    olx_file,
    repo_lock,
    temporaries_of,
    write_text_atomically,
)
from olx.errors import BusyError, FileAccessError, GitStateError

if TYPE_CHECKING:
    from olx.gitrun import Result

NAME = "olx-journal.json"


def _sha(text: str) -> str:
    # Imported here: hashlib costs about 2 ms, and only a write or a recovery needs it
    # (every command imports this module to look for a journal).
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Journal:
    """What a write is about to do (see the module's docstring)."""

    mode: str  # "commit" or "no-commit"
    files: list[dict[str, str]] = field(default_factory=list)  # path, shown, old, new
    original: str | None = None  # the branch checked out before
    branch: str | None = None  # the branch committed on
    create: bool = False  # whether the write creates ``branch``
    start: str | None = None  # HEAD before

    @classmethod
    def of(cls, mode: str, edits: Sequence[Any], **git: Any) -> Journal:
        files = [
            {"path": str(e.path), "shown": e.shown, "old": e.old, "new": _sha(e.new)}
            for e in edits
        ]
        return cls(mode, files, **git)


def path_of(root: Path, *, make: bool = True) -> Path:
    return olx_file(root, NAME, make=make)


@dataclass
class Kept:
    """Set ``keep`` when a rollback could not put everything back: the journal stays,
    so that the next olx command finishes the undo."""

    keep: bool = False


@contextlib.contextmanager
def recorded(root: Path, journal: Journal) -> Iterator[Kept]:
    """Write the journal before the block and remove it after, whether the block
    succeeds or rolls itself back (unless the block sets ``keep`` on the handle it is
    given); a process killed inside leaves it for :func:`recover`."""
    target = path_of(root)
    remove_stale_temporaries(root)  # a writer killed while writing its journal
    try:
        write_text_atomically(target, json.dumps(asdict(journal)))
    except OSError as exc:
        raise FileAccessError(
            f"cannot write the olx journal {target.name}: {exc.strerror}; "
            "nothing changed",
            "olx needs to write inside .git (or the temp directory)",
        ) from None
    handle = Kept()
    try:
        yield handle
    finally:
        if not handle.keep:
            with contextlib.suppress(OSError):
                target.unlink()


def pending(root: Path) -> bool:
    """Whether a journal is there (one stat: cheap enough for every command)."""
    return path_of(root, make=False).exists()


def stale_temporaries(root: Path) -> list[Path]:
    """The journal's own temporary files in its directory
    (:func:`~olx.edit.fileio.temporaries_of`: one listing of .git, a few dozen names,
    cheap enough for every command). Only a writer that holds the lock makes one;
    outside its :func:`recorded` block, one there was left by a writer killed while
    writing its journal."""
    return temporaries_of(path_of(root, make=False))


def remove_stale_temporaries(root: Path) -> list[str]:
    """Remove :func:`stale_temporaries` (the caller holds the lock, so that none is a
    live writer's); what was removed."""
    done = []
    for stale in stale_temporaries(root):
        with contextlib.suppress(OSError):  # gone, or not ours to remove: left
            stale.unlink()
            done.append(f"removed {stale.name} (the write had changed nothing)")
    return done


def recover_if_needed(root: Path) -> list[str]:
    """:func:`recover` when a journal is there, and :func:`remove_stale_temporaries`
    when the journal's temporary files are, unless an olx process holds the lock; what
    was done.

    A journal (or its temporary file) under a held lock belongs to a write in progress
    (whose commit hook may be running olx itself, as the pre-commit hook does): it is
    left alone.
    """
    if not pending(root) and not stale_temporaries(root):
        return []
    try:
        with repo_lock(root, wait=0):
            done = remove_stale_temporaries(root)
            return done + recover(root) if pending(root) else done
    except BusyError:
        return []  # a live writer holds the lock


def recover(root: Path) -> list[str]:
    """Finish or undo the write a journal describes (the caller holds the lock)."""
    target = path_of(root)
    _refuse_unless_own(target)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        journal = Journal(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise FileAccessError(
            f"cannot read the olx write journal {target}: {exc}",
            "inspect git status, then delete the file",
        ) from None
    done = _remove_temporaries(journal)
    if journal.mode == "commit":
        done += _recover_commit(root, journal)
    else:
        done += _recover_files(journal)
    target.unlink()
    return done


def _refuse_unless_own(target: Path) -> None:
    """A journal says which files to write and with what: one this user did not write
    (another user's, in a shared repository or directory; a link) is never acted on."""
    import os
    import stat

    try:
        info = os.lstat(target)
    except OSError as exc:
        raise FileAccessError(
            f"cannot read the olx write journal {target}: {exc.strerror}"
        ) from None
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        raise FileAccessError(
            f"the olx write journal {target} belongs to another user (or is a link): "
            "olx will not act on it",
            "if an olx write of yours was not interrupted there, delete it",
        )


def _remove_temporaries(journal: Journal) -> list[str]:
    done = []
    for item in journal.files:
        path = Path(item["path"])
        for tmp in temporaries_of(path):
            with contextlib.suppress(OSError):
                tmp.unlink()
                done.append(f"removed {tmp.name}")
    return done


def _current(item: dict[str, str]) -> str | None:
    try:
        return Path(item["path"]).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _ours(journal: Journal) -> None:
    """Refuse to touch a file that is neither as the write found it nor as it meant
    to leave it: someone has edited it since, and that work is not olx's to undo."""
    for item in journal.files:
        text = _current(item)
        if text is not None and text != item["old"] and _sha(text) != item["new"]:
            raise GitStateError(
                f"an interrupted olx write left {NAME} in .git, and {item['shown']} "
                "has been changed since",
                "keep what you need (git status, git diff), put the file back as the "
                f"commit has it, then delete .git/{NAME}",
            )


def _put_back(journal: Journal) -> list[str]:
    _ours(journal)
    done = []
    for item in journal.files:
        if _current(item) != item["old"]:
            write_text_atomically(Path(item["path"]), item["old"])
            done.append(f"restored {item['shown']}")
    return done


def _recover_files(journal: Journal) -> list[str]:
    if all(
        (text := _current(item)) is not None and _sha(text) == item["new"]
        for item in journal.files
    ):
        return ["the interrupted write had finished"]
    return _put_back(journal)


def _git(root: Path, *args: str) -> Result:
    """git, run as olx runs it (:mod:`olx.gitrun`, loaded only when a journal is
    there to recover: every command looks for one)."""
    from olx import gitrun

    return gitrun.run(root, *args)


def _rev(root: Path, ref: str) -> str | None:
    out = _git(root, "rev-parse", "--verify", "-q", ref)
    return out.out.strip() or None if out.ok else None


def _committed(root: Path, journal: Journal) -> bool:
    """Whether the journal's commit exists: the branch's tip is a child of the start
    that changes only the journal's files, the work-tree files are the new texts, and
    the tip holds them (compared as git stores them, so that line-ending filters,
    autocrlf say, do not mislead)."""
    tip = _rev(root, f"refs/heads/{journal.branch}")
    if tip is None or tip == journal.start or _rev(root, f"{tip}^") != journal.start:
        return False
    paths = _git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", tip)
    if set(paths.out.split()) - {item["shown"] for item in journal.files}:
        return False  # a hook put more into it: not the write's commit
    for item in journal.files:
        text = _current(item)
        if text is None or _sha(text) != item["new"]:
            return False
        hashed = _git(root, "hash-object", f"--path={item['shown']}", item["path"])
        if not hashed.ok or hashed.out.strip() != _rev(root, f"{tip}:{item['shown']}"):
            return False
    return True


def _recover_commit(root: Path, journal: Journal) -> list[str]:
    git_dir = lock_path(root).parent
    index_lock = git_dir / "index.lock"
    journal_file = path_of(root)
    with contextlib.suppress(OSError):
        # Left by a git that died with the writer (it is younger than the journal).
        if index_lock.stat().st_mtime >= journal_file.stat().st_mtime:
            index_lock.unlink()
    if _committed(root, journal):
        return [f"the interrupted write had committed on {journal.branch}"]
    head = _git(root, "symbolic-ref", "-q", "--short", "HEAD").out.strip()
    if head not in (journal.original, journal.branch):
        raise GitStateError(
            f"an interrupted olx write left {NAME} in .git, and {head or 'HEAD'} is "
            "checked out now",
            f"check out {journal.original} to let olx finish the undo, or delete "
            f".git/{NAME}",
        )
    _ours(journal)
    if journal.start and _rev(root, "HEAD") != journal.start and head == journal.branch:
        # A commit whose check failed (a hook changed it) and whose undo did not
        # finish: the branch tip is olx's commit.
        _must(root, "reset", "-q", "--soft", journal.start)
    shown = [item["shown"] for item in journal.files]
    _must(root, "reset", "-q", "--", *shown)
    done = _put_back(journal)
    if journal.create and head == journal.branch and journal.original:
        _must(root, "checkout", "-q", journal.original)
        done.append(f"checked out {journal.original}")
    made = journal.branch
    if journal.create and made and _rev(root, f"refs/heads/{made}") == journal.start:
        _must(root, "branch", "-q", "-D", made)
        done.append(f"deleted branch {journal.branch}")
    return done or ["nothing had been changed yet"]


def _must(root: Path, *args: str) -> None:
    """A git step of the undo; one that fails keeps the journal for the next olx."""
    done = _git(root, *args)
    if not done.ok:
        words = " ".join(a for a in args if a != "-q")
        raise GitStateError(
            f"olx could not finish undoing an interrupted olx write: git {words}: "
            f"{done.reason}",
            "if another git process is running, let it finish (remove .git/index.lock "
            f"if none is); the next olx command tries again (.git/{NAME} stays)",
        )


def describe(done: list[str]) -> str:
    return "olx: completed an interrupted write: " + "; ".join(done)
