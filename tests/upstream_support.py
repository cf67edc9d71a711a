"""Upstream repositories for the verify tests: real bare git repositories in a temporary
directory, reached through a test-only git configuration.

``https://github.com/OWNER/NAME`` is rewritten by ``url.<base>.insteadOf`` (in a file
that ``GIT_CONFIG_GLOBAL`` names) to ``file://BASE/github.com/OWNER/NAME``, so the
matrix keeps its real origins and olx's ``git ls-remote`` reads the bare repository
there, offline. Every repository is a copy of one template holding one commit, with
its branches and tags written in ``packed-refs`` (one copy and one file each: fast).

A ``git`` wrapper first on ``PATH`` (:func:`slow_git`) sleeps before answering for the
origins it is told, writing its process id first, so that tests can prove the timeout
kills it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

GITHUB = "https://github.com/"

# What the example matrix (olx init-example) builds, as its upstreams hold it: every
# origin with every branch its stages resolve to.
EXAMPLE_UPSTREAM: dict[str, list[str]] = {
    "eduNEXT/codejailservice": ["master", "release/teak", "release/ulmo"],
    "example-learning/edx-platform": ["mitx/master", "mitx/teak", "mitx/ulmo"],
    "example-learning/mitx-theme": ["master", "teak", "ulmo"],
    "example-learning/mitxonline-theme": ["master"],
    "example-learning/xpro-theme": ["teak", "ulmo"],
    "openedx/edx-notes-api": ["master", "release/teak", "release/ulmo"],
    "openedx/edx-platform": ["master", "release/teak", "release/ulmo"],
    "openedx/forum": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-authoring": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-communications": ["master", "release/teak"],
    "openedx/frontend-app-discussions": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-gradebook": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-learner-dashboard": [
        "master",
        "release/teak",
        "release/ulmo",
    ],
    "openedx/frontend-app-learning": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-ora-grading": ["master", "release/teak", "release/ulmo"],
    "openedx/frontend-app-profile": ["master", "release/teak", "release/ulmo"],
    "openedx/xqueue": ["master", "release/teak", "release/ulmo"],
    "openedx/xqueue-watcher": ["master", "release/teak", "release/ulmo"],
}


def _identity() -> tuple[str, str]:
    # conftest.py imports this module (its fixtures): import it back lazily.
    from conftest import GIT_IDENTITY_EMAIL, GIT_IDENTITY_NAME

    return GIT_IDENTITY_NAME, GIT_IDENTITY_EMAIL


def _git(*args: str, cwd: Path | None = None) -> str:
    name, email = _identity()
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME=name,
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME=name,
        GIT_COMMITTER_EMAIL=email,
    )
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


class Upstreams:
    """Bare repositories under ``base/github.com/`` and the git config that reaches
    them; ``config`` is the file to name in ``GIT_CONFIG_GLOBAL``."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "github.com"
        self.root.mkdir(parents=True, exist_ok=True)
        self.template = base / "template.git"
        if not self.template.exists():
            _git("init", "-q", "--bare", str(self.template))
            tree = _git("--git-dir", str(self.template), "write-tree")
            self.commit = _git(
                "--git-dir", str(self.template), "commit-tree", tree, "-m", "upstream"
            )
        else:
            self.commit = (base / "commit").read_text().strip()
        (base / "commit").write_text(self.commit)
        self.config = base / "gitconfig"
        name, email = _identity()
        self.config.write_text(
            f"[user]\n\tname = {name}\n\temail = {email}\n"
            "[init]\n\tdefaultBranch = main\n"
            f'[url "file://{self.root}/"]\n\tinsteadOf = {GITHUB}\n',
            encoding="utf-8",
        )

    def path(self, repo: str) -> Path:
        return self.root / repo

    def set(
        self, repo: str, heads: Iterable[str] = (), tags: Iterable[str] = ()
    ) -> Path:
        """Make ``repo`` (``owner/name``) hold exactly these branches and tags."""
        dest = self.path(repo)
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(self.template, dest)
        lines = ["# pack-refs with: peeled fully-peeled sorted"]
        refs = [f"refs/heads/{h}" for h in heads] + [f"refs/tags/{t}" for t in tags]
        lines += [f"{self.commit} {ref}" for ref in sorted(refs)]
        (dest / "packed-refs").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return dest

    def remove(self, repo: str) -> None:
        shutil.rmtree(self.path(repo), ignore_errors=True)

    def set_all(self, table: Mapping[str, Iterable[str]]) -> None:
        for repo, heads in table.items():
            self.set(repo, heads)


def slow_git(bin_dir: Path, slow: Mapping[str, float], pids: Path) -> Path:
    """A ``git`` first on PATH that sleeps ``slow[word]`` seconds before running the
    real git when its arguments mention ``word`` (the first word that matches), after
    writing its own pid and its ``sleep``'s to ``pids``."""
    real = shutil.which("git")
    assert real is not None
    bin_dir.mkdir(parents=True, exist_ok=True)
    cases = "".join(
        f'  *"{word}"*) echo $$ >> "{pids}"; sleep {delay} & echo $! >> "{pids}"; '
        "wait $! ;;\n"
        for word, delay in slow.items()
    )
    script = bin_dir / "git"
    script.write_text(
        f'#!/bin/sh\ncase "$*" in\n{cases}esac\nexec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


# --- running verify ---------------------------------------------------------------------


def verify(repo: Path, *args: str):  # -> typer.testing.Result
    from conftest import invoke

    return invoke("--repo", repo, "verify", *args)


def verify_json(repo: Path, *args: str) -> tuple[int, dict]:
    result = verify(repo, *args, "--json")
    return result.exit_code, json.loads(result.stdout)


def components_of_all_stages(repo: Path) -> int:
    """How many components all stages of all deployments build (olx show)."""
    from conftest import invoke

    shown = json.loads(invoke("--repo", repo, "show", "--json").stdout)
    count = 0
    for dep in shown["deployments"]:
        view = json.loads(invoke("--repo", repo, "show", dep["name"], "--json").stdout)
        count += sum(len(stage["components"]) for stage in view["stages"].values())
    return count


# --- fixtures (conftest.py makes them every test's) -------------------------------------


@pytest.fixture(scope="session")
def upstreams_session(tmp_path_factory: pytest.TempPathFactory) -> Upstreams:
    found = Upstreams(tmp_path_factory.mktemp("upstreams"))
    found.set_all(EXAMPLE_UPSTREAM)
    return found


@pytest.fixture
def upstreams(
    upstreams_session: Upstreams, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Upstreams]:
    """The example's upstreams, reached through ``GIT_CONFIG_GLOBAL``; whatever a test
    changes in them is put back after it."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(upstreams_session.config))
    yield upstreams_session
    for repo in list(upstreams_session.root.glob("*/*")):
        name = repo.relative_to(upstreams_session.root).as_posix()
        if name not in EXAMPLE_UPSTREAM:
            upstreams_session.remove(name)
    upstreams_session.set_all(EXAMPLE_UPSTREAM)


def write_pyproject(repo: Path, text: str) -> None:
    """The target's pyproject.toml, committed (a write refuses other staged changes,
    and a dirty work tree is no part of these tests)."""
    (repo / "pyproject.toml").write_text(text, encoding="utf-8")
    _git("add", "pyproject.toml", cwd=repo)
    _git("commit", "-q", "-m", "olx settings", cwd=repo)
