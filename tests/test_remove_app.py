"""``remove-app``: the member and every ReleaseMap entry of it, as before/after pairs.

Entries are written as strings, Enum attributes, ``.value`` and subscripts, with
comments around them; the new texts must equal the old ones with exactly those entries
(and their own comments) gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from conftest import invoke
from rewrite_support import assert_ruff_clean, replace_once, workspace
from test_apps import FIXTURES, LEARN, NOTES, ORA, src, ws

from olx.core.check import check
from olx.errors import InputError
from olx.ops.apps import add_app
from olx.ops.remove_app import remove_app

# --- rewrites ----------------------------------------------------------------------------


def entry(app: str, release: str, indent: str = "            ") -> str:
    return (
        f"{indent}OpenEdxApplicationVersion(\n"
        f'{indent}    application="{app}",\n'
        f'{indent}    application_type="IDA",\n'
        f'{indent}    release="{release}",\n'
        f"{indent}),\n"
    )


def test_remove_app_example_member_and_every_entry(tmp_path):
    types_src, matrix_src = src("example")
    change = remove_app(ws("example"), "notes-api")
    assert change.new_types == replace_once(
        types_src,
        '    notes = ("notes-api", "https://github.com/openedx/edx-notes-api")\n',
        "",
    )
    expected = matrix_src
    for release in ("teak", "ulmo", "master"):
        expected = expected.replace(entry("notes-api", release), "")
    assert expected.count("notes-api") == 0
    assert change.new_matrix == expected
    assert change.details[0] == "OpenEdxApplication.notes removed"
    assert all(d.endswith(": notes-api removed") for d in change.details[1:])
    assert len(change.details) == 1 + matrix_src.count('application="notes-api"')
    assert change.follow_up_word == "notes-api"
    assert change.summary == "Remove application notes-api (IDA)"
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_remove_app_takes_its_own_comment_with_it():
    types_src, _ = src("example")
    change = remove_app(ws("example"), "edxapp_theme")
    assert change.new_types == replace_once(
        types_src,
        "    # The theme has no upstream: every deployment names its own with "
        'origin_override.\n    theme = ("edxapp_theme", "")\n',
        "",
    )


def test_remove_app_entries_written_as_enum_references(tmp_path):
    types_src, matrix_src = src("four_field_dot_master_enum_refs")
    change = remove_app(ws("four_field_dot_master_enum_refs"), "learn")
    assert change.new_types == replace_once(types_src, LEARN, "")
    attribute = (
        "            OpenEdxApplicationVersion(\n"
        "                application=OpenEdxMicroFrontend.learn,\n"
        '                application_type="MFE",\n'
        '                release=OpenEdxSupportedRelease["redwood"],\n'
        "            ),\n"
    )
    value = (
        "            OpenEdxApplicationVersion(\n"
        "                application=OpenEdxMicroFrontend.learn.value,\n"
        '                application_type="MFE",\n'
        "                release=OpenEdxSupportedRelease.sumac.value,\n"
        "            ),\n"
    )
    assert change.new_matrix == replace_once(
        replace_once(matrix_src, attribute, ""), value, ""
    )
    assert change.details == [
        "OpenEdxMicroFrontend.learn removed",
        "ReleaseMap['redwood']['campus']: learning removed",
        "ReleaseMap['sumac']['campus']: learning removed",
    ]
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_remove_app_with_comments_around_entries_and_an_emptied_list(tmp_path):
    types_src, matrix_src = src("apps_exploded")
    change = remove_app(ws("apps_exploded"), "forum")
    assert change.new_types == replace_once(
        types_src,
        '    forum = (\n        "forum",\n        "https://github.com/openedx/forum",\n'
        "    )  # replaced cs_comments_service\n",
        "",
    )
    campus = (
        "            # The forum moved to the new service in palm.\n"
        "            OpenEdxApplicationVersion(\n"
        "                application=OpenEdxApplication.forum,\n"
        '                application_type="IDA",\n'
        '                release="palm",\n'
        "            ),  # checked by the forum team\n"
    )
    online = (
        '        "online": [\n'
        "            # Only the forum so far.\n"
        "            OpenEdxApplicationVersion(\n"
        '                application="forum", application_type="IDA", release="palm"\n'
        "            ),\n"
        "        ],\n"
    )
    master = (
        "            OpenEdxApplicationVersion(\n"
        '                application="forum", application_type="IDA", release="master"\n'
        "            ),\n"
    )
    expected = replace_once(matrix_src, campus, "")
    expected = replace_once(expected, online, '        "online": [],\n')
    expected = replace_once(expected, master, "")
    assert change.new_matrix == expected
    assert change.details == [
        "OpenEdxApplication.forum removed",
        "ReleaseMap['palm']['campus']: forum removed",
        "ReleaseMap['palm']['online']: forum removed",
        "ReleaseMap['palm']['online'] is now empty ([])",
        "ReleaseMap['master']['campus']: forum removed",
    ]
    assert change.new_model.to_json()["release_map"]["palm"]["online"] == []
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_remove_app_entry_written_as_a_subscript():
    _, matrix_src = src("apps_exploded")
    change = remove_app(ws("apps_exploded"), "learning")
    assert 'OpenEdxMicroFrontend["learn"]' not in change.new_matrix
    assert "# Learning is built from our fork." not in change.new_matrix
    # the forum entry's trailing comment above it stays
    assert "            ),  # checked by the forum team\n        ],\n" in (
        change.new_matrix
    )
    assert change.new_matrix.count("\n") == matrix_src.count("\n") - 7


@pytest.mark.parametrize("fixture", FIXTURES)
def test_remove_every_app_of_every_fixture(fixture, tmp_path):
    start = ws(fixture)
    for app in start.model.types.applications:
        change = remove_app(start, app.value)
        model = change.new_model.to_json()
        assert app.value not in [a["value"] for a in model["applications"]]
        assert all(
            e["application"] != app.value
            for deps in model["release_map"].values()
            for entries in deps.values()
            for e in entries
        )
        assert check(change.new_model).ok
        with pytest.raises(InputError, match="unknown application"):
            remove_app(start.after(change), app.value)
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)


def test_remove_app_refused_while_a_constant_refers_to_it():
    types_src, matrix_src = src("apps_exploded")
    matrix_src = replace_once(
        matrix_src,
        "\n\nReleaseMap:",
        "\n\nSHARED = [OpenEdxApplication.xqueue]\n\nReleaseMap:",
    )
    with pytest.raises(InputError) as exc:
        remove_app(workspace(types_src, matrix_src), "xqueue")
    assert "OpenEdxApplication.xqueue is still referenced" in exc.value.message
    line = matrix_src.splitlines().index("SHARED = [OpenEdxApplication.xqueue]") + 1
    assert exc.value.message.endswith(f"entries: version_matrix.py:{line}")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_add_app_twice_is_a_no_op_and_remove_app_undoes_it(fixture):
    start = ws(fixture)
    for value, kind, url in (
        ("notes-api2", "IDA", NOTES),
        ("ora-grading2", "MFE", ORA),
    ):
        first = add_app(start, value, kind, url)
        assert first.changed
        after = start.after(first)
        again = add_app(after, value, kind, url)
        assert not again.changed and again.new_types == first.new_types
        assert again.notes == [
            f"{value} is already present "
            f"(OpenEdx{'Application' if kind == 'IDA' else 'MicroFrontend'}."
            f"{value.replace('-', '_')})"
        ]
        undone = remove_app(after, value)
        assert undone.new_types == start.types_src
        assert undone.new_matrix == start.matrix_src


# --- CLI ---------------------------------------------------------------------------------


def test_cli_remove_app_json_lists_entries_and_follow_ups(example_repo: Path):
    notes = example_repo / "docs" / "apps.md"
    notes.parent.mkdir()
    notes.write_text("The xqueue-watcher grades code.\n")
    repo = git.Repo(example_repo)
    repo.index.add(["docs/apps.md"])
    repo.index.commit("docs")
    result = invoke(
        "--repo", example_repo, "--json", "remove-app", "xqueue-watcher",
        "--branch", "cleanup", "--message", "Drop the watcher",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["branch"] == "cleanup"
    assert len(out["files"]) == 2
    assert (
        "still mentions xqueue-watcher: docs/apps.md:1:The xqueue-watcher grades code."
        in (out["warnings"])
    )
    assert repo.head.commit.message.startswith("Drop the watcher\n")
    assert invoke("--repo", example_repo, "check").exit_code == 0
    # Run again: already gone from a name the history held (exit 0, said when) ...
    again = invoke("--repo", example_repo, "remove-app", "xqueue-watcher")
    assert again.exit_code == 0, again.output
    sha = repo.head.commit.hexsha[:10]
    assert again.stdout.startswith(
        f"xqueue-watcher is already removed (left types.py in {sha} "
    )
    assert again.stdout.rstrip().endswith('"Drop the watcher")')
    # ... while a name the history never held is an unknown name.
    human = invoke("--repo", example_repo, "remove-app", "xqueue-watchers")
    assert human.exit_code == 2
    assert "unknown application 'xqueue-watchers'" in human.stderr


def test_already_removed_after_a_rename_names_the_rename_commit(example_repo: Path):
    # The rename keeps the count of "learning" in types.py (value out, path in), so a
    # lookup that only sees commits changing that count misses it.
    renamed = invoke(
        "--repo", example_repo, "set-app", "learning", "--rename", "learning-mfe",
        "--path", "learning",
    )  # fmt: skip
    assert renamed.exit_code == 0, renamed.output
    sha = git.Repo(example_repo).head.commit.hexsha[:10]
    again = invoke("--repo", example_repo, "remove-app", "learning")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(
        f"learning is already removed (left types.py in {sha} "
    ), again.stdout
    assert "not committed" not in again.stdout
