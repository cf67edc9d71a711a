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

from olx.core import names
from olx.errors import GuardError, InputError
from olx.example import example_sources
from olx.ops.promote import promote
from olx.ops.releases import add_release
from olx.ops.soak import SoakPolicy, parse_deployment_soak, parse_soak

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


# --- a release that never ran on the stage before; a deployment's own times -----------


def with_verawood():
    """The example with verawood added (mitx: CI master, QA ulmo)."""
    ws = ws_of("example")
    return ws.after(add_release(ws, "verawood", clone_from="ulmo"))


def ran_for(days: float | None):
    """A history lookup: verawood ran on the stage before for ``days`` (None: never)."""
    span = None if days is None else timedelta(days=days)
    return lambda d, s, r: span if r == "verawood" else None


def test_a_release_that_never_ran_on_the_stage_before_is_refused():
    with pytest.raises(GuardError) as exc:
        promote(with_verawood(), "mitx", "QA", "verawood", soak=policy(None, QA="2d"))
    assert exc.value.exit_code == 1
    assert exc.value.message == (
        "refused: verawood has never run on mitx CI; QA needs 2d there"
    )
    assert '[tool.olx.soak.mitx] QA = "0h"' in exc.value.hint


def test_an_earlier_run_on_the_stage_before_counts_when_it_was_long_enough():
    times = parse_soak({"QA": "2d"}, "p")
    long_enough = SoakPolicy(times, lambda d, s, r: None, NOW, ran=ran_for(2))
    change = promote(with_verawood(), "mitx", "QA", "verawood", soak=long_enough)
    assert stage_lines(change) == ["mitx QA: ulmo → verawood"]
    too_short = SoakPolicy(times, lambda d, s, r: None, NOW, ran=ran_for(1.5))
    with pytest.raises(GuardError, match=r"verawood ran on mitx CI for 1d 12h only; "):
        promote(with_verawood(), "mitx", "QA", "verawood", soak=too_short)


def test_a_deployment_table_replaces_the_global_time_of_the_stages_it_sets():
    table = {"QA": "2d", "Production": "7d", "mitx": {"QA": "0h"}}
    table["mitx_staging"] = {"QA": "1h"}  # by member name too
    soak = SoakPolicy(
        parse_soak(table, "p"),
        lambda d, s, r: None,
        NOW,
        parse_deployment_soak(table, "p"),
    )
    ws = with_verawood()
    mitx, staging, xpro = (
        names.find_deployment(ws.model, n) for n in ("mitx", "mitx-staging", "xpro")
    )
    assert (soak.need(mitx, "QA"), soak.need(mitx, "Production")) == (
        timedelta(0),
        timedelta(days=7),
    )
    assert (soak.need(staging, "QA"), soak.need(xpro, "QA")) == (
        timedelta(hours=1),
        timedelta(days=2),
    )
    assert promote(ws, "mitx", "QA", "verawood", soak=soak).changed
    with pytest.raises(GuardError, match="verawood has never run on mitx-staging CI"):
        promote(ws, "mitx-staging", "QA", "verawood", soak=soak)


def test_a_deployment_table_that_names_no_deployment_is_an_input_error():
    table = {"QA": "2d", "mitxx": {"QA": "0h"}}
    soak = SoakPolicy(
        parse_soak(table, "p"),
        lambda d, s, r: None,
        NOW,
        parse_deployment_soak(table, "p"),
    )
    with pytest.raises(InputError) as exc:
        promote(ws_of("example"), "xpro", "QA", None, soak=soak)
    assert (
        exc.value.message == "pyproject.toml: [tool.olx.soak.mitxx] names no deployment"
    )
    assert exc.value.hint.startswith("did you mean [tool.olx.soak.mitx]? ")


@pytest.mark.parametrize(
    "table",
    [
        {"QA": "3000000d"},
        {"QA": "99999999999999999999999h"},
        {"QA": "3651d"},
        {"mitx": {"Production": "3000000d"}},
    ],
)
def test_a_soak_time_longer_than_ten_years_is_an_input_error_naming_it(table):
    value = next(
        v if isinstance(v, str) else next(iter(v.values())) for v in table.values()
    )
    with pytest.raises(InputError) as exc:
        parse_soak(table, "p")
        parse_deployment_soak(table, "p")
    assert f"= {value!r} is longer than 3650d" in exc.value.message


