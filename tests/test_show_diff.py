"""``olx show DEPLOYMENT [STAGE]`` and ``olx diff`` through the CLI: JSON against the
goldens (which test_resolve.py checks against the executed fixtures), tables at 80
columns, errors in one line, and colour only on a terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import invoke, unwrapped

GOLDEN = Path(__file__).parent / "golden"
FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_DIRS = {
    **{p.name: p for p in sorted((FIXTURES / "shapes").iterdir()) if p.is_dir()},
    "one_line_entries": FIXTURES / "one_line_entries",
    "apps_exploded": FIXTURES / "apps_exploded",
}
ESC = "\x1b"


def golden(kind: str, name: str):
    return json.loads((GOLDEN / f"{kind}_{name}.json").read_text(encoding="utf-8"))


def at(folder: Path) -> list[str]:
    """Global options that point olx at a fixture folder (no git needed to read)."""
    return [
        "--repo",
        str(folder),
        "--types",
        "types.py",
        "--matrix",
        "version_matrix.py",
    ]


def one_error_line(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("olx: error:"), result.stderr
    return lines[0]


# --- show DEPLOYMENT [STAGE] -----------------------------------------------------------


@pytest.mark.parametrize("deployment", ["mitx", "mitx-staging", "mitxonline", "xpro"])
def test_show_deployment_json_is_the_golden(example_repo: Path, deployment: str):
    result = invoke("--repo", example_repo, "show", deployment, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout) == golden("show", "example")[deployment]


@pytest.mark.parametrize("name", sorted(FIXTURE_DIRS))
def test_show_every_deployment_of_every_fixture(name: str):
    want = golden("show", name)
    for deployment, expected in want.items():
        result = invoke(*at(FIXTURE_DIRS[name]), "--json", "show", deployment)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected


def test_show_member_name_and_one_stage_case_insensitively(example_repo: Path):
    result = invoke("--repo", example_repo, "--json", "show", "mitx_staging", "qa")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    full = golden("show", "example")["mitx-staging"]
    assert data == {
        "deployment": "mitx-staging",
        "stages": {"QA": full["stages"]["QA"]},
    }


def test_show_without_arguments_is_unchanged(example_repo: Path):
    result = invoke("--repo", example_repo, "show", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == golden("example", "show")
    human = invoke("--repo", example_repo, "show", env={"COLUMNS": "80"})
    assert "Deployments × stages" in human.stdout
    assert "builds" not in human.stdout


def test_show_table_fits_80_columns_and_marks_overrides(example_repo: Path):
    result = invoke("--repo", example_repo, "show", "xpro", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    assert not [line for line in lines if len(line) > 80]
    assert ESC not in out  # not a terminal
    headings = [line for line in lines if " builds " in line]
    stages = golden("show", "example")["xpro"]["stages"]
    assert headings == [
        f"xpro {stage} builds {view['release']} ({len(view['components'])} component"
        + ("" if len(view["components"]) == 1 else "s")
        + ")"
        for stage, view in stages.items()
    ]
    # The theme overrides origin and branch; the default origin is shown unmarked.
    theme = next(line for line in lines if line.startswith("edxapp_theme"))
    assert re.split(r"\s{2,}", theme.strip()) == [
        "edxapp_theme",
        "example-learning/xpro-theme*",
        "ulmo*",
        "py3.12",
    ]
    learning = next(line for line in lines if line.startswith("learning"))
    assert re.split(r"\s{2,}", learning.strip()) == [
        "learning",
        "openedx/frontend-app-learning",
        "release/ulmo",
        "node24",
    ]
    # The pinned entry (communications, pinned to master in ulmo's block).
    assert "communications*" in out
    assert "  communications* is pinned to master" in lines
    assert lines[-2].startswith("* set on the entry")


def test_show_marks_runtime_overrides_and_other_fields():
    result = invoke(
        *at(FIXTURE_DIRS["constants_branding_overrides"]),
        "show",
        "pro",
        "QA",
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    profile = next(line for line in lines if line.startswith("profile"))
    assert profile.split()[-1] == "node20*"
    others = [line for line in lines if "branding_overrides = " in line]
    assert len(others) == 1
    assert others[0].startswith('  profile: branding_overrides = {"@edx/brand@npm"')


def test_show_two_field_runtime_is_a_dash():
    result = invoke(*at(FIXTURE_DIRS["two_field_open_release"]), "show", "campus", "ci")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("learn"))
    assert row.split()[-1] == "—"


def test_show_missing_list_is_a_note_not_an_error(example_repo: Path):
    matrix = example_repo / "src/bridge/settings/openedx/version_matrix.py"
    text = matrix.read_text(encoding="utf-8")
    at_xpro = text.index("xpro = DeploymentEnvRelease(")
    old = 'EnvRelease("Production", OpenEdxSupportedRelease["teak"])'
    cut = text.index(old, at_xpro)
    new = 'EnvRelease("Production", OpenEdxSupportedRelease["master"])'
    matrix.write_text(text[:cut] + new + text[cut + len(old) :], encoding="utf-8")
    result = invoke("--repo", example_repo, "--json", "show", "xpro", "production")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "deployment": "xpro",
        "stages": {"Production": {"release": "master", "components": []}},
    }
    assert result.stderr.startswith("olx: warning: xpro Production runs master")
    human = invoke("--repo", example_repo, "show", "xpro", "production")
    assert "note: xpro Production runs master, but ReleaseMap['master']" in human.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["show", "mitz"], "unknown deployment 'mitz' (hint: did you mean 'mitx'?"),
        (["show", "mitx", "staging"], "unknown stage 'staging'"),
        (["diff", "mitx", "qa"], "a second stage is missing"),
        (["diff", "mitx:qa", "nope:qa"], "unknown deployment 'nope'"),
        (["diff", "mitx", "qa", "live"], "unknown stage 'live'"),
    ],
)
def test_input_errors_exit_2_in_one_line(example_repo: Path, args, message):
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 2
    assert message in one_error_line(result)
    assert result.stdout == ""


def test_a_stage_the_deployment_lacks_is_an_input_error():
    result = invoke(*at(FIXTURE_DIRS["two_field_open_release"]), "show", "online", "ci")
    assert result.exit_code == 2
    line = one_error_line(result)
    assert (
        "deployment 'online' has no CI stage (hint: its stages: QA, Production)" in line
    )
    as_json = invoke(
        *at(FIXTURE_DIRS["two_field_open_release"]),
        "--json",
        "diff",
        "online:qa",
        "campus:ci",
    )
    assert as_json.exit_code == 0
    bad = invoke(
        *at(FIXTURE_DIRS["two_field_open_release"]),
        "--json",
        "diff",
        "online:ci",
        "campus:ci",
    )
    assert bad.exit_code == 2
    assert json.loads(bad.stdout) == {
        "error": "deployment 'online' has no CI stage",
        "hint": "its stages: QA, Production",
        "exit_code": 2,
        "kind": "unknown-name",
    }


# --- diff ------------------------------------------------------------------------------


def test_diff_forms_give_the_golden(example_repo: Path):
    want = {(d["from"], d["to"]): d for d in golden("diff", "example")}
    three = invoke("--repo", example_repo, "diff", "mitx", "qa", "ci", "--json")
    assert three.exit_code == 0, three.output
    assert json.loads(three.stdout) == want[("mitx:QA", "mitx:CI")]
    two = invoke(
        "--repo", example_repo, "--json", "diff", "mitx_staging:ci", "mitxonline:CI"
    )
    assert two.exit_code == 0, two.output
    assert json.loads(two.stdout) == want[("mitx-staging:CI", "mitxonline:CI")]


@pytest.mark.parametrize("name", sorted(FIXTURE_DIRS))
def test_diff_of_every_fixture_is_its_golden(name: str):
    for expected in golden("diff", name):
        result = invoke(
            *at(FIXTURE_DIRS[name]), "diff", expected["from"], expected["to"], "--json"
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == expected


def test_diff_for_people_lists_each_component_on_one_line_within_80_columns(
    example_repo: Path,
):
    result = invoke(
        "--repo", example_repo, "diff", "mitx:QA", "xpro:QA", env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert not [line for line in result.stdout.splitlines() if len(line) > 80]
    lines = unwrapped(result.stdout)
    assert lines[0] == "mitx:QA (ulmo) → xpro:QA (teak)"
    assert (
        "+ communications (MFE, teak): origin openedx/frontend-app-communications, "
        "branch release/teak, runtime 20"
    ) in lines
    assert any(line.startswith("- xqueue (IDA, ulmo): origin ") for line in lines)
    assert (
        "~ edx-platform: release ulmo → teak, "
        "origin example-learning/edx-platform → openedx/edx-platform, "
        "branch mitx/ulmo → release/teak, runtime 3.12 → 3.11"
    ) in lines
    assert "2 added, 5 removed, 8 changed" in lines
    # A component's change breaks after a comma: no field's old → new is cut.
    assert not [line for line in result.stdout.splitlines() if line.endswith("→")]


def test_diff_of_equal_stages_says_so(example_repo: Path):
    result = invoke("--repo", example_repo, "diff", "mitxonline", "CI", "Production")
    assert result.exit_code == 0
    assert "no differences: both build the same" in result.stdout
    as_json = invoke(
        "--repo", example_repo, "--json", "diff", "xpro", "qa", "production"
    )
    assert json.loads(as_json.stdout) == {
        "from": "xpro:QA",
        "to": "xpro:Production",
        "added": [],
        "removed": [],
        "changed": [],
    }


def test_one_component_is_said_in_the_singular():
    view = golden("show", "one_line_entries")["online"]["stages"]["Production"]
    assert len(view["components"]) == 1
    folder = FIXTURE_DIRS["one_line_entries"]
    result = invoke(*at(folder), "show", "online", "Production")
    assert result.exit_code == 0, result.output
    assert f"online Production builds {view['release']} (1 component)" in result.stdout
