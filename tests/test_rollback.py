"""``olx rollback DEPLOYMENT STAGE``: back to the release the stage ran before its last
change, read from real temporary histories (olx's own commits, git's revert, a plan),
with the trailer that names the undone commit, and no-ops when run again."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import git
import pytest
from conftest import invoke
from rewrite_support import ws_of

from olx.ops.rollback import rollback
from olx.ops.stages import LastChange

DAY = datetime(2025, 10, 30, 14, 0, tzinfo=UTC)


class Dated:
    """Runs olx and git with the committer date moving on an hour a call."""

    def __init__(self, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.repo, self.monkeypatch, self.when = repo, monkeypatch, DAY

    def _tick(self) -> None:
        self.when += timedelta(hours=1)
        stamp = self.when.strftime("%Y-%m-%dT%H:%M:%S+0000")
        self.monkeypatch.setenv("GIT_AUTHOR_DATE", stamp)
        self.monkeypatch.setenv("GIT_COMMITTER_DATE", stamp)

    def olx(self, *args: object, code: int = 0):
        self._tick()
        result = invoke("--repo", self.repo, *args)
        assert result.exit_code == code, result.output
        return result

    def git(self, *args: str) -> str:
        self._tick()
        return subprocess.run(
            ["git", *args], cwd=self.repo, check=True, capture_output=True, text=True
        ).stdout

    def head(self) -> git.Commit:
        with git.Repo(self.repo) as repo:
            return repo.head.commit

    def stages(self, deployment: str) -> dict[str, str]:
        import json

        shown = json.loads(invoke("--repo", self.repo, "--json", "show").stdout)
        return next(d for d in shown["deployments"] if d["name"] == deployment)[
            "stages"
        ]


@pytest.fixture
def day(example_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Dated:
    dated = Dated(example_repo, monkeypatch)
    dated.git("checkout", "-q", "-b", "day")
    return dated


def test_rollback_undoes_the_last_change_with_its_trailer_and_is_a_no_op_again(
    day: Dated,
) -> None:
    day.olx("promote", "xpro", "QA", "--branch", "day")  # teak → ulmo
    promoted = day.head().hexsha
    result = day.olx("rollback", "xpro", "QA", "--branch", "day")
    assert "xpro QA: ulmo → teak (rollback of " + promoted[:10] + ")" in result.stdout
    commit = day.head()
    subject, _, *body = commit.message.splitlines()
    assert subject == "config: Roll back QA of xpro to teak"
    assert body[-1] == f"Rollback-Of: {promoted}"
    assert any(
        line.startswith("    olx rollback ") and "xpro QA" in line for line in body
    )
    assert day.stages("xpro") == {"CI": "ulmo", "QA": "teak", "Production": "teak"}
    # git reads the trailer as one.
    trailers = day.git("log", "-1", "--format=%(trailers:key=Rollback-Of,valueonly)")
    assert trailers.strip() == promoted
    # Run again: the last change is the rollback itself, so nothing to do.
    again = day.olx("rollback", "xpro", "QA", "--branch", "day")
    assert again.stdout.strip() == (
        f"xpro QA was already rolled back to teak in {commit.hexsha[:10]} "
        f"(it undid {promoted[:10]})"
    )
    assert day.head().hexsha == commit.hexsha


def test_a_git_revert_counts_as_the_rollback(day: Dated) -> None:
    day.olx("promote", "xpro", "QA", "--branch", "day")
    promoted = day.head().hexsha
    day.git("revert", "--no-edit", promoted)  # "This reverts commit <sha>."
    result = day.olx("rollback", "xpro", "QA")
    assert "already rolled back to teak" in result.stdout
    assert f"(it undid {promoted[:10]})" in result.stdout


def test_a_revert_of_a_rollback_re_applies_and_a_rollback_undoes_it_again(
    day: Dated,
) -> None:
    day.olx("promote", "xpro", "QA", "--branch", "day")  # teak → ulmo
    day.olx("rollback", "xpro", "QA", "--branch", "day")  # ulmo → teak
    rolled_back = day.head().hexsha
    day.git("revert", "--no-edit", rolled_back)  # teak → ulmo again: a re-apply
    reapplied = day.head().hexsha
    assert day.stages("xpro")["QA"] == "ulmo"
    result = day.olx("rollback", "xpro", "QA", "--branch", "day")
    assert f"xpro QA: ulmo → teak (rollback of {reapplied[:10]})" in result.stdout
    assert day.stages("xpro")["QA"] == "teak"
    assert day.head().message.splitlines()[-1] == f"Rollback-Of: {reapplied}"
    # And that rollback is one: run again, nothing to do.
    again = day.olx("rollback", "xpro", "QA", "--branch", "day")
    assert "already rolled back to teak" in again.stdout


def test_with_base_the_history_is_read_at_ref(day: Dated) -> None:
    # On the branch "day", xpro QA moved to ulmo; main still has teak, put there by
    # the first commit only: at main there is no earlier release to go back to.
    day.olx("promote", "xpro", "QA", "--branch", "day")
    refused = day.olx("rollback", "xpro", "QA", "--base", "main", "--dry-run", code=2)
    assert "the history shows no release of xpro QA before" in refused.stderr
    assert "changed since the last commit" not in refused.stderr
    # main moves xpro QA itself (in another work tree): --base main rolls that back.
    other = day.repo.parent / "main-tree"
    day.git("worktree", "add", "-q", str(other), "main")
    moved = invoke(
        "--repo",
        other,
        "promote",
        "xpro",
        "QA",
        "master",
        "--force",
        "--branch",
        "main",
    )
    assert moved.exit_code == 0, moved.output
    back = day.olx("rollback", "xpro", "QA", "--base", "main", "--dry-run")
    assert "xpro QA: master → teak" in back.stdout


def test_soak_time_never_holds_a_rollback_back(day: Dated) -> None:
    # QA went down to teak by hand; rolling that back moves it up to ulmo, which
    # soak time would hold back for 30 days as a promotion.
    (day.repo / "pyproject.toml").write_text('[tool.olx.soak]\nQA = "30d"\n')
    day.git("add", "pyproject.toml")
    day.git("commit", "-qm", "soak")
    day.olx("promote", "xpro", "QA", "--branch", "day", "--force")
    day.olx("promote", "xpro", "QA", "teak", "--branch", "day")
    held = day.olx("promote", "xpro", "QA", "ulmo", "--dry-run", code=1)
    assert "QA needs 30d there" in held.stderr
    day.olx("rollback", "xpro", "QA", "--branch", "day")
    assert day.stages("xpro")["QA"] == "ulmo"


def test_the_stage_order_guard_holds_a_rollback_and_force_bypasses_it(
    day: Dated,
) -> None:
    # mitx: CI master, QA ulmo. CI to ulmo and back to master, then QA to master.
    for step in (["CI", "ulmo"], ["CI", "master"], ["QA", "master"]):
        day.olx("promote", "mitx", *step, "--branch", "day")
    refused = day.olx("rollback", "mitx", "CI", "--branch", "day", code=1)
    assert "refused: mitx QA would run master, newer than its CI (ulmo)" in (
        refused.stderr
    )
    forced = day.olx("rollback", "mitx", "CI", "--branch", "day", "--force")
    assert "warning: --force: mitx QA would run master" in forced.stderr
    assert day.stages("mitx")["CI"] == "ulmo"


def test_no_earlier_release_is_an_input_error(day: Dated) -> None:
    # The example's only commit put every stage where it is.
    result = day.olx("rollback", "xpro", "QA", code=2)
    assert "the history shows no release of xpro QA before" in result.stderr
    assert "hint: name the release: olx promote xpro QA RELEASE" in result.stderr


def test_a_release_that_is_gone_is_an_input_error_with_the_command_that_restores_it(
    day: Dated, tmp_path: Path
) -> None:
    runbook = tmp_path / "off-teak.txt"
    runbook.write_text(
        "promote mitx,mitx-staging,xpro Production ulmo --force\n"
        "promote xpro QA\n"
        "retire teak --deployment xpro\n"
    )
    day.olx("plan", runbook, "--branch", "day")
    block_gone = day.olx("rollback", "xpro", "Production", code=2)
    assert (
        "xpro Production ran teak before, but ReleaseMap['teak'] has no 'xpro' list"
        in block_gone.stderr
    )
    assert "hint: restore it first: olx clone-release ulmo teak --deployment xpro" in (
        block_gone.stderr
    )
    day.olx("retire", "teak", "--branch", "day")
    member_gone = day.olx("rollback", "mitx", "Production", code=2)
    assert "mitx Production ran teak before, which is no longer a supported" in (
        member_gone.stderr
    )
    assert "olx add-release teak --clone-from ulmo" in member_gone.stderr


def test_a_plan_rolls_back_qa_and_promotes_ci_in_one_commit_and_runs_twice(
    day: Dated, tmp_path: Path
) -> None:
    # The real xPRO day: CI meant to move to ulmo, QA moved instead.
    day.olx("promote", "xpro", "CI", "teak", "--branch", "day")
    day.olx("promote", "xpro", "QA", "ulmo", "--force", "--branch", "day")
    mistake = day.head().hexsha
    first_half = tmp_path / "half.txt"
    first_half.write_text("rollback xpro QA\n")
    runbook = tmp_path / "fix.txt"
    runbook.write_text("rollback xpro QA\npromote xpro CI ulmo\n")
    before = day.head().hexsha
    result = day.olx("plan", runbook, "--branch", "day")
    assert "line 1: olx rollback xpro QA" in result.stdout
    commit = day.head()
    assert commit.parents[0].hexsha == before  # one commit
    lines = commit.message.splitlines()
    assert (
        lines[0] == "config: Roll back QA of xpro to teak; promote ulmo to CI for xpro"
    )
    assert lines[-1] == f"Rollback-Of: {mistake}"
    assert day.stages("xpro") == {"CI": "ulmo", "QA": "teak", "Production": "teak"}
    # Run again, whole or its first half: every step unchanged, no commit.
    for again in (runbook, first_half):
        result = day.olx("--json", "plan", again, "--branch", "day")
        import json

        out = json.loads(result.stdout)
        assert out["changed"] is False and out["commit"] is None
        assert [s["changed"] for s in out["steps"]] == [False] * len(out["steps"])
    assert day.head().hexsha == commit.hexsha


def test_a_plan_whose_first_half_applied_runs_its_second_half(
    day: Dated, tmp_path: Path
) -> None:
    day.olx("promote", "xpro", "CI", "teak", "--branch", "day")
    day.olx("promote", "xpro", "QA", "ulmo", "--force", "--branch", "day")
    (tmp_path / "half.txt").write_text("rollback xpro QA\n")
    day.olx("plan", tmp_path / "half.txt", "--branch", "day")
    (tmp_path / "fix.txt").write_text("rollback xpro QA\npromote xpro CI ulmo\n")
    result = day.olx("--json", "plan", tmp_path / "fix.txt", "--branch", "day")
    import json

    steps = json.loads(result.stdout)["steps"]
    assert [s["changed"] for s in steps] == [False, True]
    assert day.stages("xpro") == {"CI": "ulmo", "QA": "teak", "Production": "teak"}


def test_a_step_before_the_rollback_that_moved_the_stage_is_refused(
    day: Dated, tmp_path: Path
) -> None:
    day.olx("promote", "xpro", "QA", "--branch", "day")
    runbook = tmp_path / "twice.txt"
    runbook.write_text("promote xpro QA teak\nrollback xpro QA\n")
    result = day.olx("plan", runbook, "--branch", "day", code=2)
    assert "twice.txt:2: olx rollback xpro QA: xpro QA changed since the last" in (
        result.stderr
    )


# --- the op against a log made by hand ----------------------------------------------------


class Log:
    def __init__(self, **stages: tuple[str, LastChange | None]) -> None:
        self.stages = stages

    def committed(self, deployment: str, stage: str) -> str | None:
        found = self.stages.get(f"{deployment}_{stage}")
        return found[0] if found else None

    def last_change(self, deployment: str, stage: str) -> LastChange | None:
        found = self.stages.get(f"{deployment}_{stage}")
        return found[1] if found else None


def test_several_deployments_each_go_back_to_their_own_release():
    when = datetime(2025, 1, 1, tzinfo=UTC)
    log = Log(
        mitx_QA=("ulmo", LastChange("a" * 40, when, "teak", "ulmo")),
        xpro_QA=("teak", LastChange("b" * 40, when, "ulmo", "teak")),
    )
    change = rollback(ws_of("example"), "mitx,xpro", "qa", log, force=True)
    assert change.summary == "Roll back QA of mitx, xpro"
    stage_lines = [d for d in change.details if not d.startswith("  ")]
    assert stage_lines == [
        "mitx QA: ulmo → teak (rollback of aaaaaaaaaa)",
        "xpro QA: teak → ulmo (rollback of bbbbbbbbbb)",
    ]
    assert change.trailers == [f"Rollback-Of: {'a' * 40}", f"Rollback-Of: {'b' * 40}"]


def test_force_s_help_names_every_guard_it_bypasses() -> None:
    result = invoke("rollback", "--help", env={"COLUMNS": "200"})
    assert "Bypass the guards (stage order, --verify)." in result.stdout
