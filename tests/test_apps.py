"""``add-app`` and ``set-app`` as before/after pairs, and through the CLI (remove-app:
test_remove_app.py).

Every rewrite test states the old text and exactly the lines that must change: the new
text must equal the old one with only those lines replaced.
"""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke
from oracle import oracle
from rewrite_support import (
    SHAPES,
    assert_ruff_clean,
    replace_once,
    sources,
    workspace,
)

from olx.core.check import check
from olx.edit.change import Workspace
from olx.errors import InputError
from olx.ops.apps import add_app, set_app

OWN = Path(__file__).parent / "fixtures" / "apps_exploded"
SHAPE_NAMES = sorted(p.name for p in SHAPES.iterdir() if p.is_dir())
FIXTURES = [*SHAPE_NAMES, "example", "apps_exploded"]
NOTES = "https://github.com/openedx/edx-notes-api2"
ORA = "https://github.com/openedx/frontend-app-ora-grading"


def src(name: str) -> tuple[str, str]:
    if name == "apps_exploded":
        return (
            (OWN / "types.py").read_bytes().decode(),
            (OWN / "version_matrix.py").read_bytes().decode(),
        )
    return sources(name)


def ws(name: str) -> Workspace:
    return workspace(*src(name))


def exploded(indent: str, name: str, *items: str) -> str:
    inner = "".join(f'{indent}    "{item}",\n' for item in items)
    return f"{indent}{name} = (\n{inner}{indent})\n"


def test_own_fixture_reads_as_python_runs_it():
    # The oracle executes the files: the fixture is valid, and olx reads it exactly.
    assert ws("apps_exploded").model.to_json() == oracle(OWN)


# --- add-app -----------------------------------------------------------------------------

ONE_LINE = f'    notes_api2 = ("notes-api2", "{NOTES}")\n'
NOTES_LINE = '    notes = ("notes-api", "https://github.com/openedx/edx-notes-api")\n'
IDA_ADDED = [
    # (fixture, the text the new member follows, the new member)
    ("example", NOTES_LINE, ONE_LINE),
    # members not in alphabetical order: last
    ("two_field_open_release", '    theme = ("campus-theme", "")\n', ONE_LINE),
    # the member before it is exploded: so is the new one
    (
        "four_field_dot_master_enum_refs",
        '        "https://github.com/openedx/edx-platform",\n    )\n',
        exploded("    ", "notes_api2", "notes-api2", NOTES),
    ),
    ("four_field_strenum", NOTES_LINE, ONE_LINE),
    (
        "constants_branding_overrides",
        '    edxapp = ("edx-platform", "https://github.com/openedx/edx-platform")\n',
        ONE_LINE,
    ),
    # exploded, after a member with a trailing comment, before one with its own comment
    (
        "apps_exploded",
        "    )  # replaced cs_comments_service\n",
        exploded("    ", "notes_api2", "notes-api2", NOTES),
    ),
]


@pytest.mark.parametrize(("fixture", "after", "added"), IDA_ADDED)
def test_add_ida_in_the_members_order_and_layout(fixture, after, added, tmp_path):
    types_src, matrix_src = src(fixture)
    change = add_app(workspace(types_src, matrix_src), "notes-api2", "IDA", NOTES)
    assert change.new_types == replace_once(types_src, after, after + added)
    assert change.new_matrix == matrix_src
    assert change.summary == "Add application notes-api2 (IDA)"
    assert change.details == [f"OpenEdxApplication.notes_api2: notes-api2, {NOTES}"]
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, types=change.new_types)


ORA_EXPLODED = exploded("    ", "ora_grading", "ora-grading", ORA, "ora-grading")
LEARN = '    learn = ("learning", "https://github.com/openedx/frontend-app-learning", "learn")\n'

