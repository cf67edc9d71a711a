"""A write killed with SIGKILL at any instant: the next olx command finds the repository
as before the write or as after it, never in between (the journal in ``.git/``)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import git
import pytest
from conftest import example_paths

from olx.edit.change import FileEdit
from olx.errors import InputError
from olx.repo import journal

PROMOTED = (
    'deployment_name="xpro",\n'
    "        env_release_map=[\n"
    '            EnvRelease("CI", OpenEdxSupportedRelease["ulmo"]),\n'
    '            EnvRelease("QA", OpenEdxSupportedRelease["ulmo"]),\n'
)


def olx(*args: str) -> list[str]:
    return [sys.executable, "-m", "olx", *args]


def snapshot(repo: Path) -> dict[str, object]:
    r = git.Repo(repo)
    with r:
        out = {
            "head": r.head.commit.hexsha,
            "branch": r.active_branch.name,
            "branches": sorted(h.name for h in r.heads),
            "status": r.git.status("--porcelain", "--untracked-files=all"),
            "parent": r.head.commit.parents[0].hexsha
            if r.head.commit.parents
            else None,
        }
    types, matrix = example_paths(repo)
    out["files"] = (types.read_bytes(), matrix.read_bytes())
    return out


def leftovers(repo: Path) -> list[str]:
    found = [p.name for p in repo.rglob("*.olx-tmp")]
    if journal.path_of(repo).exists():
        found.append(journal.NAME)
    return found


def slow_hook(repo: Path, seconds: float, marker: Path | None = None) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    touch = f"touch {marker}\n" if marker else ""
    hook.write_text(f"#!/bin/sh\n{touch}sleep {seconds}\n", encoding="utf-8")
    hook.chmod(0o755)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL olx and every process it started (git, the hook): a crash."""
    with contextlib.suppress(ProcessLookupError):  # it may have finished
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def recover_with_a_read(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        olx("--repo", str(repo), "check"), capture_output=True, text=True, check=False
    )


