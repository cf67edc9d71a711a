"""What people read: every output fits the width and breaks only between words, and
colour goes only to a terminal, never under ``NO_COLOR``.

Piped (typer's CliRunner), the width is ``$COLUMNS``, else 80: every table and line of
``show``, ``show DEPLOYMENT``, ``status``, ``history``, ``check``, ``verify``,
``upstream`` and ``diff`` fits 80 columns, and every word of it is a word of the same
output 250 columns wide, or that word elided with ``…``. On a terminal (a
pseudo-terminal, in process: no interpreter to start per command) the same commands
and a write colour their output, and print no escape code at all under ``NO_COLOR``.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import GIT_IDENTITY_EMAIL, invoke, unwrapped
from upstream_support import EXAMPLE_UPSTREAM, Upstreams

from olx.cli.entry import main
from olx.example import example_sources
from olx.repo import policy

ESC = "\x1b"
STYLE = re.compile(r"\x1b\[[0-9;]*m")
BORDER = re.compile(r"[\u2500-\u257f]+")  # a table's lines, as long as its columns
AUTHOR = "Maximiliana Vanderbeek-Oyelaran-Castellanos"  # the history's longest cell
FORK = "learning-platform-team/edx-platform-with-the-grading-fixes"
ORIGIN = f"https://github.com/{FORK}"  # shown as FORK, still elided at 80 columns
BRANCH = "learning-platform/ulmo-hotfix-for-the-grading-bug-2025-11"
VERAWOOD = "release/verawood.with-a-branch-name-longer-than-any-so-far"
NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

# Each read command, with what it must show whole once unwrapped (a phrase in a table
# cell or a line): what proves that the right output was measured.
READS: dict[str, tuple[list[str], str]] = {
    "show": (["show"], VERAWOOD),
    "show DEPLOYMENT": (["show", "xpro"], "xpro QA builds ulmo ("),
    "status": (["status"], "[1] mitxonline QA → ulmo: "),
    "history": (["history"], "Releases: first reached"),
    "check": (["check"], "but ReleaseMap['ulmo'] has no 'mitxonline' block"),
    "verify": (["verify", "xpro"], f"edx-platform: {BRANCH} is not in {ORIGIN}"),
    "upstream": (["upstream"], "willow: only tags upstream (release/willow.2,"),
    "diff": (["diff", "xpro", "Production", "QA"], f"openedx/edx-platform → {FORK}"),
}


def _git(repo: Path, *args: str, when: str | None = None) -> None:
    env = dict(os.environ)
    if when is not None:
        env.update(GIT_AUTHOR_DATE=f"{when}+0000", GIT_COMMITTER_DATE=f"{when}+0000")
    subprocess.run(["git", *args], cwd=repo, env=env, check=True)


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The example with values that do not fit 80 columns: an override with a long
    origin and branch (xpro QA), committed by an author with a long name; soak times,
    so that status has promotions that wait and one that is refused (mitxonline CI
    on ulmo, which has no block for it: a violation for check); a release with a
    long branch; upstreams where those branches are missing and edx-platform has
    tagged willow."""
    base = tmp_path_factory.mktemp("crowded")
    repo = base / "infra"
    for rel, text in example_sources().items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[tool.olx.soak]\nQA = "2d"\nProduction = "7d"\n', encoding="utf-8"
    )
    _git(base, "init", "-q", "-b", "main", str(repo))
    _git(repo, "config", "user.name", AUTHOR)
    _git(repo, "config", "user.email", GIT_IDENTITY_EMAIL)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "matrix", when="2025-03-01T09:00:00")
    for args in (
        ["promote", "xpro", "QA"],
        ["override", "ulmo", "xpro", "edx-platform", "--origin", ORIGIN],
        ["override", "ulmo", "xpro", "edx-platform", "--branch", BRANCH],
        ["promote", "mitxonline", "CI", "ulmo", "--force"],
        ["add-release", "verawood", "--branch", VERAWOOD, "--clone-from", "ulmo"],
    ):
        result = invoke("--repo", repo, *args, "--no-commit")
        assert result.exit_code == 0, result.output
    _git(repo, "commit", "-qam", "xpro QA on ulmo", when="2025-03-09T12:00:00")
    upstreams = Upstreams(base / "upstream")
    upstreams.set_all(EXAMPLE_UPSTREAM)
    upstreams.set(FORK, ["master"])
    upstreams.set(
        "openedx/edx-platform",
        ["master", "release/ulmo", "release/verawood"],
        ["release/willow.1", "release/willow.2"],
    )
    yield repo


