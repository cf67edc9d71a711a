"""Shell completion (docs/contract.md "Integration"): commands, options, and the names
read from the target's files, through click's completion API and through the real
``olx`` run the way the shells run it (``_OLX_COMPLETE`` and bash's own completion
function).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES
from typer._completion_classes import BashComplete

from olx.cli import app
from olx.cli import completion as complete
from olx.example import init_example

DEPLOYMENTS = ["mitx", "mitx-staging", "mitxonline", "xpro"]
RELEASES = ["master", "teak", "ulmo"]  # the release Enum's order
BLOCKS = ["teak", "ulmo", "master"]  # ReleaseMap's order
IDAS = ["codejail", "edx-platform", "forum", "notes-api", "edxapp_theme", "xqueue"]
WRITES = [
    "promote",
    "rollback",
    "add-release",
    "clone-release",
    "retire",
    "add-app",
    "set-app",
    "remove-app",
    "set-release",
    "enable-app",
    "disable-app",
    "override",
    "add-field",
    "remove-field",
]
OLX_BIN = Path(sys.executable).with_name("olx")


def completions(line: str) -> list[str]:
    """What olx offers for the last word of ``line`` (a trailing space: a new word),
    in the current directory, through click's completion API."""
    words = line.split()
    incomplete = "" if line.endswith(" ") else words.pop()
    comp = BashComplete(typer.main.get_command(app), {}, "olx", "_OLX_COMPLETE")
    return [item.value for item in comp.get_completions(words[1:], incomplete)]


@pytest.fixture
def in_example(example_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(example_repo)
    return example_repo


# --- names from the files -----------------------------------------------------------


def test_deployment_names_complete_by_prefix(in_example: Path):
    assert completions("olx promote ") == DEPLOYMENTS
    assert completions("olx promote mi") == DEPLOYMENTS[:3]
    assert completions("olx promote x") == ["xpro"]


def test_a_comma_list_completes_its_last_part_without_repeating_names(in_example):
    assert completions("olx promote mitx,mi") == [
        "mitx,mitx-staging",
        "mitx,mitxonline",
    ]
    assert completions("olx promote xpro,mitx-staging,") == [
        "xpro,mitx-staging,mitx",
        "xpro,mitx-staging,mitxonline",
    ]


def test_member_names_are_offered_when_no_name_fits(in_example: Path):
    assert completions("olx promote mitx_") == ["mitx_staging"]


def test_stages_in_any_case_keep_what_was_typed(in_example: Path):
    assert completions("olx promote mitx ") == ["CI", "QA", "Production"]
    assert completions("olx promote mitx pr") == ["production"]
    assert completions("olx promote mitx Pro") == ["Production"]
    assert completions("olx promote mitx PRO") == ["PRODUCTION"]
    assert completions("olx promote mitx q") == ["qa"]


def test_release_arguments_complete_with_the_supported_releases(in_example: Path):
    assert completions("olx promote mitx QA ") == RELEASES
    assert completions("olx set-release u") == ["ulmo"]
    assert completions("olx enable-app learning ulmo mitx --pin ") == RELEASES
    assert completions("olx clone-release ulmo ") == RELEASES


def test_block_arguments_complete_with_the_release_map_keys(in_example: Path):
    assert completions("olx clone-release ") == BLOCKS
    assert completions("olx add-release verawood --clone-from t") == ["teak"]
    assert completions("olx enable-app learning ") == BLOCKS


def test_blocks_are_read_from_release_map_and_retire_takes_either(in_example: Path):
    """A block whose release left the Enum is a block, not a release; retire offers it."""
    types = in_example / EXAMPLE_TYPES
    text = types.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines(keepends=True) if "teak" not in ln.lower()]
    assert len(lines) < len(text.splitlines())
    types.write_text("".join(lines), encoding="utf-8")
    assert "teak" in completions("olx clone-release ")
    assert completions("olx promote mitx QA ") == ["master", "ulmo"]
    assert completions("olx retire ") == ["master", "ulmo", "teak"]


def test_applications_complete_idas_first_and_in_comma_lists(in_example: Path):
    offered = completions("olx remove-app ")
    assert offered[: len(IDAS)] == IDAS and "learning" in offered
    assert completions("olx set-app lea") == ["learning", "learner-dashboard"]
    assert completions("olx enable-app edx-platform,for") == ["edx-platform,forum"]


