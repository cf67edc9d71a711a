"""``clone_release`` as before/after pairs, plus its safety properties."""

from __future__ import annotations

from pathlib import Path

import pytest
from rewrite_support import (
    SHAPES,
    assert_ruff_clean,
    replace_once,
    sources,
    workspace,
    ws_of,
)

import olx.ops.clone as clone_module
from olx.edit.change import Workspace
from olx.errors import InputError, SafetyError
from olx.ops.clone import clone_release
from olx.ops.releases import add_release
from olx.ops.retire import retire


def with_release(ws: Workspace, name: str) -> Workspace:
    """``ws`` with ``name`` added to the release Enum (so that it can be cloned to)."""
    return ws.after(add_release(ws, name))


def block_text(matrix_src: str, release: str, until: str) -> str:
    """The lines of ``ReleaseMap[release]`` (from its key up to ``until``)."""
    start = matrix_src.index(f'    "{release}": {{\n')
    return matrix_src[start : matrix_src.index(until, start)]


def keys(ws: Workspace) -> list[str]:
    return [b.release for b in ws.model.matrix.release_map]


# --- what the copy says ------------------------------------------------------------------

PALM_BLOCK = """\
    "palm": {
        "campus": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="palm",
                branch_override="campus/palm",
                origin_override="https://github.com/example-org/edx-platform",
            ),
            # The theme follows palm's own branch.
            OpenEdxApplicationVersion(
                application="campus-theme",
                application_type="IDA",
                release="palm",
                branch_override="palm",
                origin_override="https://github.com/example-org/campus-theme",
            ),
            OpenEdxApplicationVersion(
                application="learning",
                application_type="MFE",
                release="palm",
                branch_override="palmfoo",
            ),
        ],
        "campus-staging": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="palm",
                branch_override="release/palm",
            ),
            OpenEdxApplicationVersion(
                application="forum",
                application_type="IDA",
                release="olive",  # pinned: palm's forum is broken
                branch_override="foo-palm",
            ),
        ],
    },
"""

QUINCE_BLOCK = """\
    "quince": {
        "campus": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="quince",
                branch_override="campus/quince",
                origin_override="https://github.com/example-org/edx-platform",
            ),
            # The theme follows palm's own branch.
            OpenEdxApplicationVersion(
                application="campus-theme",
                application_type="IDA",
                release="quince",
                branch_override="quince",
                origin_override="https://github.com/example-org/campus-theme",
            ),
            OpenEdxApplicationVersion(
                application="learning",
                application_type="MFE",
                release="quince",
                branch_override="palmfoo",
            ),
        ],
        "campus-staging": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="quince",
                branch_override="release/quince",
            ),
            OpenEdxApplicationVersion(
                application="forum",
                application_type="IDA",
                release="olive",  # pinned: palm's forum is broken
                branch_override="foo-palm",
            ),
        ],
    },
"""


def palm_workspace() -> Workspace:
    """two_field_open_release with PALM_BLOCK as its palm block, and quince supported."""
    types_src, matrix_src = sources("two_field_open_release")
    old = block_text(matrix_src, "palm", '    "master": {')
    ws = workspace(types_src, replace_once(matrix_src, old, PALM_BLOCK))
    return with_release(ws, "quince")


def test_clone_renames_release_and_branch_segments_only():
    ws = palm_workspace()
    change = clone_release(ws, "palm", "quince")
    assert change.new_types == ws.types_src
    assert change.new_matrix == replace_once(
        ws.matrix_src, PALM_BLOCK, PALM_BLOCK + QUINCE_BLOCK
    )
    assert change.details == [
        "ReleaseMap['quince']['campus']: 3 applications from palm",
        "ReleaseMap['quince']['campus-staging']: 2 applications from palm",
    ]
    assert [e.shown for e in change.edits] == ["version_matrix.py"]


def test_clone_of_the_example_block():
    ws = with_release(ws_of("example"), "verawood")
    ulmo = block_text(ws.matrix_src, "ulmo", "    # Upstream development")
    change = clone_release(ws, "ulmo", "verawood")
    copy = ulmo.replace('"ulmo"', '"verawood"').replace(
        '"mitx/ulmo"', '"mitx/verawood"'
    )
    assert change.new_matrix == replace_once(ws.matrix_src, ulmo, ulmo + copy)
    # the pin to master and the comments (which mention ulmo) are copied as they are
    assert change.new_matrix.count("# Pinned to master: the ulmo branch lacks") == 2
    assert copy.count('release="master"') == 1
    assert keys(ws.after(change)) == ["teak", "ulmo", "verawood", "master"]


