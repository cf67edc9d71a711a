"""Edge cases found in review: each one once let a write go wrong or exit 3."""

from __future__ import annotations

import json
import os
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke
from rewrite_support import replace_once, sources, workspace

from olx.core.reader import read_sources
from olx.errors import GuardError, InputError, ShapeError
from olx.ops.releases import add_release
from olx.ops.retire import retire


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


def test_retire_of_a_typo_says_so() -> None:
    # No history ever held "ulom": an unknown name, with the closest one suggested.
    with pytest.raises(InputError) as exc:
        retire(workspace(*sources("example")), "ulom", retired_in=lambda name: None)
    assert exc.value.message == "unknown release 'ulom'"
    assert (exc.value.hint or "").startswith("did you mean 'ulmo'?")


def test_a_member_defined_twice_is_a_shape_error() -> None:
    types_src, matrix_src = sources("example")
    twice = types_src.replace(
        '    ulmo = ("ulmo",', '    teak = ("teak", "x", "3", "4")\n    ulmo = ("ulmo",'
    )
    with pytest.raises(
        ShapeError, match=r"OpenEdxSupportedRelease\.teak is defined twice"
    ):
        read_sources(twice, matrix_src, "types.py", "version_matrix.py")


def test_a_bytes_value_is_a_shape_error() -> None:
    types_src, matrix_src = sources("example")
    matrix_src = matrix_src.replace(
        'branch_override="teak"', 'branch_override=b"teak"', 1
    )
    with pytest.raises(ShapeError, match="constant olx cannot show as JSON"):
        read_sources(types_src, matrix_src, "types.py", "version_matrix.py")


def test_a_byte_order_mark_is_read_and_kept(example_repo: Path) -> None:
    types, matrix = example_paths(example_repo)
    for path in (types, matrix):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert invoke("--repo", example_repo, "check").exit_code == 0
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 0, result.output
    assert matrix.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b'EnvRelease("QA", OpenEdxSupportedRelease["ulmo"])' in matrix.read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--types", "x.py", "--matrix", "x.py"], "name the same file"),
        (["--types", "/etc/hostname"], "is outside the repository"),
    ],
)
def test_target_files_that_cannot_be_written_safely(
    example_repo: Path, args: list[str], message: str
) -> None:
    (example_repo / "x.py").write_text("")
    result = invoke("--repo", example_repo, *args, "show")
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_symlinked_matrix_is_refused_for_writes(example_repo: Path) -> None:
    _, matrix = example_paths(example_repo)
    real = example_repo / "shared_matrix.py"
    matrix.rename(real)
    os.symlink(real, matrix)
    assert invoke("--repo", example_repo, "show").exit_code == 0
    result = invoke("--repo", example_repo, "promote", "xpro", "QA", "--no-commit")
    assert result.exit_code == 2
    assert "a symbolic link" in result.stderr
    assert matrix.is_symlink()


def test_clone_into_a_one_line_block_is_an_input_error(example_repo: Path) -> None:
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


def test_an_interrupted_commit_is_rolled_back(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, matrix = example_paths(example_repo)
    before = matrix.read_bytes()
    repo = git.Repo(example_repo)
    # Simulate Ctrl-C (or SIGTERM) arriving after the files were written.
    import olx.repo.gitops as gitops
    from olx.ops.promote import promote
    from olx.repo.apply import execute
    from olx.repo.targets import discover

    real = gitops.write_edits

    def write_then_interrupt(edits):
        real(edits)
        raise KeyboardInterrupt

    monkeypatch.setattr(gitops, "write_edits", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        execute(discover(str(example_repo)), lambda ws: promote(ws, "xpro", "QA", None))
    assert matrix.read_bytes() == before
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]
    assert not repo.index.diff("HEAD")


def test_a_failing_hook_is_one_error_line_then_its_output(example_repo: Path) -> None:
    hook = example_repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'ruff: 1 file would be reformatted'\nexit 1\n")
    hook.chmod(0o755)
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 2
    first, *rest = result.stderr.splitlines()
    assert first.startswith("olx: error: git commit failed")
    assert any("ruff: 1 file would be reformatted" in line for line in rest)
    as_json = invoke("--repo", example_repo, "--json", "promote", "xpro", "QA")
    assert "ruff: 1 file would be reformatted" in json.loads(as_json.stdout)["error"]


def test_ctrl_c_is_exit_130_without_traceback(
    example_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import olx.cli.entry as cli
    import olx.repo.targets as targets

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(targets, "load", interrupted)
    monkeypatch.setattr(cli, "INVOCATION", None)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--repo", str(example_repo), "show"])
    assert exit_.value.code == 130
    err = capsys.readouterr().err
    assert "olx: interrupted" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "value", ['{("a",): 1}', "float('inf')", "1e999"], ids=["tuple-key", "call", "inf"]
)
def test_values_json_cannot_hold_are_shape_errors(value: str) -> None:
    types_src, matrix_src = sources("example")
    matrix_src = matrix_src.replace(
        'branch_override="teak"', f"branch_override={value}", 1
    )
    with pytest.raises(ShapeError):
        read_sources(types_src, matrix_src, "types.py", "version_matrix.py")


def test_a_matrix_reached_through_a_symlinked_directory_is_refused(
    example_repo: Path,
) -> None:
    os.symlink(example_repo / "src", example_repo / "alias")
    alias = "alias/bridge/settings/openedx"
    result = invoke(
        "--repo", example_repo, "--types", f"{alias}/types.py",
        "--matrix", f"{alias}/version_matrix.py", "promote", "xpro", "QA",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "reached through) a symbolic link" in result.stderr


def test_a_full_disk_rolls_back_to_the_original_branch(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import olx.edit.fileio as fileio

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio, "_write_temp", full)
    result = invoke("--repo", example_repo, "promote", "xpro", "QA")
    assert result.exit_code == 2
    assert "No space left on device" in result.stderr
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == "main"
    assert [h.name for h in repo.heads] == ["main"]


@pytest.mark.parametrize(
    ("branch", "warned"),
    [
        ("olx/add-release-verawood", True),
        ("release/teakwood", True),
        ("release/verawood-rc1", False),
        ("release/verawood", False),
    ],
)
def test_add_release_branch_warning(branch: str, warned: bool) -> None:
    change = add_release(workspace(*sources("example")), "verawood", branch=branch)
    assert bool(change.warnings) is warned


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