def test_entry_commands_offer_the_lists_and_entries_already_named(in_example: Path):
    # mitxonline has no list in ReleaseMap['teak'] (it runs master everywhere).
    assert completions("olx override teak ") == ["mitx", "mitx-staging", "xpro"]
    assert completions("olx disable-app learning teak ") == [
        "mitx",
        "mitx-staging",
        "xpro",
    ]
    everything = completions("olx set-app ")
    in_xpro = completions("olx override ulmo xpro ")
    assert in_xpro and set(in_xpro) < set(everything)
    assert "xqueue" in everything and "xqueue" not in in_xpro
    # Two lists: the entries of either.
    assert set(completions("olx override ulmo xpro,mitx ")) > set(in_xpro)
    # An unknown block: no filter rather than nothing.
    assert completions("olx override nosuch ") == DEPLOYMENTS


def test_set_and_unset_complete_the_model_fields_and_add_app_the_types(
    in_example: Path,
):
    assert completions("olx override teak mitx learning --unset ") == [
        "translation_overrides",
        "branding_overrides",
    ]
    assert completions("olx override teak mitx learning --set b") == [
        "branding_overrides="
    ]
    assert (
        completions("olx override teak mitx learning --set branding_overrides=") == []
    )
    assert completions("olx add-app notes --type ") == ["IDA", "MFE"]
    assert completions("olx add-app notes --type m") == []  # typer's filter: as typed


def test_remove_field_offers_the_fields_an_entry_does_not_need(in_example: Path):
    assert completions("olx remove-field ") == [
        "branch_override",
        "origin_override",
        "runtime_version_override",
        "translation_overrides",
        "branding_overrides",
    ]
    assert completions("olx remove-field tr") == ["translation_overrides"]
    assert completions("olx set-app course") == []
    assert completions("olx set-app auth") == ["authoring"]


def test_own_fields_are_the_entry_commands_own_options():
    from olx.ops.fields import OWN_OPTIONS

    assert set(OWN_OPTIONS) == complete.OWN_FIELDS


# --- commands and options -----------------------------------------------------------


def test_command_names_and_global_options_complete(in_example: Path):
    commands = completions("olx ")
    assert set(WRITES) | {"show", "check", "init-example"} <= set(commands)
    assert completions("olx pro") == ["promote"]
    assert set(completions("olx --")) >= {
        "--repo",
        "--types",
        "--matrix",
        "--json",
        "--version",
        "--install-completion",
        "--show-completion",
        "--help",
    }
    assert set(completions("olx promote mitx QA --")) >= {
        "--force",
        "--dry-run",
        "--no-commit",
        "--branch",
        "--message",
        "--base",
        "--push",
        "--pr",
        "--json",
        "--verify",
        "--no-verify",
    }
    for write in WRITES:  # every write verifies on request, and --force bypasses it
        assert {"--verify", "--no-verify", "--force"} <= set(
            completions(f"olx {write} --")
        ), write
    assert {"verify", "upstream"} <= set(commands)
    assert set(completions("olx verify --")) >= {
        "--release",
        "--refresh",
        "--changed-from",
        "--changed-to",
        "--pre-push",
        "--json",
    }
    assert set(completions("olx upstream --")) >= {"--repository", "--refresh"}

    assert "status" in commands
    assert completions("olx rollback mitx-") == ["mitx-staging"]
    assert completions("olx rollback mitx ") == ["CI", "QA", "Production"]
    assert completions("olx status x") == ["xpro"]
    subprocess.run(["git", "branch", "release-day"], cwd=in_example, check=True)
    assert completions("olx promote mitx QA --base ") == ["main", "release-day"]
    assert completions("olx plan day.txt --base rel") == ["release-day"]


def test_verify_completes_deployments_then_their_stages(in_example: Path):
    assert completions("olx verify mi") == DEPLOYMENTS[:3]
    assert completions("olx verify xpro:") == ["xpro:CI", "xpro:QA", "xpro:Production"]
    assert completions("olx verify mitx,xpro:Q") == ["mitx,xpro:QA"]
    assert completions("olx verify xpro:CI,") == ["xpro:CI,QA", "xpro:CI,Production"]
    assert completions("olx verify --release u") == ["ulmo"]


# --- where the names come from ------------------------------------------------------


