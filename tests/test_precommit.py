"""The ``olx-check`` and ``olx-verify`` pre-commit hooks, run for real by pre-commit
(docs/contract.md "Integration").

A snapshot of this checkout (its working tree, so uncommitted work is what is tested) is
committed to a temporary git repository, which an example repository names as ``repo:``
in its ``.pre-commit-config.yaml``. pre-commit then builds the hook's own virtualenv (pip
installs olx and its dependencies from PyPI), once per module, under a PRE_COMMIT_HOME in
the test's temporary directory. That is slow and networked, so those tests carry the
``precommit`` marker: excluded from the default run, run by ``.ci/run`` as its own step.
The hook definition itself is checked in the default run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import GIT_IDENTITY_EMAIL, GIT_IDENTITY_NAME, invoke, make_home
from upstream_support import (
    EXAMPLE_UPSTREAM,
    Upstreams,
)

from olx.example import init_example
from olx.repo.targets import DEFAULT_MATRIX, DEFAULT_TYPES

OLX_ROOT = Path(__file__).resolve().parents[1]
HOOKS_FILE = OLX_ROOT / ".pre-commit-hooks.yaml"

precommit = pytest.mark.precommit
LEARNING_REPO = "openedx/frontend-app-learning"

# mitx runs CI master, QA ulmo, Production teak. CI on teak makes QA newer than CI: a
# violation of rule 7 only (ReleaseMap['teak'] has a mitx block).
SOUND_CI = 'EnvRelease("CI", OpenEdxSupportedRelease["master"])'
BROKEN_CI = 'EnvRelease("CI", OpenEdxSupportedRelease["teak"])'

# What the snapshot leaves out: git metadata, caches, build output (.gitignore's list).
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    "__pycache__",
    "*.pyc",
    "*.egg-info",
    ".venv",
    "build",
    "dist",
    ".pytest_cache",
    ".ruff_cache",
    "demo",
)

# Variables of the developer's shell that would change what git or olx do here. PIP_*
# stay: they are how this machine reaches the package index for the hook's virtualenv.
_DROPPED_ENV = re.compile(r"^(GIT_|VIRTUAL_ENV$|PYTHONPATH$|OLX_|EMAIL$|PRE_COMMIT)")


def hook_definition(hook_id: str = "olx-check") -> dict:
    (hook,) = [h for h in yaml.safe_load(HOOKS_FILE.read_text()) if h["id"] == hook_id]
    return hook


# --- the definition (default run) ---------------------------------------------------


def test_the_hook_runs_olx_check_once_when_a_matrix_file_is_staged():
    hook = hook_definition()
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    words = hook["entry"].split()
    assert words[0] == "olx" and words[-1] == "check"
    files = re.compile(hook["files"])
    assert files.search(DEFAULT_TYPES) and files.search(DEFAULT_MATRIX)
    for other in (
        "README.md",
        "src/bridge/settings/openedx/other.py",
        "src/bridge/settings/openedx/types.pyc",
        "vendor/src/bridge/settings/openedx/types.py",
        "src/bridge/settings/openedx/version_matrix_py",
    ):
        assert not files.search(other), other


def test_the_hook_checks_the_repository_being_committed(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The entry names the repository (pre-commit runs it at the root), so $OLX_REPO in
    the committer's shell cannot send it to another checkout."""
    words = hook_definition()["entry"].split()
    assert words[1:3] == ["--repo", "."]
    broken = tmp_path / "broken"
    init_example(broken)
    replace(broken / DEFAULT_MATRIX, SOUND_CI, BROKEN_CI)
    monkeypatch.chdir(example_repo)
    monkeypatch.setenv("OLX_REPO", str(broken))

    assert invoke(*words[1:]).exit_code == 0
    assert invoke("check").exit_code == 1  # control: $OLX_REPO would have been read


# --- the hook run by pre-commit (marker `precommit`) --------------------------------


