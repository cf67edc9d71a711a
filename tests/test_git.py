"""The git layer, end to end: branches, commits, messages, guards and rollback.

Every test asserts on the repository's state through GitPython (branches, HEAD, index
against HEAD, work tree, commit count, message, author), not on printed text alone.
docs/contract.md: "Options of every write", "Safety", "Exit codes and errors".
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import git
import pytest
from typer.testing import CliRunner

import olx
import olx.cli
import olx.cli.entry
from olx.example import init_example
from olx.repo.targets import DEFAULT_MATRIX, DEFAULT_TYPES

MATRIX = DEFAULT_MATRIX
TYPES = DEFAULT_TYPES
NAME, EMAIL = "olx test", "test@olx.invalid"

# promote mitx Production ulmo: mitx is CI master, QA ulmo, Production teak.
PROMOTE = ["promote", "mitx", "Production", "ulmo"]
PROMOTE_BRANCH = "olx/promote-mitx-production-ulmo"
PROMOTE_LINE_OLD = 'EnvRelease("Production", OpenEdxSupportedRelease["teak"])'
PROMOTE_LINE_NEW = 'EnvRelease("Production", OpenEdxSupportedRelease["ulmo"])'

GIT_ENV_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "EMAIL",
    "OLX_REPO",
)


def _write_gitconfig(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(text, encoding="utf-8")


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated HOME whose .gitconfig gives the identity "olx test"."""
    home = tmp_path / "home"
    _write_gitconfig(
        home,
        f"[user]\n\tname = {NAME}\n\temail = {EMAIL}\n[init]\n\tdefaultBranch = main\n",
    )
    (home / ".config").mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    # git's "user" level config lives there too
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in GIT_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def git_repo(tmp_path: Path, git_home: Path) -> Path:
    """The example repository: branch main, one commit."""
    path = tmp_path / "repo"
    init_example(path)
    return path


# ---------------------------------------------------------------- helpers


def olx_run(repo: Path, *args: str):
    return CliRunner().invoke(
        olx.cli.app, ["--repo", str(repo), *args], catch_exceptions=False
    )


def olx_subprocess(repo: Path, *args: str, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "olx", "--repo", str(repo), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd or repo,
        timeout=120,
    )


@dataclass
class State:
    heads: dict[str, str]
    head: str  # branch name, or "detached:<sha>"
    head_sha: str
    staged: list[str]  # index vs HEAD
    unstaged: list[str]  # work tree vs index
    untracked: list[str]
    files: dict[str, bytes]
    git_state_files: list[str]


def state(path: Path) -> State:
    repo = git.Repo(path)
    try:
        head = (
            f"detached:{repo.head.commit.hexsha}"
            if repo.head.is_detached
            else repo.active_branch.name
        )
        git_dir = Path(repo.git_dir)
        return State(
            heads={h.name: h.commit.hexsha for h in repo.heads},
            head=head,
            head_sha=repo.head.commit.hexsha,
            staged=sorted(d.a_path for d in repo.index.diff("HEAD")),
            unstaged=sorted(d.a_path for d in repo.index.diff(None)),
            untracked=sorted(repo.untracked_files),
            files={
                rel: (path / rel).read_bytes() for rel in (TYPES, MATRIX, "README.md")
            },
            git_state_files=sorted(
                n
                for n in (
                    "MERGE_HEAD",
                    "CHERRY_PICK_HEAD",
                    "rebase-merge",
                    "rebase-apply",
                )
                if (git_dir / n).exists()
            ),
        )
    finally:
        repo.close()


def commit_files(commit: git.Commit) -> list[str]:
    return sorted(commit.stats.files)


def count_commits(repo: git.Repo, rev: str = "HEAD") -> int:
    return int(repo.git.rev_list("--count", rev))


def out(result) -> str:
    """Everything the user would see (CliRunner mixes stderr into output)."""
    return result.output


def make_hook(repo: Path, name: str, body: str) -> Path:
    hook = repo / ".git" / "hooks" / name
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return hook


def promoted(matrix: bytes) -> bytes:
    """The matrix after PROMOTE: mitx (the first deployment) Production teak → ulmo."""
    old, new = PROMOTE_LINE_OLD.encode(), PROMOTE_LINE_NEW.encode()
    assert matrix.count(old) == 3  # mitx (first), mitx-staging, xpro
    return matrix.replace(old, new, 1)


