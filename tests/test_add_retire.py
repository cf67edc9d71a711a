"""``add_release`` and ``retire`` as before/after pairs, plus their safety properties."""

from __future__ import annotations

import pytest
from oracle import oracle_of_sources
from rewrite_support import (
    SHAPES,
    assert_ruff_clean,
    replace_once,
    sources,
    workspace,
    ws_of,
)

import olx.ops.releases as releases_module
import olx.ops.retire as retire_module
from olx.edit.change import Workspace
from olx.errors import GuardError, InputError, SafetyError
from olx.ops.promote import promote
from olx.ops.releases import add_release
from olx.ops.retire import retire

ADDED = [
    pytest.param(
        "example",
        "verawood",
        '    ulmo = ("ulmo", "release/ulmo", "3.12", "24")\n',
        '    verawood = ("verawood", "release/verawood", "3.12", "24")\n',
        id="example-release-X",
    ),
    pytest.param(
        "two_field_open_release",
        "quince",
        '    palm = ("palm", "open-release/palm.master")\n',
        '    quince = ("quince", "open-release/quince.master")\n',
        id="two-field-open-release-X-master",
    ),
    pytest.param(
        "four_field_dot_master_enum_refs",
        "teak",
        '    sumac = ("sumac", "release/sumac.master", "3.11", "20")\n',
        '    teak = ("teak", "release/teak.master", "3.11", "20")\n',
        id="four-field-release-X-master",
    ),
    pytest.param(
        # the newest named release is ulmo (3.11), not master (3.12)
        "four_field_strenum",
        "verawood",
        '    ulmo = ("ulmo", "release/ulmo", "3.11", "24")\n',
        '    verawood = ("verawood", "release/verawood", "3.11", "24")\n',
        id="strenum-runtime-from-newest-named",
    ),
    pytest.param(
        # quince still has open-release/…; the newest named (redwood) sets the pattern
        "constants_branding_overrides",
        "sumac",
        '    redwood = ("redwood", "release/redwood", "3.11", "18")\n',
        '    sumac = ("sumac", "release/sumac", "3.11", "18")\n',
        id="pattern-of-the-newest-named",
    ),
]


@pytest.mark.parametrize(("fixture", "name", "last", "added"), ADDED)
def test_add_release_appends_one_member_after_the_last(fixture, name, last, added):
    types_src, matrix_src = sources(fixture)
    change = add_release(workspace(types_src, matrix_src), name)
    assert change.changed
    assert change.new_types == replace_once(types_src, last, last + added)
    assert change.new_matrix == matrix_src
    assert [e.shown for e in change.edits] == ["types.py"]


def test_add_release_explicit_branch_and_runtimes():
    types_src, _ = sources("example")
    change = add_release(
        ws_of("example"), "verawood", branch="foo/bar", python="3.13", node="26"
    )
    last = '    ulmo = ("ulmo", "release/ulmo", "3.12", "24")\n'
    assert change.new_types == replace_once(
        types_src, last, last + '    verawood = ("verawood", "foo/bar", "3.13", "26")\n'
    )
    assert change.details == ["OpenEdxSupportedRelease.verawood: foo/bar, 3.13, 26"]


def test_add_release_python_only_copies_node():
    change = add_release(ws_of("example"), "verawood", python="3.13")
    assert (
        '    verawood = ("verawood", "release/verawood", "3.13", "24")\n'
        in change.new_types
    )


def test_add_release_explicit_branch_on_two_field_file():
    types_src, _ = sources("two_field_open_release")
    change = add_release(
        ws_of("two_field_open_release"), "quince", branch="release/quince"
    )
    last = '    palm = ("palm", "open-release/palm.master")\n'
    assert change.new_types == replace_once(
        types_src, last, last + '    quince = ("quince", "release/quince")\n'
    )


def test_add_release_too_long_for_one_line_is_exploded_like_ruff(tmp_path):
    branch = "release/verawood-with-an-extended-support-branch-name"
    change = add_release(ws_of("example"), "verawood", branch=branch)
    assert (
        "    verawood = (\n"
        '        "verawood",\n'
        f'        "{branch}",\n'
        '        "3.12",\n'
        '        "24",\n'
        "    )\n"
    ) in change.new_types
    assert_ruff_clean(tmp_path, types=change.new_types)