MFE_ADDED = [
    ("two_field_open_release", LEARN, ORA_EXPLODED),
    ("four_field_dot_master_enum_refs", '        "discuss",\n    )\n', ORA_EXPLODED),
    ("four_field_strenum", LEARN, ORA_EXPLODED),
    ("constants_branding_overrides", LEARN, ORA_EXPLODED),
    # gradebook, learn, account: not sorted, so last
    ("apps_exploded", '        "account",\n    )\n', ORA_EXPLODED),
]


@pytest.mark.parametrize(("fixture", "after", "added"), MFE_ADDED)
def test_add_mfe_path_defaults_to_the_value(fixture, after, added, tmp_path):
    types_src, matrix_src = src(fixture)
    change = add_app(workspace(types_src, matrix_src), "ora-grading", "mfe", ORA)
    assert change.new_types == replace_once(types_src, after, after + added)
    added_app = change.new_model.types.applications
    assert [a.path for a in added_app if a.value == "ora-grading"] == ["ora-grading"]
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_add_mfe_first_alphabetically_keeps_the_blank_line_above_members(tmp_path):
    types_src, _ = src("example")
    change = add_app(ws("example"), "about", "MFE", "https://github.com/o/about")
    first = '    authoring = (\n        "authoring",\n'
    # authoring is exploded, but it follows nothing: the neighbour is authoring itself
    new = exploded("    ", "about", "about", "https://github.com/o/about", "about")
    assert change.new_types == replace_once(types_src, first, new + first)
    assert "        return mfe\n\n    about = (\n" in change.new_types
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_add_mfe_after_a_one_line_member_is_one_line_when_it_fits():
    types_src, _ = src("example")
    change = add_app(
        ws("example"), "learn-x", "MFE", "https://github.com/o/lx", path="lx"
    )
    new = '    learn_x = ("learn-x", "https://github.com/o/lx", "lx")\n'
    assert change.new_types == replace_once(types_src, LEARN, LEARN + new)
    apps = [a["member"] for a in change.new_model.to_json()["applications"]]
    assert apps.index("learn_x") == apps.index("learn") + 1


def test_add_ida_too_long_for_one_line_is_exploded(tmp_path):
    types_src, _ = src("example")
    url = "https://github.com/example-learning/an-application-with-a-long-repository"
    change = add_app(ws("example"), "notes-api2", "IDA", url)
    note = '    notes = ("notes-api", "https://github.com/openedx/edx-notes-api")\n'
    assert change.new_types == replace_once(
        types_src, note, note + exploded("    ", "notes_api2", "notes-api2", url)
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_add_app_keeps_single_quotes_of_the_neighbour():
    types_src, matrix_src = src("example")
    single = "    notes = ('notes-api', 'https://github.com/openedx/edx-notes-api')\n"
    types_src = replace_once(
        types_src,
        '    notes = ("notes-api", "https://github.com/openedx/edx-notes-api")\n',
        single,
    )
    change = add_app(workspace(types_src, matrix_src), "notes-api2", "IDA", NOTES)
    added = f"    notes_api2 = ('notes-api2', '{NOTES}')\n"
    assert change.new_types == replace_once(types_src, single, single + added)


def test_add_app_member_option_names_the_member():
    change = add_app(ws("example"), "notes-api2", "IDA", NOTES, member="annotations")
    assert '    annotations = ("notes-api2", ' in change.new_types
    assert change.new_model.types.applications[0].member == "annotations"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("notes-api", "IDA", "https://github.com/o/other"), "another repository"),
        (
            ("learning", "MFE", "https://github.com/openedx/frontend-app-learning"),
            None,  # same fields: handled below as a no-op
        ),
        (("learning", "IDA", "https://github.com/x/y"), "already an MFE"),
        (("notes-api3", "IDA", NOTES, None, "notes"), "already has a member named"),
        (("notes-api3", "IDA", NOTES, None, "learn"), "already has a member named"),
        (("repository", "IDA", NOTES), "the class defines it"),
        (("value", "MFE", NOTES), "Enum reserves it"),
        (("x", "IDA", NOTES, None, "mro"), "Enum reserves it"),
        (("x", "IDA", NOTES, "x"), "--path is for an MFE only"),
        (("x", "DJANGO", NOTES), "unknown application type"),
    ],
)
def test_add_app_refusals_name_the_reason_and_the_same_member_is_a_no_op(args, message):
    if message is None:
        assert not add_app(ws("example"), *args).changed
        return
    with pytest.raises(InputError) as exc:
        add_app(ws("example"), *args)
    assert exc.value.exit_code == 2
    assert message in exc.value.message


