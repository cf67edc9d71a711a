"""Start-up stays light: --help, --version, show and check never import libcst or GitPython.

Deterministic: it reads ``python -X importtime`` (which lists every module imported) and
times nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import olx

# What a read command never loads: libcst, GitPython, and olx's git runner (show and
# check run no git).
HEAVY = ("libcst", "git", "olx.gitrun")


def imported_modules(
    args: list[str], cwd: Path
) -> tuple[subprocess.CompletedProcess, set[str]]:
    code = (
        "import sys; sys.argv = ['olx', *" + repr(args) + "]; "
        "from olx.cli import main; main()"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    modules = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line.split("|")
        if len(fields) != 3 or fields[0].strip().endswith("[us]"):
            continue  # the header line
        modules.add(fields[2].strip())
    return proc, modules


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["show", "--json"],
        ["--json", "show"],
        ["show"],
        ["check"],
        ["--json", "check"],
    ],
    ids=lambda a: " ".join(a),
)
def test_read_commands_do_not_import_libcst_or_gitpython(
    example_repo: Path, args: list[str]
):
    proc, modules = imported_modules(["--repo", str(example_repo), *args], example_repo)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "olx.cli" in modules and "typer" in modules  # the parse found the imports
    assert heavy(modules) == []
    if "show" in args and "--json" in args:
        assert json.loads(proc.stdout)["deployments"]


def test_the_detector_sees_gitpython(tmp_path: Path):
    """Control: a command that uses GitPython is seen importing it."""
    proc, modules = imported_modules(["init-example", str(tmp_path / "ex")], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "git" in heavy(modules)


def test_the_console_script_runs_without_the_cycle_collector(tmp_path: Path):
    """run() (the console script) pauses the collector and freezes before shutdown."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print(gc.isenabled(), gc.get_freeze_count() > 0,"
        " file=sys.stderr))\n"
        "sys.argv = ['olx', '--version']\n"
        "from olx.cli import run\n"
        "run()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("olx ")
    assert proc.stderr.split() == ["False", "True"]


def test_main_leaves_the_cycle_collector_alone():
    """main() is what callers in a longer-lived process use: their collector stays."""
    import gc

    from olx.cli import main

    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_the_console_entry_points_are_run():
    """`olx` and `python -m olx` both go through run()."""
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "olx"]
    assert script.value == "olx.cli:run"
    main_py = Path(__file__).parents[1] / "src" / "olx" / "__main__.py"
    assert "run()" in main_py.read_text(encoding="utf-8")


# --- one command built per run ---------------------------------------------------------


@pytest.mark.parametrize(
    "args, word",
    [
        (["promote", "xpro", "QA"], "promote"),
        (["--repo", "show", "check"], "check"),  # a global option's value is no word
        (["--repo=show", "--json", "show", "xpro"], "show"),
        (["--types", "t.py", "--matrix", "m.py", "diff", "a", "b"], "diff"),
        (["--", "plan", "f"], "plan"),
        (["--help"], None),
        (["--json"], None),
        ([], None),
    ],
)
def test_the_command_word_skips_global_options_and_their_values(
    args: list[str], word: str | None
):
    from olx.cli import entry

    assert entry.command_word(args) == word


def test_a_run_builds_only_the_command_it_names(monkeypatch: pytest.MonkeyPatch):
    from olx.cli import app, entry

    lean = entry.lean_app(["--repo", "x", "add-release", "verawood"])
    assert [i.name for i in lean.registered_commands] == ["add-release"]
    assert len(app.registered_commands) > 20  # the app itself keeps every command
    assert lean.registered_callback is app.registered_callback
    for args in (["--help"], ["promot", "x"], []):  # the list, the closest name
        assert entry.lean_app(args) is app
    monkeypatch.setenv("_OLX_COMPLETE", "complete_bash")
    assert entry.lean_app(["promote"]) is app


def test_every_command_reads_its_arguments_alike_built_alone():
    from typer.testing import CliRunner

    from olx.cli import app, entry

    runner = CliRunner()
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-")
        alone = entry.lean_app([name])
        assert alone is not app
        for args in ([name, "--help"], [name, "--no-such-option"]):
            full = runner.invoke(app, args, env={"COLUMNS": "100"})
            lean = runner.invoke(alone, args, env={"COLUMNS": "100"})
            assert (lean.exit_code, lean.output) == (full.exit_code, full.output)


def test_main_runs_the_command_built_alone(example_repo: Path, capsys):
    from olx.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--repo", str(example_repo), "--json", "show", "xpro", "QA"])
    assert done.value.code == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["deployment"] == "xpro" and list(shown["stages"]) == ["QA"]


