"""Two real olx processes on one repository: no interleaved writes, no lost update.

docs/contract.md "Safety": two olx processes never interleave their writes on one
repository; the second waits for the first (a few seconds at most) or refuses with exit
2; no change is ever lost. Here both promotions are legal on their own and after each
other:

- ``promote xpro QA ulmo``: xpro CI ulmo, QA teak → ulmo, Production teak; ulmo/xpro exists.
- ``promote mitx Production ulmo``: mitx CI master, QA ulmo, Production teak → ulmo;
  ulmo/mitx exists.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import git
import pytest

from olx.example import init_example
from olx.repo.targets import DEFAULT_MATRIX, DEFAULT_TYPES

NAME, EMAIL = "olx test", "test@olx.invalid"
JOBS = [
    (["promote", "xpro", "QA", "ulmo"], ("xpro", "QA")),
    (["promote", "mitx", "Production", "ulmo"], ("mitx", "Production")),
]


@pytest.fixture
def conc_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / ".gitconfig").write_text(
        f"[user]\n\tname = {NAME}\n\temail = {EMAIL}\n[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "OLX_REPO", "EMAIL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def conc_repo(tmp_path: Path, conc_home: Path) -> Path:
    path = tmp_path / "repo"
    init_example(path)
    return path


def _start(repo: Path, args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "olx", "--repo", str(repo), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=repo,
    )


def _run_together(repo: Path, extra: list[str], reverse: bool) -> None:
    jobs = JOBS[::-1] if reverse else JOBS
    procs = [_start(repo, [*args, *extra]) for args, _ in jobs]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, (proc.args, stdout, stderr)
        assert "Traceback" not in stderr


def _stages(repo: Path) -> dict[str, dict[str, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "olx", "--repo", str(repo), "--json", "show"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return {d["name"]: d["stages"] for d in json.loads(proc.stdout)["deployments"]}


@pytest.mark.parametrize("attempt", range(5))
def test_concurrent_no_commit_writes_lose_nothing(conc_repo: Path, attempt: int):
    head = git.Repo(conc_repo).head.commit.hexsha
    types_before = (conc_repo / DEFAULT_TYPES).read_bytes()

    _run_together(conc_repo, ["--no-commit"], reverse=bool(attempt % 2))

    stages = _stages(conc_repo)
    assert stages["xpro"] == {"CI": "ulmo", "QA": "ulmo", "Production": "teak"}
    assert stages["mitx"] == {"CI": "master", "QA": "ulmo", "Production": "ulmo"}
    # nothing else moved
    assert stages["mitx-staging"] == {
        "CI": "master",
        "QA": "ulmo",
        "Production": "teak",
    }
    assert stages["mitxonline"] == {
        "CI": "master",
        "QA": "master",
        "Production": "master",
    }
    # exactly two lines of the matrix changed; the rest of git is untouched
    repo = git.Repo(conc_repo)
    diff = repo.git.diff("--numstat", "--", DEFAULT_MATRIX)
    assert diff.split()[:2] == ["2", "2"], diff
    assert (conc_repo / DEFAULT_TYPES).read_bytes() == types_before
    assert repo.head.commit.hexsha == head
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]
    assert repo.index.diff("HEAD") == []
    assert [d.a_path for d in repo.index.diff(None)] == [DEFAULT_MATRIX]
    assert repo.untracked_files == []


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_commits_stack_on_one_branch(conc_repo: Path, attempt: int):
    """Both committing to --branch release-day: the first creates it, the second stacks."""
    main = git.Repo(conc_repo).head.commit.hexsha

    _run_together(conc_repo, ["--branch", "release-day"], reverse=bool(attempt % 2))

    repo = git.Repo(conc_repo)
    assert repo.active_branch.name == "release-day"
    assert sorted(h.name for h in repo.heads) == ["main", "release-day"]
    assert repo.heads["main"].commit.hexsha == main
    assert int(repo.git.rev_list("--count", "main..release-day")) == 2
    subjects = sorted(c.summary for c in repo.iter_commits("main..release-day"))
    assert subjects == [
        "config: Promote ulmo to Production for mitx",
        "config: Promote ulmo to QA for xpro",
    ]
    assert not repo.is_dirty(untracked_files=True)
    stages = _stages(conc_repo)
    assert stages["xpro"]["QA"] == "ulmo"
    assert stages["mitx"]["Production"] == "ulmo"
