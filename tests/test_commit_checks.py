"""What olx checks around ``git commit``: a stale ``index.lock`` before anything, a
rollback that cannot finish (the journal stays and the next command finishes it), what
a hook put into the commit, and a branch name git cannot create next to another."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import git
import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

from olx import gitrun
from olx.repo import gitops, journal

BRANCH = "olx/promote-xpro-qa-ulmo"


def snapshot(repo: Path) -> dict[str, object]:
    """Both files, HEAD, the branches and the index."""
    r = git.Repo(repo)
    with r:
        return {
            "types": (repo / EXAMPLE_TYPES).read_bytes(),
            "matrix": (repo / EXAMPLE_MATRIX).read_bytes(),
            "head": r.active_branch.name,
            "heads": sorted((h.name, h.commit.hexsha) for h in r.heads),
            "staged": r.git.diff("--cached", "--name-only"),
        }


def hook(repo: Path, body: str, name: str = "pre-commit") -> None:
    path = repo / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


def promote(repo: Path, *extra: str):
    return invoke("--repo", repo, "promote", "xpro", "QA", *extra)


# --- a stale index.lock -------------------------------------------------------------


def test_a_stale_index_lock_is_refused_before_the_branch_is_made(
    example_repo: Path,
) -> None:
    lock = example_repo / ".git" / "index.lock"
    lock.write_bytes(b"")
    before = snapshot(example_repo)
    result = promote(example_repo)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        "olx: error: another git process seems to be running in this repository "
        "(.git/index.lock exists)"
    )
    assert "remove .git/index.lock if not" in result.stderr
    assert snapshot(example_repo) == before
    assert lock.exists() and not journal.path_of(example_repo).exists()


def test_a_rollback_that_cannot_finish_keeps_the_journal_for_the_next_command(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook fails, and by then another git holds the index: the rollback cannot
    check the original branch out. The journal stays; once the lock is gone, the next
    olx command (any) finishes the undo."""
    before = snapshot(example_repo)
    hook(example_repo, "echo 'lint failed'\nexit 1\n")
    lock = example_repo / ".git" / "index.lock"
    real = gitops._rollback

    def locked_out(repo, *args, **kwargs):
        lock.write_bytes(b"")
        return real(repo, *args, **kwargs)

    monkeypatch.setattr(gitops, "_rollback", locked_out)
    result = promote(example_repo)
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert "could not put everything back" in result.stderr
    assert "the next olx command finishes the undo" in result.stderr
    assert "lint failed" in result.stderr
    assert journal.path_of(example_repo).exists()
    assert snapshot(example_repo)["head"] == BRANCH  # the checkout failed

    lock.unlink()  # the other git is done
    (example_repo / ".git" / "hooks" / "pre-commit").unlink()
    after = invoke("--repo", example_repo, "check")
    assert after.exit_code == 0, after.output
    assert after.stderr.startswith("olx: completed an interrupted write: ")
    assert snapshot(example_repo) == before
    assert not journal.path_of(example_repo).exists()


