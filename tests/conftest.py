"""Shared fixtures: an example repository, a CLI runner, and a git config that never
depends on the machine's.

``invoke`` is both a plain function (``from conftest import invoke``) and a fixture of the
same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from typer.testing import CliRunner, Result

from olx.cli import app
from olx.example import init_example

EXAMPLE_TYPES = "src/bridge/settings/openedx/types.py"
EXAMPLE_MATRIX = "src/bridge/settings/openedx/version_matrix.py"

GIT_IDENTITY_NAME = "olx test"
GIT_IDENTITY_EMAIL = "test@olx.invalid"

# Variables that would let the machine (or the developer's shell) change what git or olx
# does under test.
_SCRUBBED_ENV = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_COUNT",
    "EMAIL",
    "OLX_REPO",
)


# The property tests (marker ``slow_properties``) take their number of examples from a
# hypothesis profile: ``ci`` in the default run (few, derandomized: the same examples
# every run), ``long`` when the marker is selected on its own (``python -m pytest -m
# slow_properties``) or asked for (``--hypothesis-profile long``, hypothesis's option).
# Tests with settings of their own keep them.
_PROPERTY_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
}
settings.register_profile(
    "ci", max_examples=50, derandomize=True, database=None, **_PROPERTY_SETTINGS
)
settings.register_profile("long", max_examples=2000, **_PROPERTY_SETTINGS)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_profile", None):
        return  # hypothesis's own option: its plugin loads the profile named
    selects = re.search(r"(?<!not )\bslow_properties\b", config.option.markexpr or "")
    settings.load_profile("long" if selects else "ci")


def make_home(base: Path, gitconfig: str) -> Path:
    """A HOME directory whose only git configuration is ``gitconfig``."""
    home = base
    home.mkdir(parents=True, exist_ok=True)
    (home / ".gitconfig").write_text(gitconfig, encoding="utf-8")
    (home / ".config").mkdir(exist_ok=True)
    return home


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    # GitPython and git also read $XDG_CONFIG_HOME/git/config ("user" level).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))


@pytest.fixture(autouse=True)
def isolated_git_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test runs with a HOME of its own holding a known git identity."""
    home = make_home(
        tmp_path_factory.mktemp("home"),
        "[user]\n"
        f"\tname = {GIT_IDENTITY_NAME}\n"
        f"\temail = {GIT_IDENTITY_EMAIL}\n"
        "[init]\n"
        "\tdefaultBranch = main\n",
    )
    use_home(monkeypatch, home)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in _SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A fresh ``olx init-example`` repository (one commit, clean work tree)."""
    repo = tmp_path / "repo"
    init_example(repo)
    return repo


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(*args: Any, env: dict[str, str] | None = None, **kwargs: Any) -> Result:
    """Run ``olx.cli.app`` with ``args`` (converted with ``str``) under CliRunner.

    Unexpected exceptions propagate (``catch_exceptions=False``) so that a crash is never
    mistaken for an exit code; pass ``catch_exceptions=True`` to change that.
    """
    kwargs.setdefault("catch_exceptions", False)
    return CliRunner().invoke(app, [str(a) for a in args], env=env, **kwargs)


@pytest.fixture(name="invoke")
def invoke_fixture():
    return invoke


GOLDEN = Path(__file__).parent / "golden"


def console_script() -> list[str]:
    """The ``olx`` console script of the running interpreter's environment (the one
    pip installed olx into), else ``python -m olx`` (the same entry point): never
    whatever ``olx`` comes first on PATH."""
    import os
    import sys
    import sysconfig

    name = "olx.exe" if os.name == "nt" else "olx"
    script = Path(sysconfig.get_path("scripts")) / name
    return [str(script)] if script.is_file() else [sys.executable, "-m", "olx"]


def example_components(deployment: str, stage: str) -> list[dict[str, Any]]:
    """What ``stage`` of the example's ``deployment`` builds, resolved, as the golden
    file holds it (test_resolve.py checks it against the executed source): tests derive
    counts from it instead of typing them."""
    import json

    shown = json.loads((GOLDEN / "show_example.json").read_text(encoding="utf-8"))
    return list(shown[deployment]["stages"][stage]["components"])


def unwrapped(text: str, hang: int = 4) -> list[str]:
    """The lines of ``text`` as olx had them before it broke them to fit the width
    (olx.cli.outcome_text.line_breaks): a line indented ``hang`` columns more than the
    line it continues is joined to it with one space."""
    lines: list[str] = []
    lead = 0
    for line in text.splitlines():
        own = len(line) - len(line.lstrip(" "))
        if lines and line.strip() and own == lead + hang:
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
            lead = own
    return lines


def example_paths(repo: Path) -> tuple[Path, Path]:
    """(types.py, version_matrix.py) of an example repository."""
    return repo / EXAMPLE_TYPES, repo / EXAMPLE_MATRIX


# The upstream repositories of the verify tests (bare repositories reached through a
# test-only git config), for every test module that asks for them.
from upstream_support import upstreams, upstreams_session  # noqa: E402, F401