@pytest.mark.parametrize(
    "name", ["Bad", "class", "def", "1x", "a-b", "", "x y", "ulmo!", "é"]
)
def test_add_release_of_an_invalid_name_is_an_input_error(name):
    with pytest.raises(InputError) as exc:
        add_release(ws_of("example"), name)
    assert exc.value.exit_code == 2
    assert "invalid release name" in exc.value.message


@pytest.mark.parametrize(
    "branch", ["a..b", "x y", "-x", "x/", "x.lock", 'a"b', "a\\b", "a\nb", 'x", "y']
)
def test_add_release_with_an_invalid_branch_is_an_input_error(branch):
    with pytest.raises(InputError) as exc:
        add_release(ws_of("example"), "verawood", branch=branch)
    assert "invalid branch name" in exc.value.message


@pytest.mark.parametrize(
    ("python", "node"),
    [("3.x", None), (None, "3.x"), ("v3.12", None), (None, "20;x"), ("3.", None)],
)
def test_add_release_with_invalid_runtimes_is_an_input_error(python, node):
    with pytest.raises(InputError) as exc:
        add_release(ws_of("example"), "verawood", python=python, node=node)
    assert "invalid" in exc.value.message


def test_add_release_already_present_is_a_no_op():
    types_src, matrix_src = sources("example")
    change = add_release(workspace(types_src, matrix_src), "ulmo")
    assert not change.changed
    assert change.new_types == types_src and change.new_matrix == matrix_src
    assert change.notes == ["release ulmo is already supported"]


@pytest.mark.parametrize("runtimes", [{"python": "3.11"}, {"node": "20"}])
def test_add_release_runtimes_on_a_two_field_file(runtimes):
    with pytest.raises(InputError) as exc:
        add_release(ws_of("two_field_open_release"), "quince", **runtimes)
    assert "two fields" in exc.value.message


def test_add_release_clone_from_is_one_change_touching_both_files():
    ws = ws_of("example")
    change = add_release(ws, "verawood", clone_from="ulmo")
    assert change.changed
    assert sorted(e.shown for e in change.edits) == ["types.py", "version_matrix.py"]
    step = add_release(ws, "verawood")
    from olx.ops.clone import clone_release

    cloned = clone_release(ws.after(step), "ulmo", "verawood")
    assert change.new_types == step.new_types
    assert change.new_matrix == cloned.new_matrix
    assert (
        change.details[0]
        == "OpenEdxSupportedRelease.verawood: release/verawood, 3.12, 24"
    )
    # The member, then one line per list of the block cloned (read off the executed
    # source), in its order.
    lists = list(oracle_of_sources(*sources("example"))["release_map"]["ulmo"])
    assert len(change.details) == 1 + len(lists)
    assert [d.split("'")[3] for d in change.details[1:]] == lists
    assert change.diff.count("--- a/") == 2


def test_add_release_clone_from_an_unknown_block():
    with pytest.raises(InputError) as exc:
        add_release(ws_of("example"), "verawood", clone_from="palm")
    assert "unknown ReleaseMap block 'palm'" in exc.value.message


def test_add_release_clone_from_when_the_member_exists_only_clones():
    ws = ws_of("example")
    ws = ws.after(add_release(ws, "verawood"))
    change = add_release(ws, "verawood", clone_from="ulmo")
    assert [e.shown for e in change.edits] == ["version_matrix.py"]
    again = add_release(ws.after(change), "verawood", clone_from="ulmo")
    assert not again.changed


# --- retire ------------------------------------------------------------------------------

OLIVE_MEMBER = (
    "    # Olive is the oldest release still built.\n"
    '    olive = ("olive", "open-release/olive.master")\n'
)
OLIVE_BLOCK = """\
    # Olive: kept for the rollback of campus.
    "olive": {
        "campus": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="olive",
                branch_override="campus/olive",
                origin_override="https://github.com/example-org/edx-platform",
            ),
            OpenEdxApplicationVersion(
                application="gradebook",
                application_type="MFE",
                release="olive",
            ),
        ],
        "campus-staging": [
            OpenEdxApplicationVersion(
                application="edx-platform",
                application_type="IDA",
                release="olive",
            ),
        ],
    },
"""


