"""Leaving nothing behind: a reader that closes the pipe early (``olx history | head
-1``) ends olx quietly, with the shell's code for a closed pipe (141), and a command on a
directory that is not a git repository leaves no lock or journal in the temp
directory."""

from __future__ import annotations

import dataclasses
import json
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


def left_in(temp: Path) -> list[str]:
    """What olx left in the temp directory: anything but the user's own (empty)
    olx directory."""
    mine = temp / f"olx-{os.geteuid()}"
    return sorted(p.relative_to(temp).as_posix() for p in temp.rglob("*") if p != mine)


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
    assert left_in(private_temp) == []
    assert lock_path(target).parent == private_temp / f"olx-{os.geteuid()}"


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
    assert left_in(private_temp) == []


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
    assert left_in(private_temp) == []


def test_outside_git_the_lock_and_journal_are_in_a_directory_of_the_user_s_own(
    tmp_path: Path, private_temp: Path
) -> None:
    import stat

    target = plain_target(tmp_path / "plain")
    result = invoke("--repo", target, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 0, result.output
    mine = private_temp / f"olx-{os.geteuid()}"
    assert journal.path_of(target).parent == lock_path(target).parent == mine
    info = mine.lstat()
    assert stat.S_ISDIR(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o700
    assert info.st_uid == os.geteuid()


@pytest.mark.parametrize("how", ["open to others", "a link", "another user's"])
def test_a_private_directory_that_is_not_private_is_refused(
    tmp_path: Path, private_temp: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    target = plain_target(tmp_path / "plain")
    mine = private_temp / f"olx-{os.geteuid()}"
    if how == "a link":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        mine.symlink_to(tmp_path / "elsewhere")
    else:
        mine.mkdir(mode=0o700)
        if how == "open to others":
            mine.chmod(0o777)
        else:  # made by another user before this one's first olx
            real = os.geteuid()
            monkeypatch.setattr(os, "geteuid", lambda: real + 1)
            mine = mine.rename(private_temp / f"olx-{real + 1}")
    types, matrix = (target / EXAMPLE_TYPES), (target / EXAMPLE_MATRIX)
    before = (types.read_bytes(), matrix.read_bytes())
    result = invoke("--repo", target, "--json", "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 2, result.output
    assert f"{mine} is not a private directory of yours" in result.stdout
    assert (types.read_bytes(), matrix.read_bytes()) == before


def test_a_journal_the_user_does_not_own_is_refused(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal names files and the texts to write into them: one written by
    another user (in a shared repository) is never acted on."""
    types, matrix = example_repo / EXAMPLE_TYPES, example_repo / EXAMPLE_MATRIX
    # As if a write had left types.py new and the matrix old: the undo would write
    # the journal's "old" text into types.py.
    planted = journal.Journal(
        "no-commit",
        [
            {
                "path": str(types),
                "shown": EXAMPLE_TYPES,
                "old": "owned = True\n",
                "new": journal._sha(types.read_text()),
            },
            {
                "path": str(matrix),
                "shown": EXAMPLE_MATRIX,
                "old": matrix.read_text(),
                "new": "x",
            },
        ],
    )
    journal.path_of(example_repo).write_text(json.dumps(dataclasses.asdict(planted)))
    real = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: real + 1)
    before = types.read_bytes()
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 2, result.output
    assert "belongs to another user" in result.stderr
    assert types.read_bytes() == before


def test_a_read_outside_git_makes_no_private_directory(
    tmp_path: Path, private_temp: Path
) -> None:
    target = plain_target(tmp_path / "plain")
    assert invoke("--repo", target, "show").exit_code == 0
    assert list(private_temp.iterdir()) == []


def test_outside_git_a_journal_temp_left_by_a_kill_is_removed(
    tmp_path: Path, private_temp: Path
) -> None:
    """Outside git the journal (and so its temporary file) is in the private
    directory, under the target's own name: removed there, and only the target's."""
    target = plain_target(tmp_path / "plain")
    mine = private_temp / f"olx-{os.geteuid()}"
    mine.mkdir(mode=0o700)
    name = journal.path_of(target).name
    stale = mine / f".{name}.k1ll3d.olx-tmp"
    stale.write_text("{", encoding="utf-8")
    another = mine / ".olx-0123456789abcdef-olx-journal.json.k1ll3d.olx-tmp"
    another.write_text("{", encoding="utf-8")  # another target's: not this one's
    result = invoke("--repo", target, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 0, result.output
    assert f"removed {stale.name}" in result.stderr
    assert sorted(p.name for p in mine.iterdir()) == [another.name]
