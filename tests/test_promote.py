"""``promote`` as before/after pairs, plus its safety properties.

Every rewrite test states the old text and the one line that must change: the new
matrix must equal the old one with exactly that line replaced, so that nothing else can
have moved.
"""

from __future__ import annotations

import pytest
from rewrite_support import (
    SHAPES,
    assert_ruff_clean,
    replace_once,
    sources,
    workspace,
    ws_of,
)

import olx.ops.promote as promote_module
from olx.errors import GuardError, InputError, SafetyError
from olx.ops.promote import promote


def stage_lines(change) -> list[str]:
    """The stage lines of a promote's details (not the component lines under them)."""
    return [d for d in change.details if not d.startswith("  ")]


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    lines = diff.splitlines()
    minus = [x for x in lines if x.startswith("-") and not x.startswith("---")]
    plus = [x for x in lines if x.startswith("+") and not x.startswith("+++")]
    return minus, plus


def env(stage: str, ref: str) -> str:
    """One ``EnvRelease`` line as ruff writes it inside a deployment."""
    return f'            EnvRelease("{stage}", OpenEdxSupportedRelease{ref}),\n'


# --- exact diffs -------------------------------------------------------------------------

# (fixture, deployments, stage, release, old line, new line, anchor before the line)
EXACT = [
    pytest.param(
        "example",
        "xpro",
        "QA",
        "ulmo",
        env("QA", '["teak"]'),
        env("QA", '["ulmo"]'),
        None,
        id="example-xpro-qa",
    ),
    pytest.param(
        "example",
        "mitx",
        "QA",
        "master",
        env("QA", '["ulmo"]'),
        env("QA", '["master"]'),
        'deployment_name="mitx",',
        id="example-mitx-qa-master",
    ),
    pytest.param(
        "four_field_dot_master_enum_refs",
        "campus",
        "Production",
        "sumac",
        env("Production", ".redwood"),
        env("Production", ".sumac"),
        None,
        id="enum-attribute-ref",
    ),
    pytest.param(
        "four_field_dot_master_enum_refs",
        "online",
        "CI",
        "sumac",
        env("CI", '["master"]'),
        env("CI", '["sumac"]'),
        None,
        id="subscript-ref-next-to-attribute-refs",
    ),
    pytest.param(
        "two_field_open_release",
        "campus",
        "QA",
        "palm",
        env("QA", '["olive"]'),
        env("QA", '["palm"]'),
        'deployment_name="campus",',
        id="comment-above-the-line",
    ),
    pytest.param(
        "two_field_open_release",
        "campus-staging",
        "Production",
        "palm",
        env("Production", '["olive"]'),
        env("Production", '["palm"]'),
        'deployment_name="campus-staging",',
        id="two-comment-lines-above",
    ),
    pytest.param(
        "four_field_strenum",
        "campus",
        "QA",
        "ulmo",
        env("QA", '["teak"]'),
        env("QA", '["ulmo"]'),
        'deployment_name="campus",',
        id="strenum",
    ),
    pytest.param(
        "constants_branding_overrides",
        "campus",
        "Production",
        "redwood",
        env("Production", '["quince"]'),
        env("Production", '["redwood"]'),
        None,
        id="constants",
    ),
]


@pytest.mark.parametrize(
    ("fixture", "deps", "stage", "release", "old", "new", "after"), EXACT
)
def test_promote_changes_only_the_release_token(
    fixture, deps, stage, release, old, new, after
):
    types_src, matrix_src = sources(fixture)
    change = promote(workspace(types_src, matrix_src), deps, stage, release)
    assert change.changed
    assert change.new_types == types_src
    assert change.new_matrix == replace_once(matrix_src, old, new, after)
    minus, plus = changed_lines(change.diff)
    assert minus == ["-" + old.rstrip("\n")]
    assert plus == ["+" + new.rstrip("\n")]
    assert [e.shown for e in change.edits] == ["version_matrix.py"]


def test_promote_details_name_old_and_new():
    change = promote(ws_of("example"), "xpro", "QA", "ulmo")
    assert stage_lines(change) == ["xpro QA: teak → ulmo"]
    assert change.warnings == []


