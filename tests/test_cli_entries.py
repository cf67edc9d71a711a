"""``enable-app``, ``disable-app`` and ``override`` through the CLI, against real
repositories made by ``olx init-example``: output, exit codes, JSON, commits."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import git
import pytest
from conftest import console_script, example_paths, invoke


def state(repo: Path) -> tuple[str, list[str], bytes, bytes]:
    r = git.Repo(repo)
    types, matrix = example_paths(repo)
    with r:
        return (
            r.head.commit.hexsha,
            sorted(h.name for h in r.heads),
            types.read_bytes(),
            matrix.read_bytes(),
        )


def test_override_commits_one_change_for_every_entry_named(example_repo: Path) -> None:
    result = invoke(
        "--repo",
        example_repo,
        "override",
        "ulmo",
        "mitx,mitx-staging",
        "learning,ora-grading",
        "--set",
        'translation_overrides=["mitx-strings"]',
    )
    assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    with repo:
        assert repo.active_branch.name == (
            "olx/override-ulmo-mitx-mitx-staging-learning-ora-grading"
        )
        message = repo.head.commit.message
        stat = repo.git.show("--stat", "--format=", "HEAD")
    assert message.startswith(
        "config: Set translation_overrides on 2 apps for mitx and 1 more in ulmo\n\n"
    )
    # (body lines are wrapped at 72 columns)
    unwrapped = " ".join(message.split())
    # one line per entry set: 2 applications in 2 deployments
    assert unwrapped.count('translation_overrides = ["mitx-strings"]') == 2 * 2
    assert "version_matrix.py | 4 ++++" in stat
    check = invoke("--repo", example_repo, "check")
    assert check.exit_code == 0, check.output


def test_enable_app_dry_run_json_then_commit_then_disable_restores(
    example_repo: Path,
) -> None:
    before = state(example_repo)
    dry = invoke(
        "--repo",
        example_repo,
        "--json",
        "enable-app",
        "profile",
        "ulmo",
        "mitx",
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    out = json.loads(dry.stdout)
    assert out["changed"] is True and out["commit"] is None and out["branch"] is None
    assert '+                application="profile",\n' in out["diff"]
    assert state(example_repo) == before
    done = invoke(
        "--repo",
        example_repo,
        "enable-app",
        "profile",
        "ulmo",
        "mitx",
        "--git-branch",
        "release-day",
    )
    assert done.exit_code == 0, done.output
    assert "ReleaseMap['ulmo']['mitx']: profile (MFE) enabled" in done.stdout
    off = invoke(
        "--repo",
        example_repo,
        "disable-app",
        "profile",
        "ulmo",
        "mitx",
        "--branch",
        "release-day",
    )
    assert off.exit_code == 0, off.output
    after = state(example_repo)
    assert after[2:] == before[2:]  # the files are byte for byte as before
    repo = git.Repo(example_repo)
    with repo:
        subjects = [c.summary for c in repo.iter_commits("release-day", max_count=2)]
    assert subjects == [
        "config: Disable profile for mitx in ulmo",
        "config: Enable profile for mitx in ulmo",
    ]


def test_already_present_is_a_no_op_without_branch(example_repo: Path) -> None:
    before = state(example_repo)
    result = invoke("--repo", example_repo, "enable-app", "learning", "ulmo", "mitx")
    assert result.exit_code == 0, result.output
    assert "learning is already enabled in ReleaseMap['ulmo']['mitx']" in result.stdout
    assert state(example_repo) == before


@pytest.mark.parametrize(
    "args",
    [
        [
            "override",
            "ulmo",
            "mitx",
            "learning",
            "--set",
            "translation_overrides=os.system('x')",
        ],
        [
            "override",
            "ulmo",
            "mitx",
            "learning",
            "--set",
            "translation_overrides=[1]+[2]",
        ],
        ["override", "ulmo", "mitx", "learning", "--origin", "ftp://example.org/x"],
        ["override", "ulmo", "mitx", "learning", "--branch", "a\nb"],
        ["override", "ulmo", "mitx", "learning", "--branch", "x\x00y"],
        ["override", "ulmo", "mitx", "learn\u200bing", "--branch", "a/b"],
        ["override", "ulmo", "mitx", "learning", "--set", "class=1"],
        [
            "enable-app",
            "profile",
            "ulmo",
            "mitx",
            "--set",
            'translation_overrides="{x}"' * 3,
        ],
        ["enable-app", "profile", "ulmo", "nowhere"],
        ["disable-app", "profile", "ulmo", "mitx"],
        ["override", "ulmo", "mitx", "learning"],
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_touched(
    example_repo: Path, args: list[str]
) -> None:
    before = state(example_repo)
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("olx: error: ")
    assert "Traceback" not in result.output
    assert state(example_repo) == before


def test_the_console_script_reports_a_bad_set_value(example_repo: Path) -> None:
    proc = subprocess.run(
        [
            *console_script(),
            "--repo",
            str(example_repo),
            "override",
            "ulmo",
            "mitx",
            "learning",
            "--set",
            "translation_overrides=__import__('os')",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "a call is not accepted" in proc.stderr
    assert "give JSON" in proc.stderr
    assert "Traceback" not in proc.stderr