def test_add_app_present_with_other_fields_hints_set_app():
    with pytest.raises(InputError) as exc:
        add_app(ws("example"), "learning", "MFE", ORA, path="other")
    assert exc.value.hint == "change it with olx set-app learning"
    assert "repository" in exc.value.message and "path 'learn'" in exc.value.message


def test_add_mfe_path_on_a_two_field_mfe_enum_is_an_input_error():
    types_src, matrix_src = src("two_field_open_release")
    # The same file with MFE members of two fields (no path).
    two = replace_once(types_src, '        "gradebook",\n    )\n', "    )\n")
    two = replace_once(two, '-learning", "learn")\n', '-learning")\n')
    start = workspace(two, matrix_src)
    assert [a.path for a in start.model.types.applications] == [None] * 5
    with pytest.raises(InputError, match="no path"):
        add_app(start, "about", "MFE", NOTES, path="about")
    change = add_app(start, "about", "MFE", NOTES)
    # first alphabetically, before the exploded grades: exploded, two fields
    assert exploded("    ", "about", "about", NOTES) + "    grades = (\n" in (
        change.new_types
    )


BAD_VALUES = ['a"b', "a'b", "a\nb", "a\\b", "a\x00b", "a b", "A", "", "x" * 300, "a\u200bb"]  # fmt: skip
BAD_URLS = [
    "javascript:x", "http://github.com/o/r", "http://", "file:///etc/passwd", "",
    'https://github.com/o/r", "x', "https://github.com/o/r\n", "https://github.com/o/r\\",
    "https://github.com/o/r\x00", "https://github.com/o/\u200br",
    "https://github.com/" + "r" * 300, "https://github.com/o/r x",
]  # fmt: skip
BAD_PATHS = ['p"', "p\n", "p\\", "/p", "p/", "a b", "p\x00", "p\u200b", "x" * 300, ".."]
BAD_MEMBERS = ["class", "def", "1x", "a-b", "a b", 'x"', "x\n", "é", "x\u200b", "_x"]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_add_app_of_an_invalid_value_is_an_input_error(value):
    with pytest.raises(InputError) as exc:
        add_app(ws("example"), value, "IDA", NOTES)
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("url", BAD_URLS)
def test_add_and_set_app_bad_repositories(url):
    with pytest.raises(InputError) as exc:
        add_app(ws("example"), "x", "IDA", url)
    assert exc.value.exit_code == 2
    with pytest.raises(InputError):
        set_app(ws("example"), "notes-api", repository=url)


@pytest.mark.parametrize("path", BAD_PATHS)
def test_add_and_set_app_bad_paths(path):
    with pytest.raises(InputError):
        add_app(ws("example"), "x", "MFE", NOTES, path=path)
    with pytest.raises(InputError):
        set_app(ws("example"), "learning", path=path)


@pytest.mark.parametrize("member", BAD_MEMBERS)
def test_add_app_of_an_invalid_member_name_is_an_input_error(member):
    with pytest.raises(InputError) as exc:
        add_app(ws("example"), "x", "IDA", NOTES, member=member)
    assert "member name" in exc.value.message


def test_add_app_ssh_repository_is_accepted():
    change = add_app(ws("example"), "x", "IDA", "git@github.com:o/x.git")
    assert '    x = ("x", "git@github.com:o/x.git")\n' in change.new_types


