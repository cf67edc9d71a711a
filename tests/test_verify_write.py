"""What a change makes or moves, checked upstream: ``--verify`` on every write,
``[tool.olx.verify] on-write`` and plans (before anything is written), and
``olx verify --changed-from`` / ``--pre-push`` (what commits changed)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, example_components, invoke
from upstream_support import (
    EXAMPLE_UPSTREAM,
    Upstreams,
    _git,
    components_of_all_stages,
    slow_git,
    verify_json,
    write_pyproject,
)

LEARNING = "openedx/frontend-app-learning"


# What xpro CI builds in the example (ulmo): what xpro QA builds once promoted.
XPRO_ULMO = example_components("xpro", "CI")
ORIGINS = len({c["origin"] for c in XPRO_ULMO})


def state(repo: Path) -> tuple[str, str, str, str]:
    """The files, the checked-out branch and every branch: a refused write changes none."""
    return (
        (repo / EXAMPLE_TYPES).read_text(encoding="utf-8"),
        (repo / EXAMPLE_MATRIX).read_text(encoding="utf-8"),
        _git("branch", "--show-current", cwd=repo),
        _git("branch", "--format=%(refname)", cwd=repo),
    )


@pytest.fixture
def ls_remote_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``git`` first on PATH that logs every ``ls-remote`` it runs (no delay)."""
    log = tmp_path / "ls-remote.log"
    bin_dir = slow_git(tmp_path / "bin", {"ls-remote": 0}, log)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def calls(log: Path) -> int:
    return len(log.read_text().split()) // 2 if log.exists() else 0


def test_a_write_that_makes_a_stage_build_a_missing_branch_is_refused(
    example_repo: Path, upstreams: Upstreams
):
    # xpro QA would take CI's ulmo; learning has no release/ulmo upstream.
    upstreams.set(LEARNING, ["master", "release/teak"])
    before = state(example_repo)

    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")

    assert result.exit_code == 1
    assert (
        "refused: 1 component missing upstream: learning: release/ulmo is not in "
        "https://github.com/openedx/frontend-app-learning"
    ) in result.stderr
    assert "for xpro QA" in result.stderr and "closest: release/teak" in result.stderr
    assert "pass --force" in result.stderr
    assert state(example_repo) == before


def test_force_writes_it_with_a_warning(example_repo: Path, upstreams: Upstreams):
    upstreams.set(LEARNING, ["master", "release/teak"])

    result = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--verify", "--force", "--json"
    )

    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] and out["commit"]
    assert any(
        w.startswith("--force: learning: release/ulmo is not in")
        for w in out["warnings"]
    )
    assert out["verify"]["missing"][0]["application"] == "learning"


def test_a_verified_write_reports_what_it_checked(
    example_repo: Path, upstreams: Upstreams
):
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")
    assert result.exit_code == 0, result.output
    # xpro QA: teak → ulmo changes every component it builds: CI's, on ulmo.
    n, origins = len(XPRO_ULMO), len({c["origin"] for c in XPRO_ULMO})
    assert f"verified {n} components against {origins} origins: {n} found" in (
        result.stdout
    )
    result = invoke(
        "--repo", example_repo, "promote", "xpro", "Production", "--verify", "--json"
    )
    out = json.loads(result.stdout)
    assert out["verify"] == {
        "checked": n,
        "missing": [],
        "unreachable": [],
        "skipped": [],
    }


def test_an_unreachable_origin_refuses_the_write_unless_forced(
    example_repo: Path, upstreams: Upstreams
):
    upstreams.remove(LEARNING)
    before = state(example_repo)

    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")

    assert result.exit_code == 1
    assert "refused: an origin could not be read: cannot verify:" in result.stderr
    assert "frontend-app-learning unreachable" in result.stderr
    assert state(example_repo) == before
    forced = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--verify", "--force"
    )
    assert forced.exit_code == 0, forced.output
    assert "warning: --force: cannot verify:" in forced.stderr


