"""``olx retire NAME`` of a name in neither file: "already retired" only when the git
history of types.py held it (naming the commit it left in), else an unknown name.

Each test builds the history it needs in a real temporary repository.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE_TYPES, example_paths, invoke

from olx.repo.history import UNCOMMITTED, retired_in

# 23:30 at UTC-5 is the next day in UTC, the date the message shows.
RETIRED_AT = "2024-03-01T23:30:00-05:00"


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()


def olx(repo: Path, *args: str, env: dict[str, str] | None = None):
    return invoke("--repo", repo, *args, env=env)


def add_and_retire(repo: Path, name: str) -> str:
    """Add NAME, then retire it with olx on main; returns the retiring commit."""
    added = olx(repo, "add-release", name, "--git-branch", "main")
    assert added.exit_code == 0, added.output
    gone = olx(
        repo, "retire", name, "--branch", "main", env={"GIT_COMMITTER_DATE": RETIRED_AT}
    )
    assert gone.exit_code == 0, gone.output
    return git(repo, "rev-parse", "HEAD")


def commit_types(repo: Path, text: str, subject: str) -> str:
    types, _ = example_paths(repo)
    types.write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", subject)
    return git(repo, "rev-parse", "HEAD")


def test_retired_release_names_the_commit_it_left_in(example_repo: Path):
    commit = add_and_retire(example_repo, "verawood")
    short = git(example_repo, "rev-parse", "--short=10", commit)
    result = olx(example_repo, "retire", "verawood")
    assert result.exit_code == 0, result.output
    assert (
        f'verawood is already retired (left types.py in {short} 2024-03-02 "config: '
        'Retire verawood")'
    ) in result.stdout
    # nothing written, no branch made
    assert git(example_repo, "rev-parse", "HEAD") == commit
    assert git(example_repo, "status", "--porcelain") == ""


def test_a_name_the_history_never_held_is_unknown_with_the_closest_name(
    example_repo: Path,
):
    add_and_retire(example_repo, "verawood")
    kept = olx(example_repo, "add-release", "zebu", "--git-branch", "main")
    assert kept.exit_code == 0, kept.output
    result = olx(example_repo, "retire", "zebra")
    assert result.exit_code == 2
    assert "unknown release 'zebra'" in result.stderr
    assert "did you mean 'zebu'?" in result.stderr
    typo = olx(example_repo, "--json", "retire", "ulom")
    assert typo.exit_code == 2
    assert "did you mean 'ulmo'?" in typo.stdout
    assert "already retired" not in typo.stdout


def test_an_unreadable_revision_in_between_is_skipped(example_repo: Path):
    commit = add_and_retire(example_repo, "verawood")
    types, _ = example_paths(example_repo)
    good = types.read_text(encoding="utf-8")
    # A broken revision that mentions the quoted name (so git log -S lists it), then
    # the fix: neither may hide the commit that retired it.
    commit_types(example_repo, good + 'broken = ("verawood",\n', "wip: broken")
    commit_types(example_repo, good, "fix the syntax error")
    short = git(example_repo, "rev-parse", "--short=10", commit)
    assert retired_in(example_repo, types, "verawood") == (
        f'{short} 2024-03-02 "config: Retire verawood"'
    )
    result = olx(example_repo, "retire", "verawood")
    assert result.exit_code == 0, result.output
    assert f"left types.py in {short} " in result.stdout


def test_a_removal_across_unreadable_revisions_dates_from_the_first_readable_one(
    example_repo: Path,
):
    """The real history's half-retired revisions: the member left in a revision that
    does not read; the next readable one without it is where it left."""
    added = olx(example_repo, "add-release", "verawood", "--git-branch", "main")
    assert added.exit_code == 0, added.output
    types, _ = example_paths(example_repo)
    with_it = types.read_text(encoding="utf-8")
    line = '    verawood = ("verawood", "release/verawood", "3.12", "24")\n'
    without = with_it.replace(line, "")
    assert without != with_it
    commit_types(example_repo, without + "def (:\n", "drop verawood (broken)")
    fixed = commit_types(example_repo, without, "fix types.py")
    short = git(example_repo, "rev-parse", "--short=10", fixed)
    found = retired_in(example_repo, types, "verawood")
    assert found is not None
    assert found.startswith(f"{short} ")
    assert found.endswith('"fix types.py"')


def test_a_release_retired_and_added_again_is_not_retired(example_repo: Path):
    add_and_retire(example_repo, "verawood")
    again = olx(example_repo, "add-release", "verawood", "--git-branch", "main")
    assert again.exit_code == 0, again.output
    types, _ = example_paths(example_repo)
    # HEAD holds it again: only the work tree could have dropped it
    assert retired_in(example_repo, types, "verawood") == UNCOMMITTED


def test_retired_in_the_work_tree_only(example_repo: Path):
    """``retire --no-commit`` then ``retire`` again: HEAD still holds it."""
    added = olx(example_repo, "add-release", "verawood", "--git-branch", "main")
    assert added.exit_code == 0, added.output
    first = olx(example_repo, "retire", "verawood", "--no-commit")
    assert first.exit_code == 0, first.output
    again = olx(example_repo, "retire", "verawood", "--no-commit")
    assert again.exit_code == 0, again.output
    assert (
        "verawood is already retired (left types.py in changes not committed yet)"
        in again.stdout
    )


def test_a_name_only_ever_in_comments_or_blocks_is_unknown(example_repo: Path):
    types, _ = example_paths(example_repo)
    text = types.read_text(encoding="utf-8")
    commit_types(example_repo, text + '# "quince" was never ours\n', "comment")
    commit_types(example_repo, text, "drop the comment")
    assert retired_in(example_repo, types, "quince") is None
    result = olx(example_repo, "retire", "quince")
    assert result.exit_code == 2
    assert "unknown release 'quince'" in result.stderr


def test_outside_a_git_repository_the_name_is_unknown(example_repo: Path, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(example_repo, plain, ignore=shutil.ignore_patterns(".git"))
    types = plain / EXAMPLE_TYPES
    assert retired_in(plain, types, "olive") is None
    result = olx(plain, "retire", "olive", "--no-commit")
    assert result.exit_code == 2
    assert "unknown release 'olive'" in result.stderr
    # a repository with no commits has no history either
    git(plain, "init", "-q")
    assert retired_in(plain, types, "olive") is None


@pytest.mark.parametrize("name", ["teak", "ulmo"])
def test_a_current_release_is_not_asked_about(example_repo: Path, name: str):
    types, _ = example_paths(example_repo)
    assert retired_in(example_repo, types, name) == UNCOMMITTED  # HEAD holds it
    # and retire plans its removal as before (refused: a stage uses it)
    result = olx(example_repo, "retire", name)
    assert result.exit_code == 1


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_retire_of_a_name_no_revision_held_is_unknown_with_the_closest_suggested() -> (
    None
):
    # No history ever held "ulom": an unknown name, with the closest one suggested.
    from rewrite_support import sources, workspace

    from olx.errors import InputError
    from olx.ops.retire import retire

    with pytest.raises(InputError) as exc:
        retire(workspace(*sources("example")), "ulom", retired_in=lambda name: None)
    assert exc.value.message == "unknown release 'ulom'"
    assert (exc.value.hint or "").startswith("did you mean 'ulmo'?")