def test_killed_inside_the_commit_hook_is_rolled_back_by_the_next_command(
    example_repo: Path, tmp_path: Path
) -> None:
    before = snapshot(example_repo)
    marker = tmp_path / "hook-started"
    slow_hook(example_repo, 30, marker)
    proc = subprocess.Popen(
        olx("--repo", str(example_repo), "promote", "xpro", "QA"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the hook never ran"
    # Mid-way: branch created and checked out, files written and staged, no commit.
    mid = snapshot(example_repo)
    assert mid["branch"] == "olx/promote-xpro-qa-ulmo"
    assert journal.path_of(example_repo).exists()
    kill_group(proc)
    read = recover_with_a_read(example_repo)
    assert read.returncode == 0, read.stderr
    assert read.stderr.startswith("olx: completed an interrupted write: ")
    assert "deleted branch olx/promote-xpro-qa-ulmo" in read.stderr
    assert snapshot(example_repo) == before
    assert leftovers(example_repo) == []


def test_killed_after_the_commit_is_complete_as_after(example_repo: Path) -> None:
    before = snapshot(example_repo)
    # A post-commit hook that never returns: the commit is made, olx never hears.
    hook = example_repo / ".git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    hook.chmod(0o755)
    proc = subprocess.Popen(
        olx("--repo", str(example_repo), "promote", "xpro", "QA"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    repo = git.Repo(example_repo)
    deadline = time.monotonic() + 30
    with repo:
        while time.monotonic() < deadline:
            if "olx/promote-xpro-qa-ulmo" in [h.name for h in repo.heads] and (
                repo.heads["olx/promote-xpro-qa-ulmo"].commit.hexsha != before["head"]
            ):
                break
            time.sleep(0.02)
    kill_group(proc)
    read = recover_with_a_read(example_repo)
    assert read.returncode == 0, read.stderr
    assert "had committed on olx/promote-xpro-qa-ulmo" in read.stderr
    after = snapshot(example_repo)
    assert after["branch"] == "olx/promote-xpro-qa-ulmo"
    assert after["parent"] == before["head"] and after["status"] == ""
    assert PROMOTED in after["files"][1].decode()
    assert leftovers(example_repo) == []


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5])
def test_killed_at_any_instant_the_repository_is_before_or_after(
    example_repo: Path, delay: float
) -> None:
    before = snapshot(example_repo)
    slow_hook(example_repo, 0.3)
    proc = subprocess.Popen(
        olx("--repo", str(example_repo), "promote", "xpro", "QA"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    kill_group(proc)
    read = recover_with_a_read(example_repo)
    assert read.returncode == 0, read.stderr
    now = snapshot(example_repo)
    if now != before:
        assert now["branch"] == "olx/promote-xpro-qa-ulmo"
        assert now["parent"] == before["head"] and now["status"] == ""
        assert now["branches"] == ["main", "olx/promote-xpro-qa-ulmo"]
        assert PROMOTED in now["files"][1].decode()
    assert leftovers(example_repo) == []
    # And olx works on: the same command now commits (or has nothing to do).
    again = subprocess.run(
        olx("--repo", str(example_repo), "promote", "xpro", "QA", "--branch", "retry"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr


# --- the journal's decisions, one state at a time -----------------------------------------


def edits_of(repo: Path) -> list[FileEdit]:
    """A two-file write: a comment added to types.py, a stage promoted in the matrix."""
    types, matrix = example_paths(repo)
    t_old = types.read_text(encoding="utf-8")
    m_old = matrix.read_text(encoding="utf-8")
    return [
        FileEdit(types, "t", t_old, t_old + "# added\n"),
        FileEdit(matrix, "m", m_old, m_old.replace('"teak"]),', '"ulmo"]),', 1)),
    ]


def test_no_commit_write_half_done_is_put_back(example_repo: Path) -> None:
    edits = edits_of(example_repo)
    path = journal.path_of(example_repo)
    path.write_text(json.dumps(asdict(journal.Journal.of("no-commit", edits))))
    # Killed between the two renames: types.py is new, the matrix still old.
    edits[0].path.write_text(edits[0].new, encoding="utf-8")
    (edits[1].path.parent / f".{edits[1].path.name}.abc.olx-tmp").write_text("x")
    done = journal.recover_if_needed(example_repo)
    assert "restored t" in done
    assert [e.path.read_text(encoding="utf-8") for e in edits] == [e.old for e in edits]
    assert leftovers(example_repo) == []


def test_a_file_edited_since_the_crash_is_never_overwritten(example_repo: Path) -> None:
    edits = edits_of(example_repo)
    path = journal.path_of(example_repo)
    path.write_text(json.dumps(asdict(journal.Journal.of("no-commit", edits))))
    edits[0].path.write_text(edits[0].new, encoding="utf-8")
    hand = edits[1].old + "# a person's edit after the crash\n"
    edits[1].path.write_text(hand, encoding="utf-8")
    with pytest.raises(InputError, match="has been changed since") as exc:
        journal.recover_if_needed(example_repo)
    assert "delete .git/olx-journal.json" in exc.value.hint
    assert edits[1].path.read_text(encoding="utf-8") == hand  # untouched
    assert edits[0].path.read_text(encoding="utf-8") == edits[0].new
    assert path.exists()  # kept for the person to decide


def test_no_commit_write_finished_is_kept(example_repo: Path) -> None:
    edits = edits_of(example_repo)
    journal.path_of(example_repo).write_text(
        json.dumps(asdict(journal.Journal.of("no-commit", edits)))
    )
    for edit in edits:  # killed after the last rename, before the journal went
        edit.path.write_text(edit.new, encoding="utf-8")
    assert journal.recover_if_needed(example_repo) == [
        "the interrupted write had finished"
    ]
    assert [e.path.read_text(encoding="utf-8") for e in edits] == [e.new for e in edits]


@contextlib.contextmanager
def lock_held_by_another_process(repo: Path) -> Iterator[None]:
    """The repository's lock held by a live process (the lock is an flock: another
    process must hold it), released by killing that process on leaving."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom pathlib import Path\n"
            "from olx.edit.fileio import repo_lock\n"
            "with repo_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n    time.sleep(30)\n",
            str(repo),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_journal_under_a_live_writers_lock_is_left_alone(example_repo: Path) -> None:
    from olx.edit.fileio import repo_lock

    edits = edits_of(example_repo)
    path = journal.path_of(example_repo)
    path.write_text(json.dumps(asdict(journal.Journal.of("no-commit", edits))))
    with lock_held_by_another_process(example_repo):
        assert journal.recover_if_needed(example_repo) == []
        assert path.exists()
    with repo_lock(example_repo, wait=5):
        pass  # a killed holder releases the lock
    # The writer died before changing anything: nothing to put back, journal gone.
    assert journal.recover_if_needed(example_repo) == []
    assert not path.exists()


def test_a_rollback_that_cannot_finish_keeps_the_journal_for_the_next_command(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import invoke

    import olx.repo.gitops as gitops

    before = snapshot(example_repo)
    hook = example_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)

    def full_disk(edit):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gitops, "restore", full_disk)
    failed = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert failed.exit_code == 2
    assert journal.path_of(example_repo).exists()  # the undo is not finished
    monkeypatch.undo()
    hook.unlink()
    read = recover_with_a_read(example_repo)
    assert read.returncode == 0, read.stderr
    assert "restored" in read.stderr
    assert snapshot(example_repo) == before
    assert leftovers(example_repo) == []


def test_recovery_waits_while_another_branch_is_checked_out(example_repo: Path) -> None:
    edits = edits_of(example_repo)
    repo = git.Repo(example_repo)
    with repo:
        start = repo.head.commit.hexsha
        repo.git.checkout("-q", "-b", "elsewhere")
    record = journal.Journal.of(
        "commit", edits, original="main", branch="olx/x", create=True, start=start
    )
    journal.path_of(example_repo).write_text(json.dumps(asdict(record)))
    with pytest.raises(InputError, match="elsewhere is checked out now") as exc:
        journal.recover_if_needed(example_repo)
    assert "check out main" in exc.value.hint
    assert journal.path_of(example_repo).exists()


# --- the journal's own temporary file, left by a write killed while writing it ------------


def journal_temp(root: Path, random: str = "k1ll3d") -> Path:
    """The temporary file a write killed while writing its journal leaves (a partial
    journal, never renamed), named as olx's atomic writer names it."""
    target = journal.path_of(root)
    stale = target.parent / f".{target.name}.{random}.olx-tmp"
    stale.write_text('{"mode": "commit", "files": [{"path": ', encoding="utf-8")
    return stale


def test_a_journal_temp_left_by_a_kill_is_removed_by_the_next_read(
    example_repo: Path,
) -> None:
    from conftest import invoke

    before = snapshot(example_repo)
    stale = journal_temp(example_repo)
    # Not olx's journal temporaries: another program's, another name of olx's.
    others = [
        example_repo / ".git" / "other.olx-tmp",
        example_repo / ".git" / f".{journal.NAME}.bak",
    ]
    for other in others:
        other.write_text("keep", encoding="utf-8")
    read = invoke("--repo", example_repo, "check")
    assert read.exit_code == 0, read.output
    assert not stale.exists()
    assert read.stderr == (
        f"olx: completed an interrupted write: removed {stale.name} "
        "(the write had changed nothing)\n"
    )
    assert [other.read_text(encoding="utf-8") for other in others] == ["keep", "keep"]
    for other in others:
        other.unlink()
    assert snapshot(example_repo) == before
    assert leftovers(example_repo) == []
    # Said once: the next command has nothing to do.
    assert invoke("--repo", example_repo, "check").stderr == ""


def test_a_write_after_a_kill_in_its_journal_temp_commits_and_leaves_none(
    example_repo: Path,
) -> None:
    from conftest import invoke

    stale = [journal_temp(example_repo, r) for r in ("a1b2c3", "d4e5f6")]
    done = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert done.exit_code == 0, done.output
    assert not any(path.exists() for path in stale)
    after = snapshot(example_repo)
    assert after["branch"] == "olx/promote-xpro-qa-ulmo" and after["status"] == ""
    assert PROMOTED in after["files"][1].decode()
    assert leftovers(example_repo) == []


def test_a_journal_temp_under_a_live_writers_lock_is_left_alone(
    example_repo: Path,
) -> None:
    """A writer holds the lock while it writes its journal: the temporary file there
    is its own, not a stale one, whatever another olx command sees meanwhile."""
    stale = journal_temp(example_repo)
    with lock_held_by_another_process(example_repo):
        assert journal.recover_if_needed(example_repo) == []
        assert stale.exists()
    assert journal.recover_if_needed(example_repo) == [
        f"removed {stale.name} (the write had changed nothing)"
    ]
    assert not stale.exists()