def test_comments_inside_env_release_map_are_untouched():
    _, matrix_src = sources("two_field_open_release")
    ws = ws_of("two_field_open_release")
    ws = ws.after(promote(ws, "campus", "QA", "palm"))
    change = promote(ws, "campus,campus-staging", "Production", "palm")
    assert stage_lines(change) == [
        "campus Production: olive → palm",
        "campus-staging Production: olive → palm",
    ]
    comments = [
        "            # QA waits for the spring term to end before moving on.\n",
        (
            "            # Production follows QA once the smoke tests pass.\n"
            "            # (two comment lines in a row)\n"
        ),
    ]
    for comment in comments:
        assert comment in matrix_src
        assert change.new_matrix.count(comment) == matrix_src.count(comment)


def test_enum_attribute_reference_keeps_its_style_with_force():
    """four_field_strenum writes ``OpenEdxSupportedRelease.master`` for online."""
    _, matrix_src = sources("four_field_strenum")
    change = promote(
        ws_of("four_field_strenum"), "online", "Production", "teak", force=True
    )
    assert change.new_matrix == replace_once(
        matrix_src,
        env("Production", ".master"),
        env("Production", ".teak"),
        'deployment_name="online",',
    )
    assert change.warnings  # ReleaseMap['teak'] has no 'online' block


# --- names -------------------------------------------------------------------------------


def test_comma_list_makes_one_change_for_all():
    _, matrix_src = sources("example")
    change = promote(ws_of("example"), "mitx,mitx-staging", "Production", "ulmo")
    expected = replace_once(
        matrix_src,
        env("Production", '["teak"]'),
        env("Production", '["ulmo"]'),
        'deployment_name="mitx",',
    )
    expected = replace_once(
        expected,
        env("Production", '["teak"]'),
        env("Production", '["ulmo"]'),
        'deployment_name="mitx-staging",',
    )
    assert change.new_matrix == expected
    assert stage_lines(change) == [
        "mitx Production: teak → ulmo",
        "mitx-staging Production: teak → ulmo",
    ]
    minus, plus = changed_lines(change.diff)
    assert len(minus) == len(plus) == 2


@pytest.mark.parametrize(
    "deps", ["mitx_staging", "mitx-staging", " mitx-staging ,mitx_staging"]
)
def test_member_name_and_deployment_name_are_the_same(deps):
    want = promote(ws_of("example"), "mitx-staging", "QA", "teak").new_matrix
    assert promote(ws_of("example"), deps, "QA", "teak").new_matrix == want


@pytest.mark.parametrize(
    "stage", ["Production", "production", "PRODUCTION", "pRoDuCtIoN"]
)
def test_stage_is_case_insensitive(stage):
    want = promote(ws_of("example"), "mitx", "Production", "ulmo")
    got = promote(ws_of("example"), "mitx", stage, "ulmo")
    assert got.new_matrix == want.new_matrix
    assert stage_lines(got) == stage_lines(want)


@pytest.mark.parametrize(
    ("deps", "stage", "release", "previous"),
    [
        ("xpro", "QA", None, "ulmo"),  # CI's
        ("mitx,mitx-staging", "Production", None, "ulmo"),  # QA's
        ("campus", "QA", None, "palm"),  # two_field below
    ],
)
def test_no_release_takes_the_previous_stage_release(deps, stage, release, previous):
    fixture = "two_field_open_release" if deps == "campus" else "example"
    implicit = promote(ws_of(fixture), deps, stage, release)
    explicit = promote(ws_of(fixture), deps, stage, previous)
    assert implicit.changed
    assert implicit.new_matrix == explicit.new_matrix


def test_ci_without_release_is_an_input_error():
    with pytest.raises(InputError) as exc:
        promote(ws_of("example"), "mitx", "CI", None)
    assert exc.value.exit_code == 2
    assert "CI" in exc.value.message
    assert "RELEASE" in (exc.value.hint or "")


@pytest.mark.parametrize(
    ("deps", "stage", "release", "suggestion"),
    [
        ("mitz", "QA", "ulmo", "'mitx'"),
        ("mitx,xprp", "QA", "ulmo", "'xpro'"),
        ("mitx", "QAA", "ulmo", "'QA'"),
        ("mitx", "Prod", "ulmo", "'Production'"),
        ("mitx", "QA", "ulmoo", "'ulmo'"),
        ("mitx", "QA", "tea", "'teak'"),
    ],
)
def test_unknown_names_are_input_errors_with_a_suggestion(
    deps, stage, release, suggestion
):
    with pytest.raises(InputError) as exc:
        promote(ws_of("example"), deps, stage, release)
    assert exc.value.exit_code == 2
    assert "unknown" in exc.value.message
    assert suggestion in (exc.value.hint or "")
    assert "valid:" in (exc.value.hint or "")