def test_only_what_the_change_makes_or_moves_is_checked(
    example_repo: Path, upstreams: Upstreams
):
    """A missing branch the change does not touch (mitx Production's) never refuses
    an unrelated write; one the change creates does."""
    upstreams.set("example-learning/mitx-theme", ["master", "ulmo"])  # no teak
    ok = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")
    assert ok.exit_code == 0, ok.output
    refused = invoke(
        "--repo", example_repo, "promote", "mitx-staging", "QA", "teak", "--verify",
        "--dry-run",
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "edxapp_theme: teak is not in" in refused.stderr


def test_a_new_block_no_stage_runs_yet_is_checked(
    example_repo: Path, upstreams: Upstreams
):
    """add-release --clone-from with a branch upstream does not have yet."""
    before = state(example_repo)
    result = invoke(
        "--repo", example_repo, "add-release", "verawood", "--clone-from", "ulmo",
        "--verify",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "release/verawood is not in https://github.com/openedx/edx-platform" in (
        result.stderr
    )
    assert "for xpro (no stage)" in result.stderr
    # Each missing branch's line starts with its application.
    assert "| stage) " not in result.stderr
    assert "| authoring: release/verawood is not in " in result.stderr
    assert state(example_repo) == before


def test_verify_with_dry_run_verifies_and_refuses_like_the_write(
    example_repo: Path, upstreams: Upstreams
):
    upstreams.set(LEARNING, ["master", "release/teak"])
    before = state(example_repo)
    result = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--verify", "--dry-run"
    )
    assert result.exit_code == 1 and "refused:" in result.stderr
    forced = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--verify", "--dry-run",
        "--force",
    )  # fmt: skip
    assert forced.exit_code == 0 and "+            EnvRelease" in forced.stdout
    assert state(example_repo) == before


def test_no_write_reads_upstream_unless_asked(
    example_repo: Path, upstreams: Upstreams, ls_remote_log: Path
):
    upstreams.set(LEARNING, [])
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 0, result.output
    assert calls(ls_remote_log) == 0


def test_on_write_verifies_every_write_and_no_verify_turns_it_off(
    example_repo: Path, upstreams: Upstreams, ls_remote_log: Path
):
    write_pyproject(example_repo, "[tool.olx.verify]\non-write = true\n")
    upstreams.set(LEARNING, ["master", "release/teak"])

    refused = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert refused.exit_code == 1 and "learning: release/ulmo" in refused.stderr
    assert calls(ls_remote_log) == ORIGINS  # one per origin xpro QA's change touches

    done = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-verify")
    assert done.exit_code == 0, done.output
    assert calls(ls_remote_log) == ORIGINS


def test_the_refs_are_read_before_the_lock(
    example_repo: Path, upstreams: Upstreams, ls_remote_log: Path
):
    """Each origin is read once per write, the refs the first plan needed are the
    ones judged under the lock: no second round of ls-remote (no cache to hide one)."""
    write_pyproject(example_repo, '[tool.olx.verify]\nttl = "0"\n')
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")
    assert result.exit_code == 0, result.output
    assert calls(ls_remote_log) == ORIGINS


def test_a_branch_the_cache_lacks_is_confirmed_upstream_before_a_write_refuses(
    example_repo: Path, upstreams: Upstreams
):
    """The write's refs are read before the lock exactly as verify (and --dry-run)
    reads them: a branch missing from cached refs is looked for upstream again."""
    assert verify_json(example_repo, "xpro:CI")[0] == 0  # the cache holds forum's refs
    upstreams.set("openedx/forum", [*EXAMPLE_UPSTREAM["openedx/forum"], "release/new2"])
    args = ["override", "ulmo", "xpro", "forum", "--branch", "release/new2", "--verify"]
    written = invoke("--repo", example_repo, *args, "--no-commit")
    assert written.exit_code == 0, written.output
    assert "1 found" in written.stdout


RUNBOOK = """\
clone-release ulmo verawood --deployment xpro
override verawood xpro edx-platform --branch release/ulmo
promote xpro QA
"""


def test_a_plan_verifies_once_after_its_last_step(
    example_repo: Path, upstreams: Upstreams, ls_remote_log: Path, tmp_path: Path
):
    """Every origin once, for everything the plan touched; a branch a later step
    fixes is never refused."""
    result = invoke(
        "--repo", example_repo, "add-release", "verawood", "--git-branch", "verawood"
    )
    assert result.exit_code == 0, result.output
    for repo in EXAMPLE_UPSTREAM:
        heads = EXAMPLE_UPSTREAM[repo]
        upstreams.set(
            repo, heads + [h.replace("ulmo", "verawood") for h in heads if "ulmo" in h]
        )
    upstreams.set("openedx/edx-platform", ["master", "release/teak", "release/ulmo"])
    runbook = tmp_path / "release-day.txt"
    runbook.write_text(RUNBOOK, encoding="utf-8")
    write_pyproject(example_repo, '[tool.olx.verify]\nttl = "0"\n')  # no cache

    result = invoke("--repo", example_repo, "plan", runbook, "--verify", "--json")

    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["verify"]["missing"] == []
    # The verawood list (no stage runs it, a clone of ulmo's) and xpro QA (teak →
    # ulmo): each component twice, their origins once (the same origins: a branch
    # override changes no origin).
    assert out["verify"]["checked"] == 2 * len(XPRO_ULMO)
    assert calls(ls_remote_log) == ORIGINS