def test_the_target_follows_repo_types_matrix_and_olx_repo(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert completions("olx promote ") == []  # not inside a repository
    assert completions(f"olx --repo {example_repo} promote ") == DEPLOYMENTS
    monkeypatch.setenv("OLX_REPO", str(example_repo))
    assert completions("olx promote ") == DEPLOYMENTS
    monkeypatch.delenv("OLX_REPO")

    moved = tmp_path / "moved"
    init_example(moved)
    (moved / EXAMPLE_MATRIX).rename(moved / "m.py")
    (moved / EXAMPLE_TYPES).rename(moved / "t.py")
    monkeypatch.chdir(moved)
    assert completions("olx promote ") == []
    assert completions("olx --types t.py --matrix m.py promote ") == DEPLOYMENTS
    (moved / "pyproject.toml").write_text(
        '[tool.olx]\ntypes = "t.py"\nmatrix = "m.py"\n', encoding="utf-8"
    )
    assert completions("olx promote x") == ["xpro"]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text + "\nReleaseMap = {\n", id="syntax error"),
        pytest.param(
            lambda text: text.replace("ReleaseMap", "Other"), id="no ReleaseMap"
        ),
        pytest.param(lambda text: "\udcff", id="not UTF-8"),
    ],
)
def test_an_unreadable_matrix_completes_nothing_and_raises_nothing(
    in_example: Path, damage
):
    matrix = in_example / EXAMPLE_MATRIX
    text = damage(matrix.read_text(encoding="utf-8"))
    matrix.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert completions("olx promote ") == []
    assert completions("olx override teak ") == []
    assert completions("olx promote mitx ") == ["CI", "QA", "Production"]  # no files


def test_every_callback_survives_any_context():
    """Called with a context that holds nothing olx knows, each completes nothing."""
    ctx = typer.Context(typer.main.get_command(app))
    ctx.params = {"repo": "/nonexistent/olx", "release": 3, "deployment": None}
    for callback in (
        complete.complete_deployment,
        complete.complete_release,
        complete.complete_block,
        complete.complete_any_release,
        complete.complete_application,
        complete.complete_entry_field,
        complete.complete_set_field,
        complete.complete_removable_field,
        complete.complete_deployment_in("release"),
        complete.complete_application_in("release", "deployment"),
        complete.complete_stage_ref,
    ):
        assert callback(ctx, "") == [], callback.__name__


# --- the real program, as the shells run it -----------------------------------------


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_OLX")}
    env["PATH"] = f"{OLX_BIN.parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run_olx(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(OLX_BIN), *args],
        cwd=cwd,
        env=shell_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def bash_complete(line: str, cwd: Path) -> subprocess.CompletedProcess:
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return run_olx(
        [],
        cwd,
        _OLX_COMPLETE="complete_bash",
        COMP_WORDS=line,
        COMP_CWORD=str(cword),
    )


def test_the_console_script_completes_for_bash(example_repo: Path):
    proc = bash_complete("olx promote mi", example_repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == DEPLOYMENTS[:3]
    assert bash_complete("olx promote mitx q", example_repo).stdout.split() == ["qa"]
    assert bash_complete("olx enable-app le", example_repo).stdout.split() == [
        "learning",
        "learner-dashboard",
    ]
    assert "promote" in bash_complete("olx ", example_repo).stdout.split()


def test_the_console_script_outside_a_repository_completes_nothing(tmp_path: Path):
    proc = bash_complete("olx promote ", tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == "" and proc.stderr == ""


def test_zsh_gets_the_stages_of_each_deployment_as_help(example_repo: Path):
    proc = run_olx(
        [],
        example_repo,
        _OLX_COMPLETE="complete_zsh",
        _TYPER_COMPLETE_ARGS="olx promote x",
    )
    assert proc.returncode == 0, proc.stderr
    assert '"xpro":"CI ulmo · QA teak · Production teak"' in proc.stdout


def test_bash_completion_script_installed_from_show_completion(example_repo: Path):
    """Source the script that ``olx --show-completion bash`` prints into a real bash
    and run its completion function the way bash does on TAB."""
    shown = run_olx(
        ["--show-completion", "bash"],
        example_repo,
        _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1",
    )
    assert shown.returncode == 0, shown.stderr
    assert "_OLX_COMPLETE=complete_bash" in shown.stdout
    script = example_repo.parent / "olx-completion.bash"
    script.write_text(shown.stdout, encoding="utf-8")
    probe = (
        f"source {script}\n"
        "complete -p olx\n"
        "COMP_WORDS=(olx promote mitx QA u); COMP_CWORD=4\n"
        "_olx_completion olx\n"
        'printf "reply:%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", probe],
        cwd=example_repo,
        env=shell_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "-F _olx_completion olx" in proc.stdout
    assert [ln for ln in proc.stdout.splitlines() if ln.startswith("reply:")] == [
        "reply:ulmo"
    ]


def test_completion_reads_the_files_without_libcst_or_gitpython(example_repo: Path):
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from olx.cli import run; run()"],
        cwd=example_repo,
        env=shell_env(
            _OLX_COMPLETE="complete_bash",
            COMP_WORDS="olx override ulmo xpro ",
            COMP_CWORD="4",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "edx-platform" in proc.stdout.split()
    imported = {
        line.split("|")[2].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "olx.core.reader" in imported  # the detector sees what was read
    assert not {m for m in imported if m.split(".")[0] in ("libcst", "git")}, (
        "completion imported libcst or GitPython"
    )
