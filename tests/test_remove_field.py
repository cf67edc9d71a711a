"""``olx remove-field NAME``: the declaration, every entry's keyword and the constants
left unused, as before/after pairs; refusals; "already removed" from the git history;
the follow-up list; the CLI and a plan.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke
from oracle import oracle_of_sources
from rewrite_support import assert_ruff_clean, replace_once, workspace
from test_add_field import source, ws_of

from olx.core.check import check
from olx.errors import InputError
from olx.ops.remove_field import remove_field, unreferenced_after

CONSTANTS_BEFORE = """

FOOTER = "@example-org/footer@2"

# Packages every front end swaps in.
SHARED_BRANDING = {
    "@edx/frontend-component-footer@npm": FOOTER,
    "@edx/frontend-component-header@npm": "@example-org/header@1",
}

CAMPUS_BRANDING = {**SHARED_BRANDING, "@edx/brand@npm": "@example-org/brand-campus@1"}

# Kept for the next release"""


def test_remove_field_with_every_use_and_the_constants_it_leaves_unused(tmp_path):
    types_src, matrix_src = source("model_fields")
    change = remove_field(ws_of("model_fields"), "branding_overrides")
    assert change.new_types == replace_once(
        types_src,
        "    # Front-end packages swapped in at build time.\n"
        "    branding_overrides: Optional[dict[str, str]] = None\n",
        "",
    )
    expected = replace_once(
        matrix_src, CONSTANTS_BEFORE, "\n\n# Kept for the next release"
    )
    expected = replace_once(
        expected,
        "                branding_overrides=CAMPUS_BRANDING,\n",
        "",
    )
    expected = replace_once(
        expected,
        "                # The campus keeps its own header.\n"
        "                branding_overrides={\n"
        "                    **CAMPUS_BRANDING,\n"
        '                    "@edx/frontend-component-header@npm": '
        '"@example-org/header-campus@3",\n'
        "                },\n",
        "",
    )
    expected = expected.replace(
        "                branding_overrides=SHARED_BRANDING,\n", ""
    )
    assert change.new_matrix == expected
    # the constant nothing used before stays; the one still used stays
    assert "NEXT_BRANDING = " in expected and "TRANSLATIONS = " in expected
    assert change.summary == "Remove field branding_overrides (4 entries, 3 constants)"
    assert change.details == [
        "OpenEdxApplicationVersion.branding_overrides removed (types.py:91)",
        "ReleaseMap['redwood']['campus'] course-authoring: branding_overrides removed",
        "ReleaseMap['redwood']['campus'] learning: branding_overrides removed",
        "ReleaseMap['sumac']['campus'] course-authoring: branding_overrides removed",
        "ReleaseMap['sumac']['online'] learning: branding_overrides removed",
        "constant FOOTER removed (nothing references it any more)",
        "constant SHARED_BRANDING removed (nothing references it any more)",
        "constant CAMPUS_BRANDING removed (nothing references it any more)",
    ]
    assert change.follow_up_word == "branding_overrides"
    assert change.follow_up_more == ["FOOTER", "SHARED_BRANDING", "CAMPUS_BRANDING"]
    model = change.new_model.to_json()
    assert all(
        "branding_overrides" not in e
        for deps in model["release_map"].values()
        for es in deps.values()
        for e in es
    )
    assert oracle_of_sources(change.new_types, change.new_matrix) == model
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_crlf_and_a_byte_order_mark_are_kept():
    types_src, matrix_src = source("model_fields")
    crlf = workspace(
        types_src.replace("\n", "\r\n"), "\ufeff" + matrix_src.replace("\n", "\r\n")
    )
    change = remove_field(crlf, "branding_overrides")
    plain = remove_field(ws_of("model_fields"), "branding_overrides")
    assert change.new_types == plain.new_types.replace("\n", "\r\n")
    assert change.new_matrix == "\ufeff" + plain.new_matrix.replace("\n", "\r\n")


