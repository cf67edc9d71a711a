"""What one run of olx carries in typer's context instead of module globals: the
target, found once (with the journal's recovery) however many times the command and
its plans ask for it, and the command line a commit records."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import invoke

import olx.cli.entry
from olx.repo import journal, targets


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the target is discovered and the journal looked at."""
    calls = {"discover": 0, "recover": 0}
    discover, recover = targets.discover, journal.recover_if_needed

    def counting_discover(*args: object, **kwargs: object) -> targets.Target:
        calls["discover"] += 1
        return discover(*args, **kwargs)  # type: ignore[arg-type]

    def counting_recover(root: Path) -> list[str]:
        calls["recover"] += 1
        return recover(root)

    monkeypatch.setattr(targets, "discover", counting_discover)
    monkeypatch.setattr(journal, "recover_if_needed", counting_recover)
    return calls


def test_a_plan_of_promotes_and_retires_finds_its_target_once(
    example_repo: Path, counted: dict[str, int]
):
    runbook = example_repo.parent / "day.txt"
    runbook.write_text(
        "promote xpro QA ulmo\nadd-release willow --branch release/willow\n"
        "clone-release ulmo willow --deployment mitx\nretire willow\n",
        "utf-8",
    )
    result = invoke("--repo", example_repo, "plan", runbook, "--dry-run")
    assert result.exit_code == 0, result.output
    # Each step's plan asks for the target (promote's soak times, the history of
    # clone-release and retire): the run's, found once. The journal is looked at when
    # the target is found, and once more by the dry run itself (olx.repo.apply).
    assert counted == {"discover": 1, "recover": 2}


def test_a_write_finds_its_target_once(example_repo: Path, counted: dict[str, int]):
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "ulmo")
    assert result.exit_code == 0, result.output
    # promote's plan asks for the target again (its soak times), under the lock.
    assert counted == {"discover": 1, "recover": 1}


def _last_body(repo: Path) -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%b"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_words_of_one_run_are_never_recorded_by_the_next(example_repo: Path):
    with pytest.raises(SystemExit) as done:
        olx.cli.entry.main(
            ["--repo", str(example_repo), "promote", "xpro", "QA", "ulmo", "--json"]
        )
    assert done.value.code == 0
    assert "olx promote xpro QA ulmo --json" in _last_body(example_repo)
    # The next run in the same process, without main(): its own words, rebuilt.
    again = invoke("--repo", example_repo, "promote", "mitx", "Production", "ulmo")
    assert again.exit_code == 0, again.output
    body = _last_body(example_repo)
    assert "olx promote mitx Production ulmo" in body
    assert "xpro" not in body