def test_clone_keeps_enum_reference_styles():
    ws = with_release(ws_of("four_field_dot_master_enum_refs"), "verawood")
    redwood = block_text(ws.matrix_src, "redwood", '    "sumac": {')
    assert "OpenEdxSupportedRelease.redwood," in redwood
    assert 'OpenEdxSupportedRelease["redwood"],' in redwood
    change = clone_release(ws, "redwood", "verawood")
    # Blocks run redwood, sumac, master: verawood goes where that order puts it.
    master = '    "master": {'
    assert change.new_matrix == replace_once(
        ws.matrix_src, master, redwood.replace("redwood", "verawood") + master
    )


def test_clone_rewrites_an_enum_value_reference():
    ws = with_release(ws_of("four_field_dot_master_enum_refs"), "verawood")
    sumac = block_text(ws.matrix_src, "sumac", '    "master": {')
    assert "release=OpenEdxSupportedRelease.sumac.value," in sumac
    change = clone_release(ws, "sumac", "verawood")
    copy = (
        sumac.replace('"sumac"', '"verawood"')
        .replace(".sumac,", ".verawood,")
        .replace(".sumac.value,", ".verawood.value,")
        .replace('"campus/sumac"', '"campus/verawood"')
    )
    assert "until sumac's branch is fixed" in copy  # comments are copied as they are
    assert change.new_matrix == replace_once(ws.matrix_src, sumac, sumac + copy)


# --- where the copy goes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "old", "new", "order"),
    [
        # oldest-first: NEW goes where release order puts it (sumac sorts before teak)
        ("example", "ulmo", "verawood", ["teak", "ulmo", "verawood", "master"]),
        ("example", "ulmo", "sumac", ["sumac", "teak", "ulmo", "master"]),
        ("example", "teak", "tulip", ["teak", "tulip", "ulmo", "master"]),
        (
            "two_field_open_release",
            "palm",
            "quince",
            ["olive", "palm", "quince", "master"],
        ),
        # newest-first: a newer release goes before OLD, an older one after
        (
            "four_field_strenum",
            "ulmo",
            "verawood",
            ["verawood", "ulmo", "teak", "master"],
        ),
        ("four_field_strenum", "teak", "sumac", ["ulmo", "teak", "sumac", "master"]),
    ],
)
def test_new_block_goes_where_the_order_of_blocks_puts_it(fixture, old, new, order):
    ws = with_release(ws_of(fixture), new)
    change = clone_release(ws, old, new)
    assert keys(ws.after(change)) == order


def test_newest_first_copy_goes_before_old_in_the_text():
    ws = with_release(ws_of("four_field_strenum"), "verawood")
    ulmo = block_text(ws.matrix_src, "ulmo", '    "teak": {')
    change = clone_release(ws, "ulmo", "verawood")
    copy = (
        ulmo.replace('"ulmo"', '"verawood"')
        .replace('"campus/ulmo"', '"campus/verawood"')
        .replace('"pro/ulmo"', '"pro/verawood"')
    )
    assert change.new_matrix == replace_once(ws.matrix_src, ulmo, copy + ulmo)


# --- deployments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "deployments", [["xpro"], ["mitx_staging"], ["mitx,xpro"], ["mitx", "xpro"]]
)
def test_clone_with_deployments_copies_only_their_lists(deployments):
    ws = with_release(ws_of("example"), "verawood")
    change = clone_release(ws, "ulmo", "verawood", deployments)
    block = ws.after(change).model.matrix.block("verawood")
    wanted = {"xpro": ["xpro"], "mitx_staging": ["mitx-staging"]}.get(
        deployments[0], ["mitx", "xpro"]
    )
    assert [d.deployment for d in block.deployments] == wanted


def test_clone_the_rest_later_equals_cloning_all_at_once():
    ws = with_release(ws_of("example"), "verawood")
    all_at_once = clone_release(ws, "ulmo", "verawood")
    first = clone_release(ws, "ulmo", "verawood", ["mitx-staging"])
    rest = clone_release(ws.after(first), "ulmo", "verawood")
    assert rest.new_matrix == all_at_once.new_matrix
    assert [d.split(":")[0] for d in rest.details] == [
        "ReleaseMap['verawood']['mitx']",
        "ReleaseMap['verawood']['xpro']",
    ]


@pytest.mark.parametrize(
    ("deployment", "message"),
    [
        ("mitxonline", "unknown deployment in ReleaseMap['ulmo'] 'mitxonline'"),
        ("mitz", "unknown deployment in ReleaseMap['ulmo'] 'mitz'"),
    ],
)
def test_clone_of_a_deployment_not_in_old(deployment, message):
    ws = with_release(ws_of("example"), "verawood")
    with pytest.raises(InputError) as exc:
        clone_release(ws, "ulmo", "verawood", [deployment])
    assert exc.value.message == message