def assert_untouched(before: State, path: Path) -> None:
    after = state(path)
    assert after == before


# ---------------------------------------------------------------- default commit


def test_default_branch_and_commit_holds_only_the_matrix(git_repo: Path):
    before = state(git_repo)
    assert before.head == "main" and list(before.heads) == ["main"]

    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 0, out(result)

    repo = git.Repo(git_repo)
    assert repo.active_branch.name == PROMOTE_BRANCH
    assert sorted(h.name for h in repo.heads) == ["main", PROMOTE_BRANCH]
    # main is left where it was; the new branch is one commit on top of it
    assert repo.heads["main"].commit.hexsha == before.head_sha
    head = repo.head.commit
    assert [p.hexsha for p in head.parents] == [before.head_sha]
    assert count_commits(repo) == 2
    # only the matrix file is in the commit, with exactly the one line swapped
    assert commit_files(head) == [MATRIX]
    assert head.stats.files[MATRIX]["insertions"] == 1
    assert head.stats.files[MATRIX]["deletions"] == 1
    committed = (head.tree / MATRIX).data_stream.read().decode()
    assert committed.encode() == promoted(before.files[MATRIX])
    assert (head.tree / TYPES).binsha == (repo.heads["main"].commit.tree / TYPES).binsha
    # index == HEAD == work tree
    assert repo.index.diff("HEAD") == []
    assert repo.index.diff(None) == []
    assert repo.untracked_files == []
    assert (git_repo / MATRIX).read_text(encoding="utf-8") == committed
    assert not repo.is_dirty(untracked_files=True)
    # author and committer come from the git config
    assert (head.author.name, head.author.email) == (NAME, EMAIL)
    assert (head.committer.name, head.committer.email) == (NAME, EMAIL)


def test_commit_stages_only_what_olx_wrote(git_repo: Path):
    """Other unstaged edits and untracked files are neither committed nor lost."""
    readme = git_repo / "README.md"
    readme.write_text(readme.read_text() + "local note\n", encoding="utf-8")
    (git_repo / "scratch.txt").write_text("scratch\n", encoding="utf-8")

    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 0, out(result)

    repo = git.Repo(git_repo)
    assert repo.active_branch.name == PROMOTE_BRANCH
    assert commit_files(repo.head.commit) == [MATRIX]
    assert repo.index.diff("HEAD") == []
    assert [d.a_path for d in repo.index.diff(None)] == ["README.md"]
    assert repo.untracked_files == ["scratch.txt"]
    assert readme.read_text().endswith("local note\n")


def test_add_release_with_clone_commits_both_files(git_repo: Path):
    """add-release's commit branch is --git-branch; both written files are committed."""
    result = olx_run(
        git_repo,
        "add-release",
        "verawood",
        "--clone-from",
        "ulmo",
        "--git-branch",
        "rel-v",
    )
    assert result.exit_code == 0, out(result)
    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "rel-v"
    assert count_commits(repo) == 2
    assert commit_files(repo.head.commit) == sorted([TYPES, MATRIX])
    assert not repo.is_dirty(untracked_files=True)
    types_text = (git_repo / TYPES).read_text()
    assert 'verawood = ("verawood", "release/verawood"' in types_text


def test_git_branch_alias_on_other_commands(git_repo: Path):
    result = olx_run(git_repo, *PROMOTE, "--git-branch", "via-alias")
    assert result.exit_code == 0, out(result)
    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "via-alias"
    assert count_commits(repo) == 2


# ---------------------------------------------------------------- message


def test_message_format_body_and_command_line_subprocess(git_repo: Path):
    """Through a real process: the exact argv is recorded in the body."""
    args = ["promote", "mitx", "QA", "master"]  # CI master, QA ulmo → master
    proc = olx_subprocess(git_repo, *args)
    assert proc.returncode == 0, proc.stderr

    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "olx/promote-mitx-qa-master"
    head = repo.head.commit
    lines = head.message.splitlines()
    assert lines[0] == "config: Promote master to QA for mitx"
    assert lines[1] == ""
    body = "\n".join(lines[2:])
    assert "mitx QA: ulmo → master" in body
    assert olx.__version__ in body
    assert f"olx {olx.__version__}" in body
    # re-runnable in the repository: no --repo, no machine path
    expected_cmd = shlex.join(["olx", *args])
    assert expected_cmd in [line.strip() for line in lines]
    assert (head.author.name, head.author.email) == (NAME, EMAIL)
    assert commit_files(head) == [MATRIX]


