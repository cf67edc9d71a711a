"""Every kind of error reaches a script as the JSON error object with its stable
``kind`` (docs/contract.md, "Exit codes and errors"): one case per error class, each
through the command line, each object compared whole."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_MATRIX, invoke

import olx.cli.entry
from olx import errors
from olx.edit import fileio


def error_of(*args: Any) -> dict[str, Any]:
    """The JSON error object of ``olx --json ARGS`` (on stdout), and nothing else."""
    result = invoke("--json", *args)
    assert result.exit_code in (1, 2, 3), result.output
    obj = json.loads(result.stdout)
    assert obj["exit_code"] == result.exit_code
    assert "Traceback" not in result.output
    return obj


def test_an_unknown_name(example_repo: Path):
    assert error_of("--repo", example_repo, "promote", "mitxx", "QA", "ulmo") == {
        "error": "unknown deployment 'mitxx'",
        "hint": "did you mean 'mitx'? valid: mitx, mitx-staging, mitxonline, xpro",
        "exit_code": 2,
        "kind": "unknown-name",
    }


def test_a_runbook_step_keeps_its_kind(example_repo: Path, tmp_path: Path):
    runbook = tmp_path / "day.txt"
    runbook.write_text("promote xpro QA ulmo\npromote mitxx QA ulmo\n", "utf-8")
    obj = error_of("--repo", example_repo, "plan", runbook)
    assert obj["kind"] == "unknown-name" and obj["exit_code"] == 2
    assert obj["error"] == (
        "day.txt:2: olx promote mitxx QA ulmo: unknown deployment 'mitxx'"
    )


def test_a_bad_value(example_repo: Path):
    assert error_of("--repo", example_repo, "history", "--since", "June") == {
        "error": "--since 'June' is not a date",
        "hint": "write it as YYYY-MM-DD, e.g. 2024-03-01",
        "exit_code": 2,
        "kind": "bad-value",
    }


def test_options_that_do_not_go_together(example_repo: Path):
    args = ("--repo", example_repo, "promote", "xpro", "QA", "ulmo")
    assert error_of(*args, "--dry-run", "--no-commit") == {
        "error": "--dry-run and --no-commit exclude each other",
        "hint": None,
        "exit_code": 2,
        "kind": "usage",
    }


def test_a_usage_error_of_click_through_the_console_entry(
    example_repo: Path, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as done:
        olx.cli.entry.main(["--repo", str(example_repo), "--json", "promote", "xpro"])
    assert done.value.code == 2
    obj = json.loads(capsys.readouterr().out)
    assert obj == {
        "error": "Missing argument 'stage'.",
        "hint": "see olx --help",
        "exit_code": 2,
        "kind": "usage",
    }


def test_a_file_olx_cannot_read_as_a_matrix(example_repo: Path):
    matrix = example_repo / EXAMPLE_MATRIX
    matrix.write_text(matrix.read_text("utf-8") + "x = (\n", "utf-8")
    obj = error_of("--repo", example_repo, "show")
    assert obj["kind"] == "shape" and obj["exit_code"] == 2
    assert obj["error"].startswith(f"{EXAMPLE_MATRIX}:")


def test_a_bad_tool_olx_setting(example_repo: Path):
    (example_repo / "pyproject.toml").write_text("[tool.olx]\ntypes = 3\n", "utf-8")
    assert error_of("--repo", example_repo, "show") == {
        "error": f"{example_repo / 'pyproject.toml'}: [tool.olx] types = 3 is not a path",
        "hint": "write it as a path relative to the repository: "
        'types = "src/bridge/settings/openedx/types.py"',
        "exit_code": 2,
        "kind": "config",
    }


def test_a_file_the_system_will_not_give(example_repo: Path, tmp_path: Path):
    missing = tmp_path / "nowhere.txt"
    assert error_of("--repo", example_repo, "plan", missing) == {
        "error": f"{missing}: cannot read the runbook: No such file or directory",
        "hint": None,
        "exit_code": 2,
        "kind": "file",
    }


def test_a_git_state_that_forbids_the_write(example_repo: Path):
    matrix = example_repo / EXAMPLE_MATRIX
    matrix.write_text(matrix.read_text("utf-8") + "\n", "utf-8")
    assert error_of("--repo", example_repo, "promote", "xpro", "QA", "ulmo") == {
        "error": f"uncommitted changes in {EXAMPLE_MATRIX}",
        "hint": "commit or stash them first (olx writes only clean files)",
        "exit_code": 2,
        "kind": "git-state",
    }


def test_another_olx_writing(example_repo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fileio, "LOCK_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(fileio.repo_lock.__wrapped__, "__defaults__", (0.1,))
    with fileio.repo_lock(example_repo):
        obj = error_of("--repo", example_repo, "promote", "xpro", "QA", "ulmo")
    assert obj["kind"] == "busy" and obj["exit_code"] == 2
    assert obj["error"] == "another olx process is writing this repository"


def test_a_push_that_fails_keeps_the_commit(example_repo: Path):
    obj = error_of("--repo", example_repo, "promote", "xpro", "QA", "ulmo", "--push")
    assert obj["kind"] == "push" and obj["exit_code"] == 2
    assert "there is no remote 'origin'" in obj["error"]
    head = subprocess.run(
        ["git", "log", "-1", "--format=%s"],
        cwd=example_repo,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ulmo" in head.stdout  # the commit stays


def test_a_guard(example_repo: Path):
    obj = error_of("--repo", example_repo, "promote", "xpro", "Production", "ulmo")
    assert obj["kind"] == "guard" and obj["exit_code"] == 1
    assert obj["error"].startswith("refused:")


def test_an_unreachable_repository(example_repo: Path, upstreams: Any):
    obj = error_of(
        "--repo", example_repo, "upstream", "--repository", "https://github.com/no/such"
    )
    assert obj["kind"] == "unreachable" and obj["exit_code"] == 1
    assert obj["error"].startswith("cannot read https://github.com/no/such: fatal:")


def test_a_rewrite_that_is_not_the_intended_change(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    from olx.edit import members

    real = members.quoted
    monkeypatch.setattr(members, "quoted", lambda value, like=None: real(value + "x"))
    obj = error_of(
        "--repo", example_repo, "set-release", "ulmo", "--branch", "release/ulmo2"
    )
    assert obj["kind"] == "safety" and obj["exit_code"] == 3
    assert "nothing was written" in obj["error"]


def test_a_bug(example_repo: Path, monkeypatch: pytest.MonkeyPatch):
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("olx.repo.targets.load", broken)
    assert error_of("--repo", example_repo, "show") == {
        "error": "internal error: RuntimeError: boom",
        "hint": "please report it; OLX_DEBUG=1 shows the traceback",
        "exit_code": 3,
        "kind": "internal",
    }


def test_every_class_has_its_own_kind_and_the_documented_exit_code():
    classes = {
        errors.UnknownNameError: ("unknown-name", 2),
        errors.BadValueError: ("bad-value", 2),
        errors.UsageError: ("usage", 2),
        errors.ConfigError: ("config", 2),
        errors.FileAccessError: ("file", 2),
        errors.GitStateError: ("git-state", 2),
        errors.BusyError: ("busy", 2),
        errors.PushError: ("push", 2),
        errors.InputError: ("input", 2),
        errors.GuardError: ("guard", 1),
        errors.UnreachableError: ("unreachable", 1),
        errors.SafetyError: ("safety", 3),
        errors.InternalError: ("internal", 3),
    }
    for cls, (kind, code) in classes.items():
        exc = cls("m")
        assert (exc.kind, exc.exit_code) == (kind, code), cls
    shape = errors.ShapeError("f.py", 3, "m")
    assert (shape.kind, shape.exit_code, shape.message) == ("shape", 2, "f.py:3: m")
    # A runbook step's error keeps its class, its attributes and its kind.
    again = shape.with_context("plan.txt:2: olx show: ")
    assert type(again) is errors.ShapeError
    assert (again.kind, again.path, again.line) == ("shape", "f.py", 3)
    assert errors.InputError("m", kind="shape").kind == "shape"
    assert errors.InputError("m").kind == "input"
