"""``--push``, ``--pr`` and ``--base`` on writes and plans: real git throughout, a bare
repository as the remote, and a stand-in ``gh`` on PATH that records its arguments
and the body file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import git
import pytest
from conftest import invoke

GH = """#!/bin/sh
# A stand-in for the GitHub CLI: records its arguments and the body file.
out="$GH_RECORD"
printf '%s\\n' "$@" > "$out/args"
while [ $# -gt 0 ]; do
  if [ "$1" = "--body-file" ]; then cp "$2" "$out/body"; fi
  shift
done
if [ -n "$GH_FAIL" ]; then echo "$GH_FAIL" >&2; exit 1; fi
echo "Creating pull request for the branch"
echo "https://github.com/example/infra/pull/42"
"""


def run(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def remote(example_repo: Path, tmp_path: Path) -> Path:
    """A bare repository as ``origin``, holding main."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    run(example_repo, "remote", "add", "origin", str(bare))
    run(example_repo, "push", "-q", "-u", "origin", "main")
    return bare


@pytest.fixture
def gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in ``gh`` first on PATH; returns the folder it records into."""
    bin_dir, record = tmp_path / "bin", tmp_path / "gh-record"
    bin_dir.mkdir()
    record.mkdir()
    script = bin_dir / "gh"
    script.write_text(GH)
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GH_RECORD", str(record))
    return record


def branches_of(bare: Path) -> list[str]:
    return run(bare, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()


def test_pr_pushes_the_branch_and_opens_a_pull_request(
    example_repo: Path, remote: Path, gh: Path
) -> None:
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA", "--pr")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    branch = "olx/promote-xpro-qa-ulmo"
    assert out["pushed"] is True
    assert out["pull_request"] == "https://github.com/example/infra/pull/42"
    assert branch in branches_of(remote)
    assert run(remote, "rev-parse", branch) == out["commit"]
    assert run(example_repo, "config", f"branch.{branch}.remote") == "origin"
    args = (gh / "args").read_text().splitlines()
    body_file = args[-1]
    assert args == [
        "pr", "create", "--base", "main", "--head", branch,
        "--title", "config: Promote ulmo to QA for xpro", "--body-file", body_file,
    ]  # fmt: skip
    assert not Path(body_file).exists()  # removed once the pull request is open
    body = (gh / "body").read_text()
    assert body.startswith("## What changed\n\n- xpro QA: teak → ulmo\n\n")
    assert (
        "**xpro QA** (teak → ulmo)\n\n```diff\n~ authoring: release teak → ulmo" in body
    )
    assert "## Verify\n\nNot run with this change." in body
    assert "`olx verify xpro:QA`" in body
    assert "- [ ] Rebuild and push the ol-infrastructure Docker image" in body
    assert "- [ ] Re-trigger the meta pipelines" in body
    assert "- [ ] Watch the database migrations" in body


def test_without_gh_the_branch_is_pushed_and_the_hint_is_the_command(
    example_repo: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_git = tmp_path / "only-git"
    only_git.mkdir()
    (only_git / "git").symlink_to(shutil.which("git") or "git")
    monkeypatch.setenv("PATH", str(only_git))
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--pr")
    assert result.exit_code == 2
    branch = "olx/promote-xpro-qa-ulmo"
    assert branch in branches_of(remote)  # the pushed branch stays
    with git.Repo(example_repo) as repo:
        assert repo.active_branch.name == branch  # and the local commit
        body = Path(repo.git_dir) / "olx-pr" / "olx-promote-xpro-qa-ulmo.md"
    error = result.stderr
    assert f"pushed {branch}, but the GitHub CLI (gh) is not installed" in error
    assert (
        f"gh pr create --base main --head {branch} --title 'config: Promote ulmo to "
        f"QA for xpro' --body-file {body}"
    ) in error
    assert body.read_text().startswith("## What changed")  # the hint's file is there


def test_a_failing_gh_exits_2_with_its_output(
    example_repo: Path, remote: Path, gh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "GH_FAIL", "To get started with GitHub CLI, please run: gh auth login"
    )
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--pr")
    assert result.exit_code == 2
    assert "gh pr create failed (exit 1)" in result.stderr
    assert "hint: sign in with gh auth login if it asks, then: gh pr create" in (
        result.stderr
    )
    assert "  | To get started with GitHub CLI" in result.stderr
    assert "olx/promote-xpro-qa-ulmo" in branches_of(remote)


def test_a_push_that_is_not_a_fast_forward_is_refused_and_the_commit_kept(
    example_repo: Path, remote: Path, tmp_path: Path
) -> None:
    # Someone else pushed "release" first, from another clone.
    other = tmp_path / "other"
    subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
    run(other, "checkout", "-q", "-b", "release")
    (other / "NOTES").write_text("theirs\n")
    run(other, "add", "NOTES")
    run(other, "commit", "-qm", "theirs")
    run(other, "push", "-q", "origin", "release")
    theirs = run(remote, "rev-parse", "release")
    result = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--branch", "release", "--push"
    )
    assert result.exit_code == 2
    assert "origin refused the push" in result.stderr
    assert "only a new branch or a fast-forward is pushed" in result.stderr
    assert "hint: bring release up to date with origin/release, then: git push " in (
        result.stderr
    )
    assert run(remote, "rev-parse", "release") == theirs  # nothing forced
    with git.Repo(example_repo) as repo:
        assert repo.head.commit.summary == "config: Promote ulmo to QA for xpro"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--push", "--dry-run"], "--push and --pr go with a commit"),
        (["--pr", "--no-commit"], "--push and --pr go with a commit"),
        (["--base", "main", "--no-commit"], "--base starts a new branch"),
        (
            ["--base", "no-such-ref"],
            "--base no-such-ref: no such branch, tag or commit",
        ),
        (["--pr", "--base", "v0"], "--pr: --base v0 is not a branch"),
    ],
)
def test_publish_options_that_do_not_fit_the_write_are_input_errors(
    example_repo: Path, args: list[str], message: str
) -> None:
    run(example_repo, "tag", "v0")
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_pr_from_a_detached_head_needs_base(
    example_repo: Path, remote: Path, gh: Path
) -> None:
    run(example_repo, "checkout", "-q", "--detach")
    refused = invoke("--repo", example_repo, "promote", "xpro", "QA", "--pr")
    assert refused.exit_code == 2
    assert "HEAD is detached" in refused.stderr or "needs --base" in refused.stderr
    assert not (gh / "args").exists()
    done = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--pr", "--base", "origin/main"
    )
    assert done.exit_code == 0, done.output
    assert (gh / "args").read_text().splitlines()[2:4] == ["--base", "main"]


def test_a_write_that_changes_nothing_pushes_and_opens_nothing(
    example_repo: Path, remote: Path, gh: Path
) -> None:
    result = invoke("--repo", example_repo, "promote", "mitx", "QA", "ulmo", "--pr")
    assert result.exit_code == 0, result.output
    assert "already on ulmo" in result.stdout
    assert branches_of(remote) == ["main"]
    assert not (gh / "args").exists()


def test_base_starts_the_new_branch_elsewhere_and_stacking_is_warned(
    example_repo: Path,
) -> None:
    first = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert first.exit_code == 0, first.output
    main = run(example_repo, "rev-parse", "main")
    # Right after: on olx/promote-xpro-qa-ulmo, a second write stacks, and says so.
    stacked = invoke(
        "--repo", example_repo, "promote", "xpro", "Production", "--dry-run"
    )
    assert stacked.exit_code == 0
    second = invoke("--repo", example_repo, "promote", "mitx", "Production")
    assert second.exit_code == 0, second.output
    assert (
        "warning: olx/promote-mitx-production-ulmo starts from olx/promote-xpro-qa-ulmo, "
        "an earlier olx write's branch, and carries its change too; to start "
        "elsewhere: --base main"
    ) in second.stderr
    # With --base, from main's files (xpro QA still teak there), on a new branch.
    third = invoke(
        "--repo",
        example_repo,
        "--json",
        "promote",
        "xpro",
        "CI",
        "teak",
        "--base",
        "main",
    )
    assert third.exit_code == 0, third.output
    out = json.loads(third.stdout)
    assert out["warnings"] == []
    assert run(example_repo, "rev-parse", "HEAD^") == main
    assert '"QA", OpenEdxSupportedRelease["teak"]' in run(
        example_repo, "show", "HEAD:src/bridge/settings/openedx/version_matrix.py"
    ).replace("'", '"')
    # A refused commit from --base leaves the checkout where it was.
    before = run(example_repo, "rev-parse", "--abbrev-ref", "HEAD")
    refused = invoke(
        "--repo", example_repo, "promote", "xpro", "CI", "master", "--base", "main"
    )
    assert refused.exit_code == 1
    assert run(example_repo, "rev-parse", "--abbrev-ref", "HEAD") == before


def test_a_plan_pushes_and_opens_one_pull_request_for_its_one_commit(
    example_repo: Path, remote: Path, gh: Path, tmp_path: Path
) -> None:
    runbook = tmp_path / "day.txt"
    runbook.write_text("promote xpro QA\npromote xpro Production\n")
    result = invoke("--repo", example_repo, "--json", "plan", runbook, "--pr")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["pushed"] is True and out["pull_request"].endswith("/pull/42")
    args = (gh / "args").read_text().splitlines()
    assert args[4:8] == ["--head", "olx/plan-day", "--title", out_title(example_repo)]
    body = (gh / "body").read_text()
    assert "**xpro QA** (teak → ulmo)" in body
    assert "**xpro Production** (teak → ulmo)" in body
    assert "`olx verify xpro:QA xpro:Production`" in body
    inside = tmp_path / "step.txt"
    inside.write_text("promote xpro QA --push\n")
    refused = invoke("--repo", example_repo, "plan", inside)
    assert refused.exit_code == 2
    assert "step.txt:1: --push inside a step" in refused.stderr


def out_title(repo: Path) -> str:
    with git.Repo(repo) as r:
        return r.head.commit.summary


def test_the_remote_and_the_checklist_come_from_tool_olx(
    example_repo: Path, remote: Path, gh: Path
) -> None:
    run(example_repo, "remote", "rename", "origin", "upstream")
    (example_repo / "pyproject.toml").write_text(
        '[tool.olx]\nremote = "upstream"\n\n[tool.olx.pr]\n'
        'checklist = ["Tell the support team", "Watch the LMS errors"]\n'
    )
    run(example_repo, "add", "pyproject.toml")
    run(example_repo, "commit", "-qm", "olx settings")
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--pr")
    assert result.exit_code == 0, result.output
    assert "pushed olx/promote-xpro-qa-ulmo to upstream" in result.stdout
    body = (gh / "body").read_text()
    assert body.split("## Checklist\n\n")[1].startswith(
        "- [ ] Tell the support team\n- [ ] Watch the LMS errors\n"
    )


def test_pr_on_a_branch_stacked_on_targets_the_branch_it_was_made_from(
    example_repo: Path, remote: Path, gh: Path
) -> None:
    run(example_repo, "checkout", "-q", "-b", "release-day")
    first = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--branch", "release-day"
    )
    assert first.exit_code == 0
    second = invoke(
        "--repo", example_repo, "promote", "xpro", "Production",
        "--branch", "release-day", "--pr",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    args = (gh / "args").read_text().splitlines()
    assert args[2:6] == ["--base", "main", "--head", "release-day"]


def test_the_pull_request_carries_what_verify_found(
    example_repo: Path, remote: Path, gh: Path, upstreams
) -> None:
    # learning has no release/ulmo upstream: --force writes it, and the body says so.
    upstreams.set("openedx/frontend-app-learning", ["master", "release/teak"])
    result = invoke(
        "--repo", example_repo, "promote", "xpro", "QA", "--verify", "--force", "--pr"
    )
    assert result.exit_code == 0, result.output
    body = (gh / "body").read_text()
    verify = body.split("## Verify\n\n")[1].split("\n## ")[0]
    assert verify.startswith(
        "```\nverified 10 components against 10 origins: 9 found, 1 missing\n"
        "missing: learning: release/ulmo is not in "
        "https://github.com/openedx/frontend-app-learning"
    )
    assert "for xpro QA\n```" in verify


def test_with_json_a_failed_push_or_pull_request_names_the_commit_kept(
    example_repo: Path, remote: Path, gh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    branch = "olx/promote-xpro-qa-ulmo"
    monkeypatch.setenv("GH_FAIL", "gh: not authenticated")
    result = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA", "--pr")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    with git.Repo(example_repo) as repo:
        made = repo.head.commit.hexsha
    assert error["kind"] == "push"
    assert (error["commit"], error["branch"], error["pushed"]) == (made, branch, True)
    # A push refused: the commit is kept, not pushed.
    run(example_repo, "remote", "set-url", "origin", str(remote.parent / "nowhere"))
    refused = invoke(
        "--repo", example_repo, "--json", "promote", "xpro", "Production", "--push"
    )
    assert refused.exit_code == 2
    error = json.loads(refused.stdout)
    with git.Repo(example_repo) as repo:
        made = repo.head.commit.hexsha
        current = repo.active_branch.name
    assert (error["commit"], error["branch"], error["pushed"]) == (made, current, False)
