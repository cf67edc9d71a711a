"""The code stays ruff-clean and ruff-formatted (the style new code copies, too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rewrite_support import require_ruff

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "args",
    [
        ["check", "src", "tests", "benchmarks"],
        ["format", "--check", "src", "tests", "benchmarks"],
    ],
    ids=["check", "format"],
)
def test_the_code_is_ruff_clean_and_formatted(args: list[str]) -> None:
    require_ruff()
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_missing_ruff_fails_the_tests_that_need_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ruff is in the test extra: its absence is a failure, never a silent skip."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "ruff" else real(name, *args),
    )
    with pytest.raises(pytest.fail.Exception, match="pip install"):
        require_ruff()