def olive_unused() -> tuple[str, str]:
    """two_field_open_release with olive used by no stage, and commented member/block."""
    types_src, matrix_src = sources("two_field_open_release")
    types_src = replace_once(
        types_src,
        '    olive = ("olive", "open-release/olive.master")\n',
        OLIVE_MEMBER,
    )
    matrix_src = matrix_src.replace(
        'OpenEdxSupportedRelease["olive"]', 'OpenEdxSupportedRelease["palm"]'
    )
    matrix_src = replace_once(matrix_src, OLIVE_BLOCK.split("\n", 1)[1], OLIVE_BLOCK)
    matrix_src = replace_once(
        matrix_src, '    "palm": {\n', '    # Palm: current.\n    "palm": {\n'
    )
    return types_src, matrix_src


def test_retire_removes_block_and_member_with_their_comments():
    types_src, matrix_src = olive_unused()
    change = retire(workspace(types_src, matrix_src), "olive")
    assert change.new_types == replace_once(types_src, OLIVE_MEMBER, "")
    assert change.new_matrix == replace_once(matrix_src, OLIVE_BLOCK, "")
    # the neighbour's comment stays; no blank line appears where the block was
    assert '] = {\n    # Palm: current.\n    "palm": {\n' in change.new_matrix
    assert '    master = ("master", "master")\n    palm = (' in change.new_types
    assert sorted(e.shown for e in change.edits) == ["types.py", "version_matrix.py"]
    assert change.details == [
        "ReleaseMap['olive'] removed (campus, campus-staging)",
        "OpenEdxSupportedRelease.olive removed",
    ]


def test_retire_a_middle_block_keeps_the_next_block_comment():
    """example, ulmo unused: its block goes, master's leading comment stays."""
    types_src, matrix_src = sources("example")
    ws = workspace(types_src, matrix_src)
    for deps, stage in (("mitx,mitx-staging", "QA"), ("xpro", "CI")):
        ws = ws.after(promote(ws, deps, stage, "teak"))
    change = retire(ws, "ulmo")
    start = ws.matrix_src.index('    "ulmo": {\n')
    end = ws.matrix_src.index("    # Upstream development: MITx Online")
    assert change.new_matrix == ws.matrix_src[:start] + ws.matrix_src[end:]
    assert change.new_types == replace_once(
        types_src, '    ulmo = ("ulmo", "release/ulmo", "3.12", "24")\n', ""
    )


def test_retire_the_last_block_and_first_member():
    """Blank line after the retired member stays single; the dict closes cleanly."""
    types_src, matrix_src = sources("two_field_open_release")
    types_src = replace_once(
        types_src,
        '    master = ("master", "master")\n',
        '    # upstream\n    master = ("master", "master")\n\n',
    )
    matrix_src = matrix_src.replace(
        'OpenEdxSupportedRelease["master"]', 'OpenEdxSupportedRelease["palm"]'
    )
    start = matrix_src.index('    "master": {\n')
    end = matrix_src.rindex("}\n")
    change = retire(workspace(types_src, matrix_src), "master")
    assert change.new_matrix == matrix_src[:start] + matrix_src[end:]
    assert change.new_types == replace_once(
        types_src, '    # upstream\n    master = ("master", "master")\n\n', ""
    )
    assert "        return member\n\n    olive = (" in change.new_types


def test_retire_is_refused_while_a_stage_uses_it_naming_the_stages():
    types_src, matrix_src = sources("example")
    for kwargs in ({}, {"block_only": True}):
        with pytest.raises(GuardError) as exc:
            retire(workspace(types_src, matrix_src), "teak", **kwargs)
        assert exc.value.exit_code == 1
        assert exc.value.message == (
            "refused: teak is still used by mitx Production, mitx-staging Production, "
            "xpro QA, xpro Production"
        )


def test_retire_block_only_then_enum_only_equals_retire():
    types_src, matrix_src = olive_unused()
    ws = workspace(types_src, matrix_src)
    block = retire(ws, "olive", block_only=True)
    assert block.new_types == types_src
    assert block.new_matrix == replace_once(matrix_src, OLIVE_BLOCK, "")
    member = retire(ws.after(block), "olive", enum_only=True)
    assert member.new_matrix == block.new_matrix
    assert member.new_types == replace_once(types_src, OLIVE_MEMBER, "")
    both = retire(ws, "olive")
    assert (member.new_types, member.new_matrix) == (both.new_types, both.new_matrix)