def test_message_body_lists_each_change_of_a_comma_list(git_repo: Path):
    result = olx_run(git_repo, "promote", "mitx,mitx-staging", "Production", "ulmo")
    assert result.exit_code == 0, out(result)
    head = git.Repo(git_repo).head.commit
    first, *rest = head.message.splitlines()
    assert first == "config: Promote ulmo to Production for mitx, mitx-staging"
    body = "\n".join(rest)
    assert "mitx Production: teak → ulmo" in body
    assert "mitx-staging Production: teak → ulmo" in body
    # the command line is recorded (rebuilt from the parameters under CliRunner)
    assert "olx promote mitx,mitx-staging Production ulmo" in body
    assert str(git_repo) not in body


def test_message_option_sets_first_line(git_repo: Path):
    result = olx_run(git_repo, *PROMOTE, "--message", "Release day: mitx prod to ulmo")
    assert result.exit_code == 0, out(result)
    repo = git.Repo(git_repo)
    head = repo.head.commit
    assert head.summary == "Release day: mitx prod to ulmo"
    assert head.message.splitlines()[0] == "Release day: mitx prod to ulmo"
    assert "mitx Production: teak → ulmo" in head.message
    assert f"olx {olx.__version__}" in head.message
    assert repo.active_branch.name == PROMOTE_BRANCH
    assert commit_files(head) == [MATRIX]


def test_message_option_with_branch_subprocess_records_exact_argv(git_repo: Path):
    args = [*PROMOTE, "--branch", "rd", "--message", "Ship it: ulmo"]
    proc = olx_subprocess(git_repo, *args)
    assert proc.returncode == 0, proc.stderr
    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "rd"
    assert repo.head.commit.summary == "Ship it: ulmo"
    # re-runnable in the repository: no --repo, no machine path
    expected_cmd = shlex.join(["olx", *args])
    assert expected_cmd in [
        line.strip() for line in repo.head.commit.message.splitlines()
    ]


def test_command_line_recorded_with_option_flags_without_main(git_repo: Path):
    result = olx_run(git_repo, *PROMOTE, "--branch", "rd", "--message", "Ship it")
    assert result.exit_code == 0, out(result)
    message = git.Repo(git_repo).head.commit.message
    assert "--branch rd" in message
    assert "--message 'Ship it'" in message


# ---------------------------------------------------------------- --branch


