"""The command line a commit body records is one anyone can re-run in that repository:
no ``--repo``, no machine paths; ``--types``/``--matrix`` and other paths inside the
repository relative to its root."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import git
import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

import olx.cli.entry
from olx.cli.cmdline import recorded, rerunnable

ROOT = Path("/srv/infra")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["--repo", "/srv/infra", "promote", "mitx", "QA"], ["promote", "mitx", "QA"]),
        (["--repo=/srv/infra", "show"], ["show"]),
        (["--repo", "../infra", "--json", "check"], ["--json", "check"]),
        (
            ["--types", "/srv/infra/src/types.py", "--matrix", "/srv/infra/m.py", "x"],
            ["--types", "src/types.py", "--matrix", "m.py", "x"],
        ),
        (["--types=/srv/infra/src/t.py", "x"], ["--types=src/t.py", "x"]),
        # already relative to the root: as typed
        (["--matrix", "src/m.py", "x"], ["--matrix", "src/m.py", "x"]),
        # other absolute paths inside the repository, as words or option values
        (["plan", "/srv/infra/runbooks/day.txt"], ["plan", "runbooks/day.txt"]),
        (["plan", "--file=/srv/infra/a.txt"], ["plan", "--file=a.txt"]),
        # outside the repository and not a file: not a path at all, kept as typed
        (["plan", "/home/me/day.txt"], ["plan", "/home/me/day.txt"]),
        (["x", "--message", "/not a path"], ["x", "--message", "/not a path"]),
        # only the global option is dropped, not a word after the command name
        (
            ["promote", "x", "QA", "--message", "--repo"],
            ["promote", "x", "QA", "--message", "--repo"],
        ),
        # a path that only starts like the root is not inside it
        (["plan", "/srv/infra2/a.txt"], ["plan", "/srv/infra2/a.txt"]),
    ],
)
def test_recorded_words_drop_the_repo_and_make_paths_relative_to_the_root(
    words: list[str], expected: list[str]
):
    assert rerunnable(words, ROOT) == expected


def test_a_root_reached_through_a_symbolic_link(tmp_path: Path):
    real = tmp_path / "real"
    (real / "src").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    # typed through the link, the root resolved (as targets.discover resolves it)
    words = ["--repo", str(link), "--types", f"{link}/src/types.py", "show"]
    assert rerunnable(words, real.resolve()) == ["--types", "src/types.py", "show"]


def test_recorded_is_shell_quoted():
    line = recorded(["--repo", "/srv/infra", "promote", "x", "--message", "a b"], ROOT)
    assert line == "olx promote x --message 'a b'"


def body_of(repo: Path) -> str:
    with git.Repo(repo) as r:
        return r.head.commit.message


CMD = ["promote", "mitx", "Production", "ulmo"]


def test_commit_body_via_main_drops_repo_and_machine_paths(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(example_repo.parent)  # not the repository: --repo matters
    argv = ["--repo", str(example_repo), "--types", str(example_repo / EXAMPLE_TYPES)]
    with pytest.raises(SystemExit) as done:
        olx.cli.entry.main([*argv, *CMD])
    assert done.value.code == 0
    body = body_of(example_repo)
    assert f"    olx --types {EXAMPLE_TYPES} promote mitx Production ulmo\n" in body
    assert str(example_repo) not in body
    assert "--repo" not in body


def test_commit_body_rebuilt_without_main(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    result = invoke(
        f"--repo={example_repo}",
        "--matrix",
        example_repo / EXAMPLE_MATRIX,
        *CMD,
        "--message",
        "Ship it",
    )
    assert result.exit_code == 0, result.output
    body = body_of(example_repo)
    # rebuilt from the parsed parameters: the command's options before its arguments
    expected = f"olx --matrix {EXAMPLE_MATRIX} promote --message 'Ship it' mitx Production ulmo"
    assert f"    {expected}\n" in body
    assert str(example_repo) not in body
    assert "--repo" not in body


def test_the_recorded_line_re_runs_in_another_checkout(
    example_repo: Path, tmp_path: Path
):
    """The proof: run the recorded line, as recorded, in a clone elsewhere on disk."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "olx",
            "--repo",
            str(example_repo),
            "--types",
            str(example_repo / EXAMPLE_TYPES),
            *CMD,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    body = body_of(example_repo)
    line = next(x.strip() for x in body.splitlines() if x.strip().startswith("olx "))
    assert str(example_repo) not in line
    clone = tmp_path / "elsewhere" / "clone"
    git.Repo.clone_from(example_repo, clone, branch="main").close()
    words = shlex.split(line)
    again = subprocess.run(
        [sys.executable, "-m", "olx", *words[1:]],
        capture_output=True,
        text=True,
        cwd=clone,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    with git.Repo(example_repo) as a, git.Repo(clone) as b:
        assert a.head.commit.tree.hexsha == b.head.commit.tree.hexsha
        assert b.active_branch.name == "olx/promote-mitx-production-ulmo"


def test_a_file_outside_the_repository_is_recorded_by_its_name(tmp_path: Path):
    runbook = tmp_path / "home" / "day.txt"
    runbook.parent.mkdir()
    runbook.write_text("promote xpro QA\n", encoding="utf-8")
    root = tmp_path / "infra"
    root.mkdir()
    assert rerunnable(["plan", str(runbook)], root) == ["plan", "day.txt"]