def test_merged_constants_go_with_the_last_use_of_them(tmp_path):
    _, matrix_src = source("constants_branding_overrides")
    change = remove_field(ws_of("constants_branding_overrides"), "branding_overrides")
    assert change.follow_up_more == [
        "SHARED_OVERRIDES",
        "CAMPUS_OVERRIDES",
        "PRO_OVERRIDES",
    ]
    start = matrix_src.index("# Front-end packages every deployment")
    assert change.new_matrix.startswith(matrix_src[:start] + "ReleaseMap: dict")
    assert "branding_overrides" not in change.new_matrix
    assert change.summary == "Remove field branding_overrides (6 entries, 3 constants)"
    assert oracle_of_sources(change.new_types, change.new_matrix) == (
        change.new_model.to_json()
    )
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_entries_written_with_enum_references_lose_the_keyword():
    _, matrix_src = source("four_field_dot_master_enum_refs")
    change = remove_field(ws_of("four_field_dot_master_enum_refs"), "branch_override")
    assert change.new_matrix == matrix_src.replace(
        '                branch_override="campus/redwood",\n', ""
    ).replace('                branch_override="campus/sumac",\n', "")
    assert change.summary == "Remove field branch_override (2 entries)"


def test_one_line_entries_stay_on_one_line():
    types_src, matrix_src = source("one_line_entries")
    # Without the property that needs it, origin_override may go.
    types_src = replace_once(
        types_src,
        "        return self.origin_override or self.application.repository\n",
        "        return self.application.repository\n",
    )
    change = remove_field(workspace(types_src, matrix_src), "origin_override")
    assert change.new_matrix == replace_once(
        matrix_src,
        ', origin_override="https://github.com/example-org/frontend-app-gradebook")',
        ")",
    )


def test_no_entry_uses_it_only_the_declaration_goes():
    types_src, matrix_src = source("four_field_dot_master_enum_refs")
    change = remove_field(ws_of("four_field_dot_master_enum_refs"), "origin_override")
    assert change.new_types == replace_once(
        types_src, "    origin_override: Optional[str] = None\n", ""
    )
    assert change.new_matrix == matrix_src
    assert change.summary == "Remove field origin_override"
    assert change.details == [
        "OpenEdxApplicationVersion.origin_override removed (types.py:90)"
    ]


def test_constants_go_transitively_and_unreferenced_or_rebound_ones_stay():
    import ast

    module = ast.parse(
        "A = 1\nB = {'x': A}\nC = [B]\nD = 2\nE = 9\nF = E\n"
        "H = 5\nH = 6\n"  # bound twice: never olx's to remove
        "ReleaseMap = {'r': [C, D, H]}\n"
    )
    c_use, d_use, h_use = module.body[-1].value.values[0].elts
    assert unreferenced_after(module, [c_use]) == ["A", "B", "C"]
    assert unreferenced_after(module, [c_use, d_use, h_use]) == ["A", "B", "C", "D"]
    assert unreferenced_after(module, [d_use]) == ["D"]
    assert unreferenced_after(module, []) == []  # E and F: unused before, kept


REFUSALS = [
    ("application", "application cannot be removed: every entry needs it"),
    ("release", "release cannot be removed"),
    ("origin_override", "OpenEdxApplicationVersion's own code uses origin_override: "),
    ("runtime_version_override", "types.py:103"),
    ("git_origin", "git_origin is not a field of OpenEdxApplicationVersion"),
    ("model_config", "model_config is not a field"),
    ("brandng_overrides", "unknown field 'brandng_overrides'"),
    ("_x", "invalid field name"),
]


@pytest.mark.parametrize(("name", "message"), REFUSALS)
def test_refusals_name_the_reason(name, message):
    with pytest.raises(InputError) as info:
        remove_field(ws_of("model_fields"), name)
    assert message in info.value.message
    if name == "brandng_overrides":
        assert info.value.hint.startswith("did you mean 'branding_overrides'?")


def test_a_validator_naming_the_field_refuses_its_removal():
    types_src, matrix_src = source("model_fields")
    types_src = replace_once(
        types_src,
        "    @property\n    def git_origin",
        '    @field_validator("translation_overrides")\n'
        "    @classmethod\n"
        "    def check(cls, value):\n"
        "        return value\n\n"
        "    @property\n    def git_origin",
    )
    with pytest.raises(InputError) as info:
        remove_field(workspace(types_src, matrix_src), "translation_overrides")
    assert info.value.message.endswith("uses translation_overrides: types.py:105")