# --- existing NEW, unknown names ---------------------------------------------------------


def test_clone_onto_the_same_content_is_a_no_op():
    ws = with_release(ws_of("example"), "verawood")
    ws = ws.after(clone_release(ws, "ulmo", "verawood"))
    change = clone_release(ws, "ulmo", "verawood")
    assert not change.changed
    assert change.new_matrix == ws.matrix_src
    assert change.notes == [
        "ReleaseMap['verawood'] already has mitx, mitx-staging, xpro "
        "(as a clone of ulmo makes it): nothing to do"
    ]


def test_clone_onto_a_block_that_holds_every_deployment_is_a_no_op_with_a_note():
    # A runbook run again after its block was edited: nothing to do, but said.
    ws = with_release(ws_of("four_field_strenum"), "verawood")
    ws = ws.after(clone_release(ws, "teak", "verawood", ["pro"]))
    change = clone_release(ws, "ulmo", "verawood", ["pro"])
    assert not change.changed
    assert change.notes == [
        "ReleaseMap['verawood'] already has pro; nothing to do, though pro differs "
        "from a clone of ulmo now"
    ]


def test_clone_adding_to_a_block_whose_other_list_differs_is_an_input_error():
    ws = with_release(ws_of("four_field_strenum"), "verawood")
    ws = ws.after(clone_release(ws, "teak", "verawood", ["pro"]))
    with pytest.raises(InputError) as exc:
        clone_release(ws, "ulmo", "verawood")
    assert exc.value.message == (
        "ReleaseMap['verawood']['pro'] exists and differs from a clone of ulmo"
    )


def test_clone_to_a_release_that_is_not_supported():
    with pytest.raises(InputError) as exc:
        clone_release(ws_of("example"), "ulmo", "verawod")
    assert exc.value.message == "unknown release 'verawod'"


def test_clone_from_a_release_without_a_block():
    ws = with_release(ws_of("example"), "verawood")
    with pytest.raises(InputError) as exc:
        clone_release(ws, "verawood", "ulmo")
    assert "unknown ReleaseMap block 'verawood'" in exc.value.message
    assert "teak, ulmo, master" in (exc.value.hint or "")


def test_clone_of_a_release_onto_itself_is_an_input_error():
    with pytest.raises(InputError):
        clone_release(ws_of("example"), "ulmo", "ulmo")


# --- safety properties -------------------------------------------------------------------

# fixture → the block to clone to "verawood"
CLONES = {
    "example": "ulmo",
    "constants_branding_overrides": "redwood",
    "four_field_dot_master_enum_refs": "redwood",
    "four_field_strenum": "ulmo",
    "two_field_open_release": "palm",
}


def test_every_shape_fixture_has_a_clone():
    shapes = {p.name for p in SHAPES.iterdir() if (p / "version_matrix.py").is_file()}
    assert shapes <= set(CLONES)


@pytest.mark.parametrize("fixture", sorted(CLONES))
def test_clone_run_again_changes_nothing(fixture):
    ws = with_release(ws_of(fixture), "verawood")
    first = clone_release(ws, CLONES[fixture], "verawood")
    assert first.changed
    assert not clone_release(ws.after(first), CLONES[fixture], "verawood").changed


@pytest.mark.parametrize("fixture", sorted(CLONES))
def test_clone_then_retire_block_only_is_byte_identical(fixture):
    ws = with_release(ws_of(fixture), "verawood")
    cloned = clone_release(ws, CLONES[fixture], "verawood")
    back = retire(ws.after(cloned), "verawood", block_only=True)
    assert back.new_matrix == ws.matrix_src
    assert back.new_types == ws.types_src


@pytest.mark.parametrize("fixture", sorted(CLONES))
def test_clone_output_stays_ruff_formatted(fixture, tmp_path):
    ws = with_release(ws_of(fixture), "verawood")
    change = clone_release(ws, CLONES[fixture], "verawood")
    assert_ruff_clean(tmp_path, version_matrix=change.new_matrix)


def test_clone_into_an_existing_block_stays_ruff_formatted(tmp_path):
    ws = with_release(ws_of("example"), "verawood")
    ws = ws.after(clone_release(ws, "ulmo", "verawood", ["mitx-staging"]))
    change = clone_release(ws, "ulmo", "verawood")
    assert_ruff_clean(tmp_path, version_matrix=change.new_matrix)


