"""The code stays ruff-clean and ruff-formatted (the style new code copies, too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("ruff")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "src", "tests", "benchmarks"],
        ["format", "--check", "src", "tests", "benchmarks"],
    ],
    ids=["check", "format"],
)
def test_ruff(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