def test_an_unknown_field_the_history_held_is_already_removed():
    change = remove_field(
        ws_of("model_fields"),
        "theme",
        removed_in=lambda name: (
            '1a2b3c4d5e 2025-02-14 "config: Remove field theme"'
            if name == "theme"
            else None
        ),
    )
    assert not change.changed
    assert change.notes == [
        'theme is already removed (left types.py in 1a2b3c4d5e 2025-02-14 "config: '
        'Remove field theme")'
    ]


# --- the command line, the history, a plan ----------------------------------------


def olx(repo: Path, *args: str):
    return invoke("--repo", repo, *args)


def test_cli_remove_then_again_names_the_commit_it_left_in(example_repo: Path):
    (example_repo / "deploy.py").write_text(
        "def build(app):\n    return app.branding_overrides or default_branding_overrides\n"
    )
    subprocess.run(["git", "add", "deploy.py"], cwd=example_repo, check=True)
    subprocess.run(["git", "commit", "-qm", "deploy"], cwd=example_repo, check=True)
    result = olx(example_repo, "remove-field", "branding_overrides", "--branch", "main")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Remove field branding_overrides (2 entries, 1 constant)"
    assert (
        "  constant default_branding_overrides removed (nothing references it any more)"
        in lines
    )
    assert lines[-2:] == [
        "  still mentions branding_overrides: deploy.py:2:    return "
        "app.branding_overrides or default_branding_overrides",
        "  still mentions default_branding_overrides: deploy.py:2:    return "
        "app.branding_overrides or default_branding_overrides",
    ]
    repo = git.Repo(example_repo)
    short = repo.git.rev_parse("--short=10", "HEAD")
    again = olx(example_repo, "remove-field", "branding_overrides")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(
        f"branding_overrides is already removed (left types.py in {short} "
    )
    assert 'config: Remove field branding_overrides (2 entries, 1 constant)")' in (
        again.stdout
    )
    never = olx(example_repo, "--json", "remove-field", "brandingoverrides")
    assert never.exit_code == 2
    assert json.loads(never.stdout)["error"] == "unknown field 'brandingoverrides'"


def test_cli_refusal_writes_nothing(example_repo: Path):
    types, matrix = example_paths(example_repo)
    before = types.read_bytes(), matrix.read_bytes()
    result = olx(example_repo, "remove-field", "origin_override")
    assert result.exit_code == 2
    assert "own code uses origin_override: src/bridge/settings/openedx/types.py:" in (
        result.stderr
    )
    assert (types.read_bytes(), matrix.read_bytes()) == before
    assert git.Repo(example_repo).active_branch.name == "main"


def test_a_plan_adds_a_field_sets_it_and_runs_twice_as_a_no_op(example_repo: Path):
    runbook = example_repo / "fields.txt"
    runbook.write_text(
        "add-field audience 'list[str] | None'\n"
        "override ulmo mitx,xpro learning --set 'audience=[\"staff\"]'\n"
        "remove-field branding_overrides\n"
    )
    first = olx(example_repo, "--json", "plan", runbook, "--branch", "fields")
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert [s["changed"] for s in out["steps"]] == [True, True, True]
    repo = git.Repo(example_repo)
    # The subject says what the steps changed (docs/contract.md: commit messages).
    assert repo.head.commit.message.splitlines()[0] == (
        "config: Add field audience to the entry model and 2 more changes"
    )
    shown = json.loads(olx(example_repo, "--json", "show").stdout)
    learning = [
        e["audience"]
        for dep in ("mitx", "xpro")
        for e in shown["release_map"]["ulmo"][dep]
        if e["application"] == "learning"
    ]
    assert learning == [["staff"], ["staff"]]
    # the runbook itself is the only other mention left
    assert out["warnings"] == [
        "still mentions branding_overrides: fields.txt:3:remove-field branding_overrides"
    ]
    again = olx(example_repo, "--json", "plan", runbook, "--branch", "fields")
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert second["changed"] is False
    assert [s["changed"] for s in second["steps"]] == [False, False, False]
    assert second["steps"][2]["details"][0].startswith(
        "branding_overrides is already removed (left types.py in "
    )
