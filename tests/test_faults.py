"""Fault injection: each step of a committing write fails in turn, and the repository is
left exactly as before.

docs/contract.md, "Commits, pushes and pull requests": "Anything failing after the
branch is made puts the files, the index, the branch and the checkout back"; and
"Safety": both files are written atomically together, "neither or both". For
promote, an entry command (override), a types.py command (add-app) and a plan that
writes both files, every call of every step is made to fail once — each temporary file,
each rename, the journal, the lock, every git command GitPython runs (branch creation,
checkout, staging, the commit, the checks before) — and then a real hook that reformats
the matrix and fails, and a read-only settings directory. After each: both files, HEAD,
the branches, the index and the work tree are as before, no ``*.olx-tmp`` and no journal
is left, and the error is one ``olx: error:`` line (a hook's output follows, indented)
with exit 2.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

import olx.edit.fileio as fileio
from olx.example import init_example
from olx.repo import journal

URL = "https://github.com/openedx/olx-fault-app"
RUNBOOK = "promote xpro QA\nadd-release verawood --clone-from ulmo\n"

COMMANDS: dict[str, list[str]] = {
    "promote": ["promote", "xpro", "QA"],
    "override": ["override", "ulmo", "mitx", "edx-platform", "--branch", "mitx/hotfix"],
    "add-app": ["add-app", "olx-fault-app", "--type", "IDA", "--repository", URL],
    "plan": ["plan", "RUNBOOK"],
}
# The files each command writes (the plan both: two temporary files, two renames).
WRITES = {
    "promote": [EXAMPLE_MATRIX],
    "override": [EXAMPLE_MATRIX],
    "add-app": [EXAMPLE_TYPES],
    "plan": [EXAMPLE_TYPES, EXAMPLE_MATRIX],
}


# -- the repository and what "as before" means --------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def snapshot(repo: Path) -> dict[str, object]:
    """Both files, HEAD, the branches, the index and the work tree."""
    return {
        "types": (repo / EXAMPLE_TYPES).read_bytes(),
        "matrix": (repo / EXAMPLE_MATRIX).read_bytes(),
        "HEAD": (repo / ".git" / "HEAD").read_text(),
        "refs": _git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "staged": _git(repo, "diff", "--cached", "--name-only"),
        "status": _git(repo, "status", "--porcelain", "--untracked-files=all"),
    }


def leftovers(repo: Path) -> list[str]:
    found = [str(p.relative_to(repo)) for p in repo.rglob("*.olx-tmp")]
    if journal.path_of(repo).exists():
        found.append(journal.NAME)
    if (repo / ".git" / "index.lock").exists():
        found.append("index.lock")
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    init_example(path)
    (tmp_path / "runbook.txt").write_text(RUNBOOK, encoding="utf-8")
    return path


def words(repo: Path, name: str) -> list[str]:
    runbook = str(repo.parent / "runbook.txt")
    return [runbook if w == "RUNBOOK" else w for w in COMMANDS[name]]


def run(repo: Path, name: str, *extra: str):
    return invoke("--repo", repo, *words(repo, name), *extra, catch_exceptions=True)


def assert_refused_and_untouched(
    result: Any, repo: Path, before: dict[str, object], what: str
) -> str:
    """Exit 2, one error line (a hook's output may follow, indented), nothing changed."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        what,
        result.exception,
    )
    assert result.exit_code == 2, (what, result.exit_code, result.output)
    first, *rest = result.stderr.splitlines()
    assert first.startswith("olx: error: "), (what, result.stderr)
    assert all(line.startswith("  | ") for line in rest), (what, result.stderr)
    assert "Traceback" not in result.output
    assert snapshot(repo) == before, what
    assert leftovers(repo) == [], what
    return first


# -- failing the nth call of a function -------------------------------------------------


class Failing:
    """Wraps ``real``: counts the calls for which ``which`` is true, and the ``nth`` of
    them raises ``error()`` instead (0: none fails, only counting)."""

    def __init__(
        self,
        real: Callable[..., Any],
        nth: int,
        error: Callable[[], BaseException],
        which: Callable[..., bool] = lambda *a, **k: True,
    ) -> None:
        self.real, self.nth, self.error, self.which = real, nth, error, which
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.which(*args, **kwargs):
            self.calls += 1
            if self.calls == self.nth:
                raise self.error()
        return self.real(*args, **kwargs)


class OsWithFailingReplace:
    """``os`` as fileio sees it, with ``replace`` failing (fileio calls ``os.replace``)."""

    def __init__(self, replace: Failing) -> None:
        self.replace = replace

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def count_calls(tmp_path: Path, name: str, install: Callable[[Failing], None], real):
    """How often a successful run of ``name`` calls the step (in a scratch copy)."""
    scratch = tmp_path / f"count-{name}"
    init_example(scratch)
    counter = Failing(real, 0, enospc)
    install(counter)
    result = run(scratch, name)
    assert result.exit_code == 0, result.output
    return counter.calls