def test_ten_years_is_still_a_soak_time():
    assert parse_soak({"QA": "3650d", "Production": "87600h"}, "p") == {
        "QA": timedelta(days=3650),
        "Production": timedelta(days=3650),
    }


def commit_all(repo: Path, message: str, age: timedelta) -> None:
    git(repo, "commit", "-qam", message, date=datetime.now(UTC) - age)


def test_cli_refuses_a_release_that_never_ran_on_the_stage_before(tmp_path: Path):
    repo = repo_with_history(tmp_path, timedelta(days=30), 'QA = "2d"')
    added = invoke("--repo", repo, "add-release", "verawood", "--clone-from", "ulmo")
    assert added.exit_code == 0, added.output
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--ff-only", "olx/add-release-verawood-from-ulmo")
    refused = invoke("--repo", repo, "promote", "mitx", "QA", "verawood", "--dry-run")
    assert refused.exit_code == 1, refused.output
    assert "refused: verawood has never run on mitx CI; QA needs 2d there" in (
        refused.stderr
    )
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.olx.soak.mitx]\nQA = "0h"\n', encoding="utf-8"
    )
    allowed = invoke("--repo", repo, "promote", "mitx", "QA", "verawood", "--dry-run")
    assert allowed.exit_code == 0, allowed.output


@pytest.mark.parametrize(("need", "code"), [("3d", 0), ("5d", 1)])
def test_cli_counts_an_earlier_run_on_the_stage_before(tmp_path: Path, need, code):
    # xpro CI ran ulmo from 10 days ago until 6 days ago (4 days), then master.
    repo = repo_with_history(tmp_path, timedelta(days=10), f'QA = "{need}"')
    moved = invoke(
        "--repo", repo, "promote", "xpro", "CI", "master", "--force", "--no-commit"
    )
    assert moved.exit_code == 0, moved.output
    commit_all(repo, "xpro CI to master", timedelta(days=6))
    result = invoke("--repo", repo, "promote", "xpro", "QA", "ulmo", "--dry-run")
    assert result.exit_code == code, result.output
    if code:
        assert "refused: ulmo ran on xpro CI for 4d only; QA needs 5d there" in (
            result.stderr
        )


def test_cli_a_huge_soak_time_is_an_input_error(tmp_path: Path):
    repo = repo_with_history(tmp_path, timedelta(days=1), 'QA = "3000000d"')
    result = invoke("--repo", repo, "promote", "xpro", "QA", "--dry-run")
    assert result.exit_code == 2, result.output
    assert "[tool.olx.soak] QA = '3000000d' is longer than 3650d" in result.stderr


def test_cli_with_base_soak_time_is_measured_on_ref_s_history(tmp_path: Path):
    # xpro CI: ulmo from 10 days ago, master from 9 days ago; then ulmo again, on
    # main 1 day ago, on the branch "work" 5 days ago.
    repo = repo_with_history(tmp_path, timedelta(days=10), 'QA = "2d"')

    def ci(release: str, age: timedelta) -> None:
        moved = invoke(
            "--repo", repo, "promote", "xpro", "CI", release, "--force", "--no-commit"
        )
        assert moved.exit_code == 0, moved.output
        commit_all(repo, f"xpro CI to {release}", age)

    ci("master", timedelta(days=9))
    git(repo, "branch", "work")
    ci("ulmo", timedelta(days=1))
    git(repo, "checkout", "-q", "work")
    ci("ulmo", timedelta(days=5))
    here = invoke("--repo", repo, "promote", "xpro", "QA", "--dry-run")
    assert here.exit_code == 0, here.output
    there = invoke(
        "--repo", repo, "promote", "xpro", "QA", "--base", "main", "--dry-run"
    )
    assert there.exit_code == 1, there.output
    assert "refused: ulmo has run on xpro CI only since " in there.stderr
    assert "QA needs 2d there" in there.stderr
