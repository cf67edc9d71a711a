"""Branch names: the default ``olx/<command>-<args>`` is one git takes for any input,
and a branch written into the matrix is judged by ``git check-ref-format`` itself (only
by writes: ``show`` and ``check`` run no process)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest
from conftest import invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from olx.core.values import default_branch, validate_branch
from olx.errors import InputError

REPO = "https://github.com/openedx/x"


def git_takes(name: str) -> bool:
    done = subprocess.run(
        ["git", "check-ref-format", "--branch", name], capture_output=True, check=False
    )
    return done.returncode == 0


WORDS = st.text(
    st.one_of(
        st.sampled_from(list("..//.lock@{}-_~^:?*[\\ \t\n")),
        st.characters(codec="utf-8", exclude_characters="\x00"),
    ),
    max_size=40,
)


@settings(
    max_examples=80,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.sampled_from(["add-app", "plan", "promote", "clone-release"]),
    st.lists(WORDS, max_size=4),
)
def test_the_default_branch_is_one_git_takes_for_any_words(command, args) -> None:
    name = default_branch([command, *args])
    assert name.startswith(f"olx/{command}")
    assert len(name) <= 104 and name.isascii()
    assert git_takes(name), name


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["add-app", "x..y"], "olx/add-app-x.y"),
        (["add-app", "foo.lock"], "olx/add-app-foo-lock"),
        (["plan", "a..b"], "olx/plan-a.b"),
        (
            ["promote", "mitx,mitx-staging", "CI", "verawood"],
            "olx/promote-mitx-mitx-staging-ci-verawood",
        ),
        (["retire", "x."], "olx/retire-x"),
    ],
)
def test_default_branches_keep_their_readable_form(words, expected) -> None:
    assert default_branch(words) == expected


@pytest.mark.parametrize("value", ["x..y", "foo.lock"])
def test_add_app_of_a_dotted_name_commits_on_a_valid_branch(
    example_repo: Path, value: str
) -> None:
    result = invoke(
        "--repo", example_repo, "add-app", value, "--type", "IDA", "--repository",
        REPO, "--member", "dotted",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    r = git.Repo(example_repo)
    with r:
        assert r.active_branch.name == default_branch(["add-app", value])


def test_a_runbook_named_with_two_dots_commits_on_a_valid_branch(
    example_repo: Path,
) -> None:
    runbook = example_repo.parent / "a..b.txt"
    runbook.write_text("promote xpro QA\n", encoding="utf-8")
    result = invoke("--repo", example_repo, "plan", runbook)
    assert result.exit_code == 0, result.output
    r = git.Repo(example_repo)
    with r:
        assert r.active_branch.name == "olx/plan-a.b"


@pytest.mark.parametrize(
    "branch", ["foo.lock/bar", "a/.b", "a//b", "a..b", "x.lock", "a/", "a.", "/a"]
)
def test_a_branch_git_refuses_is_refused(branch: str) -> None:
    assert not git_takes(branch)
    with pytest.raises(InputError, match="invalid branch name"):
        validate_branch(branch)


@pytest.mark.parametrize("branch", ["release/ulmo", "mitx/fix#123", "a.lock.b", "a|b"])
def test_a_branch_git_takes_with_safe_characters_is_accepted(branch: str) -> None:
    assert git_takes(branch)
    assert validate_branch(branch) == branch


def test_show_and_check_run_no_process(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args[:1]}")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    for words in (["show"], ["check"], ["show", "mitx"], ["diff", "mitx", "QA", "CI"]):
        result = invoke("--repo", example_repo, *words)
        assert result.exit_code == 0, (words, result.output)
