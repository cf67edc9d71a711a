"""Hostile values for every command and option: refused with exit 2 and one clean line,
nothing written, no branch, no traceback; and a value that is accepted stays data.

docs/contract.md "Safety": values that become source code are validated; nothing a user
types can inject code into the matrix. Every case runs against one example repository
whose bytes, HEAD and branches are compared with the first snapshot after each
invocation.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import example_paths, invoke

from olx.example import init_example

# -- the values -------------------------------------------------------------------------

QUOTES = ['a"b', "a'b", 'x") + os.system("id', "x', release='master"]
BREAKS = ["a\nb", "a\rb", "mitx\n--force", "a\x00b", "a\\b", "a\tb"]
LOOKALIKES = [
    "mit\u0445",  # Cyrillic ha
    "\u0430bc",  # Cyrillic a
    "ulm\u043e",  # Cyrillic o
    "mit\u200bx",  # zero-width space
    "ul\u200dmo",  # zero-width joiner
    "\u202eulmo",  # right-to-left override
    "\ufeffulmo",  # BOM
    "ｕｌｍｏ",  # full width
]
FORMATS = ["{0}", "{}", "%s", "%(x)s", "{x.__class__}"]
SHELL = ["$(touch pwned)", "`touch pwned`", "a;touch pwned", "a|b", "a&&b", "a>b"]
LONG = ["x" * 10_000, "a" * 201]
CODE = [
    'os.system("id")',
    "__import__('os')",
    "a.b",
    "1+1",
    "x if y else z",
    "lambda: 0",
]
KEYWORDS = ["class", "import", "None", "lambda"]
BLANK = ["", " ", "-"]
# Option-like words are usage errors: main() makes them one line (a real process, below);
# CliRunner shows click's own usage box, so the table leaves them out.
OPTION_LIKE = ["--", "-x", "--force", "--repo=/"]
URLISH = [
    "javascript:alert(1)",
    "file:///etc/passwd",
    "http://github.com/a/b",
    "ext::sh -c touch% pwned",
    "git@github.com:a/b.git;id",
    "https://github.com/a/b\nrm",
    "https://github.com/a b",
    "//github.com/a/b",
    "ftp://github.com/a/b",
]

# Every category in the default run, every value with OLX_HOSTILE_ALL=1 (about 3x as long).
_ALL = bool(os.environ.get("OLX_HOSTILE_ALL"))
_CATEGORIES = [
    QUOTES,
    BREAKS,
    LOOKALIKES,
    FORMATS,
    SHELL,
    LONG,
    CODE,
    KEYWORDS,
    BLANK,
    URLISH,
]
EVERYTHING = [v for group in _CATEGORIES for v in (group if _ALL else group[:3])]

# What a kind of value legitimately accepts from EVERYTHING: a git ref may be ``class``
# or ``a;b`` (written as a string literal, see the tests below), an MFE path ``a.b``.
ACCEPTED_REF = {"class", "import", "None", "lambda", "%s", "%(x)s", "1+1", "a.b"}
ACCEPTED_REF |= {"a|b", "a&&b", "a>b"}
ACCEPTED_PATH = {"class", "import", "None", "lambda", "a.b"}

# Free text that git takes as a branch name (quotes, $, Unicode letters) is no code: only
# what git cannot take, or what hides what it is, must be refused.
COMMIT_BRANCH_REFUSED = [
    "a\nb",
    "a\rb",
    "a\x00b",
    "a\tb",
    "a\\b",
    "mit\u200bx",
    "ul\u200dmo",
    "\u202eulmo",
    "\ufeffulmo",
    "x" * 10_000,
    "a" * 201,
    "",
    " ",
    "a b",
    "a..b",
    "-x",
    "a~b",
    "a:b",
    "a^b",
    "a?b",
    "a*b",
    "a[b",
    "a@{b",
    "a.lock",
    "a/",
    "@",
    "@{-1}",
]
MESSAGE_REFUSED = [
    "a\nb",
    "a\rb",
    "a\x00b",
    "subject\n\nMade by olx 9:\n    x",
    "\x1b[31m",
]

URL = "https://github.com/openedx/notes"


def _values(kind: str) -> list[str]:
    if kind == "name":
        return EVERYTHING
    if kind == "new-name":  # a new release or application: ``a.b`` may be a value
        return [v for v in EVERYTHING if v != "a.b"]
    if kind == "ref":
        return [v for v in EVERYTHING if v not in ACCEPTED_REF]
    if kind == "path":
        return [v for v in EVERYTHING if v not in ACCEPTED_PATH]
    if kind == "commit-branch":
        return COMMIT_BRANCH_REFUSED if _ALL else COMMIT_BRANCH_REFUSED[::2]
    if kind == "message":
        return MESSAGE_REFUSED
    if kind == "set":  # ``{}`` is JSON: data (an empty dict), tested below
        return [v for v in EVERYTHING if v != "{}"]
    if kind == "type":  # ``None`` is an annotation that admits None
        return [v for v in EVERYTHING if v != "None"]
    if kind == "app-value":  # a renamed value is data: a keyword or a dot may be one
        return [v for v in EVERYTHING if v not in {"a.b", *KEYWORDS}]
    return EVERYTHING  # url, runtime


# (id, kind, argument words with V where the hostile value goes)
CASES: list[tuple[str, str, list[str]]] = [
    ("promote-deployment", "name", ["promote", "V", "QA"]),
    ("promote-stage", "name", ["promote", "xpro", "V"]),
    ("promote-release", "name", ["promote", "xpro", "QA", "V"]),
    ("promote-commit-branch", "commit-branch", ["promote", "xpro", "QA", "--branch", "V"]),
    ("promote-message", "message", ["promote", "xpro", "QA", "--message", "V"]),
    ("add-release-name", "new-name", ["add-release", "V"]),
    ("add-release-branch", "ref", ["add-release", "verawood", "--branch", "V"]),
    ("add-release-python", "runtime", ["add-release", "verawood", "--python", "V"]),
    ("add-release-node", "runtime", ["add-release", "verawood", "--node", "V"]),
    ("add-release-clone-from", "name", ["add-release", "verawood", "--clone-from", "V"]),
    ("add-release-git-branch", "commit-branch", ["add-release", "verawood", "--git-branch", "V"]),
    ("set-release-name", "name", ["set-release", "V", "--branch", "release/x"]),
    ("set-release-branch", "ref", ["set-release", "ulmo", "--branch", "V"]),
    ("set-release-python", "runtime", ["set-release", "ulmo", "--python", "V"]),
    ("set-release-node", "runtime", ["set-release", "ulmo", "--node", "V"]),
    ("clone-release-old", "name", ["clone-release", "V", "master"]),
    ("clone-release-new", "name", ["clone-release", "teak", "V"]),
    ("clone-release-deployment", "name", ["clone-release", "teak", "master", "--deployment", "V"]),
    ("retire-name", "name", ["retire", "V"]),
    ("retire-deployment", "name", ["retire", "teak", "--deployment", "V"]),
    ("add-app-value", "new-name", ["add-app", "V", "--type", "IDA", "--repository", URL]),
    ("add-app-type", "name", ["add-app", "notes", "--type", "V", "--repository", URL]),
    ("add-app-repository", "url", ["add-app", "notes", "--type", "IDA", "--repository", "V"]),
    ("add-app-path", "path", ["add-app", "notes", "--type", "MFE", "--repository", URL, "--path", "V"]),
    ("add-app-member", "name", ["add-app", "notes", "--type", "IDA", "--repository", URL, "--member", "V"]),
    ("set-app-value", "name", ["set-app", "V", "--repository", URL]),
    ("set-app-repository", "url", ["set-app", "edx-platform", "--repository", "V"]),
    ("set-app-path", "path", ["set-app", "learning", "--path", "V"]),
    ("remove-app-value", "name", ["remove-app", "V"]),
    ("set-app-rename", "app-value", ["set-app", "authoring", "--rename", "V"]),
    ("add-field-name", "name", ["add-field", "V", "list[str] | None"]),
    ("add-field-type", "type", ["add-field", "audience", "V"]),
    ("remove-field-name", "name", ["remove-field", "V"]),
    ("enable-app-app", "name", ["enable-app", "V", "ulmo", "mitx"]),
    ("enable-app-release", "name", ["enable-app", "notes-api", "V", "mitxonline"]),
    ("enable-app-deployment", "name", ["enable-app", "notes-api", "ulmo", "V"]),
    ("enable-app-pin", "name", ["enable-app", "notes-api", "teak", "xpro", "--pin", "V"]),
    ("enable-app-branch", "ref", ["enable-app", "notes-api", "teak", "xpro", "--branch", "V"]),
    ("enable-app-origin", "url", ["enable-app", "notes-api", "teak", "xpro", "--origin", "V"]),
    ("enable-app-runtime", "runtime", ["enable-app", "notes-api", "teak", "xpro", "--runtime", "V"]),
    ("enable-app-set", "set", ["enable-app", "notes-api", "teak", "xpro", "--set", "translation_overrides=V"]),
    ("disable-app-app", "name", ["disable-app", "V", "ulmo", "mitx"]),
    ("disable-app-release", "name", ["disable-app", "edx-platform", "V", "mitx"]),
    ("disable-app-deployment", "name", ["disable-app", "edx-platform", "ulmo", "V"]),
    ("override-release", "name", ["override", "V", "mitx", "edx-platform", "--no-branch"]),
    ("override-deployment", "name", ["override", "ulmo", "V", "edx-platform", "--no-branch"]),
    ("override-app", "name", ["override", "ulmo", "mitx", "V", "--no-branch"]),
    ("override-branch", "ref", ["override", "ulmo", "mitx", "edx-platform", "--branch", "V"]),
    ("override-origin", "url", ["override", "ulmo", "mitx", "edx-platform", "--origin", "V"]),
    ("override-runtime", "runtime", ["override", "ulmo", "mitx", "edx-platform", "--runtime", "V"]),
    ("override-pin", "name", ["override", "ulmo", "mitx", "edx-platform", "--pin", "V"]),
    ("override-set-value", "set", ["override", "ulmo", "mitx", "edx-platform", "--set", "translation_overrides=V"]),
    ("override-set-field", "name", ["override", "ulmo", "mitx", "edx-platform", "--set", "V=null"]),
    ("override-unset", "name", ["override", "ulmo", "mitx", "edx-platform", "--unset", "V"]),
    ("override-git-branch", "commit-branch", ["override", "ulmo", "mitx", "edx-platform", "--no-branch", "--git-branch", "V"]),
    ("plan-branch", "commit-branch", ["plan", "RUNBOOK", "--branch", "V"]),
    ("plan-message", "message", ["plan", "RUNBOOK", "--message", "V"]),
    ("show-deployment", "name", ["show", "V"]),
    ("show-stage", "name", ["show", "mitx", "V"]),
    ("diff-deployment", "name", ["diff", "V", "CI", "QA"]),
    ("diff-stage", "name", ["diff", "mitx", "V", "QA"]),
    ("diff-deployment-stage", "name", ["diff", "mitx:QA", "V:QA"]),
    ("diff-stage-of-pair", "name", ["diff", "mitx:V", "xpro:QA"]),
    ("history-deployment", "name", ["history", "V"]),
    ("history-since", "name", ["history", "--since", "V"]),
]  # fmt: skip


# -- the repository ---------------------------------------------------------------------


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _snapshot(repo: Path) -> tuple[object, ...]:
    """Both files, HEAD, the branches, the index and the work tree, as git sees them."""
    types, matrix = example_paths(repo)
    return (
        types.read_bytes(),
        matrix.read_bytes(),
        _git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        (repo / ".git" / "HEAD").read_text(),
        _git(repo, "status", "--porcelain", "--untracked-files=all"),
        _git(repo, "diff", "--cached", "--name-only"),
    )


def _quick_snapshot(repo: Path) -> tuple[object, ...]:
    """The same without starting git (checked after every one of a thousand runs):
    every file of the work tree, HEAD and every ref file."""
    git_dir = repo / ".git"
    files = sorted(
        (str(p.relative_to(repo)), p.read_bytes())
        for p in repo.rglob("*")
        if p.is_file() and git_dir not in p.parents
    )
    refs = sorted(
        (str(p.relative_to(git_dir)), p.read_bytes())
        for p in [git_dir / "HEAD", git_dir / "packed-refs", *git_dir.glob("refs/**/*")]
        if p.is_file()
    )
    return tuple(files), tuple(refs)


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """typer builds the click command anew for every CliRunner call (about 15 ms, most
    of a refusal's time); a thousand refusals share one build here."""
    import typer.testing

    built = functools.lru_cache(maxsize=None)(typer.testing._get_command)
    monkeypatch.setattr(typer.testing, "_get_command", built)


@pytest.fixture(scope="module")
def hostile_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    repo = tmp_path_factory.mktemp("hostile") / "repo"
    init_example(repo)
    runbook = repo.parent / "runbook.txt"
    runbook.write_text("promote xpro QA\n", encoding="utf-8")
    yield repo


def _restore(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-f", "main")
    _git(repo, "reset", "-q", "--hard")
    _git(repo, "clean", "-q", "-fdx")
    for name in _git(
        repo, "for-each-ref", "--format=%(refname:short)", "refs/heads"
    ).split():
        if name != "main":
            _git(repo, "branch", "-q", "-D", name)


def _refused_cleanly(repo: Path, words: list[str]) -> str | None:
    """None when ``olx WORDS`` exits 2 with one ``olx: error:`` line and changes
    nothing; else what went wrong (the repository is put back)."""
    before = _quick_snapshot(repo)
    result = invoke("--repo", repo, *words, catch_exceptions=True)
    problems = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problems.append(f"raised {result.exception!r}")
    if result.exit_code != 2:
        problems.append(f"exit {result.exit_code}")
    lines = result.stderr.splitlines()
    if len(lines) != 1 or not lines[0].startswith("olx: error: "):
        problems.append(f"stderr {result.stderr[:300]!r}")
    if "Traceback" in result.output:
        problems.append("a traceback")
    if _quick_snapshot(repo) != before:
        problems.append("the repository changed")
        _restore(repo)
    return "; ".join(problems) or None


def _words(template: list[str], value: str, repo: Path) -> list[str] | None:
    """The command line with ``value`` in place of V; None where that makes an
    option-like word (a usage error, tested through a real process below)."""
    runbook = str(repo.parent / "runbook.txt")
    out = []
    for word in template:
        word = word.replace("RUNBOOK", runbook)
        if "V" in word:
            word = word.replace("V", value)
            if word.startswith("-"):
                return None
        out.append(word)
    return out


@pytest.mark.parametrize(
    ("kind", "template"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_hostile_value_is_refused_with_one_line_and_nothing_written(
    hostile_repo: Path, kind: str, template: list[str]
) -> None:
    start = _snapshot(hostile_repo)
    failures, tried = [], 0
    for value in _values(kind):
        words = _words(template, value, hostile_repo)
        if words is None:
            continue
        tried += 1
        problem = _refused_cleanly(hostile_repo, words)
        if problem:
            failures.append(f"{value[:40]!r}: {problem}")
    assert tried >= 5
    assert failures == []
    assert _snapshot(hostile_repo) == start


def test_the_options_named_in_the_cases_exist() -> None:
    """Guard against a case that is refused only because its option is misspelt."""
    for name, _, template in CASES:
        options = [w for w in template if w.startswith("--")]
        command = template[0]
        result = invoke(command, "--help")
        assert result.exit_code == 0, name
        for option in options:
            assert option in result.stdout, (name, option)


@pytest.mark.parametrize(
    "value",
    # Lists of strings: the field is declared list[str] | None.
    [
        '["a\\"b"]',
        '["line\\nbreak"]',
        '["\\u0000"]',
        '["$(touch pwned)", "`id`"]',
        '["{0}%s"]',
    ],
)
def test_a_json_set_value_is_written_as_data_never_as_code(
    example_repo: Path, value: str
) -> None:
    """Accepted ``--set`` values are JSON: the written file evaluates to exactly that
    data (``ast.literal_eval`` of the keyword), whatever characters it holds."""
    _, matrix = example_paths(example_repo)
    result = invoke(
        "--repo", example_repo, "override", "ulmo", "mitx", "edx-platform",
        "--set", f"translation_overrides={value}", "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = _keyword_values(matrix.read_text(encoding="utf-8"), "translation_overrides")
    assert json.loads(value) in found


@pytest.mark.parametrize("value", sorted(ACCEPTED_REF))
def test_a_branch_that_git_accepts_is_written_as_a_string_literal(
    example_repo: Path, value: str
) -> None:
    _, matrix = example_paths(example_repo)
    result = invoke(
        "--repo", example_repo, "override", "ulmo", "mitx", "edx-platform",
        "--branch", value, "--no-commit",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert value in _keyword_values(matrix.read_text(), "branch_override")


def _keyword_values(source: str, name: str) -> list[object]:
    """Every ``name=...`` keyword's value in ``source``; each must be a literal."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == name:
            found.append(ast.literal_eval(node.value))
    return found


@pytest.mark.parametrize(
    "line",
    [
        "promote xpro QA; touch pwned",
        "promote xpro QA | tee pwned",
        "promote $(touch pwned) QA",
        "promote `touch pwned` QA",
        "promote xpro QA && touch pwned",
        "promote xpro QA > pwned",
        'promote "xpro QA',
        "promote xpro QA \\",
        "promote xpro QA --dry-run",
        "promote xpro QA --message pwned",
        "init-example pwned",
        "plan runbook.txt",
        "--repo /tmp promote xpro QA",
        "promote mit\u200bx QA",
        "override ulmo mitx edx-platform --set translation_overrides=__import__('os')",
    ],
)
def test_a_runbook_line_with_shell_syntax_or_garbage_is_refused_naming_the_line(
    hostile_repo: Path, line: str
) -> None:
    runbook = hostile_repo.parent / "hostile-runbook.txt"
    runbook.write_text(f"# release day\npromote xpro QA\n{line}\n", encoding="utf-8")
    assert _refused_cleanly(hostile_repo, ["plan", str(runbook)]) is None
    result = invoke("--repo", hostile_repo, "plan", runbook, catch_exceptions=True)
    assert "hostile-runbook.txt:3:" in result.stderr
    assert not list(hostile_repo.parent.rglob("pwned"))


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"promote xpro QA\n\xff\xfe\x00garbage\n",
        b"\x00" * 64,
        b"\xef\xbb\xbfpromote xpro QA\n\x80",
        b"promote xpro QA\x00\n",
    ],
    ids=["all-bytes", "garbage-line", "nuls", "bom-then-garbage", "nul-in-a-step"],
)
def test_a_binary_runbook_is_refused(hostile_repo: Path, data: bytes) -> None:
    runbook = hostile_repo.parent / "binary-runbook"
    runbook.write_bytes(data)
    assert _refused_cleanly(hostile_repo, ["plan", str(runbook)]) is None


def test_a_json_error_is_one_object_for_a_hostile_value(hostile_repo: Path) -> None:
    before = _snapshot(hostile_repo)
    result = invoke(
        "--repo", hostile_repo, "--json", "promote", "mit\u200bx\n", "QA",
        catch_exceptions=True,
    )  # fmt: skip
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["exit_code"] == 2
    assert "mit\\u200bx" in error["error"] or "mit\u200bx" in error["error"]
    assert _snapshot(hostile_repo) == before


def test_an_error_shows_invisible_characters_escaped_on_one_line(
    hostile_repo: Path,
) -> None:
    """A look-alike name is shown for what it is, never as a second line."""
    result = invoke(
        "--repo", hostile_repo, "enable-app", "notes-api", "ulmo", "a\nb\u200b",
        catch_exceptions=True,
    )  # fmt: skip
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert "\\u200b" in line
    assert "\\n" in line


def _olx(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "olx", "--repo", str(repo), *args],
        capture_output=True,
        text=True,
        cwd=repo.parent,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["promote", "mit\u0445", "QA"],
        ["promote", "xpro", "QA", "--branch", "x" * 10_000],
        ["promote", "xpro", "QA", "--branch", "mit\u200bx"],
        ["promote", "xpro", "QA", "--message", "a\nb"],
        ["override", "ulmo", "mitx", "edx-platform", "--origin", "ext::sh -c touch% pwned"],
        ["override", "ulmo", "mitx", "edx-platform", "--set", "translation_overrides=os.system('touch pwned')"],
        ["add-release", "$(touch pwned)"],
        ["add-app", "notes\n", "--type", "IDA", "--repository", URL],
        ["show", "`touch pwned`"],
        ["history", "--since", "%s{0}"],
        ["promote", "--", "QA"],
        ["promote", "-x", "QA"],
        ["diff", "mitx:QA", "-:QA"],
        ["override", "ulmo", "mitx", "edx-platform", "--set", "--force"],
    ],
    ids=lambda a: a[0] + "-" + a[-1][:12].encode("unicode_escape").decode(),
)  # fmt: skip
def test_hostile_values_through_a_real_process(hostile_repo: Path, args: list[str]):
    before = _snapshot(hostile_repo)
    proc = _olx(hostile_repo, *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("olx: error: "), proc.stderr
    assert proc.stdout == ""
    assert _snapshot(hostile_repo) == before
    assert not list(hostile_repo.parent.rglob("pwned"))