def test_clone_to_a_long_name_stays_ruff_formatted(tmp_path):
    ws = with_release(ws_of("four_field_strenum"), "verawood_hotfix")
    change = clone_release(ws, "ulmo", "verawood_hotfix")
    assert_ruff_clean(tmp_path, version_matrix=change.new_matrix)


def test_clone_keeps_crlf_line_endings():
    ws = with_release(ws_of("example"), "verawood")
    lf = clone_release(ws, "ulmo", "verawood")
    crlf_ws = workspace(
        ws.types_src.replace("\n", "\r\n"), ws.matrix_src.replace("\n", "\r\n")
    )
    got = clone_release(crlf_ws, "ulmo", "verawood")
    assert got.new_matrix.count("\n") == got.new_matrix.count("\r\n")
    assert got.new_matrix == lf.new_matrix.replace("\n", "\r\n")
    # and into an existing block
    part = clone_release(crlf_ws, "ulmo", "verawood", ["xpro"])
    rest = clone_release(crlf_ws.after(part), "ulmo", "verawood")
    assert rest.new_matrix == got.new_matrix


def test_clone_keeps_a_missing_final_newline():
    ws = with_release(ws_of("example"), "verawood")
    assert ws.matrix_src.endswith("}\n")  # ReleaseMap is the last statement
    lf = clone_release(ws, "ulmo", "verawood")
    bare = clone_release(
        workspace(ws.types_src, ws.matrix_src[:-1]), "ulmo", "verawood"
    )
    assert bare.new_matrix == lf.new_matrix[:-1]


# --- the independent re-read catches a wrong edit ----------------------------------------


def test_a_clone_that_moves_a_pin_is_a_safety_error(monkeypatch):
    real = clone_module.rewrite_statement

    def unpin(source, stmt, transform):
        out = real(source, stmt, transform)
        # the copy's pinned entry is the second 'release="master"' inside the xpro lists
        at = out.index('"verawood": {')
        return out[:at] + out[at:].replace('release="master"', 'release="verawood"', 1)

    monkeypatch.setattr(clone_module, "rewrite_statement", unpin)
    ws = with_release(ws_of("example"), "verawood")
    with pytest.raises(SafetyError) as exc:
        clone_release(ws, "ulmo", "verawood")
    assert exc.value.exit_code == 3


def test_a_clone_that_touches_old_is_a_safety_error(monkeypatch):
    real = clone_module.rewrite_statement

    def old_too(source, stmt, transform):
        return real(source, stmt, transform).replace('"mitx/ulmo"', '"mitx/verawood"')

    monkeypatch.setattr(clone_module, "rewrite_statement", old_too)
    with pytest.raises(SafetyError):
        clone_release(with_release(ws_of("example"), "verawood"), "ulmo", "verawood")


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_clone_into_a_one_line_block_is_an_input_error(example_repo: Path) -> None:
    from conftest import example_paths, invoke

    _, matrix = example_paths(example_repo)
    text = matrix.read_text()
    matrix.write_text(
        text.replace(
            '    "master": {', '    "verawood": {"xpro": []},\n    "master": {', 1
        )
    )
    invoke("--repo", example_repo, "add-release", "verawood", "--no-commit")
    result = invoke(
        "--repo", example_repo, "clone-release", "ulmo", "verawood", "--deployment", "mitx",
        "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "one element per line" in result.stderr


def test_clone_into_master_goes_on_the_newest_side() -> None:
    from olx.ops.clone import clone_release

    types_src, matrix_src = sources("example")
    types_src = types_src.replace(
        '    master = ("master", "master", "3.12", "24")\n',
        '    master = ("master", "master", "3.12", "24")\n'
        '    main = ("main", "main", "3.12", "24")\n',
    )
    ws = workspace(types_src, matrix_src)
    change = clone_release(ws, "teak", "main")
    blocks = [b.release for b in change.new_model.matrix.release_map]
    assert blocks == ["teak", "ulmo", "main", "master"]


def test_clone_into_an_empty_block_says_what_to_do(example_repo: Path) -> None:
    from conftest import example_paths, invoke

    _, matrix = example_paths(example_repo)
    matrix.write_text(
        matrix.read_text().replace(
            '    "master": {', '    "verawood": {},\n    "master": {', 1
        )
    )
    invoke("--repo", example_repo, "add-release", "verawood", "--no-commit")
    result = invoke(
        "--repo", example_repo, "clone-release", "ulmo", "verawood", "--no-commit"
    )
    assert result.exit_code == 2
    assert "remove the empty entry first" in result.stderr
