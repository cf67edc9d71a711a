"""``olx retire NAME --deployment D``: only D's lists leave ``ReleaseMap[NAME]``.

Before/after pairs with the exact new text, on the example and on every shape fixture;
the block goes with its last list (and its own comments); the Enum member stays.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import example_paths, invoke
from rewrite_support import (
    SHAPES,
    assert_ruff_clean,
    replace_once,
    sources,
    workspace,
    ws_of,
)

from olx.core.check import check
from olx.edit.change import Workspace
from olx.errors import GuardError, InputError
from olx.ops.promote import promote
from olx.ops.retire import retire, retire_deployments


def freed(ws: Workspace, *steps: tuple[str, str, str]) -> Workspace:
    """``ws`` after promoting each (deployments, stage, release) in turn."""
    for deps, stage, to in steps:
        ws = ws.after(promote(ws, deps, stage, to))
    return ws


def list_span(text: str, release: str, dep: str) -> tuple[int, int]:
    """Start and end of ``"dep": [...],`` inside ``"release": {`` (with the comment
    lines directly above it), found as plain text, independently of olx."""
    block = text.index(f'    "{release}": {{\n')
    start = text.index(f'        "{dep}": [\n', block)
    while text.rfind("\n", 0, start - 1) >= 0:
        line_start = text.rfind("\n", 0, start - 1) + 1
        if not text[line_start:start].lstrip().startswith("#"):
            break
        start = line_start
    closing = "\n        ],\n"  # at the list's own indentation, not a nested one
    end = text.index(closing, start) + len(closing)
    return start, end


def without_list(text: str, release: str, dep: str) -> str:
    start, end = list_span(text, release, dep)
    return text[:start] + text[end:]


# fixture, release, deployment, promotions that free it, where the list sits
SHAPE_CASES = [
    pytest.param(
        "example", "ulmo", "xpro", [("xpro", "CI", "teak")], id="example-last-list"
    ),
    pytest.param(
        "example",
        "teak",
        "mitx-staging",
        [("mitx-staging", "Production", "ulmo")],
        id="example-middle-list",
    ),
    pytest.param(
        "two_field_open_release",
        "olive",
        "campus-staging",
        [("campus-staging", "Production", "palm")],
        id="two-field-last-list",
    ),
    pytest.param(
        "four_field_dot_master_enum_refs",
        "sumac",
        "campus",
        [("campus", "QA", "redwood"), ("campus", "CI", "redwood")],
        id="enum-refs-first-list-with-inner-comment",
    ),
    pytest.param(
        "four_field_strenum",
        "ulmo",
        "campus",
        [("campus", "CI", "teak")],
        id="strenum-first-list-type-ignore-comments",
    ),
    pytest.param(
        "constants_branding_overrides",
        "redwood",
        "campus",
        [("campus", "QA", "quince"), ("campus", "CI", "quince")],
        id="constants-first-of-three",
    ),
]


@pytest.mark.parametrize(("fixture", "release", "dep", "steps"), SHAPE_CASES)
def test_one_list_goes_and_nothing_else(fixture, release, dep, steps, tmp_path):
    ws = freed(ws_of(fixture), *steps)
    change = retire(ws, release, deployments=[dep])
    assert change.new_matrix == without_list(ws.matrix_src, release, dep)
    assert change.new_types == ws.types_src  # the Enum member stays
    assert [e.shown for e in change.edits] == ["version_matrix.py"]
    assert change.new_model is not None
    assert change.new_model.types.release(release) is not None
    assert check(change.new_model).ok
    assert_ruff_clean(tmp_path, version_matrix=change.new_matrix)
    # a second run changes nothing and says why
    again = retire(ws.after(change), release, deployments=[dep])
    assert not again.changed
    assert again.notes == [f"ReleaseMap[{release!r}] has no list for {dep}"]


def test_every_shape_fixture_is_covered():
    shapes = {p.name for p in SHAPES.iterdir() if (p / "version_matrix.py").is_file()}
    covered = {case.values[0] for case in SHAPE_CASES}
    assert shapes <= covered


def test_example_xpro_exact_text_summary_branch_and_details():
    ws = freed(ws_of("example"), ("xpro", "CI", "teak"))
    change = retire(ws, "ulmo", deployments=["xpro"])
    # the exact seam: mitx-staging's list closes, then the block does
    seam = (
        '                runtime_version_override="3.11",\n'
        "            ),\n"
        "        ],\n"
        "    },\n"
        "    # Upstream development: MITx Online ships it every week, and the CI\n"
    )
    assert seam in change.new_matrix
    assert "fix that xPro relies on" not in change.new_matrix  # its own comment went
    assert change.summary == "Retire ulmo for xpro"
    assert change.branch == "olx/retire-ulmo-xpro"
    assert change.details == ["ReleaseMap['ulmo']['xpro'] removed (10 applications)"]
    assert change.follow_up_word is None  # ulmo is still a release: no checklist
    assert list(change.new_model.to_json()["release_map"]["ulmo"]) == [
        "mitx",
        "mitx-staging",
    ]


def test_member_names_comma_lists_and_repeated_options_are_one_change():
    ws = freed(
        ws_of("example"),
        ("mitx-staging", "Production", "ulmo"),
        ("xpro", "QA", "ulmo"),
        ("xpro", "Production", "ulmo"),
    )
    expected = without_list(
        without_list(ws.matrix_src, "teak", "xpro"), "teak", "mitx-staging"
    )
    comma = retire(ws, "teak", deployments=["mitx_staging,xpro"])
    repeated = retire_deployments(ws, "teak", ["xpro", "mitx-staging"])
    assert comma.new_matrix == repeated.new_matrix == expected
    assert comma.branch == "olx/retire-teak-mitx-staging-xpro"
    assert comma.summary == "Retire teak for mitx-staging, xpro"
    assert list(comma.new_model.to_json()["release_map"]["teak"]) == ["mitx"]


OLIVE_COMMENTED = (
    "    # Olive: the spring term's release.\n"
    '    "olive": {\n'
    "        # Campus runs our fork until the term ends.\n"
    '        "campus": [\n'
)


def commented_olive() -> Workspace:
    """two_field_open_release, olive used by no stage, with comments on its block, its
    first list and the next block."""
    types_src, matrix_src = sources("two_field_open_release")
    matrix_src = matrix_src.replace(
        'OpenEdxSupportedRelease["olive"]', 'OpenEdxSupportedRelease["palm"]'
    )
    matrix_src = replace_once(
        matrix_src, '    "olive": {\n        "campus": [\n', OLIVE_COMMENTED
    )
    matrix_src = replace_once(
        matrix_src, '    "palm": {\n', '    # Palm: current.\n    "palm": {\n'
    )
    return workspace(types_src, matrix_src)


def test_a_list_goes_with_its_own_comment_and_the_block_comment_stays(tmp_path):
    ws = commented_olive()
    change = retire(ws, "olive", deployments=["campus"])
    start = ws.matrix_src.index("        # Campus runs our fork")
    end = ws.matrix_src.index('        "campus-staging": [\n')
    assert change.new_matrix == ws.matrix_src[:start] + ws.matrix_src[end:]
    assert (
        '    # Olive: the spring term\'s release.\n    "olive": {\n'
        '        "campus-staging": [\n'
    ) in change.new_matrix
    assert_ruff_clean(tmp_path, version_matrix=change.new_matrix)


def test_the_last_list_takes_the_block_and_its_comments_with_it(tmp_path):
    ws = commented_olive()
    first = retire(ws, "olive", deployments=["campus"])
    last = retire(ws.after(first), "olive", deployments=["campus-staging"])
    start = ws.matrix_src.index("    # Olive: the spring term")
    end = ws.matrix_src.index("    # Palm: current.\n")
    assert last.new_matrix == ws.matrix_src[:start] + ws.matrix_src[end:]
    assert '] = {\n    # Palm: current.\n    "palm": {\n' in last.new_matrix
    assert last.new_types == ws.types_src  # olive stays a supported release
    assert last.details == [
        "ReleaseMap['olive']['campus-staging'] removed (1 applications)",
        "ReleaseMap['olive'] removed (its last list went)",
    ]
    assert "olive" not in last.new_model.to_json()["release_map"]
    assert check(last.new_model).ok
    assert_ruff_clean(tmp_path, version_matrix=last.new_matrix)
    # both lists at once: the same text, in one change
    both = retire(ws, "olive", deployments=["campus,campus-staging"])
    assert both.new_matrix == last.new_matrix
    # the block is gone, the release is not: nothing to do
    again = retire(ws.after(last), "olive", deployments=["campus"])
    assert not again.changed
    assert again.notes == ["olive has no ReleaseMap block"]


def test_a_key_outside_the_deployment_enum_is_taken_as_typed():
    ws = commented_olive()
    matrix_src = replace_once(
        ws.matrix_src,
        '        "campus-staging": [\n',
        '        "old-site": [\n',
        after='    "olive": {\n',
    )
    ws = workspace(ws.types_src, matrix_src)
    change = retire(ws, "olive", deployments=["old-site"])
    assert change.new_matrix == without_list(matrix_src, "olive", "old-site")
    with pytest.raises(InputError) as exc:
        retire(ws, "olive", deployments=["old-sight"])
    assert exc.value.message == "unknown deployment 'old-sight'"
    assert "did you mean 'old-site'?" in (exc.value.hint or "")


def test_refused_while_a_stage_of_the_deployment_uses_it_naming_the_stages():
    ws = ws_of("example")
    with pytest.raises(GuardError) as exc:
        retire(ws, "teak", deployments=["xpro"])
    assert (
        exc.value.message == "refused: teak is still used by xpro QA, xpro Production"
    )
    assert exc.value.exit_code == 1
    # only the named deployment's stages count: mitx still uses teak, xpro no more
    ws = freed(ws, ("xpro", "QA", "ulmo"), ("xpro", "Production", "ulmo"))
    assert retire(ws, "teak", deployments=["xpro"]).changed


@pytest.mark.parametrize("flag", ["block_only", "enum_only"])
def test_deployment_with_block_only_or_enum_only_is_an_input_error(flag):
    with pytest.raises(InputError, match=r"--deployment .* excludes --"):
        retire(ws_of("example"), "ulmo", deployments=["xpro"], **{flag: True})


def test_unknown_deployment_and_invalid_name_are_input_errors():
    with pytest.raises(InputError, match="unknown deployment 'xpr'"):
        retire(ws_of("example"), "ulmo", deployments=["xpr"])
    with pytest.raises(InputError):
        retire(ws_of("example"), "Ulmo", deployments=["xpro"])


def test_a_name_in_neither_file_asks_the_history():
    ws = ws_of("example")
    with pytest.raises(InputError, match="unknown release 'olive'"):
        retire(ws, "olive", deployments=["xpro"], retired_in=lambda name: None)
    gone = retire(
        ws, "olive", deployments=["xpro"], retired_in=lambda name: "abc1234567"
    )
    assert not gone.changed
    assert gone.notes == ["olive is already retired (left types.py in abc1234567)"]


# ---------------------------------------------------------------- command line


def test_cli_retire_deployment_commits_on_its_branch(example_repo: Path):
    step = invoke(
        "--repo", example_repo, "promote", "xpro", "CI", "teak", "--no-commit"
    )
    assert step.exit_code == 0, step.output
    import git

    with git.Repo(example_repo) as repo:
        repo.git.commit("-am", "config: Promote teak to CI for xpro")
    _, matrix = example_paths(example_repo)
    before = matrix.read_text(encoding="utf-8")
    result = invoke("--repo", example_repo, "retire", "ulmo", "--deployment", "xpro")
    assert result.exit_code == 0, result.output
    assert matrix.read_text(encoding="utf-8") == without_list(before, "ulmo", "xpro")
    with git.Repo(example_repo) as repo:
        assert repo.active_branch.name == "olx/retire-ulmo-xpro"
        assert repo.head.commit.summary == "config: Retire ulmo for xpro"
    again = invoke("--repo", example_repo, "retire", "ulmo", "--deployment", "xpro")
    assert again.exit_code == 0, again.output
    assert "ReleaseMap['ulmo'] has no list for xpro" in again.stdout
    checked = invoke("--repo", example_repo, "check")
    assert checked.exit_code == 0, checked.output


def test_cli_retire_deployment_refusal_and_input_errors(example_repo: Path):
    refused = invoke("--repo", example_repo, "retire", "teak", "--deployment", "xpro")
    assert refused.exit_code == 1
    assert "xpro QA, xpro Production" in refused.stderr
    both = invoke(
        "--repo", example_repo, "retire", "ulmo", "--deployment", "xpro", "--block-only"
    )
    assert both.exit_code == 2
    assert "excludes --block-only" in both.stderr
