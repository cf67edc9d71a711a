"""Eight real olx processes committing to one repository at once lose no change.

docs/contract.md "Safety": two olx processes never interleave their writes; the second
waits for the first (a few seconds at most) or refuses with exit 2; no change is ever
lost.

Each write takes the repository's lock, reads the files, and commits on its branch;
olx checks that branch out. So with default branches the processes do not all start
from main: each one branches from whatever the previous writer left checked out, and
the branches form a chain. "No change lost" then means: every process either committed
its change (one commit whose diff is exactly its own change, found by the command line
recorded in its body) or was refused with exit 2 and wrote nothing; and the last tip
holds every committed change. With ``--git-branch`` every change lands on that one
branch, in some order, each exactly once. Meanwhile another process reads both files
over and over and parses them: it never sees half a file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import git
import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES

from olx.example import init_example
from olx.repo import journal

JOBS: list[list[str]] = [
    ["promote", "xpro", "QA"],
    ["promote", "mitx", "Production"],
    ["promote", "mitx-staging", "Production"],
    ["override", "ulmo", "mitx", "edx-platform", "--branch", "mitx/hotfix-1"],
    ["override", "teak", "xpro", "edx-platform", "--branch", "xpro/hotfix-2"],
    ["override", "master", "mitxonline", "forum", "--runtime", "3.13"],
    ["add-app", "olx-conc", "--type", "IDA", "--repository",
     "https://github.com/openedx/olx-conc"],
    ["set-release", "teak", "--python", "3.12"],
]  # fmt: skip
LOCKED_OUT = "another olx process is writing this repository"

READER = r"""
import ast, json, pathlib, sys, time
stop = pathlib.Path(sys.argv[1])
paths = [pathlib.Path(p) for p in sys.argv[2:]]
reads, errors = 0, []
while not stop.exists():
    for path in paths:
        try:
            ast.parse(path.read_bytes())
        except (OSError, SyntaxError, ValueError) as exc:
            errors.append(f"{path.name}: {exc!r}")
        reads += 1
    time.sleep(0.003)
print(json.dumps({"reads": reads, "errors": errors[:5]}))
"""


def olx(repo: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "olx", "--repo", str(repo), *args]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def changed_lines(diff: str) -> list[str]:
    return sorted(
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    init_example(path)
    return path


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each job's own changed lines, from a dry run against a fresh example."""
    repo = tmp_path_factory.mktemp("expected") / "repo"
    init_example(repo)
    out = {}
    procs = {
        " ".join(job): subprocess.Popen(
            olx(repo, "--json", *job, "--dry-run"), stdout=subprocess.PIPE, text=True
        )
        for job in JOBS
    }
    for key, proc in procs.items():
        stdout, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, key
        out[key] = changed_lines(json.loads(stdout)["diff"])
        assert out[key], key
    return out


@contextlib.contextmanager
def reading_all_the_while(repo: Path, tmp_path: Path):
    """A process that parses both files with ast until told to stop; its report."""
    stop = tmp_path / "stop-reading"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(stop),
         str(repo / EXAMPLE_TYPES), str(repo / EXAMPLE_MATRIX)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    report: dict = {}
    try:
        yield report
    finally:
        stop.touch()
        stdout, _ = reader.communicate(timeout=60)
        report.update(json.loads(stdout))