def test_release_not_in_the_enum_is_an_input_error():
    # palm exists in other fixtures, but not in the example's Enum
    with pytest.raises(InputError) as exc:
        promote(ws_of("example"), "mitx", "QA", "palm")
    assert "master, teak, ulmo" in (exc.value.hint or "")


def test_deployment_lacking_the_stage_is_an_input_error():
    with pytest.raises(InputError) as exc:
        promote(ws_of("two_field_open_release"), "online", "CI", "master")
    assert "online has no CI stage" in exc.value.message
    assert not isinstance(exc.value, GuardError)


def test_no_release_and_no_stage_before_is_an_input_error():
    with pytest.raises(InputError) as exc:
        promote(ws_of("two_field_open_release"), "online", "QA", None)
    assert "CI" in exc.value.message


# --- guards ------------------------------------------------------------------------------


def test_missing_block_is_refused_and_hints_clone_release():
    with pytest.raises(GuardError) as exc:
        promote(ws_of("example"), "xpro", "CI", "master")
    assert exc.value.exit_code == 1
    assert "ReleaseMap['master']" in exc.value.message
    assert "'xpro'" in exc.value.message
    hint = exc.value.hint or ""
    assert "clone-release ulmo master --deployment xpro" in hint
    assert "--force" in hint


def test_qa_newer_than_ci_is_refused():
    ws = ws_of("example")
    ws = ws.after(promote(ws, "xpro", "CI", "teak"))  # rollback, order holds
    with pytest.raises(GuardError) as exc:
        promote(ws, "xpro", "QA", "ulmo")
    message = exc.value.message
    assert "xpro QA would run ulmo, newer than its CI (teak)" in message
    assert "promote CI first" in (exc.value.hint or "")


def test_production_newer_than_qa_is_refused():
    with pytest.raises(GuardError) as exc:
        promote(ws_of("example"), "xpro", "Production", "ulmo")
    assert "Production" in exc.value.message and "QA" in exc.value.message


def test_rollback_that_breaks_the_order_is_refused():
    with pytest.raises(GuardError):
        promote(ws_of("example"), "mitx", "CI", "teak")  # QA ulmo would be newer


def test_force_makes_the_change_with_the_guard_message_as_warning():
    _, matrix_src = sources("example")
    change = promote(ws_of("example"), "xpro", "Production", "ulmo", force=True)
    assert change.changed
    assert change.new_matrix == replace_once(
        matrix_src,
        env("Production", '["teak"]'),
        env("Production", '["ulmo"]'),
        'deployment_name="xpro",',
    )
    assert change.warnings == [
        "--force: xpro Production would run ulmo, newer than its QA (teak)"
    ]


def test_force_over_a_missing_block():
    change = promote(ws_of("example"), "xpro", "CI", "master", force=True)
    assert change.changed
    assert any("ReleaseMap['master']" in w for w in change.warnings)


def test_rollback_is_allowed_when_the_order_holds():
    _, matrix_src = sources("example")
    change = promote(ws_of("example"), "mitx", "QA", "teak")
    assert change.new_matrix == replace_once(
        matrix_src,
        env("QA", '["ulmo"]'),
        env("QA", '["teak"]'),
        'deployment_name="mitx",',
    )
    assert stage_lines(change) == ["mitx QA: ulmo → teak (rollback)"]
    assert change.warnings == []


def test_already_on_release_changes_nothing():
    types_src, matrix_src = sources("example")
    change = promote(workspace(types_src, matrix_src), "mitx", "QA", "ulmo")
    assert not change.changed
    assert change.new_matrix == matrix_src and change.new_types == types_src
    assert change.diff == ""
    assert any("nothing to do" in n for n in change.notes)
    assert any("mitx QA is already on ulmo" in n for n in change.notes)


