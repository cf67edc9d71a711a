"""Leaving nothing behind: a reader that closes the pipe early (``olx history | head
-1``) ends olx quietly, with the shell's code for a closed pipe (141), and a command on a
directory that is not a git repository leaves no lock or journal in the temp
directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

from olx.edit.fileio import lock_path, repo_lock
from olx.example import example_sources
from olx.repo import journal


@pytest.mark.parametrize(
    "words",
    [["history"], ["show"], ["--json", "show"], ["show", "mitx"], ["check"]],
    ids=" ".join,
)
def test_a_closed_pipe_ends_olx_quietly_with_141(
    example_repo: Path, words: list[str]
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "olx", "--repo", str(example_repo), *words],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before olx writes anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def plain_target(root: Path) -> Path:
    """The example's two files in a directory that is not a git repository."""
    for rel in (EXAMPLE_TYPES, EXAMPLE_MATRIX):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(example_sources()[rel], encoding="utf-8")
    return root


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp directory of the test's own (others' olx runs share the real one)."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize(
    "words",
    [
        ["promote", "xpro", "QA", "--no-commit"],
        ["promote", "xpro", "QA", "--dry-run"],
        ["promote", "xpro", "QA", "master", "--no-commit"],  # refused by a guard
        ["show"],
        ["check"],
    ],
    ids=" ".join,
)
def test_a_command_outside_git_leaves_nothing_in_the_temp_directory(
    tmp_path: Path, private_temp: Path, words: list[str]
) -> None:
    target = plain_target(tmp_path / "plain")
    result = invoke("--repo", target, *words)
    assert result.exit_code in (0, 1), result.output
    assert list(private_temp.iterdir()) == []
    assert lock_path(target).parent == private_temp


def test_each_directory_outside_git_has_its_own_lock_and_journal(
    tmp_path: Path, private_temp: Path
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert lock_path(one) != lock_path(two)
    assert journal.path_of(one) != journal.path_of(two)


def test_the_lock_outside_git_still_excludes_a_second_writer(
    tmp_path: Path, private_temp: Path
) -> None:
    from olx.errors import BusyError

    target = tmp_path / "plain"
    target.mkdir()
    with repo_lock(target):
        assert lock_path(target).exists()
        with pytest.raises(BusyError), repo_lock(target, wait=0.1):
            pass
    assert not lock_path(target).exists()
    with repo_lock(target, wait=0):  # free again
        pass
    assert list(private_temp.iterdir()) == []


def test_the_removed_lock_never_lets_two_holders_in(
    tmp_path: Path, private_temp: Path
) -> None:
    """Each holder removes the lock file when it is done; a waiter that locked the
    removed file must not go in beside one that locked the new file."""
    import threading
    import time

    target = tmp_path / "plain"
    target.mkdir()
    inside: list[int] = []
    overlaps: list[int] = []

    def writer() -> None:
        for _ in range(60):
            with repo_lock(target, wait=30):
                inside.append(1)
                if len(inside) > 1:
                    overlaps.append(len(inside))
                time.sleep(0.001)
                inside.pop()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
    assert list(private_temp.iterdir()) == []