def test_retire_enum_only_while_the_block_exists_is_refused():
    with pytest.raises(GuardError) as exc:
        retire(workspace(*olive_unused()), "olive", enum_only=True)
    assert "ReleaseMap['olive'] still exists" in exc.value.message
    assert "--block-only" in (exc.value.hint or "")


def test_retire_block_only_and_enum_only_exclude_each_other():
    with pytest.raises(InputError):
        retire(workspace(*olive_unused()), "olive", block_only=True, enum_only=True)


@pytest.mark.parametrize("kwargs", [{}, {"block_only": True}, {"enum_only": True}])
def test_retire_already_gone_is_a_no_op(kwargs):
    types_src, matrix_src = olive_unused()
    ws = workspace(types_src, matrix_src)
    ws = ws.after(retire(ws, "olive"))
    # The history of types.py (git's answer in the CLI) held olive, never zebra.
    history = {"olive": 'abc1234567 2024-03-01 "config: Retire olive"'}.get
    change = retire(ws, "olive", **kwargs, retired_in=history)
    assert not change.changed
    assert change.notes == [
        'olive is already retired (left types.py in abc1234567 2024-03-01 "config: '
        'Retire olive")'
    ]
    with pytest.raises(InputError, match="unknown release 'zebra'"):
        retire(ws, "zebra", **kwargs, retired_in=history)


def test_retire_block_only_when_only_the_block_is_left():
    ws = workspace(*olive_unused())
    ws = ws.after(retire(ws, "olive", block_only=True))
    assert not retire(ws, "olive", block_only=True).changed
    assert retire(ws, "olive").changed  # the member is still there


@pytest.mark.parametrize("name", ["Olive", "class", "a-b"])
def test_retire_of_a_name_no_release_can_have_is_an_input_error(name):
    with pytest.raises(InputError):
        retire(ws_of("example"), name)


# --- safety properties -------------------------------------------------------------------

FIXTURES = [
    "example",
    "constants_branding_overrides",
    "four_field_dot_master_enum_refs",
    "four_field_strenum",
    "two_field_open_release",
]

# fixture → (an existing block to clone, a release to retire, the promotions that free it)
RETIRABLE = {
    "example": (
        "ulmo",
        "teak",
        [("xpro", "QA", "ulmo"), ("mitx,mitx-staging,xpro", "Production", "ulmo")],
    ),
    "constants_branding_overrides": (
        "redwood",
        "quince",
        [("campus", "Production", "redwood")],
    ),
    "four_field_dot_master_enum_refs": (
        "redwood",
        "redwood",
        [("campus", "Production", "sumac")],
    ),
    "four_field_strenum": (
        "ulmo",
        "teak",
        [("campus", "QA", "ulmo"), ("campus,pro", "Production", "ulmo")],
    ),
    "two_field_open_release": (
        "palm",
        "olive",
        [("campus", "QA", "palm"), ("campus,campus-staging", "Production", "palm")],
    ),
}


def test_every_shape_fixture_is_covered():
    shapes = {p.name for p in SHAPES.iterdir() if (p / "version_matrix.py").is_file()}
    assert shapes <= set(FIXTURES) == set(RETIRABLE)


def freed(fixture: str) -> tuple[Workspace, str]:
    _, release, steps = RETIRABLE[fixture]
    ws = ws_of(fixture)
    for deps, stage, to in steps:
        ws = ws.after(promote(ws, deps, stage, to))
    return ws, release


@pytest.mark.parametrize("fixture", FIXTURES)
def test_add_release_run_again_changes_nothing(fixture):
    ws = ws_of(fixture)
    first = add_release(ws, "verawood")
    assert first.changed
    assert not add_release(ws.after(first), "verawood").changed
    both = add_release(ws, "verawood", clone_from=RETIRABLE[fixture][0])
    again = add_release(ws.after(both), "verawood", clone_from=RETIRABLE[fixture][0])
    assert not again.changed


@pytest.mark.parametrize("fixture", FIXTURES)
def test_retire_run_again_changes_nothing(fixture):
    ws, release = freed(fixture)
    first = retire(ws, release)
    assert first.changed
    again = retire(ws.after(first), release, retired_in=lambda name: "abc1234567")
    assert not again.changed


