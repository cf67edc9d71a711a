"""``set-release`` as before/after pairs, its refusals, and through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke
from rewrite_support import SHAPES, assert_ruff_clean, replace_once, sources, workspace

from olx.core.check import check
from olx.edit.change import Workspace
from olx.errors import InputError
from olx.ops.releases import set_release

OWN = Path(__file__).parent / "fixtures" / "apps_exploded"
FIXTURES = [*sorted(p.name for p in SHAPES.iterdir() if p.is_dir()), "example"]
ULMO = '    ulmo = ("ulmo", "release/ulmo", "3.12", "24")\n'


def src(name: str) -> tuple[str, str]:
    if name == "apps_exploded":
        return (
            (OWN / "types.py").read_bytes().decode(),
            (OWN / "version_matrix.py").read_bytes().decode(),
        )
    return sources(name)


def ws(name: str) -> Workspace:
    return workspace(*src(name))


EXACT = [
    pytest.param(
        "example", "ulmo", {"branch": "release/ulmo.1"}, ULMO,
        '    ulmo = ("ulmo", "release/ulmo.1", "3.12", "24")\n',
        ["OpenEdxSupportedRelease.ulmo: branch release/ulmo → release/ulmo.1"],
        id="example-branch",
    ),
    pytest.param(
        "example", "ulmo", {"python": "3.13", "node": "26"}, ULMO,
        '    ulmo = ("ulmo", "release/ulmo", "3.13", "26")\n',
        [
            "OpenEdxSupportedRelease.ulmo: Python 3.12 → 3.13",
            "OpenEdxSupportedRelease.ulmo: Node.js 24 → 26",
        ],
        id="example-runtimes",
    ),
    pytest.param(
        # only the value that differs is listed and changed
        "example", "teak", {"branch": "release/teak", "node": "22"},
        '    teak = ("teak", "release/teak", "3.11", "20")\n',
        '    teak = ("teak", "release/teak", "3.11", "22")\n',
        ["OpenEdxSupportedRelease.teak: Node.js 20 → 22"],
        id="example-one-of-two-differs",
    ),
    pytest.param(
        "two_field_open_release", "palm", {"branch": "release/palm"},
        '    palm = ("palm", "open-release/palm.master")\n',
        '    palm = ("palm", "release/palm")\n',
        ["OpenEdxSupportedRelease.palm: branch open-release/palm.master → release/palm"],
        id="two-field",
    ),
    pytest.param(
        "four_field_dot_master_enum_refs", "master", {"branch": "main"},
        '    master = ("master", "master", "3.11", "20")\n',
        '    master = ("master", "main", "3.11", "20")\n',
        ["OpenEdxSupportedRelease.master: branch master → main"],
        id="str-enum-master",
    ),
    pytest.param(
        "apps_exploded", "palm", {"branch": "open-release/palm.2"},
        '    palm = ("palm", "open-release/palm.master")  # the last two-field release\n',
        '    palm = ("palm", "open-release/palm.2")  # the last two-field release\n',
        ["OpenEdxSupportedRelease.palm: branch open-release/palm.master → "
         "open-release/palm.2"],
        id="trailing-comment-kept",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "name", "kwargs", "old", "new", "details"), EXACT)
def test_set_release_changes_only_those_strings(
    fixture, name, kwargs, old, new, details, tmp_path
):
    types_src, matrix_src = src(fixture)
    change = set_release(workspace(types_src, matrix_src), name, **kwargs)
    assert change.new_types == replace_once(types_src, old, new)
    assert change.new_matrix == matrix_src
    assert change.details == details
    assert change.command == "set-release" and change.args == [name]
    assert change.branch == f"olx/set-release-{name}"
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_set_release_summary_names_what_is_set():
    change = set_release(ws("example"), "ulmo", branch="release/u", python="3.13")
    assert change.summary == "Set branch release/u, Python 3.13 of release ulmo"


def test_set_release_keeps_single_quotes():
    types_src, matrix_src = src("example")
    single = "    ulmo = ('ulmo', 'release/ulmo', '3.12', '24')\n"
    types_src = replace_once(types_src, ULMO, single)
    change = set_release(workspace(types_src, matrix_src), "ulmo", python="3.13")
    assert change.new_types == replace_once(
        types_src, single, "    ulmo = ('ulmo', 'release/ulmo', '3.13', '24')\n"
    )


def test_set_release_past_the_line_length_explodes_like_ruff(tmp_path):
    types_src, _ = src("example")
    branch = "release/ulmo-with-an-extended-support-branch-name-for-mitx"
    change = set_release(ws("example"), "ulmo", branch=branch)
    assert change.new_types == replace_once(
        types_src,
        ULMO,
        f'    ulmo = (\n        "ulmo",\n        "{branch}",\n        "3.12",\n'
        '        "24",\n    )\n',
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_set_release_explodes_with_the_comment_after_the_paren(tmp_path):
    types_src, _ = src("apps_exploded")
    branch = "open-release/palm.master-with-a-branch-name-long-enough"
    change = set_release(ws("apps_exploded"), "palm", branch=branch)
    assert change.new_types == replace_once(
        types_src,
        '    palm = ("palm", "open-release/palm.master")  # the last two-field release\n',
        f'    palm = (\n        "palm",\n        "{branch}",\n'
        "    )  # the last two-field release\n",
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


@pytest.mark.parametrize("fixture", [*FIXTURES, "apps_exploded"])
def test_set_release_there_and_back_is_byte_identical(fixture):
    start = ws(fixture)
    for rel in start.model.types.releases:
        kwargs = {"branch": "x/y"}
        if rel.arity == 4:
            kwargs.update(python="9.9", node="99")
        there = set_release(start, rel.name, **kwargs)
        assert there.changed and check(there.new_model).ok
        again = set_release(start.after(there), rel.name, **kwargs)
        assert not again.changed
        assert again.notes == [f"release {rel.name} is already so"]
        back = {"branch": rel.branch}
        if rel.arity == 4:
            back.update(python=rel.python_version, node=rel.node_version)
        undone = set_release(start.after(there), rel.name, **back)
        assert undone.new_types == start.types_src, rel.name
        assert undone.new_matrix == start.matrix_src


def test_set_release_same_values_is_a_no_op():
    change = set_release(ws("example"), "ulmo", branch="release/ulmo", node="24")
    assert not change.changed
    assert change.notes == ["release ulmo is already so"]


def test_set_release_warns_about_a_commit_branch_typed_as_the_release_branch():
    change = set_release(ws("example"), "ulmo", branch="olx/set-release-ulmo")
    assert change.changed
    assert "looks like an olx commit branch" in change.warnings[0]


@pytest.mark.parametrize(
    ("fixture", "name", "kwargs", "message"),
    [
        ("example", "ulmo", {}, "nothing to set"),
        ("two_field_open_release", "palm", {"python": "3.8"}, "two fields"),
        ("two_field_open_release", "palm", {"node": "16"}, "two fields"),
        ("example", "ulmoo", {"branch": "x"}, "unknown release 'ulmoo'"),
        ("example", "verawood", {"branch": "x"}, "unknown release 'verawood'"),
    ],
)
def test_set_release_input_errors(fixture, name, kwargs, message):
    with pytest.raises(InputError) as exc:
        set_release(ws(fixture), name, **kwargs)
    assert exc.value.exit_code == 2
    assert message in exc.value.message


def test_set_release_unknown_name_suggests_the_closest():
    with pytest.raises(InputError) as exc:
        set_release(ws("example"), "ulmoo", branch="x")
    assert exc.value.hint.startswith("did you mean 'ulmo'?")


BAD_BRANCHES = [
    'a"b', "a'b", "a\nb", "a\\b", "a\x00b", "a b", "a..b", "-x", "x/", "x.lock",
    "", "x" * 300, "a\u200bb", 'x", "y', "a:b",
]  # fmt: skip
BAD_VERSIONS = ["3.x", "v3", "3.", "", "3 1", '3"', "3\n", "3\\", "3\x00", "1" * 300]


@pytest.mark.parametrize("branch", BAD_BRANCHES)
def test_set_release_with_an_invalid_branch_is_an_input_error(branch):
    with pytest.raises(InputError) as exc:
        set_release(ws("example"), "ulmo", branch=branch)
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("version", BAD_VERSIONS)
@pytest.mark.parametrize("which", ["python", "node"])
def test_set_release_with_an_invalid_runtime_is_an_input_error(version, which):
    with pytest.raises(InputError) as exc:
        set_release(ws("example"), "ulmo", **{which: version})
    assert exc.value.exit_code == 2


# --- CLI ---------------------------------------------------------------------------------


def test_cli_set_release_dry_run(example_repo: Path):
    types, _ = example_paths(example_repo)
    before = types.read_bytes()
    result = invoke(
        "--repo", example_repo, "set-release", "ulmo", "--python", "3.13", "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert '-    ulmo = ("ulmo", "release/ulmo", "3.12", "24")' in result.stdout
    assert '+    ulmo = ("ulmo", "release/ulmo", "3.13", "24")' in result.stdout
    assert "OpenEdxSupportedRelease.ulmo: Python 3.12 → 3.13" in result.stdout
    assert types.read_bytes() == before
    assert [h.name for h in git.Repo(example_repo).heads] == ["main"]


def test_cli_set_release_branch_is_the_release_branch(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "--json", "set-release", "teak",
        "--branch", "release/teak.2", "--git-branch", "release-day",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["branch"] == "release-day"
    assert out["files"] == ["src/bridge/settings/openedx/types.py"]
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == "release-day"
    assert repo.head.commit.hexsha == out["commit"]
    assert repo.head.commit.message.startswith(
        "config: Set branch release/teak.2 of release teak\n"
    )
    types, _ = example_paths(example_repo)
    assert '    teak = ("teak", "release/teak.2", "3.11", "20")\n' in types.read_text()


def test_cli_set_release_default_commit_branch(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "--json", "set-release", "ulmo", "--node", "26"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["branch"] == "olx/set-release-ulmo"
    again = invoke(
        "--repo", example_repo, "--json", "set-release", "ulmo", "--node", "26"
    )
    assert again.exit_code == 0
    assert json.loads(again.stdout)["changed"] is False


@pytest.mark.parametrize(
    "args",
    [
        ["set-release", "ulmo"],
        ["set-release", "ulmo", "--branch", "bad..branch"],
        ["set-release", "ulmo", "--python", "three"],
        ["set-release", "nope", "--branch", "x"],
    ],
)
def test_cli_set_release_input_errors(example_repo: Path, args: list[str]):
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("olx: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
