"""``olx status [DEPLOYMENT]``: each stage's release, since when, and the next
promotion, against a history with fixed commit dates and an injected clock."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import invoke

from olx.example import example_sources
from olx.repo import policy

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def commit(repo: Path, message: str, when: str) -> None:
    stamp = f"{when}+0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)


def named(text: str, repo: Path) -> str:
    """``text`` with each commit hash of ``repo`` as its subject (``<matrix>``): the
    golden file holds no hash, which would change with the example's contents."""
    log = subprocess.run(
        ["git", "log", "--format=%H %s"], cwd=repo, capture_output=True, text=True
    ).stdout
    for line in log.splitlines():
        sha, subject = line.split(" ", 1)
        text = text.replace(sha, f"<{subject}>")
    return text


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example, then two promotions, each a commit at a fixed date (plain git
    commits: their hashes depend on nothing but the content and the dates)."""
    from conftest import GIT_IDENTITY_EMAIL, GIT_IDENTITY_NAME

    repo = tmp_path_factory.mktemp("status") / "infra"
    for rel, text in example_sources().items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[tool.olx.soak]\nQA = "2d"\nProduction = "7d"\n', encoding="utf-8"
    )
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    for key, value in (
        ("user.name", GIT_IDENTITY_NAME),
        ("user.email", GIT_IDENTITY_EMAIL),
    ):
        subprocess.run(["git", "config", key, value], cwd=repo, check=True)
    commit(repo, "matrix", "2025-03-01T09:00:00")
    for args, when in (
        (["promote", "xpro", "QA"], "2025-03-09T12:00:00"),  # teak → ulmo
        (["promote", "mitxonline", "CI", "ulmo", "--force"], "2025-03-09T18:00:00"),
    ):
        result = invoke("--repo", repo, *args, "--no-commit")
        assert result.exit_code == 0, result.output
        commit(repo, f"olx {' '.join(args)}", when)
    return repo


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "clock", lambda: NOW)


def test_status_json_is_golden(history: Path, clock: None) -> None:
    result = invoke("--repo", history, "--json", "status")
    assert result.exit_code == 0, result.output
    out = json.loads(named(result.stdout, history))
    golden = json.loads((GOLDEN / "status_soak.json").read_text(encoding="utf-8"))
    assert out == golden
    xpro = out["deployments"][3]
    # ulmo reached xpro QA on 03-09 12:00: Production's 7 days end on 03-16 12:00.
    assert xpro["stages"]["Production"]["next"] == {
        "release": "ulmo",
        "allowed": False,
        "reason": "ulmo has run on xpro QA only since 2025-03-09 12:00 UTC (1d); "
        "Production needs 7d there: it may move at 2025-03-16 12:00 UTC",
        "not_before": "2025-03-16T12:00:00Z",
    }
    assert xpro["stages"]["QA"]["since"] == "2025-03-09"


def test_status_of_one_deployment_and_the_clock_moving_on(
    history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "clock", lambda: datetime(2025, 3, 17, tzinfo=UTC))
    result = invoke("--repo", history, "--json", "status", "xpro")
    out = json.loads(result.stdout)
    assert [d["name"] for d in out["deployments"]] == ["xpro"]
    production = out["deployments"][0]["stages"]["Production"]
    assert production["next"] == {
        "release": "ulmo",
        "allowed": True,
        "reason": None,
        "not_before": None,
    }


def test_the_table_fits_80_columns_and_breaks_no_word(
    history: Path, clock: None
) -> None:
    result = invoke("--repo", history, "status", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), result.stdout
    text = result.stdout
    assert "ulmo from 2025-03-16 12:00 UTC" in text  # one cell, on one line
    row = next(line for line in lines if "from 2025-03-16" in line)
    assert row.split()[:4] == ["Production", "teak", "2025-03-01", row.split()[3]]
    # mitxonline QA would take CI's ulmo: there is no block for it, and Production
    # would run newer than QA.
    refused = next(line for line in lines if "refused [1]" in line)
    assert refused.split()[:2] == ["QA", "master"]
    note = text[text.index("[1] mitxonline QA → ulmo: ") :]
    assert "ReleaseMap['ulmo'] has no 'mitxonline' block" in note
    for word in ("mitx-staging", "mitxonline", "Production", "2025-03-09"):
        assert word in text


def test_a_stage_changed_in_the_work_tree_has_no_since(
    history: Path, clock: None, tmp_path: Path
) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(history, copy)
    assert (
        invoke("--repo", copy, "promote", "mitx", "QA", "teak", "--no-commit").exit_code
        == 0
    )
    out = json.loads(invoke("--repo", copy, "--json", "status", "mitx").stdout)
    qa = out["deployments"][0]["stages"]["QA"]
    assert (qa["release"], qa["since"], qa["commit"]) == ("teak", None, None)
