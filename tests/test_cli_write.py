"""The four writes through the CLI: output, exit codes, golden JSON, follow-ups."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from conftest import example_components, example_paths, invoke

GOLDEN = Path(__file__).parent / "golden"


def head_and_branches(repo: Path) -> tuple[str, list[str]]:
    r = git.Repo(repo)
    return r.head.commit.hexsha, sorted(h.name for h in r.heads)


def test_promote_dry_run_json_is_golden(example_repo: Path) -> None:
    result = invoke(
        "--repo", example_repo, "--json", "promote", "xpro", "QA", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    golden = json.loads((GOLDEN / "promote_xpro_qa_dry_run.json").read_text())
    assert json.loads(result.stdout) == golden


def test_promote_dry_run_prints_diff_and_summary(example_repo: Path) -> None:
    before = head_and_branches(example_repo)
    _, matrix = example_paths(example_repo)
    text = matrix.read_bytes()
    result = invoke("--repo", example_repo, "promote", "xpro", "qa", "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        '-            EnvRelease("QA", OpenEdxSupportedRelease["teak"]),'
        in result.stdout
    )
    assert (
        '+            EnvRelease("QA", OpenEdxSupportedRelease["ulmo"]),'
        in result.stdout
    )
    assert "Promote ulmo to QA for xpro" in result.stdout
    assert "xpro QA: teak → ulmo" in result.stdout
    assert matrix.read_bytes() == text
    assert head_and_branches(example_repo) == before


def test_guard_refusal_is_exit_1_with_hint(example_repo: Path) -> None:
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "master")
    assert result.exit_code == 1
    assert "olx: error: refused:" in result.stderr
    assert "ReleaseMap['master'] has no 'xpro' block" in result.stderr
    assert "olx clone-release teak master --deployment xpro" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_force_prints_the_guard_as_a_warning(example_repo: Path) -> None:
    result = invoke(
        "--repo",
        example_repo,
        "promote",
        "xpro",
        "QA",
        "master",
        "--force",
        "--no-commit",
    )
    assert result.exit_code == 0, result.output
    assert "warning: --force: ReleaseMap['master'] has no 'xpro' block" in result.stderr


def test_unknown_deployment_suggests_the_closest_name(example_repo: Path) -> None:
    result = invoke("--repo", example_repo, "--json", "promote", "mitxx", "QA")
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["error"] == "unknown deployment 'mitxx'"
    assert error["hint"].startswith("did you mean 'mitx'?")
    assert error["exit_code"] == 2


def test_nothing_to_do_exits_0_and_writes_nothing(example_repo: Path) -> None:
    before = head_and_branches(example_repo)
    result = invoke(
        "--repo", example_repo, "--json", "promote", "xpro", "Production", "teak"
    )
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["changed"] is False and out["files"] == [] and out["diff"] == ""
    assert out["branch"] is None and out["commit"] is None
    assert head_and_branches(example_repo) == before


def test_add_release_with_clone_commits_both_files(example_repo: Path) -> None:
    result = invoke(
        "--repo",
        example_repo,
        "--json",
        "add-release",
        "verawood",
        "--clone-from",
        "ulmo",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["files"] == [
        "src/bridge/settings/openedx/types.py",
        "src/bridge/settings/openedx/version_matrix.py",
    ]
    assert out["branch"] == "olx/add-release-verawood-from-ulmo"
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == out["branch"]
    assert repo.head.commit.hexsha == out["commit"]
    assert repo.head.commit.message.startswith(
        "config: Add release verawood, cloned from ulmo\n"
    )
    check = invoke("--repo", example_repo, "--json", "check")
    assert check.exit_code == 0, check.output


def test_add_release_branch_option_is_the_release_branch(example_repo: Path) -> None:
    result = invoke(
        "--repo", example_repo, "add-release", "verawood", "--branch", "release/vw",
        "--git-branch", "release-day",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    types, _ = example_paths(example_repo)
    assert (
        '    verawood = ("verawood", "release/vw", "3.12", "24")\n' in types.read_text()
    )
    assert git.Repo(example_repo).active_branch.name == "release-day"


def test_clone_release_no_commit_writes_only_the_lists_named(
    example_repo: Path,
) -> None:
    invoke("--repo", example_repo, "add-release", "verawood", "--no-commit")
    result = invoke(
        "--repo", example_repo, "clone-release", "ulmo", "verawood",
        "--deployment", "mitx,mitx_staging", "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    cloned = len(example_components("mitx", "QA"))  # mitx QA runs ulmo
    assert (
        f"ReleaseMap['verawood']['mitx']: {cloned} applications from ulmo"
        in result.stdout
    )
    show = json.loads(invoke("--repo", example_repo, "show", "--json").stdout)
    assert list(show["release_map"]["verawood"]) == ["mitx", "mitx-staging"]
    again = invoke(
        "--repo", example_repo, "clone-release", "ulmo", "verawood",
        "--deployment", "mitx", "--no-commit",
    )  # fmt: skip
    assert again.exit_code == 0
    assert "already has mitx" in again.stdout


def test_retire_refused_while_used(example_repo: Path) -> None:
    result = invoke("--repo", example_repo, "retire", "teak")
    assert result.exit_code == 1
    assert (
        "teak is still used by mitx Production, mitx-staging Production, "
        "xpro QA, xpro Production" in result.stderr
    )


def test_retire_lists_other_mentions_as_a_checklist(example_repo: Path) -> None:
    notes = example_repo / "docs" / "upgrade.md"
    notes.parent.mkdir()
    notes.write_text("We still run teak on xpro.\nteakwood is not a match.\n")
    repo = git.Repo(example_repo)
    repo.index.add(["docs/upgrade.md"])
    repo.index.commit("docs")
    for dep, stage in (
        ("mitx,mitx-staging", "Production"),
        ("xpro", "QA"),
        ("xpro", "Production"),
    ):
        step = invoke(
            "--repo", example_repo, "promote", dep, stage, "ulmo", "--no-commit"
        )
        assert step.exit_code == 0, step.output
    result = invoke("--repo", example_repo, "--json", "retire", "teak", "--no-commit")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] is True
    assert out["warnings"] == [
        "still mentions teak: docs/upgrade.md:1:We still run teak on xpro."
    ]
    human = invoke("--repo", example_repo, "retire", "teak", "--no-commit")
    assert "teak is already retired" in human.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["promote", "xpro", "QA", "--dry-run", "--no-commit"],
        ["promote", "xpro", "QA", "--dry-run", "--branch", "x"],
        ["retire", "ulmo", "--block-only", "--enum-only"],
        ["add-release", "Verawood"],
        ["add-release", "verawood", "--branch", "bad..branch"],
        ["add-release", "verawood", "--python", "three"],
    ],
)
def test_bad_arguments_are_input_errors(example_repo: Path, args: list[str]) -> None:
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("olx: error: ")


def test_add_release_warns_when_the_release_branch_looks_like_a_commit_branch(
    example_repo: Path,
) -> None:
    result = invoke(
        "--repo",
        example_repo,
        "add-release",
        "verawood",
        "--branch",
        "olx/rel",
        "--dry-run",
    )
    assert result.exit_code == 0, result.output
    assert (
        "warning: the release branch 'olx/rel' does not name verawood" in result.stderr
    )
    assert "--git-branch" in result.stderr


def test_retire_checklist_covers_what_remains_in_the_matrix(example_repo: Path) -> None:
    _, matrix = example_paths(example_repo)
    text = matrix.read_text()
    text = text.replace(
        'OpenEdxSupportedRelease["teak"]', 'OpenEdxSupportedRelease["ulmo"]'
    )
    text = text.replace(
        "class OpenLearningOpenEdxDeployment(Enum):",
        "# xpro left teak on release day.\nclass OpenLearningOpenEdxDeployment(Enum):",
    )
    matrix.write_text(text)
    result = invoke("--repo", example_repo, "--json", "retire", "teak", "--dry-run")
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["warnings"]
    # the comment stays and is listed; the block (which the retire removes) is not
    assert len(warnings) == 1
    assert warnings[0].startswith("still mentions teak: src/bridge/settings/openedx/")
    assert warnings[0].endswith("# xpro left teak on release day.")


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_a_byte_order_mark_is_read_and_kept(example_repo: Path) -> None:
    types, matrix = example_paths(example_repo)
    for path in (types, matrix):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert invoke("--repo", example_repo, "check").exit_code == 0
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 0, result.output
    assert matrix.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b'EnvRelease("QA", OpenEdxSupportedRelease["ulmo"])' in matrix.read_bytes()


def test_a_symlinked_matrix_is_refused_for_writes(example_repo: Path) -> None:
    import os

    _, matrix = example_paths(example_repo)
    real = example_repo / "shared_matrix.py"
    matrix.rename(real)
    os.symlink(real, matrix)
    assert invoke("--repo", example_repo, "show").exit_code == 0
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 2
    assert "a symbolic link" in result.stderr
    assert matrix.is_symlink()


def test_a_matrix_reached_through_a_symlinked_directory_is_refused(
    example_repo: Path,
) -> None:
    import os

    os.symlink(example_repo / "src", example_repo / "alias")
    alias = "alias/bridge/settings/openedx"
    result = invoke(
        "--repo", example_repo, "--types", f"{alias}/types.py",
        "--matrix", f"{alias}/version_matrix.py", "promote", "xpro", "QA",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "reached through) a symbolic link" in result.stderr