@dataclass(frozen=True)
class HookWorld:
    """A committed snapshot of this checkout and the environment every run shares."""

    snapshot: Path
    rev: str
    env: dict[str, str]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
        timeout=900,
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = run(["git", *args], cwd, env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def pre_commit(
    cwd: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> HookWorld:
    base = tmp_path_factory.mktemp("precommit")
    home = make_home(
        base / "home",
        f"[user]\n\tname = {GIT_IDENTITY_NAME}\n\temail = {GIT_IDENTITY_EMAIL}\n"
        "[init]\n\tdefaultBranch = main\n",
    )
    env = {k: v for k, v in os.environ.items() if not _DROPPED_ENV.match(k)}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(base / "cache"),
        GIT_CONFIG_NOSYSTEM="1",
        PRE_COMMIT_HOME=str(base / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    snapshot = base / "olx"
    shutil.copytree(OLX_ROOT, snapshot, ignore=SNAPSHOT_IGNORE)
    git(snapshot, env, "init", "-q")
    git(snapshot, env, "add", "-A")
    git(snapshot, env, "commit", "-q", "-m", "snapshot of the olx working tree")
    return HookWorld(snapshot, git(snapshot, env, "rev-parse", "HEAD"), env)


def hooked_repo(
    world: HookWorld,
    where: Path,
    files: str | None = None,
    hook_id: str = "olx-check",
    env: dict[str, str] | None = None,
) -> Path:
    """An example repository whose .pre-commit-config.yaml uses the hook (committed),
    with the hook installed in .git/hooks for the hook's stage."""
    env = env or world.env
    repo = where / "infra"
    init_example(repo)
    hook = {"id": hook_id} | ({"files": files} if files else {})
    config = {
        "repos": [{"repo": str(world.snapshot), "rev": world.rev, "hooks": [hook]}]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), "utf-8")
    git(repo, env, "add", ".pre-commit-config.yaml")
    git(repo, env, "commit", "-q", "-m", "pre-commit config")
    hook_type = hook_definition(hook_id).get("stages", ["pre-commit"])[0]
    proc = pre_commit(repo, env, "install", "--hook-type", hook_type)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def commit(repo: Path, env: dict[str, str], *paths: str) -> subprocess.CompletedProcess:
    git(repo, env, "add", *paths)
    return run(["git", "commit", "-m", "edit the matrix"], repo, env)


def violations(repo: Path) -> list[str]:
    """olx check's messages for the repository as it stands."""
    result = invoke("--repo", repo, "check", "--json")
    return [v["message"] for v in json.loads(result.stdout)["violations"]]


@precommit
def test_the_sound_example_passes(world: HookWorld, tmp_path: Path):
    repo = hooked_repo(world, tmp_path)
    proc = pre_commit(repo, world.env, "run", "olx-check", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^olx check.*\.Passed$", proc.stdout, re.M), proc.stdout
    # ... by the olx that pre-commit installed in the hook's own virtualenv.
    home = Path(world.env["PRE_COMMIT_HOME"])
    assert list(home.glob("repo*/py_env-*/bin/olx")), sorted(home.rglob("olx"))


@precommit
def test_a_commit_that_breaks_an_invariant_is_refused_with_olx_message(
    world: HookWorld, tmp_path: Path
):
    repo = hooked_repo(world, tmp_path)
    head = git(repo, world.env, "rev-parse", "HEAD")
    replace(repo / DEFAULT_MATRIX, SOUND_CI, BROKEN_CI)
    expected = violations(repo)
    assert len(expected) == 1 and "newer than CI" in expected[0]  # rule 7

    proc = commit(repo, world.env, DEFAULT_MATRIX)

    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert re.search(r"^olx check.*\.Failed$", out, re.M), out
    assert "- exit code: 1" in out
    # olx breaks its lines between words to fit 80 columns: compare the words.
    assert f"rule 7 {expected[0]}" in " ".join(out.split())
    assert git(repo, world.env, "rev-parse", "HEAD") == head  # nothing landed


@precommit
def test_a_sound_change_is_committed_after_the_hook_passes(
    world: HookWorld, tmp_path: Path
):
    repo = hooked_repo(world, tmp_path)
    head = git(repo, world.env, "rev-parse", "HEAD")
    # xpro QA takes CI's release (ulmo): sound.
    result = invoke("--repo", repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 0, result.output

    proc = commit(repo, world.env, DEFAULT_MATRIX)

    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^olx check.*\.Passed$", out, re.M), out
    assert git(repo, world.env, "rev-parse", "HEAD^") == head


@precommit
def test_a_commit_of_other_files_skips_the_hook(world: HookWorld, tmp_path: Path):
    repo = hooked_repo(world, tmp_path)
    # Even with a broken (unstaged) matrix in the work tree: nothing of it is committed.
    replace(repo / DEFAULT_MATRIX, SOUND_CI, BROKEN_CI)
    (repo / "NOTES.md").write_text("release day\n", encoding="utf-8")

    proc = commit(repo, world.env, "NOTES.md")

    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"^olx check.*\(no files to check\)Skipped$", out, re.M), out


@precommit
def test_the_staged_content_is_what_is_checked(world: HookWorld, tmp_path: Path):
    """A broken matrix staged, the work tree put back: the commit is still refused
    (pre-commit stashes unstaged changes; olx reads the files as they would land)."""
    repo = hooked_repo(world, tmp_path)
    matrix = repo / DEFAULT_MATRIX
    replace(matrix, SOUND_CI, BROKEN_CI)
    git(repo, world.env, "add", DEFAULT_MATRIX)
    replace(matrix, BROKEN_CI, SOUND_CI)

    proc = run(["git", "commit", "-m", "edit the matrix"], repo, world.env)

    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "newer than CI" in out
    assert BROKEN_CI not in matrix.read_text(encoding="utf-8")  # work tree restored


@precommit
def test_olx_repo_in_the_environment_does_not_redirect_the_hook(
    world: HookWorld, tmp_path: Path
):
    repo = hooked_repo(world, tmp_path)
    sound_elsewhere = tmp_path / "other"
    init_example(sound_elsewhere)
    replace(repo / DEFAULT_MATRIX, SOUND_CI, BROKEN_CI)

    proc = commit(repo, world.env | {"OLX_REPO": str(sound_elsewhere)}, DEFAULT_MATRIX)

    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "newer than CI" in proc.stdout + proc.stderr


@precommit
def test_configured_paths_need_files_overridden_in_the_config(
    world: HookWorld, tmp_path: Path
):
    """A repository whose [tool.olx] moves the files overrides `files:` (README); the
    hook then guards the moved files, and without the override it would never run."""
    for files, refused in (
        (r"^settings/(types|version_matrix)\.py$", True),
        (None, False),
    ):
        where = tmp_path / ("override" if files else "default")
        repo = hooked_repo(world, where, files)
        (repo / "settings").mkdir()
        for default, moved in (
            (DEFAULT_TYPES, "types.py"),
            (DEFAULT_MATRIX, "version_matrix.py"),
        ):
            git(repo, world.env, "mv", default, f"settings/{moved}")
        (repo / "pyproject.toml").write_text(
            '[tool.olx]\ntypes = "settings/types.py"\n'
            'matrix = "settings/version_matrix.py"\n',
            encoding="utf-8",
        )
        git(repo, world.env, "add", "pyproject.toml")
        moved_ok = run(["git", "commit", "-m", "move"], repo, world.env)
        assert moved_ok.returncode == 0, moved_ok.stdout + moved_ok.stderr
        replace(repo / "settings/version_matrix.py", SOUND_CI, BROKEN_CI)

        proc = commit(repo, world.env, "settings/version_matrix.py")

        out = proc.stdout + proc.stderr
        if refused:
            assert proc.returncode != 0, out
            assert "settings/version_matrix.py" in out and "newer than CI" in out
        else:
            assert proc.returncode == 0, out
            assert "(no files to check)Skipped" in out


# --- olx-verify at pre-push -----------------------------------------------------------


def test_the_verify_hook_runs_at_pre_push_on_what_the_push_changes():
    hook = hook_definition("olx-verify")
    assert hook["stages"] == ["pre-push"]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert hook["entry"].split() == ["olx", "--repo", ".", "verify", "--pre-push"]
    assert hook["files"] == hook_definition()["files"]


@pytest.fixture
def pushing_repo(world: HookWorld, tmp_path: Path, upstreams: Upstreams):
    """An example repository with olx-verify installed at pre-push, a bare remote to
    push to, and the example's upstreams reached through GIT_CONFIG_GLOBAL."""
    env = world.env | {"GIT_CONFIG_GLOBAL": str(upstreams.config)}
    repo = hooked_repo(world, tmp_path, hook_id="olx-verify", env=env)
    remote = tmp_path / "remote.git"
    git(tmp_path, env, "init", "-q", "--bare", str(remote))
    git(repo, env, "remote", "add", "origin", str(remote))
    return repo, env


def push(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(["git", "push", "-q", "origin", "HEAD"], repo, env)


@precommit
def test_a_push_whose_change_names_a_missing_branch_is_refused(
    pushing_repo, upstreams: Upstreams
):
    repo, env = pushing_repo
    first = push(repo, env)  # a new history: every stage is verified, all found
    assert first.returncode == 0, first.stdout + first.stderr
    assert re.search(r"^olx verify.*\.Passed$", first.stdout + first.stderr, re.M)
    result = invoke(
        "--repo", repo, "override", "ulmo", "xpro", "learning", "--branch",
        "release/ulmo.master", "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    commit(repo, env, DEFAULT_MATRIX)
    head = git(repo, env, "rev-parse", "HEAD")

    proc = push(repo, env)

    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert re.search(r"^olx verify.*\.Failed$", out, re.M), out
    words = " ".join(out.split())  # olx breaks its lines between words
    assert "learning: release/ulmo.master is not in" in words
    assert "closest: release/ulmo" in words and "for xpro CI" in words
    remote_head = git(repo, env, "ls-remote", "origin", "HEAD")
    assert head not in remote_head  # nothing was pushed

    # Put right, the push goes through; a push that changes other files skips it.
    upstreams.set(
        LEARNING_REPO, [*EXAMPLE_UPSTREAM[LEARNING_REPO], "release/ulmo.master"]
    )
    again = run(["git", "push", "-q", "origin", "HEAD"], repo, env | {"OLX_REPO": "/"})
    assert again.returncode == 0, again.stdout + again.stderr
    (repo / "NOTES.md").write_text("release day\n", encoding="utf-8")
    commit(repo, env, "NOTES.md")
    last = push(repo, env)
    assert last.returncode == 0, last.stdout + last.stderr
    assert "(no files to check)Skipped" in last.stdout + last.stderr
