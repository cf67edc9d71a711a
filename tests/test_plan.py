"""``olx plan FILE``: a runbook applied as one verified change, against real
repositories made by ``olx init-example``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke

RUNBOOK = """\
# Release day for xpro, and a fork for mitx
promote xpro QA            # QA takes CI's release
enable-app profile ulmo mitx
override ulmo mitx edx-platform --branch "mitx/ulmo-hotfix"

promote mitx,mitx-staging QA ulmo   # already there: nothing to do
"""


def state(repo: Path) -> tuple[str, list[str], str, bytes, bytes]:
    r = git.Repo(repo)
    with r:
        head, heads, current = (
            r.head.commit.hexsha,
            sorted(h.name for h in r.heads),
            r.active_branch.name,
        )
    types, matrix = example_paths(repo)
    return head, heads, current, types.read_bytes(), matrix.read_bytes()


def write_runbook(repo: Path, text: str, name: str = "release-day.txt") -> Path:
    path = repo.parent / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_plan_commits_once_and_equals_its_steps_run_one_by_one(
    example_repo: Path, tmp_path: Path
) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(example_repo, twin)
    runbook = write_runbook(example_repo, RUNBOOK)
    result = invoke("--repo", example_repo, "plan", runbook)
    assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    with repo:
        assert repo.active_branch.name == "olx/plan-release-day"
        assert len(list(repo.iter_commits("main..HEAD"))) == 1
        message = repo.head.commit.message
    # The subject says what changed; each step's command on its own line, what it
    # did under it.
    assert message.startswith(
        "config: Promote ulmo to QA; enable profile; set branch of edx-platform\n\n"
    )
    assert (
        "- line 2: olx promote xpro QA\n    xpro QA: teak → ulmo\n      ~ " in message
    )
    assert "- line 3: olx enable-app profile ulmo mitx\n    ReleaseMap[" in message
    assert (
        "- line 6: olx promote mitx,mitx-staging QA ulmo\n"
        "    mitx QA is already on ulmo; mitx-staging QA is already on ulmo:\n"
        "    nothing to do\n"  # wrapped at 72 columns
    ) in message
    # The runbook is outside the repository: the body records its steps.
    assert (
        "from a runbook outside the repository, step by step:\n"
        "    olx promote xpro QA\n"
        "    olx enable-app profile ulmo mitx\n"
        "    olx override ulmo mitx edx-platform --branch mitx/ulmo-hotfix\n"
        "    olx promote mitx,mitx-staging QA ulmo\n"
    ) in message
    assert "olx plan" not in message and str(example_repo.parent) not in message
    # The same steps as separate commands give the same files.
    for step in (
        ["promote", "xpro", "QA", "--no-commit"],
        ["enable-app", "profile", "ulmo", "mitx", "--no-commit"],
        [
            "override",
            "ulmo",
            "mitx",
            "edx-platform",
            "--branch",
            "mitx/ulmo-hotfix",
            "--no-commit",
        ],
    ):
        assert invoke("--repo", twin, *step).exit_code == 0
    assert state(example_repo)[3:] == state(twin)[3:]
    assert invoke("--repo", example_repo, "check").exit_code == 0


def test_plan_json_reports_every_step(example_repo: Path) -> None:
    runbook = write_runbook(example_repo, RUNBOOK)
    result = invoke("--repo", example_repo, "--json", "plan", runbook, "--dry-run")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] is True and out["commit"] is None
    assert [s["line"] for s in out["steps"]] == [2, 3, 4, 6]
    assert [s["changed"] for s in out["steps"]] == [True, True, True, False]
    first = out["steps"][0]
    assert (first["line"], first["command"], first["changed"]) == (
        2,
        "olx promote xpro QA",
        True,
    )
    # The stage line, then what the stage will build differently.
    assert first["details"][0] == "xpro QA: teak → ulmo"
    assert (
        "  ~ edx-platform: release teak → ulmo, branch release/teak → release/ulmo, "
        "runtime 3.11 → 3.12"
    ) in first["details"]
    assert out["steps"][2]["command"] == (
        "olx override ulmo mitx edx-platform --branch mitx/ulmo-hotfix"
    )
    assert (
        '+            EnvRelease("QA", OpenEdxSupportedRelease["ulmo"]),' in out["diff"]
    )


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("promote xpro QA\npromote xpro QA master\n", 1, "release-day.txt:2: "),
        ("promote xpro QA\nenable-app nope ulmo mitx\n", 2, "release-day.txt:2: "),
        ("promote xpro QA --dry-run\n", 2, "--dry-run inside a step"),
        (
            "promote xpro QA\noverride ulmo mitx forum --pin master --git-branch x\n",
            2,
            "release-day.txt:2: --branch/--git-branch inside a step",
        ),
        ("retire teak --message hi\n", 2, "--message inside a step"),
        ("show\n", 2, "'show' is not a command a runbook can run"),
        ("plan other.txt\n", 2, "'plan' is not a command a runbook can run"),
        ("--repo /tmp promote xpro QA\n", 2, "global options"),
        ("promote xpro 'QA\n", 2, "release-day.txt:1: cannot split the line"),
        ("promote xpro QA; rm -rf /\n", 2, "release-day.txt:1: "),
        ("promote xpro QA --no-such-option\n", 2, "No such option"),
        ("# only a comment\n\n", 2, "no steps"),
        (b"promote xpro QA\n\x00\xff\xfe garbage\n", 2, "text file"),
    ],
)
def test_a_failing_step_fails_the_plan_and_touches_nothing(
    example_repo: Path, text: str | bytes, code: int, message: str
) -> None:
    before = state(example_repo)
    runbook = write_runbook(example_repo, text)
    result = invoke("--repo", example_repo, "plan", runbook)
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("olx: error: "), result.stderr
    assert message in lines[0]
    assert state(example_repo) == before


def test_a_guard_names_the_line_and_force_inside_the_step_bypasses_it(
    example_repo: Path,
) -> None:
    runbook = write_runbook(example_repo, "promote xpro QA master\n")
    refused = invoke("--repo", example_repo, "plan", runbook)
    assert refused.exit_code == 1
    assert "release-day.txt:1: olx promote xpro QA master: refused:" in refused.stderr
    forced = write_runbook(example_repo, "promote xpro QA master --force\n", "f.txt")
    result = invoke("--repo", example_repo, "plan", forced, "--no-commit")
    assert result.exit_code == 0, result.output
    assert "warning: --force: ReleaseMap['master'] has no 'xpro' block" in result.stderr


def test_plans_stack_on_one_branch(example_repo: Path) -> None:
    first = write_runbook(example_repo, "promote xpro QA\n", "one.txt")
    second = write_runbook(example_repo, "promote xpro Production\n", "two.txt")
    for runbook in (first, second):
        result = invoke("--repo", example_repo, "plan", runbook, "--branch", "release")
        assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    with repo:
        subjects = [c.summary for c in repo.iter_commits("main..release")]
    assert subjects == [
        "config: Promote ulmo to Production for xpro",
        "config: Promote ulmo to QA for xpro",
    ]


def test_a_plan_that_changes_nothing_is_a_no_op(example_repo: Path) -> None:
    before = state(example_repo)
    runbook = write_runbook(example_repo, "promote mitx QA ulmo\n")
    result = invoke("--repo", example_repo, "plan", runbook)
    assert result.exit_code == 0, result.output
    assert "mitx QA is already on ulmo" in result.stdout
    assert state(example_repo) == before


def test_a_missing_runbook_is_an_input_error(example_repo: Path) -> None:
    result = invoke("--repo", example_repo, "plan", example_repo / "nope.txt")
    assert result.exit_code == 2
    assert "cannot read the runbook" in result.stderr


def test_steps_see_the_steps_before_them(example_repo: Path) -> None:
    # Step 2 promotes Production to QA's release, which step 1 has just set.
    runbook = write_runbook(example_repo, "promote xpro QA\npromote xpro Production\n")
    result = invoke("--repo", example_repo, "--json", "plan", runbook, "--no-commit")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert steps[1]["details"][0] == "xpro Production: teak → ulmo"
    shown = json.loads(invoke("--repo", example_repo, "--json", "show").stdout)
    xpro = next(d for d in shown["deployments"] if d["name"] == "xpro")
    assert xpro["stages"] == {"CI": "ulmo", "QA": "ulmo", "Production": "ulmo"}


def test_a_plan_subject_says_what_changed_never_the_runbook_name(
    example_repo: Path,
) -> None:
    def subject_of(text: str, branch: str) -> str:
        runbook = write_runbook(example_repo, text, name="pv.txt")
        result = invoke("--repo", example_repo, "plan", runbook, "--branch", branch)
        assert result.exit_code == 0, result.output
        with git.Repo(example_repo) as repo:
            return repo.head.commit.message.splitlines()[0]

    # The steps' own summaries do not fit, nor each without where it applies
    # ("Promote the previous stage's release to QA …"): the first, and how many more.
    first = subject_of(
        "override ulmo xpro,mitx edx-platform --branch release/new2\n"
        "promote xpro,mitx-staging QA\n",
        "first",
    )
    assert first == "config: Set branch of edx-platform and 1 more change"
    # Each step without where it applies fits.
    second = subject_of(
        "override ulmo xpro,mitx forum --branch release/new3\npromote mitx CI ulmo\n",
        "second",
    )
    assert second == "config: Set branch of forum; promote ulmo to CI"
