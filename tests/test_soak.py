"""Soak time: ``[tool.olx.soak]`` makes promote wait until a release has run long
enough on the stage before; the policy at its boundaries, and through the CLI against
repositories whose history has fixed commit dates."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import invoke
from rewrite_support import ws_of

from olx.errors import GuardError, InputError
from olx.example import example_sources
from olx.ops.promote import promote
from olx.ops.soak import SoakPolicy, parse_soak

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


# --- the table ---------------------------------------------------------------------------


def stage_lines(change) -> list[str]:
    """The stage lines of a promote's details (not the component lines under them)."""
    return [d for d in change.details if not d.startswith("  ")]


def test_parse_soak_reads_hours_and_days_and_stages_in_any_case():
    assert parse_soak({"qa": "36h", "Production": "1.5d"}, "p") == {
        "QA": timedelta(hours=36),
        "Production": timedelta(days=1.5),
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"QA": "2 weeks"}, "is not a duration"),
        ({"QA": 2}, "is not a duration"),
        ({"QA": "d"}, "is not a duration"),
        ({"QA": "-1d"}, "is not a duration"),
        ({"Staging": "1d"}, "unknown stage"),
        ({"CI": "1d"}, "no stage before it"),
        ("2d", "not a table"),
    ],
)
def test_a_soak_value_olx_cannot_read_is_an_input_error(table, message):
    with pytest.raises(InputError, match=message) as exc:
        parse_soak(table, "pyproject.toml")
    assert exc.value.exit_code == 2 and exc.value.hint


# --- the policy at its boundaries --------------------------------------------------------


def policy(since: datetime | None, **times: str) -> SoakPolicy:
    return SoakPolicy(parse_soak(times, "p"), lambda d, s, r: since, NOW)


def test_refused_one_second_before_and_allowed_at_the_boundary():
    ws = ws_of("example")  # xpro: CI ulmo, QA teak
    need = timedelta(days=2)
    early = policy(NOW - need + timedelta(seconds=1), QA="2d")
    with pytest.raises(GuardError) as exc:
        promote(ws, "xpro", "QA", None, soak=early)
    assert exc.value.exit_code == 1
    assert exc.value.message == (
        "refused: ulmo has run on xpro CI only since 2026-11-28 12:00 UTC (1d 23h); "
        "QA needs 2d there: it may move at 2026-11-30 12:00 UTC"
    )
    change = promote(ws, "xpro", "QA", None, soak=policy(NOW - need, QA="2d"))
    assert stage_lines(change) == ["xpro QA: teak → ulmo"]


def test_force_bypasses_with_a_warning():
    change = promote(
        ws_of("example"), "xpro", "QA", None, force=True, soak=policy(NOW, QA="2d")
    )
    assert change.changed
    assert change.warnings == [
        "--force: ulmo has run on xpro CI only since 2026-11-30 12:00 UTC (0h); "
        "QA needs 2d there: it may move at 2026-12-02 12:00 UTC"
    ]


def test_a_release_not_in_the_history_runs_from_now():
    with pytest.raises(GuardError, match="only since 2026-11-30 12:00 UTC"):
        promote(ws_of("example"), "xpro", "QA", None, soak=policy(None, QA="1h"))


def test_no_soak_for_the_stage_and_rollbacks_are_never_held_back():
    ws = ws_of("example")
    assert promote(ws, "xpro", "QA", None, soak=policy(NOW, Production="7d")).changed
    # mitx: CI master, QA ulmo, Production teak. QA back to teak is a rollback.
    rollback = promote(ws, "mitx", "QA", "teak", soak=policy(NOW, QA="30d"))
    assert stage_lines(rollback) == ["mitx QA: ulmo → teak (rollback)"]


# --- through the CLI, against a history with fixed dates ---------------------------------


def git(repo: Path, *args: str, date: datetime | None = None) -> None:
    env = dict(os.environ)
    if date is not None:
        stamp = date.strftime("%Y-%m-%dT%H:%M:%S+0000")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def repo_with_history(tmp_path: Path, age: timedelta, soak: str) -> Path:
    """The example committed ``age`` ago, with a soak table."""
    repo = tmp_path / "infra"
    for rel, text in example_sources().items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (repo / "pyproject.toml").write_text(f"[tool.olx.soak]\n{soak}\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "matrix", date=datetime.now(UTC) - age)
    return repo


def test_cli_promote_waits_for_the_soak_time(tmp_path: Path):
    repo = repo_with_history(tmp_path, timedelta(days=1), 'QA = "2d"')
    refused = invoke("--repo", repo, "promote", "xpro", "QA", "--dry-run")
    assert refused.exit_code == 1
    assert "refused: ulmo has run on xpro CI only since " in refused.stderr
    assert "(1d); QA needs 2d there: it may move at " in refused.stderr
    forced = invoke("--repo", repo, "promote", "xpro", "QA", "--force", "--dry-run")
    assert forced.exit_code == 0
    assert "warning: --force: ulmo has run on xpro CI only since" in forced.stderr


def test_cli_promote_after_the_soak_time_and_a_plan_step_under_the_same_rule(
    tmp_path: Path,
):
    repo = repo_with_history(
        tmp_path, timedelta(days=3), 'QA = "2d"\nProduction = "1d"'
    )
    allowed = invoke("--repo", repo, "promote", "xpro", "QA", "--no-commit")
    assert allowed.exit_code == 0, allowed.output
    git(repo, "commit", "-qam", "promote xpro QA")  # ulmo on QA from now
    runbook = tmp_path / "day.txt"
    runbook.write_text("promote xpro Production\n", encoding="utf-8")
    step = invoke("--repo", repo, "plan", runbook)
    assert step.exit_code == 1
    assert (
        "day.txt:1: olx promote xpro Production: refused: ulmo has run on xpro QA"
        in (step.stderr)
    )


def test_a_bad_soak_table_is_an_input_error_through_the_cli(tmp_path: Path):
    repo = repo_with_history(tmp_path, timedelta(days=3), 'QA = "forever"')
    result = invoke("--repo", repo, "promote", "xpro", "QA")
    assert result.exit_code == 2
    assert "[tool.olx.soak] QA = 'forever' is not a duration" in result.stderr
    # check ignores soak times: they are about moving, not about a state.
    assert invoke("--repo", repo, "check").exit_code == 0
