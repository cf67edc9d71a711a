"""Reading remote refs with the user's own git, concurrently, with a timeout and a cache.

Each origin is read with one ``git ls-remote --heads --tags -- ORIGIN``, a subprocess of
the git on PATH (:mod:`olx.gitrun`), so that the user's credentials,
``url.<base>.insteadOf`` rewrites and proxies apply exactly as for the pipelines'
clones. ``GIT_TERMINAL_PROMPT=0`` and a new session (no controlling terminal) keep git
and ssh from ever waiting for a password; every call has a timeout after which its
whole process group (git and the remote helpers it spawned) is killed. Up to
:data:`MAX_WORKERS` origins are read at once.

Answers are cached per origin in the repository's common git directory (shared by its
worktrees), ``olx-refs/<hash>.json``, written atomically; an entry older than the TTL,
written in the future, or unreadable is ignored. Failures are never cached, and an
origin that fails when read anew loses its cached answer: a dead origin must not look
alive to the next run for the rest of the TTL because an older answer is still there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from olx import gitrun
from olx.core.refs import Refs, parse_ls_remote
from olx.edit.fileio import common_git_dir, write_text_atomically
from olx.errors import BadValueError

MAX_WORKERS = 16
CACHE_DIR = "olx-refs"
# What olx hands to git as a repository: URLs of the network transports and scp-like
# addresses. Anything else (a local path, ``ext::``, an option) is not read.
_URL = re.compile(
    r"(?:(?:https?|ssh|git)://[^\s/]+(?:/\S*)?|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)\Z"
)


@dataclass(frozen=True)
class Unreachable:
    """An origin whose refs could not be read, and why (one line)."""

    error: str


Answer = Refs | Unreachable


READABLE = "https://, http://, ssh://, git:// or user@host:path"


def readable_url(origin: str) -> bool:
    """Whether olx passes ``origin`` to git (see :data:`_URL`)."""
    return bool(_URL.match(origin)) and not origin.startswith("-")


def check_readable(origin: str, what: str) -> str:
    """``origin`` as typed by a user (``--repository``): a URL olx reads, else a bad
    value (exit 2) before anything runs."""
    if not readable_url(origin):
        raise BadValueError(
            f"invalid {what} {origin!r}", f"name a repository URL: {READABLE}"
        )
    return origin


def ls_remote(
    origin: str, timeout: float, started: gitrun.Started | None = None
) -> Answer:
    """The refs of ``origin``, or why they could not be read (never raises for a
    failing, slow or missing git); its git counted in ``started``."""
    if not readable_url(origin):
        return Unreachable(f"not a repository URL olx reads ({READABLE})")
    try:
        # Its own process group, and no terminal to ask on.
        proc = gitrun.run(
            None,
            *("ls-remote", "--heads", "--tags", "--", origin),
            timeout=timeout,
            new_session=True,
            started=started,
        )
    except gitrun.GitError as exc:  # no git, or no answer in time
        return Unreachable(exc.reason)
    if not proc.ok:
        return Unreachable(proc.reason)
    return parse_ls_remote(proc.out)


# --- the cache ----------------------------------------------------------------------


def cache_path(root: Path, origin: str) -> Path | None:
    """Where ``origin``'s refs are cached for the repository at ``root``; None outside
    a git repository (nothing is cached)."""
    git_dir = common_git_dir(root)
    if git_dir is None:
        return None
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:32]
    return git_dir / CACHE_DIR / f"{digest}.json"


def cached(root: Path, origin: str, ttl: float, now: float) -> Refs | None:
    """The cached refs of ``origin`` when they are younger than ``ttl`` seconds."""
    path = cache_path(root, origin)
    if path is None or ttl <= 0:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("origin") != origin:
            return None
        age = now - float(data["time"])
        if not 0 <= age < ttl:
            return None
        return Refs.from_json(data["refs"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, or damaged: read the origin again


def store(root: Path, origin: str, refs: Refs, now: float) -> None:
    """Cache ``refs``; a cache that cannot be written is no error (it is a cache)."""
    path = cache_path(root, origin)
    if path is None:
        return
    data = {"origin": origin, "time": now, "refs": refs.to_json()}
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        write_text_atomically(path, json.dumps(data))


def forget(root: Path, origin: str) -> None:
    """Drop ``origin``'s cached refs (it failed when read anew)."""
    path = cache_path(root, origin)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


# --- many origins at once -------------------------------------------------------------


def _read_concurrently(origins: list[str], timeout: float) -> list[Answer]:
    """:func:`ls_remote` of each origin, up to :data:`MAX_WORKERS` at once. An
    interrupt (Ctrl-C) kills every git started, at once, and goes on without waiting
    for the workers (which then end promptly): olx exits now, not at the timeout."""
    started = gitrun.Started()
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(origins)))
    try:
        answers = list(pool.map(lambda o: ls_remote(o, timeout, started), origins))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        started.kill_all()
        raise
    pool.shutdown()
    return answers


def read_refs(
    root: Path,
    origins: Iterable[str],
    *,
    timeout: float,
    ttl: float,
    refresh: bool = False,
    from_cache: set[str] | None = None,
) -> dict[str, Answer]:
    """The refs (or the failure) of every distinct origin, each read once: from the
    cache when it is fresh and ``refresh`` is off (those origins are added to
    ``from_cache``), else with ``git ls-remote``, up to :data:`MAX_WORKERS` at once."""
    wanted = list(dict.fromkeys(origins))
    now = time.time()
    out: dict[str, Answer] = {}
    to_read = []
    for origin in wanted:
        hit = None if refresh else cached(root, origin, ttl, now)
        if hit is not None:
            out[origin] = hit
            if from_cache is not None:
                from_cache.add(origin)
        else:
            to_read.append(origin)
    if to_read:
        answers = _read_concurrently(to_read, timeout)
        for origin, answer in zip(to_read, answers, strict=True):
            out[origin] = answer
            if isinstance(answer, Refs):
                store(root, origin, answer, time.time())
            else:
                forget(root, origin)
    return {origin: out[origin] for origin in wanted}
