"""Helpers shared by the before/after rewrite tests (promote, add/retire, clone)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from olx.edit.change import Workspace

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "src" / "olx" / "example"
SHAPES = Path(__file__).resolve().parent / "fixtures" / "shapes"


def sources(name: str) -> tuple[str, str]:
    """(types, matrix) texts of the example or of a shape fixture."""
    if name == "example":
        files = (EXAMPLE / "types.py.txt", EXAMPLE / "version_matrix.py.txt")
    else:
        files = (SHAPES / name / "types.py", SHAPES / name / "version_matrix.py")
    return tuple(f.read_bytes().decode("utf-8") for f in files)  # type: ignore[return-value]


def workspace(types_src: str, matrix_src: str) -> Workspace:
    return Workspace(
        Path("types.py"),
        Path("version_matrix.py"),
        "types.py",
        "version_matrix.py",
        types_src,
        matrix_src,
    )


def ws_of(name: str) -> Workspace:
    return workspace(*sources(name))


def replace_once(text: str, old: str, new: str, after: str | None = None) -> str:
    """``text`` with one occurrence of ``old`` replaced: the only one, or the first
    after ``after`` (which must itself occur once)."""
    if after is None:
        assert text.count(old) == 1, f"{old!r} is not unique"
        start = 0
    else:
        assert text.count(after) == 1, f"{after!r} is not unique"
        start = text.index(after)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def require_ruff() -> None:
    """ruff is in the test extra (pinned): without it a test that needs it fails,
    never skips silently."""
    if importlib.util.find_spec("ruff") is None:
        pytest.fail(
            "ruff is not installed: pip install '.[test]' (the test extra pins it)",
            pytrace=False,
        )


def assert_ruff_clean(tmp_path: Path, **texts: str) -> None:
    require_ruff()
    paths = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.py"
        path.write_bytes(text.encode("utf-8"))
        paths.append(str(path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            "--isolated",
            "--line-length",
            "88",
            *paths,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