def test_branch_is_created_from_head_and_checked_out(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--branch", "feature/prod-ulmo")
    assert result.exit_code == 0, out(result)
    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "feature/prod-ulmo"
    assert sorted(h.name for h in repo.heads) == ["feature/prod-ulmo", "main"]
    assert repo.heads["main"].commit.hexsha == before.head_sha
    assert [p.hexsha for p in repo.head.commit.parents] == [before.head_sha]
    assert commit_files(repo.head.commit) == [MATRIX]
    assert not repo.is_dirty(untracked_files=True)


def test_three_commands_stack_on_one_branch(git_repo: Path):
    before = state(git_repo)
    steps = [
        (
            ["promote", "mitx", "Production", "ulmo"],
            "config: Promote ulmo to Production for mitx",
        ),
        (["promote", "xpro", "QA", "ulmo"], "config: Promote ulmo to QA for xpro"),
        (
            ["promote", "mitx-staging", "Production", "ulmo"],
            "config: Promote ulmo to Production for mitx-staging",
        ),
    ]
    shas = []
    for args, _ in steps:
        result = olx_run(git_repo, *args, "--branch", "release-day")
        assert result.exit_code == 0, out(result)
        repo = git.Repo(git_repo)
        assert repo.active_branch.name == "release-day"
        assert not repo.is_dirty(untracked_files=True)
        shas.append(repo.head.commit.hexsha)

    repo = git.Repo(git_repo)
    assert sorted(h.name for h in repo.heads) == ["main", "release-day"]
    assert repo.heads["main"].commit.hexsha == before.head_sha
    assert count_commits(repo, "release-day") == 4
    assert count_commits(repo, "main..release-day") == 3
    log = list(repo.iter_commits("main..release-day"))[::-1]  # oldest first
    assert [c.hexsha for c in log] == shas
    assert [c.summary for c in log] == [subject for _, subject in steps]
    assert log[0].parents[0].hexsha == before.head_sha
    for older, newer in itertools.pairwise(log):
        assert newer.parents[0].hexsha == older.hexsha
    for commit in log:
        assert commit_files(commit) == [MATRIX]
    show = json.loads(olx_run(git_repo, "--json", "show").stdout)
    stages = {d["name"]: d["stages"] for d in show["deployments"]}
    assert stages["mitx"]["Production"] == "ulmo"
    assert stages["xpro"]["QA"] == "ulmo"
    assert stages["mitx-staging"]["Production"] == "ulmo"


def test_branch_existing_but_not_current_is_refused(git_repo: Path):
    repo = git.Repo(git_repo)
    repo.git.branch("release-day")
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--branch", "release-day")
    assert result.exit_code == 2, out(result)
    assert "release-day" in out(result)
    assert_untouched(before, git_repo)
    assert PROMOTE_LINE_OLD in (git_repo / MATRIX).read_text()


def test_invalid_branch_name_is_refused_before_anything(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--branch", "bad..name")
    assert result.exit_code == 2, out(result)
    assert_untouched(before, git_repo)


@pytest.mark.parametrize("mode", ["--dry-run", "--no-commit"])
def test_branch_with_dry_run_or_no_commit_is_an_input_error(git_repo: Path, mode: str):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, mode, "--branch", "x")
    assert result.exit_code == 2, out(result)
    assert_untouched(before, git_repo)


# ---------------------------------------------------------------- hooks


def test_passing_hooks_run_like_git_commit(git_repo: Path):
    marker = git_repo / ".git" / "hook-ran"
    make_hook(git_repo, "pre-commit", f'echo pre >> "{marker}"\nexit 0\n')
    make_hook(git_repo, "commit-msg", f'echo msg >> "{marker}"\nexit 0\n')
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 0, out(result)
    assert marker.read_text().split() == ["pre", "msg"]
    assert git.Repo(git_repo).active_branch.name == PROMOTE_BRANCH


def test_failing_pre_commit_hook_rolls_everything_back(git_repo: Path):
    make_hook(git_repo, "pre-commit", 'echo "lint failed"\nexit 1\n')
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "lint failed" in out(result)
    after = state(git_repo)
    # files byte-identical, original branch checked out, new branch deleted, index clean
    assert after.files == before.files
    assert after.head == "main"
    assert after.head_sha == before.head_sha
    assert PROMOTE_BRANCH not in after.heads
    assert after.heads == before.heads
    assert after.staged == [] and after.unstaged == [] and after.untracked == []
    assert after == before


def test_failing_pre_commit_hook_output_in_json_error(git_repo: Path):
    make_hook(git_repo, "pre-commit", 'echo "lint failed" >&2\nexit 1\n')
    before = state(git_repo)
    result = olx_run(git_repo, "--json", *PROMOTE)
    assert result.exit_code == 2, out(result)
    err = json.loads(result.stdout)
    assert err["exit_code"] == 2
    assert "lint failed" in err["error"]
    assert_untouched(before, git_repo)


def test_failing_hook_while_stacking_keeps_the_branch(git_repo: Path):
    first = olx_run(git_repo, *PROMOTE, "--branch", "release-day")
    assert first.exit_code == 0, out(first)
    make_hook(git_repo, "commit-msg", 'echo "lint failed"\nexit 1\n')
    before = state(git_repo)
    result = olx_run(
        git_repo, "promote", "xpro", "QA", "ulmo", "--branch", "release-day"
    )
    assert result.exit_code == 2, out(result)
    assert "lint failed" in out(result)
    after = state(git_repo)
    assert after == before
    assert after.head == "release-day"
    assert sorted(after.heads) == ["main", "release-day"]


def test_a_failing_hook_through_the_console_script_leaves_everything_untouched(
    git_repo: Path,
):
    make_hook(git_repo, "pre-commit", 'echo "lint failed"\nexit 1\n')
    before = state(git_repo)
    proc = olx_subprocess(git_repo, *PROMOTE)
    assert proc.returncode == 2
    assert "lint failed" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert_untouched(before, git_repo)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("rel", [MATRIX, TYPES])
def test_dirty_target_file_is_refused(git_repo: Path, rel: str):
    path = git_repo / rel
    path.write_bytes(path.read_bytes() + b"# my local edit\n")
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert rel in out(result)
    assert_untouched(before, git_repo)
    assert path.read_bytes().endswith(b"# my local edit\n")


def test_staged_target_file_is_refused(git_repo: Path):
    path = git_repo / MATRIX
    path.write_bytes(path.read_bytes() + b"# staged edit\n")
    git.Repo(git_repo).index.add([MATRIX])
    before = state(git_repo)
    assert before.staged == [MATRIX]
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert_untouched(before, git_repo)


def test_other_staged_change_is_refused(git_repo: Path):
    readme = git_repo / "README.md"
    readme.write_text(readme.read_text() + "staged\n", encoding="utf-8")
    (git_repo / "new.txt").write_text("new\n", encoding="utf-8")
    repo = git.Repo(git_repo)
    repo.index.add(["README.md", "new.txt"])
    before = state(git_repo)
    assert before.staged == ["README.md", "new.txt"]
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "staged" in out(result)
    assert_untouched(before, git_repo)


def test_detached_head_is_refused(git_repo: Path):
    repo = git.Repo(git_repo)
    repo.git.checkout("--detach", "HEAD")
    before = state(git_repo)
    assert before.head.startswith("detached:")
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "detached" in out(result).lower()
    assert_untouched(before, git_repo)


def _conflicting_side_branch(path: Path) -> git.Repo:
    """main and side both change README.md's first line differently."""
    repo = git.Repo(path)
    readme = path / "README.md"
    original = readme.read_text()
    repo.git.checkout("-b", "side")
    readme.write_text("side version\n" + original, encoding="utf-8")
    repo.git.commit("-am", "side")
    repo.git.checkout("main")
    readme.write_text("main version\n" + original, encoding="utf-8")
    repo.git.commit("-am", "main")
    return repo


@pytest.mark.parametrize(
    ("operation", "marker", "word"),
    [
        (["merge", "side"], "MERGE_HEAD", "merge"),
        (["cherry-pick", "side"], "CHERRY_PICK_HEAD", "cherry-pick"),
        (["rebase", "side"], None, "rebase"),
    ],
    ids=["merge", "cherry-pick", "rebase"],
)
def test_operation_in_progress_is_refused(git_repo: Path, operation, marker, word):
    repo = _conflicting_side_branch(git_repo)
    with pytest.raises(git.GitCommandError):
        repo.git.execute(["git", *operation])  # a real conflict leaves it in progress
    git_dir = Path(repo.git_dir)
    if marker:
        assert (git_dir / marker).exists()
    else:
        assert (git_dir / "rebase-merge").exists() or (
            git_dir / "rebase-apply"
        ).exists()
    before = state(git_repo)
    result = olx_run(git_repo, "promote", "xpro", "QA", "ulmo")
    assert result.exit_code == 2, out(result)
    assert word in out(result)
    assert_untouched(before, git_repo)


def test_a_write_outside_a_git_repository_is_refused_and_writes_nothing(
    tmp_path: Path, git_repo: Path
):
    plain = tmp_path / "plain"
    shutil.copytree(git_repo, plain, ignore=shutil.ignore_patterns(".git"))
    assert not (plain / ".git").exists()
    original = (plain / MATRIX).read_bytes()

    result = olx_run(plain, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "not a git repository" in out(result)
    assert (plain / MATRIX).read_bytes() == original
    assert not (plain / ".git").exists()

    dry = olx_run(plain, *PROMOTE, "--dry-run")
    assert dry.exit_code == 0, out(dry)
    assert (plain / MATRIX).read_bytes() == original

    result = olx_run(plain, *PROMOTE, "--no-commit")
    assert result.exit_code == 0, out(result)
    assert (plain / MATRIX).read_bytes() == promoted(original)
    assert not (plain / ".git").exists()
    assert sorted(p.name for p in plain.iterdir()) == ["README.md", "src"]


def test_missing_identity_is_refused_with_a_hint(tmp_path: Path, git_home: Path):
    _write_gitconfig(git_home, "")  # empty global config: no user.name / user.email
    path = tmp_path / "noid"
    init_example(path)
    repo = git.Repo(path)
    for key in ("user.name", "user.email"):
        with contextlib.suppress(git.GitCommandError):  # not set locally
            repo.git.config("--local", "--unset", key)
    with repo.config_reader() as cfg:
        assert not cfg.has_option("user", "name")
        assert not cfg.has_option("user", "email")
    before = state(path)
    result = olx_run(path, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "git config" in out(result)
    assert_untouched(before, path)

    as_json = olx_run(path, "--json", *PROMOTE)
    assert as_json.exit_code == 2
    err = json.loads(as_json.stdout)
    assert err["exit_code"] == 2 and "git config" in (err["hint"] or "")
    assert_untouched(before, path)


# ---------------------------------------------------------------- dry run / no commit / no-op


def test_dry_run_touches_nothing(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--dry-run")
    assert result.exit_code == 0, out(result)
    assert PROMOTE_LINE_NEW in result.stdout  # the diff is shown
    assert_untouched(before, git_repo)


def test_no_commit_changes_only_the_work_tree(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--no-commit")
    assert result.exit_code == 0, out(result)
    after = state(git_repo)
    assert after.heads == before.heads
    assert after.head == "main" and after.head_sha == before.head_sha
    assert after.staged == []
    assert after.unstaged == [MATRIX]
    assert after.untracked == []
    assert after.files[TYPES] == before.files[TYPES]
    assert after.files[MATRIX] == promoted(before.files[MATRIX])
    assert count_commits(git.Repo(git_repo)) == 1


def test_no_commit_in_a_dirty_repo_is_allowed_and_touches_no_git_state(git_repo: Path):
    """--no-commit touches no git state, so other staged work does not stop it."""
    readme = git_repo / "README.md"
    readme.write_text(readme.read_text() + "staged\n", encoding="utf-8")
    git.Repo(git_repo).index.add(["README.md"])
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--no-commit")
    assert result.exit_code == 0, out(result)
    after = state(git_repo)
    assert after.heads == before.heads and after.head == before.head
    assert after.staged == ["README.md"]
    assert after.unstaged == [MATRIX]


@pytest.mark.parametrize(
    "extra",
    [[], ["--branch", "release-day"], ["--message", "nothing"]],
    ids=["default", "branch", "message"],
)
def test_noop_makes_no_branch_and_no_commit(git_repo: Path, extra: list[str]):
    before = state(git_repo)
    result = olx_run(git_repo, "promote", "mitx", "QA", "ulmo", *extra)  # already ulmo
    assert result.exit_code == 0, out(result)
    assert_untouched(before, git_repo)
    assert count_commits(git.Repo(git_repo)) == 1


def test_nothing_to_do_json_has_no_branch_commit_or_diff(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, "--json", "promote", "mitx", "QA", "ulmo")
    assert result.exit_code == 0, out(result)
    data = json.loads(result.stdout)
    assert data["changed"] is False
    assert data["files"] == [] and data["diff"] == ""
    assert data["branch"] is None and data["commit"] is None
    assert_untouched(before, git_repo)


# ---------------------------------------------------------------- --json


def test_json_of_a_commit_has_every_write_key(git_repo: Path):
    result = olx_run(git_repo, "--json", *PROMOTE)
    assert result.exit_code == 0, out(result)
    data = json.loads(result.stdout)
    assert set(data) == {
        "changed",
        "files",
        "diff",
        "branch",
        "commit",
        "warnings",
        "pushed",
        "pull_request",
    }
    repo = git.Repo(git_repo)
    assert data["changed"] is True
    assert data["files"] == [MATRIX]
    assert f"-            {PROMOTE_LINE_OLD}," in data["diff"]
    assert f"+            {PROMOTE_LINE_NEW}," in data["diff"]
    assert data["branch"] == repo.active_branch.name == PROMOTE_BRANCH
    assert data["commit"] == repo.head.commit.hexsha
    assert data["commit"] == repo.heads[PROMOTE_BRANCH].commit.hexsha
    assert data["warnings"] == []


def test_json_of_a_commit_through_the_console_script_names_branch_and_commit(
    git_repo: Path,
):
    proc = olx_subprocess(git_repo, "--json", *PROMOTE, "--branch", "rd")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    repo = git.Repo(git_repo)
    assert data["branch"] == "rd" == repo.active_branch.name
    assert data["commit"] == repo.head.commit.hexsha


def test_json_for_a_dry_run(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, "--json", *PROMOTE, "--dry-run")
    assert result.exit_code == 0, out(result)
    data = json.loads(result.stdout)
    assert set(data) == {
        "changed",
        "files",
        "diff",
        "branch",
        "commit",
        "warnings",
        "pushed",
        "pull_request",
    }
    assert data["changed"] is True
    assert data["files"] == [MATRIX]
    assert data["diff"].strip()
    assert data["diff"].startswith(f"--- a/{MATRIX}\n+++ b/{MATRIX}\n")
    assert data["branch"] is None and data["commit"] is None
    assert isinstance(data["warnings"], list)
    assert_untouched(before, git_repo)


def test_json_of_no_commit_has_no_branch_or_commit_and_the_file_unstaged(
    git_repo: Path,
):
    result = olx_run(git_repo, "--json", *PROMOTE, "--no-commit")
    assert result.exit_code == 0, out(result)
    data = json.loads(result.stdout)
    assert data["changed"] is True
    assert data["branch"] is None and data["commit"] is None
    assert state(git_repo).unstaged == [MATRIX]


def test_json_force_warning_is_in_commit_body(git_repo: Path):
    """--force records the bypassed guard as a warning, in JSON and in the commit body."""
    # xpro: CI ulmo, QA teak; QA → master would exceed CI (guard); --force bypasses it.
    result = olx_run(git_repo, "--json", "promote", "xpro", "QA", "master", "--force")
    assert result.exit_code == 0, out(result)
    data = json.loads(result.stdout)
    assert data["warnings"], data
    repo = git.Repo(git_repo)
    assert data["commit"] == repo.head.commit.hexsha
    assert "warning" in repo.head.commit.message


# ---------------------------------------------------------------- edge cases


def test_failing_hook_keeps_unrelated_work(git_repo: Path):
    """Rollback restores only what olx wrote: the user's other edits survive."""
    readme = git_repo / "README.md"
    readme.write_text(readme.read_text() + "work in progress\n", encoding="utf-8")
    (git_repo / "notes.txt").write_text("untracked\n", encoding="utf-8")
    make_hook(git_repo, "pre-commit", 'echo "lint failed"\nexit 1\n')
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--branch", "rd")
    assert result.exit_code == 2, out(result)
    assert_untouched(before, git_repo)
    assert before.unstaged == ["README.md"] and before.untracked == ["notes.txt"]


def test_branch_equal_to_current_commits_on_it(git_repo: Path):
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE, "--branch", "main")
    assert result.exit_code == 0, out(result)
    repo = git.Repo(git_repo)
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]
    assert repo.head.commit.parents[0].hexsha == before.head_sha
    assert count_commits(repo) == 2
    assert not repo.is_dirty(untracked_files=True)


def test_branch_that_git_cannot_create_rolls_back(git_repo: Path):
    """A branch 'olx' blocks refs/heads/olx/...: git fails after preflight; nothing changes."""
    git.Repo(git_repo).git.branch("olx")
    before = state(git_repo)
    result = olx_run(git_repo, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert "Traceback" not in out(result)
    assert_untouched(before, git_repo)


def test_existing_default_branch_is_never_clobbered(git_repo: Path):
    first = olx_run(git_repo, *PROMOTE)
    assert first.exit_code == 0, out(first)
    repo = git.Repo(git_repo)
    made = repo.heads[PROMOTE_BRANCH].commit.hexsha
    repo.git.checkout("main")
    before = state(git_repo)
    again = olx_run(git_repo, *PROMOTE)
    assert again.exit_code in (0, 2), out(again)
    after = state(git_repo)
    assert after.heads[PROMOTE_BRANCH] == made
    assert after.heads["main"] == before.heads["main"]
    if again.exit_code == 2:
        assert after == before
    else:
        assert after.head not in ("main", PROMOTE_BRANCH)


def test_repository_without_commits_is_refused(tmp_path: Path, git_repo: Path):
    fresh = tmp_path / "fresh"
    shutil.copytree(git_repo, fresh, ignore=shutil.ignore_patterns(".git"))
    repo = git.Repo.init(fresh, initial_branch="main")
    original = (fresh / MATRIX).read_bytes()
    result = olx_run(fresh, *PROMOTE)
    assert result.exit_code == 2, out(result)
    assert (fresh / MATRIX).read_bytes() == original
    assert list(repo.heads) == []
    assert not repo.head.is_valid()


def test_a_linked_worktree_commits_there_and_leaves_the_main_one_alone(
    tmp_path: Path, git_repo: Path
):
    """A linked work tree (.git is a file) commits there and leaves the main one alone."""
    wt = tmp_path / "wt"
    main_repo = git.Repo(git_repo)
    main_repo.git.worktree("add", str(wt), "-b", "wt-base")
    before_main = state(git_repo)
    result = olx_run(wt, *PROMOTE, "--branch", "wt-change")
    assert result.exit_code == 0, out(result)
    wt_repo = git.Repo(wt)
    assert wt_repo.active_branch.name == "wt-change"
    assert commit_files(wt_repo.head.commit) == [MATRIX]
    assert not wt_repo.is_dirty(untracked_files=True)
    after_main = state(git_repo)
    assert after_main.head == "main" and after_main.files == before_main.files
    assert after_main.heads["main"] == before_main.heads["main"]
    assert "wt-change" in after_main.heads


def _git_children() -> list[str]:
    """Command lines of this process's git child processes (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(stat_fields[1]) == os.getpid() and cmdline.startswith("git"):
            found.append(cmdline.strip())
    return sorted(found)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_no_git_process_outlives_a_command_without_the_cycle_collector(
    git_repo: Path, tmp_path: Path
):
    """The console script runs with the cycle collector paused (cli.run): GitPython's
    repositories are closed when the command leaves them, not when collected."""
    gc.collect()  # repositories other tests left for the collector
    before = _git_children()
    gc.disable()
    try:
        assert olx_run(git_repo, *PROMOTE).exit_code == 0
        init_example(tmp_path / "second")
        after = _git_children()
    finally:
        gc.enable()
    assert after == before


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_an_interrupted_commit_is_rolled_back(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import example_paths

    _, matrix = example_paths(example_repo)
    before = matrix.read_bytes()
    repo = git.Repo(example_repo)
    # Simulate Ctrl-C (or SIGTERM) arriving after the files were written.
    import olx.repo.gitops as gitops
    from olx.ops.promote import promote
    from olx.repo.apply import execute
    from olx.repo.targets import discover

    real = gitops.write_edits

    def write_then_interrupt(edits):
        real(edits)
        raise KeyboardInterrupt

    monkeypatch.setattr(gitops, "write_edits", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        execute(discover(str(example_repo)), lambda ws: promote(ws, "xpro", "QA", None))
    assert matrix.read_bytes() == before
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]
    assert not repo.index.diff("HEAD")


def test_a_failing_hook_is_one_error_line_then_its_output(example_repo: Path) -> None:
    from conftest import invoke

    hook = example_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'ruff: 1 file would be reformatted'\nexit 1\n")
    hook.chmod(0o755)
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 2
    first, *rest = result.stderr.splitlines()
    assert first.startswith("olx: error: git commit failed")
    assert any("ruff: 1 file would be reformatted" in line for line in rest)
    as_json = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA")
    assert "ruff: 1 file would be reformatted" in json.loads(as_json.stdout)["error"]


def test_ctrl_c_is_exit_130_without_traceback(
    example_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import olx.cli.entry as cli
    import olx.repo.targets as targets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(targets, "load", interrupted)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--repo", str(example_repo), "show"])
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "olx: interrupted" in err
    assert "Traceback" not in err


def test_a_full_disk_rolls_back_to_the_original_branch(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from conftest import invoke

    import olx.edit.fileio as fileio

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "_write_temp", full)
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]
