"""Writes that race other git users: ``--base REF`` read once, a file changed between
the read and the write refused, the lock released before a push."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, example_paths, invoke

import olx.repo.apply as apply_module
from olx.edit.change import FileEdit


def run(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def _move_main(repo: Path) -> str:
    """Another user's commit on main (made in a second work tree, so that the
    checkout olx works in is left alone); its sha."""
    other = repo.parent / "other-worktree"
    run(repo, "worktree", "add", "-q", str(other), "main")
    matrix = other / EXAMPLE_MATRIX
    matrix.write_text(matrix.read_text() + "# another user's change\n")
    run(other, "commit", "-q", "-am", "another change")
    return run(other, "rev-parse", "HEAD")


def test_base_is_read_once_and_a_move_of_ref_meanwhile_reverts_nothing(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(example_repo, "checkout", "-q", "-b", "work")
    read_at = run(example_repo, "rev-parse", "main")
    real = apply_module.workspace_at
    moved: list[str] = []

    def then_main_moves(target, commit):  # type: ignore[no-untyped-def]
        ws = real(target, commit)
        if not moved:
            moved.append(_move_main(example_repo))
        return ws

    monkeypatch.setattr(apply_module, "workspace_at", then_main_moves)
    result = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--base", "main",
        "--branch", "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert moved
    # The branch starts where the plan was made, and its commit changes one line:
    # the other change is not reverted (it was never on this branch's base).
    assert run(example_repo, "rev-parse", "out^") == read_at
    diff = run(example_repo, "diff", "out^", "out", "--", EXAMPLE_MATRIX)
    removed = [
        line for line in diff.splitlines() if line.startswith("-") and "---" not in line
    ]
    assert len(removed) == 1 and "another user's change" not in diff


def test_a_file_changed_after_the_read_is_never_overwritten(tmp_path: Path) -> None:
    from olx.edit.fileio import ChangedMeanwhileError, write_edits

    path = tmp_path / "f.py"
    path.write_text("a = 1\n")
    other = tmp_path / "g.py"
    other.write_text("b = 1\n")
    edits = [
        FileEdit(other, "g.py", "b = 1\n", "b = 2\n"),
        FileEdit(path, "f.py", "a = 1\n", "a = 2\n"),
    ]
    path.write_text("a = 1  # someone else\n")
    with pytest.raises(ChangedMeanwhileError, match=r"f\.py changed since olx read it"):
        write_edits(edits)
    # Neither file is written: the write is all or nothing.
    assert path.read_text() == "a = 1  # someone else\n"
    assert other.read_text() == "b = 1\n"


def test_a_commit_refused_for_a_file_changed_meanwhile_keeps_it_and_the_checkout(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _types, matrix = example_paths(example_repo)
    import olx.repo.gitops as gitops

    original_preflight = gitops.preflight

    def then_edited(repo, rels, name, **kwargs):  # type: ignore[no-untyped-def]
        out = original_preflight(repo, rels, name, **kwargs)
        matrix.write_text(matrix.read_text() + "# edited meanwhile\n")
        return out

    monkeypatch.setattr(gitops, "preflight", then_edited)
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA")
    assert result.exit_code == 2, result.output
    assert "changed since olx read it" in result.output
    assert '"kind": "git-state"' in result.stdout
    assert matrix.read_text().endswith("# edited meanwhile\n")
    assert run(example_repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert "olx/" not in run(example_repo, "branch", "--list")
    assert not (example_repo / ".git" / "olx-journal.json").exists()


def test_the_lock_is_released_before_the_push(example_repo: Path, tmp_path: Path):
    """A push (and a pull request) may take minutes: another olx write must not wait
    for it. The remote's pre-receive hook holds the push until the test says so."""
    import sys
    import time

    from olx.edit.fileio import repo_lock

    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    run(example_repo, "remote", "add", "origin", str(bare))
    started, release = tmp_path / "push-started", tmp_path / "push-may-go-on"
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(
        f"#!/bin/sh\ntouch {started}\nwhile [ ! -f {release} ]; do sleep 0.02; done\n",
        encoding="utf-8",
    )
    hook.chmod(0o755)
    proc = subprocess.Popen(
        [sys.executable, "-m", "olx", "--repo", str(example_repo), "promote", "xpro",
         "QA", "--push"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "the push never started"
            time.sleep(0.02)
        assert proc.poll() is None, proc.communicate()
        # The commit is made and checked; the push is under way: the lock is free.
        with repo_lock(example_repo, wait=0):
            pass
    finally:
        release.touch()
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert run(bare, "rev-parse", "olx/promote-xpro-qa-ulmo") == run(
        example_repo, "rev-parse", "HEAD"
    )


def _origin(example_repo: Path, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    run(example_repo, "remote", "add", "origin", str(bare))
    return bare


def _then_another_commit(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch, made: list[str]
) -> None:
    """Between the lock's release and the push, another writer commits on the branch
    (as a second olx write with the same --branch does)."""
    from olx.repo import publish

    real = publish.push

    def push(repo, remote_name, branch, commit):  # type: ignore[no-untyped-def]
        run(example_repo, "commit", "-q", "--allow-empty", "-m", "another write")
        made.append(run(example_repo, "rev-parse", "HEAD"))
        return real(repo, remote_name, branch, commit)

    monkeypatch.setattr(publish, "push", push)


def test_push_sends_the_commit_olx_made_not_what_the_branch_became(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    bare = _origin(example_repo, tmp_path)
    made: list[str] = []
    _then_another_commit(example_repo, monkeypatch, made)
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA", "--push")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    branch = "olx/promote-xpro-qa-ulmo"
    assert out["pushed"] is True and out["branch"] == branch
    # The remote has olx's commit; the other one stays local, its writer's to push.
    assert run(bare, "rev-parse", branch) == out["commit"]
    assert made and run(example_repo, "rev-parse", branch) == made[0] != out["commit"]
    assert run(example_repo, "rev-parse", f"{made[0]}^") == out["commit"]
    # The upstream is set as --set-upstream sets it.
    assert run(example_repo, "config", f"branch.{branch}.remote") == "origin"
    assert (
        run(example_repo, "config", f"branch.{branch}.merge") == f"refs/heads/{branch}"
    )
    assert run(example_repo, "rev-parse", f"origin/{branch}") == out["commit"]


def test_a_refused_push_after_a_race_gives_the_commit_to_push_by_hand(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    bare = _origin(example_repo, tmp_path)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'no pushes today' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    made: list[str] = []
    _then_another_commit(example_repo, monkeypatch, made)
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA", "--push")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    commit, branch = error["commit"], "olx/promote-xpro-qa-ulmo"
    assert "origin refused the push ([remote rejected]" in error["error"]
    # By hand: the commit olx made, by its id (the branch has moved on since).
    assert error["hint"].endswith(f"then: git push origin {commit}:refs/heads/{branch}")
    assert run(bare, "for-each-ref", "refs/heads") == ""
    assert run(example_repo, "rev-parse", branch) == made[0]


def test_an_upstream_that_cannot_be_set_is_a_warning_the_push_stands(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from olx.repo import publish

    bare = _origin(example_repo, tmp_path)
    real = publish.push
    lock = example_repo / ".git" / "config.lock"

    def push(repo, remote_name, branch, commit):  # type: ignore[no-untyped-def]
        lock.touch()  # another git is writing .git/config: git config fails
        return real(repo, remote_name, branch, commit)

    monkeypatch.setattr(publish, "push", push)
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA", "--push")
    lock.unlink()
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    branch = "olx/promote-xpro-qa-ulmo"
    assert out["pushed"] is True
    assert run(bare, "rev-parse", branch) == out["commit"]
    warned = [w for w in out["warnings"] if "setting its upstream failed" in w]
    assert len(warned) == 1
    assert f"git branch --set-upstream-to=origin/{branch} {branch}" in warned[0]