def test_comma_list_with_one_already_there_changes_the_other():
    _, matrix_src = sources("example")
    change = promote(ws_of("example"), "mitx,xpro", "QA", "ulmo")
    assert change.new_matrix == replace_once(
        matrix_src, env("QA", '["teak"]'), env("QA", '["ulmo"]')
    )
    assert stage_lines(change) == ["xpro QA: teak → ulmo"]
    assert any("mitx QA is already on ulmo" in n for n in change.notes)


# --- safety properties -------------------------------------------------------------------

# fixture → (deployment, stage, new release, its current release)
PROMOTIONS = {
    "example": ("mitx", "Production", "ulmo", "teak"),
    "constants_branding_overrides": ("campus", "Production", "redwood", "quince"),
    "four_field_dot_master_enum_refs": ("campus", "Production", "sumac", "redwood"),
    "four_field_strenum": ("campus", "QA", "ulmo", "teak"),
    "two_field_open_release": ("campus", "QA", "palm", "olive"),
}


def test_every_shape_fixture_has_a_promotion():
    shapes = {p.name for p in SHAPES.iterdir() if (p / "version_matrix.py").is_file()}
    assert shapes <= set(PROMOTIONS)


@pytest.mark.parametrize("fixture", sorted(PROMOTIONS))
def test_promote_run_again_changes_nothing(fixture):
    dep, stage, new, _ = PROMOTIONS[fixture]
    ws = ws_of(fixture)
    first = promote(ws, dep, stage, new)
    assert first.changed
    again = promote(ws.after(first), dep, stage, new)
    assert not again.changed
    assert again.new_matrix == first.new_matrix
    assert again.new_types == first.new_types


@pytest.mark.parametrize("fixture", sorted(PROMOTIONS))
def test_promote_there_and_back_is_byte_identical(fixture):
    dep, stage, new, old = PROMOTIONS[fixture]
    types_src, matrix_src = sources(fixture)
    ws = workspace(types_src, matrix_src)
    there = promote(ws, dep, stage, new)
    back = promote(ws.after(there), dep, stage, old)
    assert back.changed
    assert back.new_matrix == matrix_src
    assert back.new_types == types_src


@pytest.mark.parametrize("fixture", sorted(PROMOTIONS))
def test_promote_output_stays_ruff_formatted(fixture, tmp_path):
    dep, stage, new, _ = PROMOTIONS[fixture]
    change = promote(ws_of(fixture), dep, stage, new)
    assert_ruff_clean(
        tmp_path, types=change.new_types, version_matrix=change.new_matrix
    )


def test_promote_keeps_crlf_line_endings():
    types_src, matrix_src = sources("example")
    lf = promote(
        workspace(types_src, matrix_src), "mitx,xpro", "Production", "ulmo", force=True
    )
    crlf = promote(
        workspace(types_src.replace("\n", "\r\n"), matrix_src.replace("\n", "\r\n")),
        "mitx,xpro",
        "Production",
        "ulmo",
        force=True,
    )
    assert crlf.new_matrix == lf.new_matrix.replace("\n", "\r\n")
    assert crlf.new_matrix.count("\n") == crlf.new_matrix.count("\r\n")
    assert crlf.new_types == types_src.replace("\n", "\r\n")


def test_promote_keeps_a_missing_final_newline():
    types_src, matrix_src = sources("example")
    assert matrix_src.endswith("}\n")
    lf = promote(workspace(types_src, matrix_src), "xpro", "QA", "ulmo")
    bare = promote(workspace(types_src, matrix_src[:-1]), "xpro", "QA", "ulmo")
    assert not bare.new_matrix.endswith("\n")
    assert bare.new_matrix == lf.new_matrix[:-1]


def test_promote_rewrites_only_the_release_reference_whatever_its_layout():
    """The reference alone is parsed and generated again (its span): parentheses, a
    line break and a comment inside it stay, and no other byte of the file moves."""
    types_src, matrix_src = sources("example")
    odd = replace_once(
        matrix_src,
        env("QA", '["teak"]'),
        "            EnvRelease(\n"
        '                "QA",\n'
        "                (OpenEdxSupportedRelease[  # the release QA runs\n"
        '                    "teak"\n'
        "                ]),\n"
        "            ),\n",
        'deployment_name="xpro",',
    )
    change = promote(workspace(types_src, odd), "xpro", "QA", "ulmo")
    assert change.new_matrix == odd.replace(
        '# the release QA runs\n                    "teak"',
        '# the release QA runs\n                    "ulmo"',
        1,
    )
    assert change.details[0] == "xpro QA: teak → ulmo"


