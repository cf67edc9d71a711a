"""The read side through the CLI: show, check, errors, target discovery, init-example."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import (
    EXAMPLE_MATRIX,
    EXAMPLE_TYPES,
    GIT_IDENTITY_EMAIL,
    GIT_IDENTITY_NAME,
    example_paths,
    invoke,
    make_home,
    use_home,
)
from oracle import oracle

import olx
import olx.cli
import olx.cli.entry

GOLDEN_SHOW = Path(__file__).parent / "golden" / "example_show.json"
DEPLOYMENTS = ("mitx", "mitx-staging", "mitxonline", "xpro")
RELEASES = ("master", "teak", "ulmo")


def golden() -> dict:
    return json.loads(GOLDEN_SHOW.read_text(encoding="utf-8"))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def line_number(path: Path, needle: str, occurrence: int = 1, after: int = 0) -> int:
    """1-based line of the ``occurrence``-th line of ``path`` after line ``after``
    containing ``needle``."""
    hits = [
        i for i, text in enumerate(lines_of(path), 1) if i > after and needle in text
    ]
    assert len(hits) >= occurrence, f"{needle!r} not found {occurrence}x in {path}"
    return hits[occurrence - 1]


def replace_in_line(
    path: Path, needle: str, old: str, new: str, occurrence: int = 1
) -> int:
    """Replace ``old`` by ``new`` in the ``occurrence``-th line holding ``needle``."""
    line = line_number(path, needle, occurrence)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return line


def entry_start(path: Path, line: int) -> int:
    """The line of the ``OpenEdxApplicationVersion(`` call enclosing ``line``."""
    lines = lines_of(path)
    for i in range(line, 0, -1):
        if "OpenEdxApplicationVersion(" in lines[i - 1]:
            return i
    raise AssertionError(f"no entry above line {line}")


def check_json(repo: Path) -> tuple[int, dict]:
    result = invoke("--repo", repo, "--json", "check")
    return result.exit_code, json.loads(result.stdout)


def assert_reports(data: dict, rule: int, file: str, line: int) -> dict:
    """A violation of ``rule`` whose message names ``file:line``; returns it."""
    pattern = re.compile(rf"\b{re.escape(file)}:{line}\b")
    matching = [
        v
        for v in data["violations"]
        if v["rule"] == rule and pattern.search(v["message"])
    ]
    assert matching, (
        f"no rule {rule} violation naming {file}:{line}: {data['violations']}"
    )
    return matching[0]


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("olx: error:"), stderr
    return lines[0]


@pytest.fixture
def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the console entry ``olx.cli.main`` in process: (exit code, stdout, stderr)."""

    def run(*args: object) -> tuple[int, str, str]:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            olx.cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        code = info.value.code
        return (0 if code is None else code), out, err

    return run


# --- show ------------------------------------------------------------------------------


def test_show_json_matches_golden(example_repo: Path):
    result = invoke("--repo", example_repo, "show", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout) == golden()


def test_show_json_matches_oracle(example_repo: Path):
    result = invoke("--repo", example_repo, "show", "--json")
    assert result.exit_code == 0, result.output
    types_py, _ = example_paths(example_repo)
    want = oracle(types_py.parent)
    # Same text without sorting keys: source order everywhere.
    assert json.dumps(json.loads(result.stdout), indent=1) == json.dumps(want, indent=1)


def test_golden_is_the_oracle_of_the_packaged_example(tmp_path: Path):
    """The golden file is not just a snapshot of olx: running the example agrees."""
    from olx.example import example_sources

    folder = tmp_path / "example"
    folder.mkdir()
    sources = example_sources()
    (folder / "types.py").write_text(sources[EXAMPLE_TYPES], encoding="utf-8")
    (folder / "version_matrix.py").write_text(sources[EXAMPLE_MATRIX], encoding="utf-8")
    assert oracle(folder) == golden()


@pytest.mark.parametrize(
    "args",
    [("--json", "show"), ("show", "--json")],
    ids=["global-flag", "command-flag"],
)
def test_json_before_or_after_the_command_gives_the_same_object(
    example_repo: Path, args: tuple[str, ...]
):
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()


def test_show_json_through_console_entry(example_repo: Path, run_main):
    code, out, err = run_main("--repo", example_repo, "--json", "show")
    assert code == 0, err
    assert json.loads(out) == golden()


def test_show_human_names_everything_and_fits_80_columns(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "show", env={"COLUMNS": "80"}, terminal_width=80
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    for name in DEPLOYMENTS:
        assert re.search(rf"\b{re.escape(name)}\b", out), name
    for release in RELEASES:
        assert re.search(rf"\b{release}\b", out), release
    for branch in ("release/teak", "release/ulmo"):
        assert branch in out
    # Each deployment's row holds its three stage releases, in stage order.
    for dep in golden()["deployments"]:
        row = next(
            line for line in out.splitlines() if re.search(rf"\b{dep['name']}\s", line)
        )
        cells = re.findall(r"[\w/.-]+", row)
        stages = [cells[i] for i in range(1, len(cells))]
        assert stages == [
            dep["stages"]["CI"],
            dep["stages"]["QA"],
            dep["stages"]["Production"],
        ], row
    too_long = [line for line in out.splitlines() if len(line) > 80]
    assert not too_long, too_long


# --- check -----------------------------------------------------------------------------


def test_check_example_passes_with_one_pin_warning(example_repo: Path):
    code, data = check_json(example_repo)
    assert code == 0
    assert data["ok"] is True
    assert data["violations"] == []
    assert len(data["warnings"]) == 1
    _, matrix = example_paths(example_repo)
    ulmo = line_number(matrix, '    "ulmo": {')
    pinned = entry_start(
        matrix, line_number(matrix, 'application="communications"', after=ulmo)
    )
    warning = data["warnings"][0]
    assert re.search(rf"version_matrix\.py:{pinned}\b", warning), warning
    assert "communications" in warning and "master" in warning


def test_check_of_the_example_prints_its_warning_and_no_rule(example_repo: Path):
    result = invoke("--repo", example_repo, "check")
    assert result.exit_code == 0, result.output
    assert "warning" in result.output
    assert "rule " not in result.output


def test_check_json_flag_after_the_command(example_repo: Path):
    result = invoke("--repo", example_repo, "check", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["ok"] is True


def test_check_rule1_stage_release_not_in_enum(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(
        matrix, 'EnvRelease("QA", OpenEdxSupportedRelease["ulmo"])', "ulmo", "sumac"
    )
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 1, "version_matrix.py", line)
    assert "sumac" in v["message"]
    # Its consequences are reported too (no block; QA older than Production).
    assert {v["rule"] for v in data["violations"]} == {1, 2, 7}


def test_check_rule2_stage_without_block(example_repo: Path):
    _, matrix = example_paths(example_repo)
    # xpro's CI runs ulmo; ReleaseMap["master"] has no xpro block.
    line = replace_in_line(
        matrix, 'EnvRelease("CI", OpenEdxSupportedRelease["ulmo"])', "ulmo", "master"
    )
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 2, "version_matrix.py", line)
    assert "xpro" in v["message"] and "master" in v["message"]
    assert {v["rule"] for v in data["violations"]} == {2}


def test_check_rule3_releasemap_key_not_in_enum(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(matrix, '    "teak": {', '"teak"', '"sumac"')
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 3, "version_matrix.py", line)
    assert "sumac" in v["message"]
    # The stages still running teak lost their block.
    assert {v["rule"] for v in data["violations"]} == {2, 3}


def test_check_rule4_entry_without_release(example_repo: Path):
    _, matrix = example_paths(example_repo)
    removed = line_number(matrix, 'release="teak",')
    entry = entry_start(matrix, removed)
    lines = matrix.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[removed - 1]
    matrix.write_text("".join(lines), encoding="utf-8", newline="")
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 4, "version_matrix.py", entry)
    assert "authoring" in v["message"]
    assert {v["rule"] for v in data["violations"]} == {4}
    assert len(data["warnings"]) == 1  # a missing release is not a pin


def test_check_rule5_duplicate_application(example_repo: Path):
    _, matrix = example_paths(example_repo)
    first = entry_start(matrix, line_number(matrix, 'application="authoring"'))
    lines = matrix.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next(i for i in range(first, len(lines)) if lines[i].strip() == "),")
    entry = lines[first - 1 : end + 1]  # the whole first entry, "),\n" included
    duplicate = end + 2  # 1-based line where the copy starts
    lines[end + 1 : end + 1] = entry
    matrix.write_text("".join(lines), encoding="utf-8", newline="")
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 5, "version_matrix.py", duplicate)
    assert "authoring" in v["message"] and str(first) in v["message"]
    assert {v["rule"] for v in data["violations"]} == {5}