# -- temporary files, renames, the journal -----------------------------------------------


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_temporary_file_failing_leaves_everything_as_before(
    repo: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fileio._write_temp

    def install(wrapper: Failing) -> None:
        monkeypatch.setattr(fileio, "_write_temp", wrapper)

    calls = count_calls(tmp_path, name, install, real)
    # the journal, then one per written file
    assert calls == 1 + len(WRITES[name])
    before = snapshot(repo)
    for nth in range(1, calls + 1):
        install(Failing(real, nth, enospc))
        first = assert_refused_and_untouched(run(repo, name), repo, before, nth)
        assert "No space left on device" in first
        assert "nothing changed" in first


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_rename_failing_leaves_everything_as_before(
    repo: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def install(wrapper: Failing) -> None:
        monkeypatch.setattr(fileio, "os", OsWithFailingReplace(wrapper))

    def eio() -> OSError:
        return OSError(errno.EIO, "Input/output error")

    calls = count_calls(tmp_path, name, install, os.replace)
    assert calls == 1 + len(WRITES[name])
    before = snapshot(repo)
    for nth in range(1, calls + 1):
        install(Failing(os.replace, nth, eio))
        first = assert_refused_and_untouched(run(repo, name), repo, before, nth)
        assert "Input/output error" in first


def test_the_second_rename_failing_puts_the_first_file_back(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither or both: the plan's types.py is renamed into place, then the matrix's
    rename fails; types.py is restored (its bytes compared in the snapshot)."""
    renamed: list[str] = []

    def note(src: Any, dst: Any) -> None:
        renamed.append(Path(dst).name)
        os.replace(src, dst)

    # journal, types.py, then the matrix fails
    failing = Failing(note, 3, enospc)
    monkeypatch.setattr(fileio, "os", OsWithFailingReplace(failing))
    before = snapshot(repo)
    assert_refused_and_untouched(run(repo, "plan"), repo, before, "second rename")
    assert renamed[:2] == [journal.NAME, "types.py"]
    # the restore of types.py was a rename too, after the failure
    assert "types.py" in renamed[2:]


@pytest.mark.parametrize("name", ["promote", "add-app"])
def test_the_journal_that_cannot_be_written_stops_the_write_before_any_change(
    repo: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(path: Path, text: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(journal, "write_text_atomically", denied)
    before = snapshot(repo)
    first = assert_refused_and_untouched(run(repo, name), repo, before, "journal")
    assert "cannot write the olx journal" in first


def test_a_no_commit_write_with_a_failing_rename_leaves_the_files(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo)
    failing = Failing(os.replace, 3, enospc)  # the plan's second file
    monkeypatch.setattr(fileio, "os", OsWithFailingReplace(failing))
    assert_refused_and_untouched(run(repo, "plan", "--no-commit"), repo, before, "nc")


# -- the lock ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_lock_that_cannot_be_taken_is_exit_2_before_any_change(
    repo: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    before = snapshot(repo)
    first = assert_refused_and_untouched(run(repo, name), repo, before, "flock")
    assert "No locks available" in first


def test_a_lock_file_that_cannot_be_created_is_exit_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def denied(path: Any, flags: int, mode: int = 0o777) -> int:
        if str(path).endswith("olx.lock"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, mode)

    monkeypatch.setattr(fileio, "os", _OsWith(open=denied))
    before = snapshot(repo)
    first = assert_refused_and_untouched(run(repo, "promote"), repo, before, "open")
    assert "cannot create the olx lock" in first


class _OsWith:
    def __init__(self, **overrides: Any) -> None:
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_lock_held_by_another_writer_is_refused_after_the_wait(
    repo: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fileio, "LOCK_WAIT_SECONDS", 0.2)
    # repo_lock's own default wait, read when it was defined
    monkeypatch.setattr(fileio.repo_lock.__wrapped__, "__defaults__", (0.2,))
    before = snapshot(repo)
    with fileio.repo_lock(repo):  # another open file description: a rival writer
        result = run(repo, name)
    first = assert_refused_and_untouched(result, repo, before, "busy")
    assert "another olx process is writing this repository" in first


# -- every git command GitPython runs ---------------------------------------------------


def _git_calls(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The git commands a successful run of ``name`` makes through GitPython, in order."""
    seen: list[str] = []
    real = git.cmd.Git._call_process

    def spy(self: git.cmd.Git, method: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(method)
        return real(self, method, *args, **kwargs)

    scratch = tmp_path / f"spy-{name}"
    init_example(scratch)
    with monkeypatch.context() as patch:
        patch.setattr(git.cmd.Git, "_call_process", spy)
        result = run(scratch, name)
    assert result.exit_code == 0, result.output
    return seen


def _git_error(method: str) -> Callable[[], BaseException]:
    return lambda: git.GitCommandError(
        ["git", method], 128, stderr=f"fatal: injected failure of git {method}"
    )


def _os_error(method: str) -> Callable[[], BaseException]:
    return lambda: OSError(errno.EAGAIN, "Resource temporarily unavailable")


@pytest.mark.parametrize("name", list(COMMANDS))
@pytest.mark.parametrize(
    "error", [_git_error, _os_error], ids=["git-error", "os-error"]
)
def test_each_git_command_failing_leaves_everything_as_before(
    repo: Path,
    tmp_path: Path,
    name: str,
    error: Callable[[str], Callable[[], BaseException]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _git_calls(tmp_path, name, monkeypatch)
    # branch creation (checkout -b), staging and the commit are among them
    assert {"checkout", "add", "commit"} <= set(calls)
    real = git.cmd.Git._call_process
    before = snapshot(repo)
    for index, method in enumerate(calls):
        nth = calls[: index + 1].count(method)

        def fail(self: git.cmd.Git, m: str, *a: Any, **k: Any) -> bool:
            return m == method  # noqa: B023 (used at once, in this iteration)

        failing = Failing(real, nth, error(method), fail)
        with monkeypatch.context() as patch:
            patch.setattr(git.cmd.Git, "_call_process", _method(failing))
            result = run(repo, name)
        assert failing.calls >= nth, (method, nth)
        assert_refused_and_untouched(result, repo, before, f"{method} #{nth}")


def _method(failing: Failing) -> Callable[..., Any]:
    def bound(self: git.cmd.Git, method: str, *args: Any, **kwargs: Any) -> Any:
        return failing(self, method, *args, **kwargs)

    return bound


# -- a real hook that reformats and fails -----------------------------------------------


def _hook(repo: Path, body: str) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    hook.chmod(0o755)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_formatter_hook_that_rewrites_the_matrix_and_fails_is_undone(
    repo: Path, name: str
) -> None:
    """As formatter hooks do: the hook rewrites (and re-stages) the files, then exits
    1. olx puts the files, the index and the branch back."""
    _hook(
        repo,
        f"printf '# reformatted\\n' >> {EXAMPLE_MATRIX}\n"
        f"printf '# reformatted\\n' >> {EXAMPLE_TYPES}\n"
        f"git add {EXAMPLE_MATRIX} {EXAMPLE_TYPES}\n"
        "echo 'files were modified by this hook'\nexit 1\n",
    )
    before = snapshot(repo)
    first = assert_refused_and_untouched(run(repo, name), repo, before, "hook")
    assert first.startswith("olx: error: git commit failed")


def test_a_hook_that_deletes_the_matrix_and_fails_is_undone(repo: Path) -> None:
    _hook(repo, f"rm -f {EXAMPLE_MATRIX}\nexit 1\n")
    before = snapshot(repo)
    assert_refused_and_untouched(run(repo, "promote"), repo, before, "rm hook")


# -- a read-only settings directory -----------------------------------------------------


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_read_only_settings_directory_is_refused_with_nothing_changed(
    repo: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, where chmod 0o555 does not stop a write: the directory's
    refusal is simulated where the write meets it (creating the temporary file beside
    the target raises EROFS, as a read-only mount does; the real mount is below)."""
    import tempfile

    settings = (repo / EXAMPLE_MATRIX).parent.resolve()
    real = tempfile.mkstemp

    def read_only(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir", "")).resolve() == settings:
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    before = snapshot(repo)
    first = assert_refused_and_untouched(run(repo, name), repo, before, "ro")
    assert "Read-only file system" in first


def _can_mount_privately() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind -o ro / /mnt 2>/dev/null || "
         "mount --bind -o ro /tmp /tmp"],
        capture_output=True,
        check=False,
    )  # fmt: skip
    return probe.returncode == 0


@pytest.mark.skipif(
    not _can_mount_privately(), reason="needs unshare -m and mount (root on Linux)"
)
@pytest.mark.parametrize("name", ["promote", "plan"])
def test_a_really_read_only_settings_directory_through_a_real_process(
    repo: Path, name: str
) -> None:
    """A read-only bind mount of the settings directory in a private mount namespace
    (so nothing outside the test sees it): olx runs for real and is refused."""
    settings = (repo / EXAMPLE_MATRIX).parent
    before = snapshot(repo)
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(settings),
         sys.executable, "-m", "olx", "--repo", str(repo), *words(repo, name)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("olx: error: cannot write ")
    assert "Read-only file system" in line
    assert snapshot(repo) == before
    assert leftovers(repo) == []