@pytest.mark.parametrize(
    "words",
    [
        ["--json", "promote", "xpro", "QA", "--dry-run"],
        ["plan", "RUNBOOK", "--dry-run"],
        ["--help"],
    ],
    ids=lambda w: w[0],
)
def test_the_console_script_runs_every_kind_of_command_line(
    example_repo: Path, words: list[str]
):
    runbook = example_repo.parent / "day.txt"
    runbook.write_text("promote xpro QA\nenable-app profile ulmo mitx\n")
    args = [str(runbook) if w == "RUNBOOK" else w for w in words]
    proc = subprocess.run(
        [sys.executable, "-m", "olx", "--repo", str(example_repo), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    if "--help" in words:
        assert "promote" in proc.stdout and "remove-field" in proc.stdout
    else:
        assert "OpenEdxSupportedRelease" in proc.stdout


# What a dry run whose names are all there never loads: the history of "already gone"
# (the git log reader) and the command line a commit records.
NOT_FOR_A_DRY_RUN = ("olx.repo.history", "olx.repo.revisions", "olx.cli.cmdline")


@pytest.mark.parametrize(
    "args",
    [
        ["remove-app", "forum", "--dry-run"],
        ["disable-app", "forum", "ulmo", "mitx", "--dry-run"],
        ["override", "ulmo", "mitx", "forum", "--pin", "master", "--no-commit"],
    ],
    ids=lambda a: " ".join(a),
)
def test_a_write_of_names_that_are_there_loads_no_history(
    example_repo: Path, args: list[str]
):
    proc, modules = imported_modules(["--repo", str(example_repo), *args], example_repo)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "olx.repo.apply" in modules  # the write ran
    assert sorted(m for m in modules if m in NOT_FOR_A_DRY_RUN) == []


def test_a_dry_run_outside_git_loads_no_git_runner(tmp_path: Path):
    """Outside a work tree nothing runs git: remove-app's checklist of other mentions
    (git grep) has nothing to search."""
    repo = tmp_path / "plain"
    (repo / "src/bridge/settings/openedx").mkdir(parents=True)
    example = Path(olx.__file__).parent / "example"
    for name in ("types.py", "version_matrix.py"):
        text = (example / f"{name}.txt").read_text(encoding="utf-8")
        (repo / "src/bridge/settings/openedx" / name).write_text(text, encoding="utf-8")
    args = ["--repo", str(repo), "remove-app", "forum", "--dry-run"]
    proc, modules = imported_modules(args, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '-                application="forum",' in proc.stdout
    assert "olx.repo.apply" in modules
    assert "olx.gitrun" not in modules and "git" not in modules


def test_every_command_is_mapped_to_the_module_that_registers_it():
    """COMMAND_MODULES (a run that names a command loads that module alone) says what
    the modules register: every command but plan, which parses its steps with all."""
    import olx.cli
    from olx.cli import app

    registered = {
        info.name or info.callback.__name__.lower().replace("_", "-"): (
            info.callback.__module__.rsplit(".", 1)[-1]
        )
        for info in app.registered_commands
    }
    assert registered.pop("plan") == "commands_plan"
    assert registered == olx.cli.COMMAND_MODULES
    assert set(olx.cli.COMMAND_MODULES.values()) < set(olx.cli.MODULES)


def command_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith("olx.cli.commands_"))


def test_a_run_of_the_console_script_loads_the_module_of_its_command_only(
    example_repo: Path,
):
    code = (
        "import atexit, sys; atexit.register(lambda: print(sorted(m for m in "
        "sys.modules if m.startswith('olx.cli.commands_')), file=sys.stderr)); "
        "sys.argv = ['olx', '--repo', "
        + repr(str(example_repo))
        + ", '--json', 'promote', 'xpro', 'QA', '--dry-run']; "
        "from olx.cli import run; run()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=example_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["changed"] is True
    assert proc.stderr.strip().splitlines()[-1] == "['olx.cli.commands_release']"


def run_console(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    code = (
        "import sys; sys.argv = ['olx', *" + repr(args) + "]; "
        "from olx.cli import run; run()"
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_help_and_an_unknown_word_see_every_command(tmp_path: Path):
    """Without a command word, or with one that names no command, every module is
    loaded: the help lists every command, and a typo is told the closest."""
    import olx.cli

    shown = run_console(["--help"], tmp_path)
    assert shown.returncode == 0, shown.stderr[-2000:]
    for name in [*olx.cli.COMMAND_MODULES, "plan"]:
        assert f" {name} " in shown.stdout, name
    typo = run_console(["upstrem"], tmp_path)
    assert typo.returncode == 2
    assert "upstream" in typo.stderr
