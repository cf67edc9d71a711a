"""``olx set-app VALUE --rename NEW``: the member's value (its name stays) and every
entry that names it as a string, in one change; Enum references stay as written.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest
from conftest import invoke
from oracle import oracle_of_sources
from rewrite_support import assert_ruff_clean, replace_once
from test_add_field import source, ws_of

from olx.core.check import check
from olx.errors import InputError
from olx.ops.rename_app import rename_app

OLD_REPO = "https://github.com/openedx/frontend-app-course-authoring"
NEW_REPO = "https://github.com/openedx/frontend-app-authoring"


def test_rename_changes_the_value_repository_path_and_string_entries(tmp_path):
    types_src, matrix_src = source("model_fields")
    change = rename_app(
        ws_of("model_fields"),
        "course-authoring",
        "authoring",
        repository=NEW_REPO,
        path="authoring",
    )
    assert change.new_types == replace_once(
        types_src,
        f'        "course-authoring",\n        "{OLD_REPO}",\n'
        '        "course-authoring",\n',
        f'        "authoring",\n        "{NEW_REPO}",\n        "authoring",\n',
    )
    # Strings are renamed in their own layout (the `# type: ignore` stays); the
    # hugged one-line entry stays hugged; Enum references are left as written.
    expected = matrix_src.replace(
        'application="course-authoring",  # type: ignore',
        'application="authoring",  # type: ignore',
    ).replace(
        'application="course-authoring", application_type="MFE", release="sumac"',
        'application="authoring", application_type="MFE", release="sumac"',
    )
    assert change.new_matrix == expected
    assert expected.count("OpenEdxMicroFrontend.course_authoring") == 2
    assert change.summary == "Rename course-authoring to authoring"
    assert change.branch == "olx/set-app-course-authoring-authoring"
    assert change.details == [
        "OpenEdxMicroFrontend.course_authoring: value course-authoring → authoring",
        f"OpenEdxMicroFrontend.course_authoring: repository {OLD_REPO} → {NEW_REPO}",
        "OpenEdxMicroFrontend.course_authoring: path course-authoring → authoring",
        "ReleaseMap['sumac']['campus']: application course-authoring → authoring",
        "ReleaseMap['sumac']['online']: application course-authoring → authoring",
        "2 entries written as an Enum reference name the member: unchanged, now "
        "authoring",
    ]
    assert change.follow_up_word == "course-authoring"
    model = change.new_model.to_json()
    apps = [
        e["application"]
        for deps in model["release_map"].values()
        for es in deps.values()
        for e in es
    ]
    assert apps.count("authoring") == 4 and "course-authoring" not in apps
    assert oracle_of_sources(change.new_types, change.new_matrix) == model
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, types=change.new_types, matrix=change.new_matrix)

    # Renamed back, the files are what they were, byte for byte.
    back = rename_app(
        ws_of("model_fields").after(change),
        "authoring",
        "course-authoring",
        repository=OLD_REPO,
        path="course-authoring",
    )
    assert (back.new_types, back.new_matrix) == (types_src, matrix_src)


def test_running_it_again_is_a_no_op_by_value_or_by_member():
    first = rename_app(
        ws_of("model_fields"), "course-authoring", "authoring", NEW_REPO, "authoring"
    )
    after = ws_of("model_fields").after(first)

    def history(value: str, member: str) -> str | None:
        held = (value, member) == ("course-authoring", "course_authoring")
        return '1a2b3c4d5e 2025-01-01 "config: Rename"' if held else None

    for value in ("course-authoring", "course_authoring"):
        again = rename_app(after, value, "authoring", NEW_REPO, "authoring", history)
        assert not again.changed
        assert again.notes == [
            f"{value} is already renamed to authoring "
            "(OpenEdxMicroFrontend.course_authoring)"
        ]
    bare = rename_app(after, "course-authoring", "authoring", renamed_in=history)
    assert not bare.changed
    # Without a history that held it, an old value is not known.
    with pytest.raises(InputError, match="unknown application 'course-authoring'"):
        rename_app(after, "course-authoring", "authoring")
    with pytest.raises(InputError) as info:
        rename_app(
            after, "course-authoring", "authoring", path="author", renamed_in=history
        )
    assert info.value.message == (
        "course-authoring is already renamed to authoring, whose path is 'authoring' "
        "differs from what you asked"
    )


def test_the_rename_of_an_entry_without_repository_keeps_the_member_fields():
    types_src, _ = source("model_fields")
    change = rename_app(ws_of("model_fields"), "forum", "discussion-forum")
    assert change.new_types == replace_once(
        types_src, '    forum = ("forum",', '    forum = ("discussion-forum",'
    )
    assert change.details == [
        "OpenEdxApplication.forum: value forum → discussion-forum"
    ]


@pytest.mark.parametrize(
    ("value", "new", "message"),
    [
        ("course-authoring", "learning", "learning is already taken by "
         "OpenEdxMicroFrontend.learn"),
        ("course-authoring", "edx-platform", "edx-platform is already taken by "
         "OpenEdxApplication.edxapp"),
        ("course-authoring", "Authoring!", "invalid application name 'Authoring!'"),
        ("curse-authoring", "authoring", "unknown application 'curse-authoring'"),
        ("edx-platform", "platform", None),  # fine: an IDA renamed
        ("forum", "forum2", None),
    ],
)  # fmt: skip
def test_rename_refuses_a_taken_invalid_or_unknown_name(value, new, message):
    if message is None:
        assert rename_app(ws_of("model_fields"), value, new).changed
        return
    with pytest.raises(InputError) as info:
        rename_app(ws_of("model_fields"), value, new)
    assert info.value.message == message


def test_a_path_for_an_ida_is_refused():
    with pytest.raises(InputError, match="is an IDA: only an MFE has a path"):
        rename_app(ws_of("model_fields"), "forum", "forum2", path="forum")


def test_cli_rename_lists_what_else_still_names_the_old_value(example_repo: Path):
    (example_repo / "cms.yml").write_text(
        "AUTHORING_URL: /authoring\nCOURSE_URL: /course-authoring\n"
    )
    subprocess.run(["git", "add", "cms.yml"], cwd=example_repo, check=True)
    subprocess.run(["git", "commit", "-qm", "cms"], cwd=example_repo, check=True)
    result = invoke(
        "--repo", example_repo, "set-app", "authoring", "--rename", "course-authoring",
        "--repository", OLD_REPO, "--path", "course-authoring",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == "olx/set-app-authoring-course-authoring"
    assert repo.head.commit.message.splitlines()[0] == (
        "config: Rename authoring to course-authoring"
    )
    # Mentions inside what the rename itself wrote (course-authoring) are no
    # leftovers; the member name, which stays, and another file's path are.
    follow = [line for line in result.stdout.splitlines() if "still mentions" in line]
    assert follow == [
        "  still mentions authoring: cms.yml:1:AUTHORING_URL: /authoring",
        "  still mentions authoring: src/bridge/settings/openedx/types.py:47:"
        "authoring = (",
    ]
    again = invoke(
        "--repo", example_repo, "set-app", "authoring", "--rename", "course-authoring",
        "--repository", OLD_REPO, "--path", "course-authoring",
    )  # fmt: skip
    assert again.exit_code == 0
    assert "already renamed to course-authoring" in again.stdout


def test_already_renamed_only_from_a_value_the_history_held(example_repo: Path):
    # A value the member never had is no rename that was done: an unknown name.
    wrong = invoke("--repo", example_repo, "set-app", "nosuch", "--rename", "notes-api")
    assert wrong.exit_code == 2, wrong.output
    assert "unknown application 'nosuch'" in wrong.output
    assert "already renamed" not in wrong.output
    done = invoke("--repo", example_repo, "set-app", "notes-api", "--rename", "notes")
    assert done.exit_code == 0, done.output
    # After the committed rename: by its old value or its member name, nothing to do.
    for value in ("notes-api", "notes"):
        again = invoke("--repo", example_repo, "set-app", value, "--rename", "notes")
        assert again.exit_code == 0, again.output
        assert "notes-api is already renamed" in again.stdout or value == "notes"
        assert "already" in again.stdout
    # Another application's value was never this member's: unknown, with the
    # closest name.
    stranger = invoke("--repo", example_repo, "set-app", "forum2", "--rename", "notes")
    assert stranger.exit_code == 2, stranger.output
    assert "unknown application 'forum2'" in stranger.output
    assert "forum" in stranger.output