def run_all(repo: Path, commands: list[list[str]]) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(
            olx(repo, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in commands
    ]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        stdout, stderr = proc.communicate(timeout=180)
        done.append(subprocess.CompletedProcess(args, proc.returncode, stdout, stderr))
    return done


def assert_ok_or_locked_out(result: subprocess.CompletedProcess) -> bool:
    """True when committed; a refusal must be the lock's, one line, exit 2."""
    assert "Traceback" not in result.stderr, result.stderr
    if result.returncode == 0:
        return True
    assert result.returncode == 2, (result.args, result.stderr)
    (line,) = result.stderr.splitlines()
    assert LOCKED_OUT in line
    return False


def commits_by_command(repo: Path, rev_range: str) -> dict[str, list[str]]:
    """For each commit of the range: the olx command recorded in its body → its
    changed lines."""
    found: dict[str, list[str]] = {}
    for sha in _git(repo, "rev-list", rev_range).split():
        body = _git(repo, "log", "-1", "--format=%B", sha)
        # The command lines under "Made by olx": one, or a runbook's steps.
        recorded = body.rstrip().split("Made by olx ")[-1].splitlines()[1:]
        command = "\n".join(line.strip() for line in recorded)
        assert command.startswith("olx "), body
        assert command not in found, f"{command} committed twice"
        found[command] = changed_lines(_git(repo, "show", "--format=", sha))
    return found


def assert_consistent(repo: Path) -> None:
    assert _git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert _git(repo, "diff", "--cached", "--name-only") == ""
    assert not journal.path_of(repo).exists()
    assert not list(repo.rglob("*.olx-tmp"))
    assert not (repo / ".git" / "index.lock").exists()
    check = subprocess.run(olx(repo, "check"), capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_eight_writers_on_default_branches_each_commit_their_own_change_in_a_chain(
    repo: Path, tmp_path: Path, expected: dict[str, list[str]]
) -> None:
    first = _git(repo, "rev-parse", "HEAD").strip()
    with reading_all_the_while(repo, tmp_path) as reader:
        results = run_all(repo, JOBS)
    committed = [" ".join(r.args) for r in results if assert_ok_or_locked_out(r)]
    assert committed, "no process committed"
    assert reader["errors"] == [] and reader["reads"] > 0, reader

    found = commits_by_command(repo, f"{first}..HEAD")
    # exactly the committed processes' commits, each its own change and nothing else
    assert sorted(found) == sorted(f"olx {c}" for c in committed)
    for command, lines in found.items():
        assert lines == expected[command.removeprefix("olx ")], command
    # one chain: every olx branch is one commit on top of the previous writer's
    heads = {h.name: h.commit for h in git.Repo(repo).heads}
    olx_heads = {n: c for n, c in heads.items() if n.startswith("olx/")}
    assert len(olx_heads) == len(committed)
    for commit in olx_heads.values():
        assert len(commit.parents) == 1
        assert _git(repo, "merge-base", "--is-ancestor", commit.hexsha, "HEAD") == ""
    assert heads["main"].hexsha == first
    assert_consistent(repo)


def test_eight_writers_stacking_on_one_branch_land_every_change_once(
    repo: Path, tmp_path: Path, expected: dict[str, list[str]]
) -> None:
    first = _git(repo, "rev-parse", "HEAD").strip()
    stacked = [[*job, "--git-branch", "release-day"] for job in JOBS]
    with reading_all_the_while(repo, tmp_path) as reader:
        results = run_all(repo, stacked)
    refused = [r.args for r in results if not assert_ok_or_locked_out(r)]
    # a runbook would retry a locked-out write: then every change is there
    for args in refused:
        again = subprocess.run(olx(repo, *args), capture_output=True, text=True)
        assert again.returncode == 0, again.stderr
    assert reader["errors"] == [] and reader["reads"] > 0, reader

    assert _git(repo, "symbolic-ref", "--short", "HEAD").strip() == "release-day"
    found = commits_by_command(repo, f"{first}..release-day")
    assert len(found) == len(JOBS)
    for job in JOBS:
        command = "olx " + " ".join([*job, "--git-branch", "release-day"])
        assert found[command] == expected[" ".join(job)], command
    # a straight line of eight commits on main
    assert _git(repo, "rev-list", "--count", "--merges", "main..release-day") == "0\n"
    assert _git(repo, "rev-list", "--count", "main..release-day") == "8\n"
    assert_consistent(repo)


def test_four_plans_at_once_each_commit_both_their_steps_once(
    repo: Path, tmp_path: Path, expected: dict[str, list[str]]
) -> None:
    first = _git(repo, "rev-parse", "HEAD").strip()
    commands, wanted = [], {}
    for number in range(4):
        steps = JOBS[2 * number : 2 * number + 2]
        runbook = tmp_path / f"runbook-{number}.txt"
        runbook.write_text("\n".join(" ".join(s) for s in steps) + "\n")
        commands.append(["plan", str(runbook), "--branch", "plans"])
        # Outside the repository: the commit records the runbook's steps.
        wanted["\n".join("olx " + " ".join(s) for s in steps)] = sorted(
            expected[" ".join(steps[0])] + expected[" ".join(steps[1])]
        )
    with reading_all_the_while(repo, tmp_path) as reader:
        results = run_all(repo, commands)
    for result in results:
        if not assert_ok_or_locked_out(result):
            again = subprocess.run(olx(repo, *result.args), capture_output=True)
            assert again.returncode == 0
    assert reader["errors"] == [] and reader["reads"] > 0, reader

    found = commits_by_command(repo, f"{first}..plans")
    assert sorted(found) == sorted(wanted)  # every plan committed, once
    for command, lines in found.items():
        assert lines == wanted[command], command
    assert_consistent(repo)


def test_the_lock_of_a_killed_holder_is_free_at_once(repo: Path, tmp_path: Path):
    """A process that holds the lock and is killed with SIGKILL: the kernel releases
    the flock, so the next olx writes without waiting out the lock's timeout."""
    ready = tmp_path / "holding"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import pathlib, sys, time\n"
         "from olx.edit.fileio import repo_lock\n"
         "with repo_lock(pathlib.Path(sys.argv[1])):\n"
         "    pathlib.Path(sys.argv[2]).touch()\n"
         "    time.sleep(120)\n",
         str(repo), str(ready)],
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ready.exists()
    # while it lives, a write is locked out (wait shortened through a tiny holder)
    probe = subprocess.run(
        [sys.executable, "-c",
         "import pathlib, sys\n"
         "from olx.edit.fileio import repo_lock\n"
         "from olx.errors import InputError\n"
         "try:\n"
         "    with repo_lock(pathlib.Path(sys.argv[1]), wait=0.1):\n"
         "        sys.exit(0)\n"
         "except InputError as exc:\n"
         "    print(exc.message); sys.exit(2)\n",
         str(repo)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert probe.returncode == 2 and LOCKED_OUT in probe.stdout
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    after = subprocess.run(
        olx(repo, "promote", "xpro", "QA"), capture_output=True, text=True
    )
    # exit 0: the lock was free (a held lock is refused only after its timeout)
    assert after.returncode == 0, after.stderr
    assert LOCKED_OUT not in after.stderr
    assert_consistent(repo)


def test_a_writer_killed_inside_its_commit_frees_the_lock_and_is_undone(
    repo: Path, tmp_path: Path
) -> None:
    """SIGKILL to an olx that holds the lock inside a slow hook: the next olx takes the
    lock at once, undoes the dead write (its journal), and makes its own."""
    marker = tmp_path / "hook-started"
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\n[ -e {marker} ] && exit 0\ntouch {marker}\nsleep 60\n")
    hook.chmod(0o755)
    first = _git(repo, "rev-parse", "HEAD").strip()
    victim = subprocess.Popen(
        olx(repo, "promote", "xpro", "QA"),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists()
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    after = subprocess.run(
        olx(repo, "promote", "mitx", "Production"), capture_output=True, text=True
    )
    assert after.returncode == 0, after.stderr
    assert "completed an interrupted write" in after.stderr
    assert "olx/promote-xpro-qa-ulmo" not in _git(repo, "branch")
    found = commits_by_command(repo, f"{first}..HEAD")
    assert list(found) == ["olx promote mitx Production"]
    assert_consistent(repo)
