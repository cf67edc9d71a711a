"""The reader against an executing oracle, on one fixture per real-world shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from olx.core.reader import read_sources
from olx.errors import InputError, ShapeError

sys.path.insert(0, str(Path(__file__).parent))
from oracle import oracle
from rewrite_support import require_ruff

SHAPES = Path(__file__).parent / "fixtures" / "shapes"
FIXTURES = sorted(p for p in SHAPES.iterdir() if (p / "version_matrix.py").is_file())


def _read(fixture: Path):
    return read_sources(
        (fixture / "types.py").read_text(encoding="utf-8"),
        (fixture / "version_matrix.py").read_text(encoding="utf-8"),
        "types.py",
        "version_matrix.py",
    )


def test_every_shape_fixture_has_both_files():
    folders = sorted(p for p in SHAPES.iterdir() if p.is_dir())
    assert folders == FIXTURES  # none left out of the tests below for a missing file
    for fixture in FIXTURES:
        assert (fixture / "types.py").is_file(), fixture


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_the_reader_model_of_each_shape_equals_the_executed_source(fixture: Path):
    got = _read(fixture).to_json()
    want = oracle(fixture)
    for key in ("releases", "applications", "deployments", "release_map"):
        assert got[key] == want[key], key
    assert got == want


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_the_reader_keeps_the_source_order_of_every_list_and_dict(fixture: Path):
    """Same JSON text without sorting keys: source order of every list and dict."""
    got = json.dumps(_read(fixture).to_json(), sort_keys=False, indent=1)
    want = json.dumps(oracle(fixture), sort_keys=False, indent=1)
    assert got == want


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_is_ruff_formatted(fixture: Path):
    require_ruff()
    # --isolated: the project's ruff config excludes tests/fixtures.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "format",
            "--check",
            "--diff",
            "--isolated",
            "--no-cache",
            "--line-length",
            "88",
            "--target-version",
            "py311",
            str(fixture / "types.py"),
            str(fixture / "version_matrix.py"),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- negative shapes -------------------------------------------------------------

TYPES_OK = """\
from enum import Enum


class OpenEdxSupportedRelease(str, Enum):
    def __new__(cls, name, branch):
        obj = str.__new__(cls, name)
        obj._value_ = name
        obj.branch = branch
        return obj

    master = ("master", "master")
    palm = ("palm", "open-release/palm.master")
"""

MATRIX_OK = """\
from enum import Enum

from bridge.settings.openedx.types import (
    DeploymentEnvRelease,
    EnvRelease,
    OpenEdxApplicationVersion,
    OpenEdxSupportedRelease,
)


class OpenLearningOpenEdxDeployment(Enum):
    campus = DeploymentEnvRelease(
        deployment_name="campus",
        env_release_map=[
            EnvRelease("QA", OpenEdxSupportedRelease["palm"]),
            EnvRelease("Production", OpenEdxSupportedRelease["palm"]),
        ],
    )


ReleaseMap = {"palm": {"campus": []}}
"""


def test_the_sources_the_negative_tests_break_read_cleanly():
    """The inline sources the negative tests break are themselves readable."""
    data = read_sources(TYPES_OK, MATRIX_OK, "types.py", "version_matrix.py").to_json()
    assert data["deployments"][0]["stages"] == {"QA": "palm", "Production": "palm"}


def test_syntax_error_names_the_line():
    broken = MATRIX_OK.replace(
        'deployment_name="campus",', 'deployment_name="campus" "QA",,'
    )
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if ",," in text)
    with pytest.raises(ShapeError) as info:
        read_sources(TYPES_OK, broken, "types.py", "version_matrix.py")
    err = info.value
    assert isinstance(err, InputError) and err.exit_code == 2
    assert err.line == line
    assert str(err).startswith(f"version_matrix.py:{line}:")


def test_syntax_error_in_types_names_the_line():
    broken = TYPES_OK.replace('palm = ("palm",', 'palm = = ("palm",')
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "= =" in text)
    with pytest.raises(ShapeError) as info:
        read_sources(broken, MATRIX_OK, "types.py", "version_matrix.py")
    assert info.value.line == line
    assert str(info.value).startswith(f"types.py:{line}:")


def test_stage_release_computed_by_a_call():
    computed = MATRIX_OK.replace(
        'EnvRelease("QA", OpenEdxSupportedRelease["palm"]),',
        'EnvRelease("QA", pick_release("campus")),',
    )
    line = next(
        i for i, text in enumerate(computed.splitlines(), 1) if "pick_release" in text
    )
    with pytest.raises(ShapeError) as info:
        read_sources(TYPES_OK, computed, "types.py", "version_matrix.py")
    assert info.value.exit_code == 2
    assert str(info.value).startswith(f"version_matrix.py:{line}:")


def test_types_without_the_release_enum_is_a_shape_error():
    no_enum = TYPES_OK.replace("OpenEdxSupportedRelease", "SomeOtherEnum")
    with pytest.raises(ShapeError) as info:
        read_sources(no_enum, MATRIX_OK, "types.py", "version_matrix.py")
    assert info.value.exit_code == 2
    assert str(info.value).startswith("types.py")
    assert "OpenEdxSupportedRelease" in str(info.value)


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_a_member_defined_twice_is_a_shape_error() -> None:
    from rewrite_support import sources

    types_src, matrix_src = sources("example")
    twice = types_src.replace(
        '    ulmo = ("ulmo",', '    teak = ("teak", "x", "3", "4")\n    ulmo = ("ulmo",'
    )
    with pytest.raises(
        ShapeError, match=r"OpenEdxSupportedRelease\.teak is defined twice"
    ):
        read_sources(twice, matrix_src, "types.py", "version_matrix.py")


def test_a_bytes_value_is_a_shape_error() -> None:
    from rewrite_support import sources

    types_src, matrix_src = sources("example")
    matrix_src = matrix_src.replace(
        'branch_override="teak"', 'branch_override=b"teak"', 1
    )
    with pytest.raises(ShapeError, match="constant olx cannot show as JSON"):
        read_sources(types_src, matrix_src, "types.py", "version_matrix.py")


@pytest.mark.parametrize(
    "value", ['{("a",): 1}', "float('inf')", "1e999"], ids=["tuple-key", "call", "inf"]
)
def test_values_json_cannot_hold_are_shape_errors(value: str) -> None:
    from rewrite_support import sources

    types_src, matrix_src = sources("example")
    matrix_src = matrix_src.replace(
        'branch_override="teak"', f"branch_override={value}", 1
    )
    with pytest.raises(ShapeError):
        read_sources(types_src, matrix_src, "types.py", "version_matrix.py")