# --- the independent re-read catches a wrong edit ----------------------------------------


def test_an_edit_of_two_stages_instead_of_one_is_a_safety_error(monkeypatch):
    real = promote_module.rewrite_spans

    def also_production(source, rewrites):
        out = real(source, rewrites)  # the intended QA edit ...
        return replace_once(  # ... and one more, that nobody asked for
            out,
            env("Production", '["teak"]'),
            env("Production", '["ulmo"]'),
            'deployment_name="xpro",',
        )

    monkeypatch.setattr(promote_module, "rewrite_spans", also_production)
    with pytest.raises(SafetyError) as exc:
        promote(ws_of("example"), "xpro", "QA", "ulmo")
    assert exc.value.exit_code == 3
    assert "Production" in exc.value.message


def test_an_edit_of_the_wrong_deployment_is_a_safety_error(monkeypatch):
    real = promote_module.rewrite_spans

    def wrong_deployment(source, rewrites):
        real(source, rewrites)
        return replace_once(
            source,
            env("QA", '["ulmo"]'),
            env("QA", '["teak"]'),
            'deployment_name="mitx-staging",',
        )

    monkeypatch.setattr(promote_module, "rewrite_spans", wrong_deployment)
    with pytest.raises(SafetyError):
        promote(ws_of("example"), "mitx", "QA", "teak")


def test_an_edit_that_does_not_parse_is_a_safety_error(monkeypatch):
    real = promote_module.rewrite_spans

    def broken(source, rewrites):
        return real(source, rewrites).replace(
            "env_release_map=[", "env_release_map=(", 1
        )

    monkeypatch.setattr(promote_module, "rewrite_spans", broken)
    with pytest.raises(SafetyError):
        promote(ws_of("example"), "xpro", "QA", "ulmo")


def test_a_rewrite_that_swaps_nothing_is_a_safety_error(monkeypatch):
    monkeypatch.setattr(promote_module, "_retarget", lambda ref, member: ref)
    with pytest.raises(SafetyError, match="not exactly the intended change"):
        promote(ws_of("example"), "xpro", "QA", "ulmo")


def test_a_rewrite_of_another_release_is_a_safety_error(monkeypatch):
    real = promote_module._retarget
    monkeypatch.setattr(
        promote_module, "_retarget", lambda ref, member: real(ref, "teak")
    )
    with pytest.raises(SafetyError, match="not exactly the intended change"):
        promote(ws_of("example"), "xpro", "QA", "ulmo")


# --- what the stage will build differently ------------------------------------------------


def test_promote_lists_every_component_change_under_its_stage_line():
    change = promote(ws_of("example"), "xpro", "QA", None)
    lines = change.details
    assert lines[0] == "xpro QA: teak → ulmo"
    assert (
        "  ~ edx-platform: release teak → ulmo, branch release/teak → release/ulmo, "
        "runtime 3.11 → 3.12"
    ) in lines
    # A component pinned to master in ulmo's block builds master's branch there.
    assert (
        "  ~ communications: release teak → master, branch release/teak → master, "
        "runtime 20 → 24"
    ) in lines
    assert all(line.startswith("  ~ ") for line in lines[1:])
    assert len(lines) == 1 + len(
        ws_of("example").model.matrix.block("ulmo").get("xpro").entries
    )


def test_a_component_added_or_removed_by_the_new_release_is_listed():
    ws = ws_of("example")
    # mitx Production: teak → ulmo; ulmo's mitx list lacks nothing teak has, so make
    # one: disable xqueue-watcher in ulmo first, enable profile there.
    from olx.ops.entries import disable_app, enable_app

    step = disable_app(ws, "xqueue-watcher", "ulmo", "mitx")
    ws2 = ws.after(step)
    step2 = enable_app(ws2, "profile", "ulmo", "mitx")
    change = promote(ws2.after(step2), "mitx", "Production", "ulmo")
    assert "  + profile (MFE, release/ulmo)" in change.details
    assert "  - xqueue-watcher" in change.details