def test_check_rule6_type_mismatch(example_repo: Path):
    _, matrix = example_paths(example_repo)
    app_line = line_number(matrix, 'application="codejail"')
    line = replace_in_line(
        matrix, 'application_type="IDA"', '"IDA"', '"MFE"', occurrence=1
    )
    assert line == app_line + 1
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 6, "version_matrix.py", entry_start(matrix, line))
    assert "codejail" in v["message"]
    assert {v["rule"] for v in data["violations"]} == {6}


def test_check_rule6_unknown_application(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(matrix, 'application="codejail"', "codejail", "codejailx")
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 6, "version_matrix.py", entry_start(matrix, line))
    assert "codejailx" in v["message"]
    assert {v["rule"] for v in data["violations"]} == {6}


def test_check_rule7_release_increases_along_stages(example_repo: Path):
    _, matrix = example_paths(example_repo)
    # mitx: CI master, QA ulmo, Production teak -> Production master (newer than QA).
    line = replace_in_line(
        matrix,
        'EnvRelease("Production", OpenEdxSupportedRelease["teak"])',
        "teak",
        "master",
    )
    code, data = check_json(example_repo)
    assert code == 1 and data["ok"] is False
    v = assert_reports(data, 7, "version_matrix.py", line)
    assert "mitx" in v["message"]
    assert {v["rule"] for v in data["violations"]} == {7}


