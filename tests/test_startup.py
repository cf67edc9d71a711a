"""Start-up stays light: --help, --version, show and check never import libcst or GitPython.

Deterministic: it reads ``python -X importtime`` (which lists every module imported) and
times nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("libcst", "git")


def imported_modules(
    args: list[str], cwd: Path
) -> tuple[subprocess.CompletedProcess, set[str]]:
    code = (
        "import sys; sys.argv = ['olx', *" + repr(args) + "]; "
        "from olx.cli import main; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    modules = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        if len(fields) != 3 or fields[0].strip().endswith("[us]"):
            continue  # the header line
        modules.add(fields[2].strip())
    return proc, modules


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["show", "--json"],
        ["--json", "show"],
        ["show"],
        ["check"],
        ["--json", "check"],
    ],
    ids=lambda a: " ".join(a),
)
def test_read_commands_do_not_import_libcst_or_gitpython(
    example_repo: Path, args: list[str]
):
    proc, modules = imported_modules(["--repo", str(example_repo), *args], example_repo)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "olx.cli" in modules and "typer" in modules  # the parse found the imports
    assert heavy(modules) == []
    if "show" in args and "--json" in args:
        assert json.loads(proc.stdout)["deployments"]


def test_the_detector_sees_gitpython(tmp_path: Path):
    """Control: a command that uses GitPython is seen importing it."""
    proc, modules = imported_modules(["init-example", str(tmp_path / "ex")], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "git" in heavy(modules)