@pytest.fixture
def environment(
    crowded: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.MonkeyPatch]:
    """The crowded repository's upstreams reachable, the clock fixed, no colour
    preference from the machine."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(crowded.parent / "upstream/gitconfig"))
    monkeypatch.setattr(policy, "clock", lambda: NOW)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch


def piped(repo: Path, args: list[str], columns: int) -> str:
    result = invoke("--repo", repo, *args, env={"COLUMNS": str(columns)})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def cut_words(narrow: str, wide: str) -> list[str]:
    """The words of ``narrow`` that are neither a word of ``wide`` nor one elided
    (its start, then ``…``, and the ``*`` of an override if it had one)."""
    whole = set(wide.split())
    cut = []
    for word in narrow.split():
        start = word.removesuffix("*")
        if (
            BORDER.fullmatch(word)
            or word in whole
            or (start.endswith("…") and any(w.startswith(start[:-1]) for w in whole))
        ):
            continue
        cut.append(word)
    return cut


@pytest.mark.parametrize("name", sorted(READS))
def test_piped_output_fits_80_columns_and_breaks_only_between_words(
    crowded: Path, environment: pytest.MonkeyPatch, name: str
) -> None:
    args, whole = READS[name]
    narrow = piped(crowded, args, 80)
    wide = piped(crowded, args, 250)
    # Only a word longer than a line (a URL) may pass 80 columns, alone on its line.
    assert [
        line for line in narrow.splitlines() if len(line) > 80 and len(line.split()) > 1
    ] == []
    assert max(map(len, wide.splitlines())) > 80  # the case is a real one
    assert cut_words(narrow, wide) == []
    assert any(whole in line for line in unwrapped(wide)), wide
    assert any(whole in line for line in unwrapped(narrow)) or "…" in narrow


def test_elided_values_keep_their_override_mark_and_json_has_them_whole(
    crowded: Path, environment: pytest.MonkeyPatch
) -> None:
    narrow = piped(crowded, ["show", "xpro", "QA"], 80)
    row = next(line for line in narrow.splitlines() if "edx-platform" in line)
    origin, branch = row.split()[1:3]
    assert origin.endswith("…*") and FORK.startswith(origin[:-2]), row
    assert branch.endswith("…*") and BRANCH.startswith(branch[:-2]), row
    wide = piped(crowded, ["show", "xpro", "QA"], 250)
    assert f"{FORK}*" in wide.split() and f"{BRANCH}*" in wide.split()
    data = json.loads(piped(crowded, ["show", "xpro", "QA", "--json"], 80))
    (platform,) = [
        c
        for c in data["stages"]["QA"]["components"]
        if c["application"] == "edx-platform"
    ]
    assert (platform["origin"], platform["branch"]) == (ORIGIN, BRANCH)


def test_a_history_row_is_one_line_whatever_the_author(
    crowded: Path, environment: pytest.MonkeyPatch
) -> None:
    narrow = piped(crowded, ["history", "xpro"], 80)
    rows = [line for line in narrow.splitlines() if line.startswith("2025-03-09")]
    assert [row.split()[-4:] for row in rows] == [["QA", "teak", "→", "ulmo"]]
    author = rows[0].split("  ")[2]  # date, commit, author: two spaces apart
    assert author.endswith("…") and AUTHOR.startswith(author[:-1]), rows[0]


# --- on a terminal ----------------------------------------------------------------------


@contextlib.contextmanager
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """stdout on a pseudo-terminal for the block; what it received, once it ends."""
    parent, child = pty.openpty()
    received: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(parent, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not data:
                break
            received.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        with open(child, "w", encoding="utf-8", closefd=False) as tty:
            monkeypatch.setattr(sys, "stdout", tty)
            yield received
            tty.flush()
    finally:
        os.close(child)
        reader.join(timeout=30)
        os.close(parent)


def on_terminal(
    monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]
) -> str:
    """``olx ARGS`` run in process with stdout on a pseudo-terminal; its output."""
    with monkeypatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        with terminal(patch) as received, pytest.raises(SystemExit) as done:
            main(args)
    assert done.value.code in (0, 1)
    return b"".join(received).decode("utf-8").replace("\r\n", "\n")


COLOUR = {"TERM": "xterm-256color", "COLUMNS": "80"}


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(
    "args",
    [
        ["promote", "mitx", "Production", "--dry-run"],
        ["promote", "mitx", "Production", "--no-commit"],
        *(args for args, _ in READS.values()),
    ],
    ids=" ".join,
)
def test_a_terminal_gets_colour_and_no_escape_code_under_no_color(
    crowded: Path, environment: pytest.MonkeyPatch, tmp_path: Path, args: list[str]
) -> None:
    outputs = []
    for env in (COLOUR, {**COLOUR, "NO_COLOR": "1"}):
        repo = crowded
        if "--no-commit" in args:  # a write that writes, each time: on a copy
            repo = tmp_path / env.get("NO_COLOR", "colour")
            subprocess.run(["git", "clone", "-q", str(crowded), str(repo)], check=True)
        outputs.append(on_terminal(environment, ["--repo", str(repo), *args], env))
    coloured, plain = outputs
    assert ESC + "[" in coloured
    assert ESC not in plain
    assert plain == STYLE.sub("", coloured)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize(
    "args", [["show", "mitx", "--json"], ["--json", "diff", "mitx:qa", "xpro:qa"]]
)
def test_json_on_a_terminal_has_no_escape_code(
    crowded: Path, environment: pytest.MonkeyPatch, args: list[str]
) -> None:
    out = on_terminal(environment, ["--repo", str(crowded), *args], COLOUR)
    assert ESC not in out
    assert json.loads(out)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_a_wide_terminal_gets_every_value_whole(
    crowded: Path, environment: pytest.MonkeyPatch
) -> None:
    for args in (["show", "xpro", "QA"], ["verify", "xpro"], ["history"]):
        out = on_terminal(
            environment, ["--repo", str(crowded), *args], {"COLUMNS": "250"}
        )
        assert "…" not in out, args
        assert max(map(len, out.splitlines())) > 80, args
    assert AUTHOR in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_console_script_writes_without_escape_codes_under_no_color(
    example_repo: Path,
) -> None:
    """The whole program, as a user runs it: ``python -m olx`` on a terminal."""
    dry_run = ["promote", "xpro", "QA", "--dry-run"]
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="80")
    outputs = []
    for no_color in (False, True):
        parent, child = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "olx", "--repo", str(example_repo), *dry_run],
            stdout=child,
            stderr=subprocess.PIPE,
            env={**env, "NO_COLOR": "1"} if no_color else env,
        )
        os.close(child)
        chunks = []
        with contextlib.suppress(OSError):  # EIO: the child closed the terminal
            while data := os.read(parent, 65536):
                chunks.append(data)
        os.close(parent)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        proc.stderr.close()
        outputs.append(b"".join(chunks).decode("utf-8"))
    coloured, plain = outputs
    assert ESC + "[" in coloured
    assert ESC not in plain
    assert plain == STYLE.sub("", coloured)
    assert "dry run: would write src/bridge/settings/openedx/version_matrix.py" in plain


# --- the rule that breaks lines ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "width", "phrases", "lines"),
    [
        ("", 80, False, [""]),
        ("short line", 80, False, ["short line"]),
        (
            "  missing: " + "x" * 50 + " for xpro QA, xpro Production",
            50,
            False,
            ["  missing:", "      " + "x" * 50, "      for xpro QA, xpro Production"],
        ),
        (
            "~ app: release ulmo → teak, branch release/ulmo → release/teak, "
            "runtime 24 → 20",
            60,
            True,
            [
                "~ app: release ulmo → teak,",
                "    branch release/ulmo → release/teak, runtime 24 → 20",
            ],
        ),
        (
            "~ app: release ulmo → teak, branch release/ulmo → release/teak, "
            "runtime 24 → 20",
            60,
            False,
            [
                "~ app: release ulmo → teak, branch release/ulmo →",
                "    release/teak, runtime 24 → 20",
            ],
        ),
    ],
)
def test_lines_break_between_words_with_a_hanging_indent(
    text: str, width: int, phrases: bool, lines: list[str]
) -> None:
    from olx.cli.outcome_text import line_breaks

    got = [i + text[s:e] for i, s, e in line_breaks(text, width, phrases=phrases)]
    assert got == lines
    if text:  # and the lines join back into the text
        assert unwrapped("\n".join(got)) == [text]