def _break_rule7(repo: Path) -> int:
    _, matrix = example_paths(repo)
    return replace_in_line(
        matrix,
        'EnvRelease("Production", OpenEdxSupportedRelease["teak"])',
        "teak",
        "master",
    )


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
def test_check_violation_exit_code_console_entry(
    example_repo: Path, run_main, as_json: bool
):
    """Regression: handled()'s catch-all once turned check's exit 1 into exit 3
    ("internal error: Exit: 1") and printed a second JSON object."""
    line = _break_rule7(example_repo)
    args = ["--repo", example_repo, *(["--json"] if as_json else []), "check"]
    code, out, err = run_main(*args)
    assert "internal error" not in out + err
    assert code == 1
    if as_json:
        data = json.loads(out)  # exactly one JSON object
        assert data["ok"] is False
        assert_reports(data, 7, "version_matrix.py", line)
    else:
        assert f"version_matrix.py:{line}" in out
        assert err == ""


def test_check_lists_every_violation_and_human_output(example_repo: Path):
    _, matrix = example_paths(example_repo)
    seven = replace_in_line(
        matrix,
        'EnvRelease("Production", OpenEdxSupportedRelease["teak"])',
        "teak",
        "master",
    )
    six = entry_start(
        matrix, replace_in_line(matrix, 'application="codejail"', "codejail", "nope")
    )
    code, data = check_json(example_repo)
    assert code == 1
    assert_reports(data, 6, "version_matrix.py", six)
    assert_reports(data, 7, "version_matrix.py", seven)
    result = invoke("--repo", example_repo, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"version_matrix.py:{seven}" in result.output
    assert f"version_matrix.py:{six}" in result.output


def test_check_pin_is_a_warning_not_a_violation(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(matrix, 'release="teak",', "teak", "master")
    code, data = check_json(example_repo)
    assert code == 0
    assert data["ok"] is True and data["violations"] == []
    assert len(data["warnings"]) == 2
    entry = entry_start(matrix, line)
    assert any(re.search(rf"version_matrix\.py:{entry}\b", w) for w in data["warnings"])


# --- errors ----------------------------------------------------------------------------


def test_missing_file_is_exit_2_one_line(example_repo: Path):
    types_py, _ = example_paths(example_repo)
    types_py.unlink()
    result = invoke("--repo", example_repo, "show")
    assert result.exit_code == 2
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert "types.py" in line


def test_a_missing_file_through_the_console_entry_is_one_error_line(
    example_repo: Path, run_main
):
    _, matrix = example_paths(example_repo)
    matrix.unlink()
    code, out, err = run_main("--repo", example_repo, "check")
    assert code == 2
    assert out == ""
    assert "version_matrix.py" in one_error_line(err)


def test_syntax_error_names_file_and_line(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(matrix, 'deployment_name="mitx",', '"mitx",', '"mitx",,')
    result = invoke("--repo", example_repo, "show")
    assert result.exit_code == 2
    assert re.search(rf"version_matrix\.py:{line}\b", one_error_line(result.stderr))


def test_syntax_error_in_types_names_file_and_line(example_repo: Path):
    types_py, _ = example_paths(example_repo)
    line = replace_in_line(types_py, 'teak = ("teak",', "teak = (", "teak = = (")
    result = invoke("--repo", example_repo, "check")
    assert result.exit_code == 2
    assert re.search(rf"types\.py:{line}\b", one_error_line(result.stderr))


def test_stage_release_computed_by_a_call(example_repo: Path):
    _, matrix = example_paths(example_repo)
    line = replace_in_line(
        matrix,
        'EnvRelease("QA", OpenEdxSupportedRelease["ulmo"])',
        'OpenEdxSupportedRelease["ulmo"]',
        'pick_release("mitx")',
    )
    for command in ("show", "check"):
        result = invoke("--repo", example_repo, command)
        assert result.exit_code == 2, command
        assert re.search(rf"version_matrix\.py:{line}\b", one_error_line(result.stderr))


@pytest.mark.parametrize(
    "args",
    [("--json", "show"), ("show", "--json"), ("--json", "check"), ("check", "--json")],
)
def test_json_error_is_the_spec_object_with_kind(
    example_repo: Path, args: tuple[str, ...]
):
    types_py, _ = example_paths(example_repo)
    types_py.unlink()
    result = invoke("--repo", example_repo, *args)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert set(data) == {"error", "hint", "exit_code", "kind"}
    assert data["exit_code"] == 2
    assert data["kind"] == "config"  # types.py is not where the target says
    assert isinstance(data["error"], str) and "types.py" in data["error"]
    assert data["hint"] is None or isinstance(data["hint"], str)
    assert "Traceback" not in result.output


def test_json_error_shape_console_entry(example_repo: Path, run_main):
    code, out, err = run_main("--repo", example_repo / "nowhere", "--json", "show")
    assert code == 2
    data = json.loads(out)
    assert set(data) == {"error", "hint", "exit_code", "kind"}
    assert (data["exit_code"], data["kind"]) == (2, "config")
    assert "Traceback" not in err


def test_unknown_command_exit_2(example_repo: Path):
    result = invoke("--repo", example_repo, "frobnicate")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unknown_command_console_entry(example_repo: Path, run_main):
    code, out, err = run_main("--repo", example_repo, "frobnicate")
    assert code == 2
    assert out == ""
    assert "frobnicate" in one_error_line(err)
    code, out, _ = run_main("--repo", example_repo, "--json", "frobnicate")
    assert code == 2
    data = json.loads(out)
    assert set(data) == {"error", "hint", "exit_code", "kind"}
    assert (data["exit_code"], data["kind"]) == (2, "usage")


def test_unknown_option_exit_2(example_repo: Path, run_main):
    code, _, err = run_main("--repo", example_repo, "show", "--frobnicate")
    assert code == 2
    one_error_line(err)


# --- target discovery ------------------------------------------------------------------


def test_olx_repo_in_the_environment_names_the_target(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("OLX_REPO", str(example_repo))
    result = invoke("--json", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()


def test_repo_option_beats_env(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OLX_REPO", str(tmp_path / "does-not-exist"))
    result = invoke("--repo", example_repo, "--json", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()


def test_repo_option_is_relative_to_the_working_directory(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(example_repo.parent)
    result = invoke("--repo", example_repo.name, "--json", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()


def test_git_toplevel_from_a_subdirectory(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(example_repo / "src" / "bridge" / "settings")
    result = invoke("--json", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()
    result = invoke("--json", "check")
    assert result.exit_code == 0, result.output
    # Paths in messages are relative to the repository root, not to the cwd.
    assert EXAMPLE_MATRIX in json.loads(result.stdout)["warnings"][0]


def _move_files(repo: Path, types_rel: str, matrix_rel: str) -> None:
    types_py, matrix = example_paths(repo)
    for src, rel in ((types_py, types_rel), (matrix, matrix_rel)):
        dest = repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(src, dest)


def test_tool_olx_in_pyproject_moves_the_files(example_repo: Path):
    _move_files(example_repo, "config/olx/releases.py", "config/olx/matrix.py")
    (example_repo / "pyproject.toml").write_text(
        '[project]\nname = "infra"\n\n[tool.olx]\n'
        'types = "config/olx/releases.py"\nmatrix = "config/olx/matrix.py"\n',
        encoding="utf-8",
    )
    result = invoke("--repo", example_repo, "--json", "show")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()
    code, data = check_json(example_repo)
    assert code == 0
    assert data["warnings"][0].startswith("config/olx/matrix.py:")


def test_types_and_matrix_options_name_the_files(example_repo: Path):
    _move_files(example_repo, "other/t.py", "other/m.py")
    result = invoke(
        "--repo",
        example_repo,
        "--types",
        "other/t.py",
        "--matrix",
        "other/m.py",
        "--json",
        "show",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == golden()


def test_types_and_matrix_options_beat_pyproject(example_repo: Path):
    _move_files(example_repo, "other/t.py", "other/m.py")
    (example_repo / "pyproject.toml").write_text(
        '[tool.olx]\ntypes = "nowhere/types.py"\nmatrix = "nowhere/matrix.py"\n',
        encoding="utf-8",
    )
    result = invoke("--repo", example_repo, "--json", "show")
    assert result.exit_code == 2  # [tool.olx] is used ...
    assert "nowhere/types.py" in json.loads(result.stdout)["error"]
    result = invoke(
        "--repo",
        example_repo,
        "--types",
        "other/t.py",
        "--matrix",
        "other/m.py",
        "--json",
        "show",
    )
    assert result.exit_code == 0, result.output  # ... and the options override it
    assert json.loads(result.stdout) == golden()


def test_outside_a_git_repository_without_repo_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    plain = tmp_path / "plain"
    plain.mkdir()
    if any((folder / ".git").exists() for folder in (plain, *plain.parents)):
        pytest.skip("the temporary directory is inside a git work tree")
    monkeypatch.chdir(plain)
    result = invoke("show")
    assert result.exit_code == 2
    assert "--repo" in one_error_line(result.stderr)
    result = invoke("--json", "check")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["exit_code"] == 2


# --- init-example ----------------------------------------------------------------------


def test_init_example_creates_a_checked_repo(tmp_path: Path):
    dest = tmp_path / "new" / "example"
    result = invoke("init-example", dest)
    assert result.exit_code == 0, result.output
    assert git(dest, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(dest, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(dest, "log", "-1", "--format=%an <%ae>").strip() == (
        f"{GIT_IDENTITY_NAME} <{GIT_IDENTITY_EMAIL}>"
    )
    for rel in (EXAMPLE_TYPES, EXAMPLE_MATRIX):
        assert git(dest, "ls-files", rel).strip() == rel
    result = invoke("--repo", dest, "--json", "check")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True
    result = invoke("--repo", dest, "--json", "show")
    assert json.loads(result.stdout) == golden()


def test_init_example_json_names_the_commit(tmp_path: Path):
    dest = tmp_path / "example"
    result = invoke("--json", "init-example", dest)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["commit"] == git(dest, "rev-parse", "HEAD").strip()


def test_init_example_refuses_a_non_empty_dir_that_is_not_the_example(tmp_path: Path):
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = invoke("init-example", dest)
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "holds something other than the olx example" in line
    assert f"(hint: choose another directory, or remove {dest} first)" in line
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    assert (dest / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_init_example_again_is_a_no_op_that_says_so(tmp_path: Path):
    """The quickstart runs twice: the second init-example finds its example."""
    dest = tmp_path / "demo"
    assert invoke("init-example", dest).exit_code == 0
    head = git(dest, "rev-parse", "HEAD").strip()
    again = invoke("init-example", dest)
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        f"{dest} already holds the olx example: nothing to do; "
        f"try `olx --repo {dest} show`\n"
    )
    assert git(dest, "rev-parse", "HEAD").strip() == head
    assert git(dest, "status", "--porcelain", "--untracked-files=all") == ""
    # After a write there, it is still the example, and says how it moved on.
    assert invoke("--repo", dest, "promote", "xpro", "QA").exit_code == 0
    later = invoke("--json", "init-example", dest)
    assert later.exit_code == 0, later.output
    data = json.loads(later.stdout)
    assert (data["changed"], data["commit"]) == (False, head)
    moved = invoke("init-example", dest).stdout
    assert "(1 commit since, on olx/promote-xpro-qa-ulmo)" in moved


def test_init_example_refuses_a_repository_whose_first_commit_is_not_the_example(
    tmp_path: Path,
):
    """The example's files alone do not make the example: its first commit must
    hold exactly them (a repository that added them later is someone's work)."""
    dest = tmp_path / "infra"
    assert invoke("init-example", dest).exit_code == 0
    shutil.rmtree(dest / ".git")
    git(dest, "init", "-q")
    (dest / "NOTES.md").write_text("ours\n", encoding="utf-8")
    git(dest, "add", "NOTES.md")
    git(dest, "commit", "-qm", "notes first")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "then the matrix")
    result = invoke("init-example", dest)
    assert result.exit_code == 2
    assert "holds something other than the olx example" in result.stderr


def test_init_example_refuses_a_file(tmp_path: Path):
    dest = tmp_path / "afile"
    dest.write_text("x", encoding="utf-8")
    result = invoke("--json", "init-example", dest)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["exit_code"] == 2
    assert dest.read_text(encoding="utf-8") == "x"


def test_init_example_without_git_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    use_home(monkeypatch, make_home(tmp_path / "bare-home", ""))
    dest = tmp_path / "example"
    result = invoke("init-example", dest)
    assert result.exit_code == 0, result.output
    assert git(dest, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(dest, "status", "--porcelain", "--untracked-files=all") == ""
    assert invoke("--repo", dest, "check").exit_code == 0
    # "so that every command can be tried at once": a write commits there too.
    result = invoke("--repo", dest, "--json", "promote", "mitx", "QA", "master")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["changed"] is True and data["commit"]
    assert git(dest, "rev-list", "--count", "--all").strip() == "2"


# --- version and help ------------------------------------------------------------------


def test_version_prints_the_installed_distribution_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"olx {olx.__version__}"
    assert olx.__version__ == importlib.metadata.version("olx")


def test_version_through_the_console_entry_point(run_main):
    code, out, _ = run_main("--version")
    assert code == 0
    assert out.strip() == f"olx {olx.__version__}"


# The order a release manager works in: read, move releases, change applications and
# entries, change the model, check upstream, run a runbook; then the example.
HELP_PANELS = [
    ("Read", ["show", "check", "diff", "status", "history"]),
    (
        "Releases",
        [
            "add-release",
            "set-release",
            "clone-release",
            "promote",
            "rollback",
            "retire",
        ],
    ),
    (
        "Applications",
        ["add-app", "set-app", "remove-app", "enable-app", "disable-app", "override"],
    ),
    ("Model", ["add-field", "remove-field"]),
    ("Upstream", ["verify", "upstream"]),
    ("Runbooks", ["plan"]),
    ("Example", ["init-example"]),
]
# What a description starts with: what the command does.
VERBS = {"Add", "Apply", "Change", "Check", "Copy", "Create", "Declare", "List"}
VERBS |= {"Remove", "Set", "Show"}


def help_panels(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(command, description)]) of each panel of ``olx --help`` but the
    options'; a description's continuation rows joined with a newline."""
    panels: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if title := re.match(r"╭─ (.+?) ─", line):
            panels.append((title[1], []))
        elif row := re.match(r"│ (\S*)\s+(.*?)\s*│$", line):
            rows = panels[-1][1]
            if row[1]:
                rows.append((row[1], row[2]))
            elif rows:
                rows[-1] = (rows[-1][0], rows[-1][1] + "\n" + row[2])
    return [(title, rows) for title, rows in panels if title != "Options"]


def test_help_lists_the_commands_in_the_order_a_release_manager_works():
    result = invoke("--help", env={"COLUMNS": "250"})
    assert result.exit_code == 0
    panels = help_panels(result.stdout)
    assert [(t, [name for name, _ in rows]) for t, rows in panels] == HELP_PANELS
    registered = {
        info.name or info.callback.__name__.replace("_", "-")
        for info in olx.cli.app.registered_commands
    }
    assert registered == {name for _, names in HELP_PANELS for name in names}


def test_no_description_has_a_hard_line_break_and_each_says_what_it_does():
    wide = help_panels(invoke("--help", env={"COLUMNS": "250"}).stdout)
    descriptions = dict(row for _, rows in wide for row in rows)
    for name, text in descriptions.items():
        assert "\n" not in text, (name, text)  # one row at 250 columns
        assert text.split()[0] in VERBS, (name, text)
        own = invoke(name, "--help", env={"COLUMNS": "250"}).stdout
        assert f" {text}" in [line.rstrip() for line in own.splitlines()], name


@pytest.mark.parametrize("command", ["show", "check", "init-example"])
def test_a_command_help_lists_its_json_option(command: str):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "--json" in result.stdout


# ---------------------------------------------------------------- folded from test_review_fixes.py


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--types", "x.py", "--matrix", "x.py"], "name the same file"),
        (["--types", "/etc/hostname"], "is outside the repository"),
    ],
)
def test_target_files_that_are_one_file_or_outside_the_repository_are_refused(
    example_repo: Path, args: list[str], message: str
) -> None:
    (example_repo / "x.py").write_text("")
    result = invoke("--repo", example_repo, *args, "show")
    assert result.exit_code == 2
    assert message in result.stderr