# --- set-app -----------------------------------------------------------------------------


def test_set_app_repository_changes_only_that_string(tmp_path):
    types_src, matrix_src = src("example")
    change = set_app(ws("example"), "forum", repository="https://github.com/o/forum")
    assert change.new_types == replace_once(
        types_src,
        '"https://github.com/openedx/forum")',
        '"https://github.com/o/forum")',
    )
    assert change.new_matrix == matrix_src
    assert change.summary == "Set repository of application forum"
    assert change.details == [
        "OpenEdxApplication.forum: repository https://github.com/openedx/forum → "
        "https://github.com/o/forum"
    ]
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_set_app_path_of_an_exploded_member_by_member_name():
    types_src, _ = src("example")
    change = set_app(ws("example"), "discussions", path="discussions")
    assert change.new_types == replace_once(
        types_src, '        "discuss",\n', '        "discussions",\n'
    )
    again = set_app(ws("example"), "discussions", path="discuss")
    assert not again.changed
    assert again.notes == ["discussions already has that path"]


def test_set_app_keeps_single_quotes():
    types_src, matrix_src = src("example")
    types_src = replace_once(
        types_src,
        '"https://github.com/openedx/forum")',
        "'https://github.com/openedx/forum')",
    )
    change = set_app(workspace(types_src, matrix_src), "forum", repository=NOTES)
    assert change.new_types == replace_once(
        types_src, "'https://github.com/openedx/forum')", f"'{NOTES}')"
    )


def test_set_app_past_the_line_length_explodes_like_ruff(tmp_path):
    types_src, _ = src("example")
    url = "https://github.com/openedx/frontend-app-learning-with-a-longer-name"
    change = set_app(ws("example"), "learn", repository=url)
    assert change.new_types == replace_once(
        types_src, LEARN, exploded("    ", "learn", "learning", url, "learn")
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_set_app_explodes_with_the_trailing_comment_after_the_paren(tmp_path):
    types_src, _ = src("apps_exploded")
    line = (
        '    gradebook = ("gradebook", "https://github.com/openedx/gradebook", "gb")'
        "  # short\n"
    )
    change = set_app(ws("apps_exploded"), "gradebook", path="gradebook-and-more")
    new = exploded(
        "    ", "gradebook", "gradebook", "https://github.com/openedx/gradebook",
        "gradebook-and-more",
    )  # fmt: skip
    assert change.new_types == replace_once(
        types_src, line, new.replace(")\n", ")  # short\n")
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


def test_set_app_split_literal_becomes_one_literal(tmp_path):
    types_src, _ = src("constants_branding_overrides")
    old = (
        "        (\n"
        '            "https://github.com/example-org/"\n'
        '            "frontend-app-course-catalog-with-a-deliberately-long-repository-name"\n'
        "        ),\n"
    )
    change = set_app(
        ws("constants_branding_overrides"), "catalog", repository="https://x.org/c"
    )
    assert change.new_types == replace_once(
        types_src, old, '        "https://x.org/c",\n'
    )
    assert_ruff_clean(tmp_path, types=change.new_types)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_set_app_there_and_back_is_byte_identical(fixture):
    start = ws(fixture)
    for app in start.model.types.applications:
        there = set_app(start, app.value, repository="https://x.org/r")
        assert there.changed and check(there.new_model).ok
        if app.repository == "":
            continue  # an empty repository is not a URL: set-app cannot write it
        back = set_app(start.after(there), app.value, repository=app.repository)
        assert back.new_model.to_json() == start.model.to_json()
        if app.member == "catalog":  # a split literal comes back as one literal
            assert back.new_types != start.types_src
        else:
            assert back.new_types == start.types_src, app.value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "nothing to set"),
        ({"path": "x"}, "only an MFE has a path"),
    ],
)
def test_set_app_input_errors_name_the_reason(kwargs, message):
    with pytest.raises(InputError) as exc:
        set_app(ws("example"), "notes-api", **kwargs)
    assert message in exc.value.message