@pytest.mark.parametrize("fixture", FIXTURES)
def test_add_release_then_retire_enum_only_is_byte_identical(fixture):
    types_src, matrix_src = sources(fixture)
    ws = workspace(types_src, matrix_src)
    added = add_release(ws, "verawood")
    back = retire(ws.after(added), "verawood", enum_only=True)
    assert back.changed
    assert back.new_types == types_src
    assert back.new_matrix == matrix_src


@pytest.mark.parametrize("fixture", FIXTURES)
def test_add_release_clone_from_then_retire_is_byte_identical(fixture):
    types_src, matrix_src = sources(fixture)
    ws = workspace(types_src, matrix_src)
    added = add_release(ws, "verawood", clone_from=RETIRABLE[fixture][0])
    back = retire(ws.after(added), "verawood")
    assert back.new_types == types_src
    assert back.new_matrix == matrix_src


@pytest.mark.parametrize("fixture", FIXTURES)
def test_add_release_output_stays_ruff_formatted(fixture, tmp_path):
    change = add_release(ws_of(fixture), "verawood", clone_from=RETIRABLE[fixture][0])
    assert_ruff_clean(
        tmp_path, types=change.new_types, version_matrix=change.new_matrix
    )


@pytest.mark.parametrize("fixture", FIXTURES)
def test_retire_output_stays_ruff_formatted(fixture, tmp_path):
    ws, release = freed(fixture)
    change = retire(ws, release)
    assert change.changed
    assert_ruff_clean(
        tmp_path, types=change.new_types, version_matrix=change.new_matrix
    )


def crlf(ws: Workspace) -> Workspace:
    return workspace(
        ws.types_src.replace("\n", "\r\n"), ws.matrix_src.replace("\n", "\r\n")
    )


def only_crlf(text: str) -> bool:
    return text.count("\n") == text.count("\r\n") > 0


def test_add_release_and_retire_keep_crlf_line_endings():
    ws, release = freed("example")
    lf = retire(ws, release)
    got = retire(crlf(ws), release)
    assert only_crlf(got.new_types) and only_crlf(got.new_matrix)
    assert got.new_types == lf.new_types.replace("\n", "\r\n")
    assert got.new_matrix == lf.new_matrix.replace("\n", "\r\n")

    lf = add_release(ws_of("example"), "verawood", clone_from="ulmo")
    got = add_release(crlf(ws_of("example")), "verawood", clone_from="ulmo")
    assert only_crlf(got.new_types) and only_crlf(got.new_matrix)
    assert got.new_types == lf.new_types.replace("\n", "\r\n")
    assert got.new_matrix == lf.new_matrix.replace("\n", "\r\n")


def test_add_release_and_retire_keep_a_missing_final_newline():
    def bare(ws: Workspace) -> Workspace:
        assert ws.types_src.endswith("\n") and ws.matrix_src.endswith("\n")
        return workspace(ws.types_src[:-1], ws.matrix_src[:-1])

    ws, release = freed("example")
    lf = retire(ws, release)
    got = retire(bare(ws), release)
    assert (got.new_types, got.new_matrix) == (lf.new_types[:-1], lf.new_matrix[:-1])

    lf = add_release(ws_of("example"), "verawood", clone_from="ulmo")
    got = add_release(bare(ws_of("example")), "verawood", clone_from="ulmo")
    assert (got.new_types, got.new_matrix) == (lf.new_types[:-1], lf.new_matrix[:-1])


def test_a_member_whose_enum_is_the_last_statement_keeps_no_final_newline():
    """The release Enum as the very last statement of types.py, without final newline."""
    types_src, matrix_src = sources("two_field_open_release")
    start = types_src.index("class OpenEdxSupportedRelease")
    end = types_src.index("class EnvRelease")
    enum = types_src[start:end].rstrip("\n")
    moved = types_src[:start] + types_src[end:] + "\n\n" + enum
    ws = workspace(moved, matrix_src)
    added = add_release(ws, "quince")
    assert (
        added.new_types
        == moved + '\n    quince = ("quince", "open-release/quince.master")'
    )
    back = retire(ws.after(added), "quince", enum_only=True)
    assert back.new_types == moved


