"""Running git: the one way olx starts the git on PATH, and the one way a git that
cannot run, does not answer or fails becomes an error.

Every subprocess of git goes through :func:`run` (or :func:`start`, for a process
fed while it runs). Each gets the same environment: the user's own, so that their
credentials, ``url.<base>.insteadOf`` rewrites and proxies apply, with
``GIT_TERMINAL_PROMPT=0`` (git never waits for a password: olx may run in a hook or a
pipeline) and ``log.showSignature=false`` (gpg's lines never enter a format). stdin is
empty unless the caller feeds it. With a timeout the process is killed when it expires,
its whole process group with ``new_session`` (git's remote helpers and ssh); an
interrupt kills it too.

The errors, all :class:`GitError` (kind ``git-state``, exit 2): git cannot start
(``cannot run git: …``), gives no answer in time, or exits non-zero when the caller
requires success (:meth:`Result.check`), with git's own reason line. GitPython, which
the commit path uses (olx.repo.gitops), maps its errors here too
(:meth:`GitError.from_gitpython`). A NUL in an argument cannot reach git's command
line: :class:`~olx.errors.BadValueError`.

A leaf module (it imports only :mod:`olx.errors`), so that every layer may run git the
same way: core's check of a branch name (``git check-ref-format``) included. It is
imported only where git runs: ``show`` and ``check`` never load it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from olx.errors import BadValueError, GitStateError

# Where git runs: a directory, or None for the current one.
Where = str | os.PathLike[str] | None
# Settings every git command olx runs gets (``git -c``).
CONFIG = ("-c", "log.showSignature=false")
ENVIRONMENT = {"GIT_TERMINAL_PROMPT": "0"}
# How long a killed process group is waited for (a helper that left it may hold a pipe).
REAP_SECONDS = 5.0


class GitError(GitStateError):
    """git could not run, gave no answer in time, or failed.

    ``command`` is git's subcommand (``log``, ``commit``), ``reason`` git's reason in
    one line, ``returncode`` its exit status (None when it did not run or was killed);
    ``details`` holds its whole output where that helps (a failing hook's).
    """

    def __init__(
        self,
        command: str,
        reason: str,
        hint: str | None = None,
        *,
        message: str | None = None,
        returncode: int | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message or f"git {command} failed: {reason}", hint, details)
        self.command = command
        self.reason = reason
        self.returncode = returncode

    @classmethod
    def from_gitpython(cls, exc: Any, hint: str | None = None) -> GitError:
        """GitPython's ``GitCommandError`` as the same error a subprocess of git gives
        (duck-typed: GitPython is not imported here). Its whole output is the details."""
        command = exc.command if isinstance(exc.command, list) else [str(exc.command)]
        name = " ".join(str(w) for w in command[1:2]) or "a git command"
        output = gitpython_output(exc)
        status = exc.status if isinstance(exc.status, int) else None
        return cls(
            name, reason_of(output, status), hint, returncode=status, details=output
        )


def gitpython_output(exc: Any) -> str:
    """What git (or its hook) printed, without GitPython's decoration."""
    parts = []
    for stream in (exc.stdout, exc.stderr):
        text = (stream or "").strip()
        for prefix in ("stdout: ", "stderr: "):
            text = text.removeprefix(prefix)
        parts.append(text.strip().strip("'").strip())
    return "\n".join(p for p in parts if p)


def reason_of(text: str, returncode: int | None = None) -> str:
    """git's reason in one line: its first ``fatal:``/``error:`` line (what follows is
    advice such as "Please make sure you have the correct access rights"), else its
    last line, else the exit status."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line
    if lines:
        return lines[-1]
    return f"exit {returncode}" if returncode is not None else "no reason given"


@dataclass(frozen=True)
class Result:
    """A git that ran to its end: the words after ``git``, exit status and output."""

    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def out(self) -> str:
        """stdout as text (invalid UTF-8 replaced)."""
        return self.stdout.decode("utf-8", "replace")

    @property
    def reason(self) -> str:
        """git's reason for failing, in one line."""
        return reason_of(self.stderr.decode("utf-8", "replace"), self.returncode)

    def check(self, hint: str | None = None) -> Result:
        """This result when git succeeded; :class:`GitError` with git's reason when
        it did not."""
        if self.ok:
            return self
        raise GitError(
            _command(self.args), self.reason, hint, returncode=self.returncode
        )


def _command(args: Sequence[str]) -> str:
    return next((a for a in args if not a.startswith("-")), "git")


def _environment() -> dict[str, str]:
    return {**os.environ, **ENVIRONMENT}


def start(cwd: Where, *args: str, stdin: bool = False) -> subprocess.Popen[bytes]:
    """git ARGS as a running process with stdout piped (stderr discarded; stdin piped
    with ``stdin``): for a caller that feeds it and reads it as it goes (``git
    cat-file --batch``). The same environment and launch errors as :func:`run`."""
    return _popen(cwd, args, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)


def _popen(
    cwd: Where,
    args: Sequence[str],
    stdin: int,
    stderr: int = subprocess.DEVNULL,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            ["git", *CONFIG, *args],
            cwd=cwd,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=_environment(),
            start_new_session=new_session,
        )
    except OSError as exc:
        reason = f"cannot run git: {exc.strerror or exc}"
        raise GitError(
            _command(args), reason, "olx needs git on PATH", message=reason
        ) from None
    except ValueError:  # a NUL byte in an argument
        raise BadValueError(
            f"git {_command(args)}: an argument holds a NUL byte",
            "a NUL cannot reach git's command line",
        ) from None


class Started:
    """The gits started for one caller, from any thread (``git ls-remote`` of many
    origins from worker threads): :meth:`kill_all` ends every one still running, with
    its process group, at once, and any started after it is killed as it starts. On
    an interrupt of the main thread, gits that workers wait for would otherwise run
    on until their timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[subprocess.Popen[bytes], bool] = {}  # → its own group
        self._stopped = False

    def add(self, proc: subprocess.Popen[bytes], group: bool) -> bool:
        """Count ``proc`` in; False once :meth:`kill_all` has run (kill it)."""
        with self._lock:
            if not self._stopped:
                self._running[proc] = group
            return not self._stopped

    def discard(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._running.pop(proc, None)

    def kill_all(self) -> None:
        """Kill every git still running (each :func:`run` then reaps its own)."""
        with self._lock:
            self._stopped = True
            running = list(self._running.items())
        for proc, group in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.kill()


def run(
    cwd: Where,
    *args: str,
    input: bytes | None = None,
    timeout: float | None = None,
    new_session: bool = False,
    started: Started | None = None,
) -> Result:
    """Run ``git ARGS`` in ``cwd`` to its end; its :class:`Result`, whatever its exit
    status (:meth:`Result.check` requires success).

    :class:`GitError` when git cannot start, or gives no answer within ``timeout``
    seconds (it is killed: with ``new_session``, git runs in a process group of its
    own, without a terminal, and the whole group is killed), or when ``started`` (the
    gits of the caller, which it may kill all at once) has been killed.
    """
    proc = _popen(
        cwd,
        args,
        stdin=subprocess.DEVNULL if input is None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        new_session=new_session,
    )
    if started is not None and not started.add(proc, new_session):
        _kill(proc, new_session)
        raise GitError(_command(args), "interrupted", message="git was interrupted")
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc, new_session)
        reason = f"no answer within {timeout:g}s"
        raise GitError(
            _command(args),
            reason,
            message=f"git {_command(args)} gave {reason}",
        ) from None
    except BaseException:
        _kill(proc, new_session)
        raise
    finally:
        if started is not None:
            started.discard(proc)
    return Result(tuple(args), proc.returncode, out, err)


def _kill(proc: subprocess.Popen[bytes], group: bool) -> None:
    """Kill git (and, for a ``group``, every process it started: remote helpers,
    ssh), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=REAP_SECONDS)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