def test_a_plan_refused_by_verification_writes_nothing(
    example_repo: Path, upstreams: Upstreams, tmp_path: Path
):
    upstreams.set(LEARNING, ["master", "release/teak"])
    runbook = tmp_path / "day.txt"
    runbook.write_text("promote xpro QA\npromote xpro Production\n", encoding="utf-8")
    before = state(example_repo)

    result = invoke("--repo", example_repo, "plan", runbook, "--verify")

    assert result.exit_code == 1
    assert "learning: release/ulmo is not in" in result.stderr
    assert "for xpro QA, xpro Production" in result.stderr
    assert state(example_repo) == before


def test_verify_inside_a_plan_step_is_an_input_error(
    example_repo: Path, tmp_path: Path
):
    runbook = tmp_path / "day.txt"
    runbook.write_text("promote xpro QA --verify\n", encoding="utf-8")
    result = invoke("--repo", example_repo, "plan", runbook)
    assert result.exit_code == 2
    assert "day.txt:1: --verify/--no-verify inside a step" in result.stderr


# --- verify --changed-from and --pre-push ---------------------------------------------


def test_changed_from_checks_only_what_the_change_makes_or_moves(
    example_repo: Path, upstreams: Upstreams
):
    for repo in EXAMPLE_UPSTREAM:  # nothing exists: whatever is checked is missing
        upstreams.set(repo, [])
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 0, result.output

    code, report = verify_json(example_repo, "--changed-from", "main")

    assert code == 1
    assert {(m["deployment"], m["stage"]) for m in report["missing"]} == {
        ("xpro", "QA")
    }
    # xpro QA moved from teak to ulmo: every component it builds now is new there.
    assert {m["branch"] for m in report["missing"]} <= {
        "release/ulmo",
        "ulmo",
        "master",
    }
    # Nothing changed from HEAD to HEAD; the work tree is HEAD.
    assert verify_json(example_repo, "--changed-from", "HEAD")[1]["checked"] == 0
    assert verify_json(example_repo, "--changed-from", "main", "--changed-to", "main")[
        1
    ] == {"checked": 0, "missing": [], "unreachable": [], "skipped": []}


def test_pre_push_reads_pre_commits_refs(
    example_repo: Path, upstreams: Upstreams, monkeypatch: pytest.MonkeyPatch
):
    for repo in EXAMPLE_UPSTREAM:
        upstreams.set(repo, [])
    assert invoke("--repo", example_repo, "promote", "xpro", "QA").exit_code == 0
    head = _git("rev-parse", "HEAD", cwd=example_repo)
    monkeypatch.setenv(
        "PRE_COMMIT_FROM_REF", _git("rev-parse", "main", cwd=example_repo)
    )
    monkeypatch.setenv("PRE_COMMIT_TO_REF", head)
    _git(
        "checkout", "-q", "main", cwd=example_repo
    )  # the work tree is not what is pushed

    code, report = verify_json(example_repo, "--pre-push")

    assert code == 1
    assert {(m["deployment"], m["stage"]) for m in report["missing"]} == {
        ("xpro", "QA")
    }
    monkeypatch.delenv("PRE_COMMIT_FROM_REF")
    monkeypatch.delenv("PRE_COMMIT_TO_REF")
    code, report = verify_json(example_repo, "--pre-push")  # pre-commit set nothing
    assert report["checked"] == components_of_all_stages(example_repo)


def test_changed_from_a_revision_without_the_files_checks_everything(
    example_repo: Path, upstreams: Upstreams
):
    _git("checkout", "-q", "--orphan", "empty", cwd=example_repo)
    _git("rm", "-q", "-r", "--cached", ".", cwd=example_repo)
    _git("commit", "-q", "--allow-empty", "-m", "nothing yet", cwd=example_repo)
    _git("checkout", "-q", "-f", "main", cwd=example_repo)

    code, report = verify_json(example_repo, "--changed-from", "empty")

    assert code == 0, report
    # Every stage, and the lists no stage runs (none in the example).
    assert report["checked"] == components_of_all_stages(example_repo)


def test_a_write_that_builds_nothing_new_says_so(
    example_repo: Path, upstreams: Upstreams
):
    result = invoke(
        "--repo", example_repo, "override", "ulmo", "xpro", "learning", "--set",
        'translation_overrides=["x"]', "--verify", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "verified: the change makes no stage build anything new" in result.stdout