# --- the independent re-read catches a wrong edit ----------------------------------------


def test_retire_that_removes_too_much_is_a_safety_error(monkeypatch):
    real = retire_module.rewrite_statement

    def also_palm_comment(source, stmt, transform):
        out = real(source, stmt, transform)
        return out.replace('    palm = ("palm", "open-release/palm.master")\n', "")

    monkeypatch.setattr(retire_module, "rewrite_statement", also_palm_comment)
    with pytest.raises(SafetyError) as exc:
        retire(workspace(*olive_unused()), "olive")
    assert exc.value.exit_code == 3


def test_add_release_with_a_wrong_value_is_a_safety_error(monkeypatch):
    real = releases_module.rewrite_statement

    def wrong_branch(source, stmt, transform):
        return real(source, stmt, transform).replace(
            '"release/verawood"', '"release/ulmo"'
        )

    monkeypatch.setattr(releases_module, "rewrite_statement", wrong_branch)
    with pytest.raises(SafetyError):
        add_release(ws_of("example"), "verawood")


# ---------------------------------------------------------------- folded from test_review_fixes.py


def test_retire_is_refused_while_another_block_pins_the_release() -> None:
    types_src, matrix_src = sources("example")
    pinned = matrix_src.replace('release="master",  # pinned', 'release="master",', 1)
    ws = workspace(types_src, pinned)
    # pin one ulmo entry of mitx to teak, then free teak of every stage
    ulmo_at = ws.matrix_src.index('"ulmo": {')
    entry_at = ws.matrix_src.index('release="ulmo"', ulmo_at)
    text = ws.matrix_src[:entry_at] + 'release="teak"' + ws.matrix_src[entry_at + 14 :]
    for old in ('OpenEdxSupportedRelease["teak"]',):
        text = text.replace(old, 'OpenEdxSupportedRelease["ulmo"]')
    ws = workspace(types_src, text)
    with pytest.raises(GuardError) as err:
        retire(ws, "teak")
    assert "pinned to teak" in err.value.message
    assert "ReleaseMap['ulmo']['mitx']" in err.value.message
    # the block alone may go: the member the pin names stays
    assert retire(ws, "teak", block_only=True).changed


def test_retire_keeps_a_section_comment_above_the_member() -> None:
    types_src, matrix_src = sources("example")
    old = '    teak = ("teak", "release/teak", "3.11", "20")\n'
    header = "    # Named releases, oldest first.\n\n"
    types_src = replace_once(types_src, old, header + "    # teak: old\n" + old)
    matrix_src = matrix_src.replace(
        'OpenEdxSupportedRelease["teak"]', 'OpenEdxSupportedRelease["ulmo"]'
    )
    ws = workspace(types_src, matrix_src)
    change = retire(ws, "teak")
    assert header in change.new_types
    assert "# teak: old" not in change.new_types
    assert "teak = (" not in change.new_types


def test_add_release_refuses_a_member_name_taken_by_another_value() -> None:
    types_src, matrix_src = sources("example")
    types_src = types_src.replace(
        '    ulmo = ("ulmo", "release/ulmo"', '    ulmo = ("u", "release/ulmo"'
    )
    matrix_src = matrix_src.replace('"ulmo"', '"u"')
    with pytest.raises(InputError, match="already has a member named ulmo"):
        add_release(workspace(types_src, matrix_src), "ulmo", branch="release/ulmo")


def test_add_release_of_an_existing_release_with_other_fields_is_an_input_error() -> (
    None
):
    ws = workspace(*sources("example"))
    with pytest.raises(InputError, match="already supported with another branch"):
        add_release(ws, "ulmo", branch="release/other")
    assert not add_release(ws, "ulmo", branch="release/ulmo").changed


@pytest.mark.parametrize(
    ("branch", "warned"),
    [
        ("olx/add-release-verawood", True),
        ("release/teakwood", True),
        ("release/verawood-rc1", False),
        ("release/verawood", False),
    ],
)
def test_add_release_warns_when_the_branch_does_not_name_the_release(
    branch: str, warned: bool
) -> None:
    change = add_release(workspace(*sources("example")), "verawood", branch=branch)
    assert bool(change.warnings) is warned
