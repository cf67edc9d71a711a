"""Writing the files: atomically together, under a lock that serializes olx writers."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from olx.edit.change import FileEdit
from olx.errors import BusyError, FileAccessError, GitStateError

LOCK_WAIT_SECONDS = 10.0


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    if dot.is_file():  # a worktree: "gitdir: <path>"
        text = dot.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            return (root / text.split(":", 1)[1].strip()).resolve()
    return None


def common_git_dir(root: Path) -> Path | None:
    """The git directory that the repository's worktrees share (a worktree's own git
    dir names it in its ``commondir`` file), or None outside a repository."""
    git_dir = _git_dir(root)
    if git_dir is None:
        return None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        common = (git_dir / "commondir").read_text(encoding="utf-8").strip()
        if common:
            return (git_dir / common).resolve()
    return git_dir


def olx_file(root: Path, name: str, *, make: bool = True) -> Path:
    """Where olx keeps its file ``name`` (the lock, the journal) for the target at
    ``root``: inside .git when there is one (never dirties the work tree, stays),
    else in the user's private directory (:func:`private_dir`) under a name of that
    target directory's own (removed when done: see :func:`repo_lock`). ``make``
    False only looks: a private directory not made yet holds nothing."""
    git_dir = _git_dir(root)
    if git_dir is not None:
        return git_dir / name
    import zlib  # (hashlib would load OpenSSL on every command outside git)

    where = str(root.resolve()).encode()
    digest = f"{zlib.crc32(where):08x}{zlib.adler32(where):08x}"
    return private_dir(make=make) / f"olx-{digest}-{name}"


def private_dir(*, make: bool = True) -> Path:
    """The user's own directory for olx's files outside git: ``olx-UID`` in the temp
    directory, mode 0700, made on first use. Refused (:class:`FileAccessError`)
    unless it is a directory (not a link) of this user's that no one else may enter:
    a journal there says what to write into which files, and the temp directory is
    shared with every user of the machine. ``make`` False: the path, unchecked, when
    nothing is there yet (a read that only looks for a journal makes nothing)."""
    import stat
    import tempfile

    uid = os.geteuid()
    path = Path(tempfile.gettempdir()) / f"olx-{uid}"
    if not make and not os.path.lexists(path):
        return path
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise FileAccessError(
            f"cannot create olx's directory {path}: {exc.strerror}",
            "olx keeps its lock and journal there outside git; set TMPDIR to a "
            "directory you can write",
        ) from None
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or info.st_mode & 0o077:
        raise FileAccessError(
            f"{path} is not a private directory of yours (a directory you own, mode "
            "0700), where olx keeps its lock and journal outside git",
            "look at it, remove it (or set TMPDIR to a directory of your own), then "
            "run olx again",
        )
    return path


def lock_path(root: Path) -> Path:
    return olx_file(root, "olx.lock")


@contextlib.contextmanager
def repo_lock(root: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the repository's olx lock from read to write; wait up to ``wait`` seconds.

    Outside git the lock file is in the shared temp directory and is removed when the
    lock is released (a command leaves nothing behind there); a waiter that then holds
    a removed file tries again with the file now at the path, so that two holders
    never coexist.
    """
    path = lock_path(root)
    temporary = _git_dir(root) is None
    deadline = time.monotonic() + wait
    while True:
        fd = _open_lock(path)
        try:
            _flock(fd, path, deadline)
            if not temporary or _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # it was removed by the holder before: lock the one there now
    try:
        yield
    finally:
        if temporary:
            with contextlib.suppress(OSError):
                path.unlink()  # still holding it: no one can have it meanwhile
        os.close(fd)  # closing releases the flock


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FileAccessError(
            f"cannot create the olx lock {path}: {exc.strerror}",
            "olx needs to write inside .git (or the temp directory)",
        ) from None


def _flock(fd: int, path: Path, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                # ENOLCK (a file system without locks), EIO...: not a bug of
                # olx's, and nothing has been read or written yet.
                raise FileAccessError(
                    f"cannot lock {path}: {exc.strerror}",
                    "olx needs a file system that supports flock for .git",
                ) from None
            if time.monotonic() >= deadline:
                raise BusyError(
                    "another olx process is writing this repository",
                    f"try again when it has finished (lock: {path})",
                ) from None
            time.sleep(0.05)


def _same_file(fd: int, path: Path) -> bool:
    """Whether the locked descriptor is still the file at ``path``."""
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


TEMP_SUFFIX = ".olx-tmp"


def temporaries_of(path: Path) -> list[Path]:
    """The temporary files :func:`write_text_atomically` makes for ``path`` and that are
    still there (``.NAME.<random>.olx-tmp`` beside it): one directory listing. Only a
    writer of ``path`` makes one and removes it; one found otherwise was left by a
    writer that was killed."""
    prefix = f".{path.name}."
    try:
        with os.scandir(path.parent) as entries:
            return [
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(prefix) and entry.name.endswith(TEMP_SUFFIX)
            ]
    except OSError:  # no such directory (yet): nothing was left there
        return []


def _write_temp(path: Path, text: str) -> Path:
    import tempfile

    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


class ChangedMeanwhileError(GitStateError):
    """A file is no longer the text olx planned its change against (another program
    wrote it since olx read it): nothing is written (exit 2)."""


def unchanged_since_read(edits: Sequence[FileEdit]) -> None:
    """Refuse (:class:`ChangedMeanwhileError`) unless every file is, byte for byte,
    the edit's ``old`` text: what the change was planned and verified against."""
    for edit in edits:
        try:
            same = edit.path.read_bytes() == edit.old.encode("utf-8")
        except FileNotFoundError:
            same = False
        except OSError as exc:
            raise FileAccessError(
                f"cannot read {edit.shown}: {exc.strerror}; nothing changed"
            ) from None
        if not same:
            raise ChangedMeanwhileError(
                f"{edit.shown} changed since olx read it; nothing was written",
                "another program wrote it meanwhile: look at it (git diff), then run "
                "olx again",
            )


def write_edits(edits: Sequence[FileEdit]) -> None:
    """Write every edit or none: all temporary files first, then the renames.

    Nothing is written unless every file still is the text the change was planned
    against (:func:`unchanged_since_read`). Should a rename fail, or the process be
    interrupted, after another rename succeeded, the renamed files are put back.
    """
    unchanged_since_read(edits)
    temps: list[tuple[FileEdit, Path]] = []
    current = edits[0] if edits else None
    try:
        for current in edits:
            temps.append((current, _write_temp(current.path, current.new)))
        done: list[FileEdit] = []
        try:
            for current, tmp in temps:
                os.replace(tmp, current.path)
                done.append(current)
        except BaseException:
            for edit in done:
                restore(edit)
            raise
    except OSError as exc:
        shown = current.shown if current else "?"
        raise FileAccessError(
            f"cannot write {shown}: {exc.strerror}; nothing changed"
        ) from None
    finally:
        for _, tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_text_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8, newlines as given) in one rename; a rename
    that fails takes its temporary file with it."""
    tmp = _write_temp(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def restore(edit: FileEdit) -> None:
    """Put a file back as it was before ``edit`` (atomically)."""
    write_text_atomically(edit.path, edit.old)