def test_a_recovery_whose_git_step_fails_keeps_the_journal(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(example_repo)
    hook(example_repo, "exit 1\n")
    lock = example_repo / ".git" / "index.lock"
    real = gitops._rollback

    def locked_out(repo, *args, **kwargs):
        lock.write_bytes(b"")
        return real(repo, *args, **kwargs)

    monkeypatch.setattr(gitops, "_rollback", locked_out)
    assert promote(example_repo).exit_code == 2
    monkeypatch.undo()
    lock.unlink()
    real_git = gitrun.run

    def checkout_fails(root: Path, *args: str, **kwargs: Any) -> gitrun.Result:
        if args[0] == "checkout":
            return gitrun.Result(args, 128, b"", b"fatal: injected")
        return real_git(root, *args, **kwargs)

    monkeypatch.setattr(gitrun, "run", checkout_fails)
    failed = invoke("--repo", example_repo, "show")
    assert failed.exit_code == 2, failed.output
    assert "could not finish undoing an interrupted olx write" in failed.stderr
    assert "git checkout" in failed.stderr
    assert journal.path_of(example_repo).exists()
    monkeypatch.undo()
    assert invoke("--repo", example_repo, "show").exit_code == 0
    assert not journal.path_of(example_repo).exists()
    (example_repo / ".git" / "hooks" / "pre-commit").unlink()
    assert snapshot(example_repo) == before


# --- what a hook puts into the commit -------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            "echo extra > extra.txt\ngit add extra.txt\n",
            "it also holds extra.txt, which olx did not write",
        ),
        (
            f"printf 'x = (\\n' >> {EXAMPLE_MATRIX}\ngit add {EXAMPLE_MATRIX}\n",
            f"{EXAMPLE_MATRIX} no longer reads",
        ),
        (
            f'sed -i \'s/deployment_name="xpro"/deployment_name="xpro2"/\' '
            f"{EXAMPLE_MATRIX}\ngit add {EXAMPLE_MATRIX}\n",
            "is not the intended change",
        ),
        (
            f"printf '# x\\n' >> {EXAMPLE_TYPES}\nprintf 'Bad = 1 +\\n' >> "
            f"{EXAMPLE_TYPES}\ngit add {EXAMPLE_TYPES}\n",
            f"{EXAMPLE_TYPES} no longer reads",
        ),
    ],
    ids=["another file", "broken matrix", "other meaning", "broken types"],
)
def test_a_hook_that_changes_what_the_commit_holds_is_undone(
    example_repo: Path, body: str, says: str
) -> None:
    before = snapshot(example_repo)
    hook(example_repo, body + "exit 0\n")
    result = promote(example_repo)
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("olx: error: the pre-commit hook changed olx's commit: ")
    assert says in first and "the commit was undone" in first
    assert snapshot(example_repo) == before


def test_a_formatter_hook_that_only_reformats_is_fine(example_repo: Path) -> None:
    hook(
        example_repo,
        f"printf '# formatted\\n' >> {EXAMPLE_MATRIX}\ngit add {EXAMPLE_MATRIX}\n",
    )
    result = promote(example_repo)
    assert result.exit_code == 0, result.output
    r = git.Repo(example_repo)
    with r:
        assert r.active_branch.name == BRANCH
        stored = (r.head.commit.tree / EXAMPLE_MATRIX).data_stream.read()
        assert stored.endswith(b"# formatted\n")
        assert sorted(r.head.commit.stats.files) == [EXAMPLE_MATRIX]


def test_a_hook_in_core_hooks_path_is_named(example_repo: Path, tmp_path: Path) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    script = hooks / "commit-msg"
    script.write_text("#!/bin/sh\necho x > extra.txt\ngit add extra.txt\n")
    script.chmod(0o755)
    # commit-msg runs after the tree is written: its staged file is not committed.
    subprocess.run(
        ["git", "config", "core.hooksPath", str(hooks)], cwd=example_repo, check=True
    )
    pre = hooks / "pre-commit"
    pre.write_text(script.read_text())
    pre.chmod(0o755)
    result = promote(example_repo)
    assert result.exit_code == 2, result.output
    assert "the pre-commit and commit-msg hooks changed olx's commit" in result.stderr


# --- a branch name git cannot create ----------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "says"),
    [
        ("olx", "a branch 'olx' exists"),
        (f"{BRANCH}/older", f"a branch '{BRANCH}/older' exists"),
    ],
)
def test_a_branch_name_clash_is_reported_as_such(
    example_repo: Path, existing: str, says: str
) -> None:
    subprocess.run(["git", "branch", existing], cwd=example_repo, check=True)
    before = snapshot(example_repo)
    result = promote(example_repo)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"olx: error: cannot create branch {BRANCH!r}: {says}"
    ), result.stderr
    assert "--branch" in result.stderr
    assert snapshot(example_repo) == before
