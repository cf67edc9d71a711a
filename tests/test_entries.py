"""``enable-app``, ``disable-app`` and ``override`` as before/after pairs, round trips
and refusals, on the example and on every shape fixture."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from oracle import oracle
from rewrite_support import SHAPES, assert_ruff_clean, replace_once, workspace, ws_of

from olx.core.check import check
from olx.edit.change import Change
from olx.errors import InputError
from olx.ops.entries import disable_app, enable_app, override
from olx.ops.entry_edit import entry_source, style_of

SHAPE_NAMES = ["example", *sorted(p.name for p in SHAPES.iterdir() if p.is_dir())]


def entries_of(ws) -> list[tuple[str, str, str, bool]]:
    """(release, deployment, application, written one keyword per line with a magic
    trailing comma) of every entry."""
    out = []
    for block in ws.model.matrix.release_map:
        for dep in block.deployments:
            for entry in dep.entries:
                text = entry_source(ws.matrix_src, entry)
                exploded = text[:-1].rstrip().endswith(",")
                out.append((block.release, dep.deployment, entry.application, exploded))
    return out


def assert_ok(change: Change) -> None:
    result = check(change.new_model)
    assert result.ok, result.violations


# --- exact diffs -------------------------------------------------------------------------


def test_override_branch_goes_after_release_and_before_origin():
    ws = ws_of("example")
    change = override(ws, "ulmo", "xpro", "edx-platform", branch="xpro/ulmo")
    old = ws.matrix_src
    at = old.index('"xpro": [', old.index('"ulmo": {'))
    entry = (
        '                application="edx-platform",\n'
        '                application_type="IDA",\n'
        '                release="ulmo",\n'
    )
    at = old.index(entry, at) + len(entry)
    line = '                branch_override="xpro/ulmo",\n'
    assert change.new_matrix == old[:at] + line + old[at:]
    assert change.details == [
        "ReleaseMap['ulmo']['xpro'] edx-platform: branch_override = \"xpro/ulmo\""
    ]


def test_override_no_origin_removes_the_line_and_keeps_the_type_ignore_comment():
    ws = ws_of("example")
    change = override(ws, "teak", "mitx", "edx-platform", no_origin=True)
    line = '                origin_override="https://github.com/example-learning/edx-platform",\n'
    head = ws.matrix_src.index('"teak": {')
    at = ws.matrix_src.index(line, head)
    assert change.new_matrix == ws.matrix_src[:at] + ws.matrix_src[at + len(line) :]
    assert (
        '                application="edx-platform",  # type: ignore\n'
        in (change.new_matrix[head : head + 3000])
    )


def test_set_json_dict_is_laid_out_as_ruff_does(tmp_path):
    ws = ws_of("constants_branding_overrides")
    value = {
        "@edx/frontend-component-footer@npm": "@example-org/footer-with-a-rather-long-package-name@latest",
        "@edx/brand@npm": "@example-org/brand@1",
    }
    change = override(
        ws,
        "quince",
        "campus",
        "edx-platform",
        sets=[f"branding_overrides={json.dumps(value)}"],
    )
    assert (
        '                branch_override="campus/quince",\n'
        "                branding_overrides={\n"
        '                    "@edx/frontend-component-footer@npm": (\n'
        '                        "@example-org/footer-with-a-rather-long-package-name@latest"\n'
        "                    ),\n"
        '                    "@edx/brand@npm": "@example-org/brand@1",\n'
        "                },\n"
    ) in change.new_matrix
    entry = change.new_model.to_json()["release_map"]["quince"]["campus"][0]
    assert entry["branding_overrides"] == value
    assert_ruff_clean(tmp_path, matrix=change.new_matrix)


def test_set_a_constant_writes_its_name_and_the_model_gets_its_value():
    ws = ws_of("constants_branding_overrides")
    change = override(
        ws,
        "redwood",
        "pro",
        "edx-platform",
        sets=["branding_overrides=SHARED_OVERRIDES"],
    )
    assert "                branding_overrides=SHARED_OVERRIDES,\n" in change.new_matrix
    shared = ws.model.matrix.constants()["SHARED_OVERRIDES"]
    entry = change.new_model.to_json()["release_map"]["redwood"]["pro"][0]
    assert entry["branding_overrides"] == shared
    # The same again is a no-op; other entries' ** merges are untouched.
    again = override(
        ws.after(change),
        "redwood",
        "pro",
        "edx-platform",
        sets=["branding_overrides=SHARED_OVERRIDES"],
    )
    assert not again.changed
    assert "**CAMPUS_OVERRIDES," in change.new_matrix


def test_hugged_call_is_exploded_when_a_keyword_no_longer_fits(tmp_path):
    ws = ws_of("four_field_strenum")
    change = override(ws, "ulmo", "campus", "learning", branch="campus/ulmo")
    assert (
        "            OpenEdxApplicationVersion(\n"
        '                application="learning",\n'
        '                application_type="MFE",\n'
        '                release="ulmo",\n'
        '                branch_override="campus/ulmo",\n'
        "            ),\n"
    ) in change.new_matrix
    assert_ruff_clean(tmp_path, matrix=change.new_matrix)


def test_keyword_in_an_entry_written_in_another_order_follows_the_files_usual_order():
    ws = ws_of("four_field_strenum")
    change = override(ws, "ulmo", "pro", "learning", runtime="20")
    assert (
        '                origin_override="https://github.com/example-org/frontend-app-learning",\n'
        '                branch_override="pro/ulmo",\n'
        '                release="ulmo",\n'
        '                application_type="MFE",\n'
        '                application="learning",\n'
        '                runtime_version_override="20",\n'
    ) in change.new_matrix


def test_pin_keeps_the_entrys_reference_style():
    ws = ws_of("four_field_dot_master_enum_refs")
    model = ws.model
    block = model.matrix.release_map[0]
    dep = block.deployments[0]
    entry = dep.entries[0]
    change = override(
        ws, block.release, dep.deployment, entry.application, pin="master"
    )
    assert "release=OpenEdxSupportedRelease.master," in change.new_matrix
    back = override(
        ws.after(change), block.release, dep.deployment, entry.application, no_pin=True
    )
    assert back.new_matrix == ws.matrix_src


# --- round trips on every shape ----------------------------------------------------------


def _cases():
    for name in SHAPE_NAMES:
        ws = ws_of(name)
        for release, dep, app, multi in entries_of(ws):
            yield pytest.param(
                name, release, dep, app, multi, id=f"{name}-{release}-{dep}-{app}"
            )


@pytest.mark.parametrize(("name", "release", "dep", "app", "multi"), list(_cases()))
def test_override_round_trips_restore_the_bytes(name, release, dep, app, multi):
    ws = ws_of(name)
    entry = next(
        e
        for b in ws.model.matrix.release_map
        if b.release == release
        for d in b.deployments
        if d.deployment == dep
        for e in d.entries
        if e.application == app
    )
    ops = []
    if entry.values.get("branch_override") is None:
        ops.append(({"branch": "fix/some-bug"}, {"no_branch": True}))
    if entry.values.get("runtime_version_override") is None:
        ops.append(({"runtime": "3.12"}, {"no_runtime": True}))
    if "translation_overrides" in ws.model.types.entry_fields and (
        entry.values.get("translation_overrides") is None
    ):
        ops.append(
            (
                {"sets": ['translation_overrides=["xx"]']},
                {"unsets": ["translation_overrides"]},
            )
        )
    if entry.release == release:
        ops.append(
            ({"pin": "master" if release != "master" else _other(ws)}, {"no_pin": True})
        )
    assert ops
    for there, back in ops:
        forward = override(ws, release, dep, app, **there)
        assert forward.changed
        assert check(forward.new_model).ok == check(ws.model).ok
        again = override(ws.after(forward), release, dep, app, **there)
        assert not again.changed  # a second pass is a no-op
        restored = override(ws.after(forward), release, dep, app, **back)
        if multi:
            assert restored.new_matrix == ws.matrix_src
        else:
            # A one-line call re-wrapped by the first edit keeps ruff's magic trailing
            # comma: the model is restored, the layout may stay exploded.
            assert restored.new_model.to_json() == ws.model.to_json()


def _other(ws) -> str:
    return next(r.name for r in ws.model.types.releases if r.name != "master")


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_disable_then_enable_restores_the_bytes(name, tmp_path):
    ws = ws_of(name)
    done = 0
    for release, dep, app, multi in entries_of(ws):
        block = ws.model.matrix.block(release)
        entries = block.get(dep).entries
        entry = next(e for e in entries if e.application == app)
        plain = set(entry.values) <= {"application", "application_type", "release"}
        apps = [str(e.application) for e in entries]
        if not (multi and plain and entry.release == release and apps == sorted(apps)):
            continue
        if not all(
            flag for r, d, _, flag in entries_of(ws) if (r, d) == (release, dep)
        ):
            continue
        styles = {
            dataclasses.replace(style_of(ws.matrix_src, e), application_comment="")
            for e in entries
        }
        if len(styles) != 1:
            continue  # a neighbour in another style sets the new entry's style
        if _has_own_comment(ws.matrix_src, entry):
            continue  # its own comment goes with it and cannot come back
        off = disable_app(ws, app, release, dep)
        assert app not in [
            e["application"]
            for e in off.new_model.to_json()["release_map"][release][dep]
        ]
        on = enable_app(ws.after(off), app, release, dep)
        assert on.new_matrix == ws.matrix_src, (release, dep, app)
        done += 1
    # The constants fixture has no plain entry in a one-style list.
    assert done >= {"example": 30, "constants_branding_overrides": 0}.get(name, 1)


def _has_own_comment(source: str, entry) -> bool:
    lines = source.split("\n")
    above = lines[entry.span.start_line - 2].strip()
    inside = lines[entry.span.start_line - 1 : entry.span.end_line]
    return above.startswith("#") or any("#" in line for line in inside)


# --- enable-app --------------------------------------------------------------------------


def test_enable_app_goes_alphabetically_and_in_the_neighbours_style(tmp_path):
    ws = ws_of("example")
    change = enable_app(ws, "profile", "ulmo", "mitx,mitx-staging")
    model = change.new_model.to_json()["release_map"]["ulmo"]
    for dep in ("mitx", "mitx-staging"):
        apps = [e["application"] for e in model[dep]]
        assert apps == sorted(apps) and "profile" in apps
    assert (
        change.new_matrix.count(
            "            OpenEdxApplicationVersion(\n"
            '                application="profile",\n'
            '                application_type="MFE",\n'
            '                release="ulmo",\n'
            "            ),\n"
        )
        == 3
    )  # xpro had it already; mitx and mitx-staging now too
    assert_ok(change)
    assert_ruff_clean(tmp_path, matrix=change.new_matrix)
    again = enable_app(ws.after(change), "profile", "ulmo", "mitx,mitx-staging")
    assert not again.changed


def test_enable_app_with_enum_references_writes_enum_references():
    ws = ws_of("four_field_dot_master_enum_refs")
    block = ws.model.matrix.release_map[0]
    dep = block.deployments[0]
    present = {e.application for e in dep.entries}
    app = next(a for a in ws.model.types.applications if a.value not in present)
    change = enable_app(ws, app.value, block.release, dep.deployment, branch="x/y")
    enum = "OpenEdxApplication" if app.type == "IDA" else "OpenEdxMicroFrontend"
    assert f"application={enum}.{app.member}," in change.new_matrix
    assert '                branch_override="x/y",\n' in change.new_matrix


def test_enable_app_pinned_and_with_fields_then_disable_restores():
    ws = ws_of("example")
    change = enable_app(
        ws,
        "profile",
        "ulmo",
        "mitx",
        pin="master",
        origin="git@github.com:org/profile.git",
    )
    entry = next(
        e
        for e in change.new_model.to_json()["release_map"]["ulmo"]["mitx"]
        if e["application"] == "profile"
    )
    assert entry["release"] == "master"
    assert entry["origin_override"] == "git@github.com:org/profile.git"
    assert (
        disable_app(ws.after(change), "profile", "ulmo", "mitx").new_matrix
        == ws.matrix_src
    )


def test_enable_app_that_exists_with_other_fields_is_an_input_error():
    with pytest.raises(InputError, match="with other fields"):
        enable_app(ws_of("example"), "learning", "ulmo", "mitx", branch="x/y")


def test_enable_app_appends_where_the_list_is_not_alphabetical():
    ws = ws_of("two_field_open_release")
    before = [
        e["application"] for e in ws.model.to_json()["release_map"]["palm"]["campus"]
    ]
    assert before != sorted(before)
    change = enable_app(ws, "gradebook", "palm", "campus")
    after = [
        e["application"]
        for e in change.new_model.to_json()["release_map"]["palm"]["campus"]
    ]
    assert after == [*before, "gradebook"]


# --- refusals ----------------------------------------------------------------------------

BAD = [
    ({"branch": "a b"}, "invalid branch"),
    ({"branch": 'x"; import os; "'}, "invalid branch"),
    ({"branch": "x\ny"}, "invalid branch"),
    ({"origin": "javascript:alert(1)"}, "invalid origin"),
    ({"origin": "http://example.org/x"}, "invalid origin"),
    ({"origin": "file:///etc/passwd"}, "invalid origin"),
    ({"runtime": "3.x"}, "invalid runtime"),
    ({"sets": ["translation_overrides=__import__('os').system('x')"]}, "a call"),
    ({"sets": ["translation_overrides=os.environ"]}, "an attribute"),
    ({"sets": ["translation_overrides=1+2"]}, "an operator"),
    ({"sets": ["translation_overrides=NOT_A_CONSTANT"]}, "an unknown name"),
    ({"sets": ["translation_overrides=NaN"]}, "not accepted"),
    ({"sets": ["no_such_field=1"]}, "declares no field"),
    ({"sets": ['translation_overrides="single"']}, "is not a list"),
    ({"sets": ["translation_overrides=[1, 2]"]}, "is not a list"),
    ({"sets": ['branding_overrides=["x"]']}, "is not a dict"),
    ({"sets": ['branch_override="x"']}, "its own option"),
    ({"sets": ["translation_overrides"]}, "FIELD=VALUE"),
    ({"sets": ["branding_overrides=" + "[" * 30 + "]" * 30]}, "nested"),
    ({"unsets": ["release"]}, "its own option"),
    ({"branch": "a/b", "no_branch": True}, "exclude each other"),
    ({}, "nothing to override"),
    ({"pin": "zebra"}, "unknown release"),
]


@pytest.mark.parametrize(("options", "message"), BAD)
def test_bad_values_are_input_errors(options, message):
    with pytest.raises(InputError, match=message) as exc:
        override(ws_of("example"), "ulmo", "mitx", "learning", **options)
    assert exc.value.exit_code == 2
    assert exc.value.hint


def test_set_hint_shows_the_accepted_forms_and_the_constants():
    with pytest.raises(InputError) as exc:
        override(
            ws_of("constants_branding_overrides"),
            "quince",
            "campus",
            "learning",
            sets=["branding_overrides=open('x').read()"],
        )
    assert "JSON" in exc.value.hint and "SHARED_OVERRIDES" in exc.value.hint


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ulmo", "mitx", "no-such-app"), "unknown application"),
        (("ulmo", "nowhere", "learning"), "unknown deployment 'nowhere'"),
        (("ulmo", "mitxonline", "learning"), "has no 'mitxonline' list"),
        (("zebra", "mitx", "learning"), "unknown ReleaseMap block"),
        (("ulmo", "mitx", "profile"), "not enabled"),
    ],
)
def test_missing_things_are_input_errors(args, message):
    with pytest.raises(InputError, match=message):
        override(ws_of("example"), *args, branch="x/y")


def test_disable_app_of_an_absent_entry_is_an_input_error():
    with pytest.raises(InputError, match="not enabled"):
        disable_app(ws_of("example"), "profile", "ulmo", "mitx")


def test_string_values_with_quotes_are_escaped_data_not_code():
    ws = ws_of("example")
    evil = '"); import os; ("'
    change = override(
        ws,
        "ulmo",
        "mitx",
        "learning",
        sets=[f"translation_overrides={json.dumps([evil])}"],
    )
    entry = next(
        e
        for e in change.new_model.to_json()["release_map"]["ulmo"]["mitx"]
        if e["application"] == "learning"
    )
    assert entry["translation_overrides"] == [evil]
    assert "import os" not in change.new_matrix.replace(json.dumps([evil])[1:-1], "")


# --- a file laid out wider than 88: one-line entries stay on one line --------------------

ONE_LINE = Path(__file__).parent / "fixtures" / "one_line_entries"


def one_line_ws():
    return workspace(
        (ONE_LINE / "types.py").read_text(encoding="utf-8"),
        (ONE_LINE / "version_matrix.py").read_text(encoding="utf-8"),
    )


def test_one_line_fixture_reads_as_python_evaluates_it():
    assert one_line_ws().model.to_json() == oracle(ONE_LINE)


def test_one_line_entry_keeps_its_line():
    ws = one_line_ws()
    change = override(ws, "olive", "campus", "forum", branch="campus/olive")
    old = (
        '            OpenEdxApplicationVersion(application="forum", '
        'application_type="IDA", release="olive"),\n'
    )
    new = old.replace(
        'release="olive")', 'release="olive", branch_override="campus/olive")'
    )
    assert change.new_matrix == replace_once(ws.matrix_src, old, new)
    back = override(ws.after(change), "olive", "campus", "forum", no_branch=True)
    assert back.new_matrix == ws.matrix_src


def test_one_line_entry_with_type_ignore_keeps_the_comment():
    ws = one_line_ws()
    change = override(ws, "olive", "campus", "edx-platform", runtime="3.8")
    assert (
        'release="olive", runtime_version_override="3.8"),  # type: ignore\n'
        in change.new_matrix
    )


def test_one_line_list_gets_a_one_line_entry_and_loses_it_again():
    ws = one_line_ws()
    change = enable_app(ws, "campus-theme", "olive", "campus")
    assert (
        '        "campus": [\n'
        '            OpenEdxApplicationVersion(application="campus-theme", '
        'application_type="IDA", release="olive"),\n'
    ) in change.new_matrix
    assert_ok(change)
    assert disable_app(
        ws.after(change), "campus-theme", "olive", "campus"
    ).new_matrix == (ws.matrix_src)


def test_removing_the_fork_origin_leaves_no_stray_comma_and_keeps_the_comment():
    ws = one_line_ws()
    change = override(ws, "olive", "campus", "gradebook", no_origin=True)
    assert (
        "            # The gradebook runs our fork for the grade export patch.\n"
        '            OpenEdxApplicationVersion(application="gradebook", '
        'application_type="MFE", release="olive"),\n'
    ) in change.new_matrix


# --- placement and conventions seen in real files -----------------------------------------


def test_a_list_with_one_entry_out_of_place_still_counts_as_alphabetical():
    ws = ws_of("example")
    # learning before learner-dashboard, as people write it, in ulmo's mitx list.
    ws2 = workspace(
        ws.types_src,
        replace_once(
            ws.matrix_src,
            '                application="learner-dashboard",\n'
            '                application_type="MFE",\n'
            '                release="ulmo",\n'
            "            ),\n"
            "            OpenEdxApplicationVersion(\n"
            '                application="learning",\n',
            '                application="learning",\n'
            '                application_type="MFE",\n'
            '                release="ulmo",\n'
            "            ),\n"
            "            OpenEdxApplicationVersion(\n"
            '                application="learner-dashboard",\n',
            after='"ulmo": {',
        ),
    )
    listed = [
        e["application"] for e in ws2.model.to_json()["release_map"]["ulmo"]["mitx"]
    ]
    assert listed.index("learning") < listed.index("learner-dashboard")  # one descent
    change = enable_app(ws2, "profile", "ulmo", "mitx")
    after = [
        e["application"]
        for e in change.new_model.to_json()["release_map"]["ulmo"]["mitx"]
    ]
    # Before the first entry that sorts after it (xqueue), not at the end.
    assert after.index("profile") == after.index("ora-grading") + 1
    assert after[-1] != "profile"


def test_a_new_entry_copies_the_type_ignore_every_entry_of_its_list_carries():
    ws = ws_of("example")
    pragma = ws.matrix_src.replace(
        '                application="forum",\n',
        '                application="forum",  # type: ignore\n',
    )
    # Only where every entry has it: give all of ulmo's xpro list the pragma.
    start = pragma.index('"xpro": [', pragma.index('"ulmo": {'))
    end = pragma.index("        ],", start)
    block = pragma[start:end]
    tagged = "\n".join(
        line + "  # type: ignore"
        if line.strip().startswith("application=") and "#" not in line
        else line
        for line in block.split("\n")
    )
    ws2 = workspace(ws.types_src, pragma[:start] + tagged + pragma[end:])
    change = enable_app(ws2, "gradebook", "ulmo", "xpro")
    assert (
        '                application="gradebook",  # type: ignore\n'
        in change.new_matrix
    )
    # In a list where one entry has it (the example's edx-platform), a new one does not.
    plain = enable_app(ws, "gradebook", "ulmo", "xpro")
    assert '                application="gradebook",\n' in plain.new_matrix


def test_set_values_that_fit_the_declared_type_are_accepted():
    ws = ws_of("example")  # translation_overrides: list[str] | None; branding: dict
    change = override(
        ws,
        "ulmo",
        "mitx",
        "learning",
        sets=["translation_overrides=null", 'branding_overrides={"a": "b"}'],
    )
    entry = next(
        e
        for e in change.new_model.to_json()["release_map"]["ulmo"]["mitx"]
        if e["application"] == "learning"
    )
    assert entry["branding_overrides"] == {"a": "b"}
    assert "translation_overrides=None," in change.new_matrix


def test_a_deployment_or_release_named_twice_is_edited_once():
    ws = ws_of("example")
    change = enable_app(ws, "profile", "ulmo,ulmo", "mitx-staging,mitx_staging")
    listed = change.new_model.to_json()["release_map"]["ulmo"]["mitx-staging"]
    assert [e["application"] for e in listed].count("profile") == 1
    assert check(change.new_model).ok
    off = disable_app(ws, "edx-platform", "master", "mitx-staging,mitx_staging")
    assert off.details == [
        "ReleaseMap['master']['mitx-staging']: edx-platform disabled"
    ]


def test_an_unknown_deployment_is_named_with_the_closest_one():
    with pytest.raises(InputError, match="unknown deployment 'mitxx'") as exc:
        override(ws_of("example"), "ulmo", "mitxx", "learning", branch="a/b")
    assert exc.value.hint.startswith("did you mean 'mitx'?")