def test_set_app_unknown_application_suggests_the_closest():
    with pytest.raises(InputError) as exc:
        set_app(ws("example"), "notes-apii", repository=NOTES)
    assert exc.value.message == "unknown application 'notes-apii'"
    assert exc.value.hint.startswith("did you mean 'notes-api'?")


# --- CLI ---------------------------------------------------------------------------------


def branches(repo: Path) -> list[str]:
    return sorted(h.name for h in git.Repo(repo).heads)


def test_cli_add_app_dry_run_writes_nothing(example_repo: Path):
    types, _ = example_paths(example_repo)
    before = types.read_bytes()
    result = invoke(
        "--repo", example_repo, "add-app", "notes-api2", "--type", "IDA",
        "--repository", NOTES, "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f'+    notes_api2 = ("notes-api2", "{NOTES}")' in result.stdout
    assert "Add application notes-api2 (IDA)" in result.stdout
    assert types.read_bytes() == before
    assert branches(example_repo) == ["main"]


def test_cli_add_app_commits_on_its_branch(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "--json", "add-app", "ora-grading2", "--type", "MFE",
        "--repository", ORA, "--path", "ora2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["changed"] is True
    assert out["files"] == ["src/bridge/settings/openedx/types.py"]
    assert out["branch"] == "olx/add-app-ora-grading2"
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == out["branch"]
    assert repo.head.commit.hexsha == out["commit"]
    message = repo.head.commit.message
    assert message.startswith("config: Add application ora-grading2 (MFE)\n")
    # the body records the command line, re-runnable anywhere (no --repo path)
    assert "add-app" in message.split("\n\n", 1)[1]
    assert str(example_repo) not in message
    show = json.loads(invoke("--repo", example_repo, "show", "--json").stdout)
    assert {
        "value": "ora-grading2",
        "member": "ora_grading2",
        "type": "MFE",
        "repository": ORA,
        "path": "ora2",
    } in show["applications"]
    again = invoke(
        "--repo", example_repo, "add-app", "ora-grading2", "--type", "MFE",
        "--repository", ORA,
    )  # fmt: skip
    assert again.exit_code == 0
    assert "ora-grading2 is already present" in again.stdout


def test_cli_set_app_no_commit_and_check(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "set-app", "learn", "--path", "learning",
        "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "OpenEdxMicroFrontend.learn: path learn → learning" in result.stdout
    types, _ = example_paths(example_repo)
    assert (
        '    learn = ("learning", "https://github.com/openedx/frontend-app-learning", '
        '"learning")\n'
    ) in types.read_text()
    assert invoke("--repo", example_repo, "check").exit_code == 0
    assert branches(example_repo) == ["main"]


@pytest.mark.parametrize(
    "args",
    [
        ["add-app", "x", "--type", "IDA", "--repository", "javascript:x"],
        ["add-app", "x", "--type", "IDA", "--repository", "file:///x"],
        ["add-app", 'x"', "--type", "IDA", "--repository", NOTES],
        ["add-app", "x", "--type", "SPA", "--repository", NOTES],
        ["add-app", "x", "--type", "IDA", "--repository", NOTES, "--path", "p"],
        ["set-app", "forum"],
        ["set-app", "forum", "--path", "p"],
        ["set-app", "nope", "--repository", NOTES],
        ["remove-app", "nope"],
    ],
)
def test_cli_input_errors_exit_2_and_touch_neither_file_nor_branch(
    example_repo: Path, args: list[str]
):
    types, matrix = example_paths(example_repo)
    before = (types.read_bytes(), matrix.read_bytes())
    result = invoke("--repo", example_repo, "--json", *args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    assert error["exit_code"] == 2 and error["error"]
    assert (types.read_bytes(), matrix.read_bytes()) == before
    assert branches(example_repo) == ["main"]
