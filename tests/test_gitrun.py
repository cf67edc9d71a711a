"""olx.gitrun: every git olx runs starts one way and fails one way (a GitError, kind
git-state, with git's own reason)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import git
import pytest
from conftest import invoke

from olx import gitrun
from olx.errors import BadValueError, GitStateError


def fake_git(folder: Path, script: str) -> Path:
    """A directory holding a ``git`` that runs ``script`` (sh), to put on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "git"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(0o755)
    return folder


def test_a_git_that_fails_gives_its_own_reason(tmp_path: Path):
    done = gitrun.run(tmp_path, "rev-parse", "--verify", "HEAD")
    assert not done.ok and done.returncode != 0
    with pytest.raises(gitrun.GitError) as failed:
        done.check("run olx in a repository")
    error = failed.value
    assert isinstance(error, GitStateError) and error.kind == "git-state"
    assert error.command == "rev-parse" and error.returncode == done.returncode
    assert error.reason.startswith("fatal: not a git repository")
    assert error.message == f"git rev-parse failed: {error.reason}"
    assert error.hint == "run olx in a repository"


def test_the_reason_is_the_fatal_line_not_the_advice():
    text = "warning: x\nfatal: could not read from remote\n\nPlease make sure...\n"
    assert gitrun.reason_of(text) == "fatal: could not read from remote"
    assert gitrun.reason_of("one\nlast\n") == "last"
    assert gitrun.reason_of("", 128) == "exit 128"


def test_no_git_on_path_is_a_git_state_error_through_the_cli(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = invoke("--repo", example_repo, "--json", "history")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    assert error["kind"] == "git-state"
    assert error["error"].startswith("cannot run git: ")
    assert error["hint"] == "olx needs git on PATH"


def test_every_git_gets_the_same_environment_and_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    bin_dir = fake_git(tmp_path / "bin", 'echo "$GIT_TERMINAL_PROMPT $*"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    done = gitrun.run(tmp_path, "log", "--oneline")
    assert done.out == "0 -c log.showSignature=false log --oneline\n"


def test_a_git_that_does_not_answer_in_time_is_killed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    bin_dir = fake_git(tmp_path / "bin", "sleep 30\n")
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    started = time.monotonic()
    with pytest.raises(gitrun.GitError) as late:
        gitrun.run(tmp_path, "ls-remote", "x", timeout=0.3, new_session=True)
    assert time.monotonic() - started < 10
    assert late.value.reason == "no answer within 0.3s"
    assert late.value.returncode is None


def test_a_nul_never_reaches_git(tmp_path: Path):
    with pytest.raises(BadValueError):
        gitrun.run(tmp_path, "log", "-Sa\x00b")


def test_gitpython_errors_map_the_same_way():
    exc = git.GitCommandError(
        ["git", "commit", "-m", "x"], 1, stderr="lint failed\nfatal: no"
    )
    error = gitrun.GitError.from_gitpython(exc)
    assert (error.command, error.returncode, error.kind) == ("commit", 1, "git-state")
    assert error.reason == "fatal: no"
    assert error.details == "lint failed\nfatal: no"
