"""Messages a user reads: each says what is wrong in plain words, with a hint that
fits (no empty error line, no "1 warnings", a suggestion whatever the case typed, the
command that does what was asked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import invoke
from rewrite_support import replace_once, sources, workspace

from olx.core import names
from olx.errors import InputError, ShapeError
from olx.ops.clone import clone_release
from olx.ops.releases import add_release
from olx.ops.retire import retire

TYPES, MATRIX = sources("example")


def test_bare_olx_shows_the_help_and_one_clear_error_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "olx"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert "Usage" in proc.stdout and "promote" in proc.stdout
    assert proc.stderr == (
        "olx: error: no command given (hint: the commands are listed above; "
        "olx COMMAND --help tells more)\n"
    )


def test_check_counts_one_warning_in_the_singular(example_repo: Path) -> None:
    result = invoke("--repo", example_repo, "check")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "ok: all invariants hold (1 warning)"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "--set translation_overrides: the value is empty"),
        ("   ", "--set translation_overrides: the value is empty"),
        (
            "[1,",
            "--set translation_overrides: '[1,' is neither JSON nor a constant's name",
        ),
        (
            "os.system",
            "--set translation_overrides: an attribute is not accepted: 'os.system'",
        ),
    ],
)
def test_a_set_value_olx_refuses_says_why_in_plain_words(
    example_repo: Path, value: str, message: str
) -> None:
    result = invoke(
        "--repo", example_repo, "override", "ulmo", "mitx", "learning",
        "--set", f"translation_overrides={value}", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"olx: error: {message} (hint: give JSON")


@pytest.mark.parametrize(
    ("typed", "valid", "closest"),
    [
        ("ULMO", ["master", "teak", "ulmo"], "ulmo"),
        ("Ulmo", ["master", "teak", "ulmo"], "ulmo"),
        ("MITX-Staging", ["mitx", "mitx-staging", "xpro"], "mitx-staging"),
        ("Prod", ["CI", "QA", "Production"], "Production"),
        ("zzz", ["master", "teak", "ulmo"], None),
    ],
)
def test_the_closest_name_is_found_whatever_the_case(typed, valid, closest) -> None:
    assert names.closest(typed, valid) == closest


def test_an_unknown_release_typed_in_capitals_gets_a_suggestion(
    example_repo: Path,
) -> None:
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "ULMO")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "olx: error: unknown release 'ULMO' (hint: did you mean 'ulmo'? "
    )


def test_add_release_of_an_existing_release_with_other_values_hints_set_release() -> (
    None
):
    with pytest.raises(InputError) as exc:
        add_release(workspace(TYPES, MATRIX), "ulmo", branch="release/ulmo.1")
    assert (
        exc.value.hint == "change it with olx set-release ulmo --branch release/ulmo.1"
    )
    with pytest.raises(InputError) as exc:
        add_release(workspace(TYPES, MATRIX), "ulmo", python="3.13", node="26")
    assert (
        exc.value.hint == "change it with olx set-release ulmo --python 3.13 --node 26"
    )


def test_add_release_clone_from_onto_a_differing_block_hints_clone_release() -> None:
    ws = workspace(TYPES, MATRIX)
    ws = ws.after(add_release(ws, "verawood", clone_from="teak"))
    ws = ws.after(retire(ws, "verawood", deployments=["mitx-staging"]))
    # The release and its block exist: add-release is a no-op that says how the
    # block differs (docs/contract.md: runbooks run twice) ...
    again = add_release(ws, "verawood", clone_from="ulmo")
    assert not again.changed
    assert again.notes == [
        "release verawood and ReleaseMap['verawood'] already exist; nothing to do, "
        "though the block differs from a clone of ulmo now: mitx, mitx-staging, xpro"
    ]
    # ... and the clone of the lists it lacks, next to one that differs, is refused
    # with the clone-release that clones only those.
    with pytest.raises(InputError) as exc:
        clone_release(ws, "ulmo", "verawood")
    assert exc.value.message == (
        "ReleaseMap['verawood']['mitx'] exists and differs from a clone of ulmo"
    )
    assert exc.value.hint == (
        "edit it by hand, or clone only the deployments ReleaseMap['verawood'] "
        "lacks: olx clone-release ulmo verawood --deployment mitx-staging"
    )


@pytest.mark.parametrize(
    ("old", "new", "says", "hint"),
    [
        (
            'EnvRelease("QA", OpenEdxSupportedRelease["teak"]),\n',
            'EnvRelease("QA", OpenEdxSupportedRelease["teak"]),\n'
            '            EnvRelease("QA", OpenEdxSupportedRelease["teak"]),\n',
            "stage 'QA' of 'xpro' is listed twice",
            "keep one EnvRelease per stage",
        ),
        (
            '        deployment_name="xpro",\n',
            '        deployment_name="xpro",\n        deployment_name="xpro",\n',
            "argument 'deployment_name' given twice",
            "Python refuses an argument given twice: keep one",
        ),
    ],
)
def test_a_part_given_twice_has_a_hint_about_it(old, new, says, hint) -> None:
    matrix = replace_once(
        MATRIX, old, new, after='deployment_name="xpro"' if "QA" in old else None
    )
    with pytest.raises(ShapeError) as exc:
        workspace(TYPES, matrix).model  # noqa: B018
    assert says in exc.value.message
    assert exc.value.hint == hint


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ("types = 3", "[tool.olx] types = 3 is not a path"),
        ('matrix = ["a"]', "[tool.olx] matrix = ['a'] is not a path"),
        ('types = ""', "[tool.olx] types = '' is not a path"),
    ],
)
def test_a_tool_olx_path_that_is_not_a_string_is_an_input_error(
    example_repo: Path, setting: str, says: str
) -> None:
    (example_repo / "pyproject.toml").write_text(f"[tool.olx]\n{setting}\n")
    for words in (
        ["show"],
        ["--json", "check"],
        ["promote", "xpro", "QA", "--dry-run"],
    ):
        result = invoke("--repo", example_repo, *words)
        assert result.exit_code == 2, (words, result.output)
        text = result.stdout if "--json" in words else result.stderr
        error = json.loads(text)["error"] if "--json" in words else text
        assert f"pyproject.toml: {says}" in error
