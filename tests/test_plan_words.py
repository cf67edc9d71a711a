"""A runbook's lines and words as a POSIX shell reads them, and what a step may not do
(print help into a plan's output)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke

from olx.errors import GuardError, InputError, ShapeError
from olx.ops.plan import at_line, parse_runbook


def words(text: str) -> list[tuple[int, list[str]]]:
    return [(s.line, s.words) for s in parse_runbook(text, "rb.txt")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A comment starts only at the start of a word.
        ("override a b c --branch mitx/fix#123", ["--branch", "mitx/fix#123"]),
        ("override a b c --branch x # a comment", ["--branch", "x"]),
        ("override a b c --branch x #a comment", ["--branch", "x"]),
        ("override a b c --branch x\t#tab before", ["--branch", "x"]),
        ("override a b c --branch '#x'", ["--branch", "#x"]),
        ('override a b c --branch "a #b"', ["--branch", "a #b"]),
        ("override a b c --branch \\#x", ["--branch", "#x"]),
        ("override a b c --branch 'x'#y", ["--branch", "x#y"]),
        ("override a b c --branch x\\ #y", ["--branch", "x #y"]),
    ],
)
def test_a_hash_starts_a_comment_only_at_the_start_of_a_word(line, expected) -> None:
    ((number, found),) = words(line + "\n")
    assert number == 1 and found[-2:] == expected


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\f", "\v", "\x1c"])
def test_lines_end_at_newlines_only(separator: str) -> None:
    # Not a line break for a shell: the character stays inside the line (here, in
    # the last word), and the next line is line 2.
    steps = words(f"promote xpro QA{separator}x\npromote mitx CI\n")
    assert steps == [
        (1, ["promote", "xpro", f"QA{separator}x"]),
        (2, ["promote", "mitx", "CI"]),
    ]


def test_a_crlf_runbook_reads_as_its_lf_twin() -> None:
    text = (
        "# release day\r\npromote xpro QA  # QA takes CI's\r\n\r\npromote mitx CI\r\n"
    )
    assert words(text) == words(text.replace("\r\n", "\n"))
    assert words(text) == [
        (2, ["promote", "xpro", "QA"]),
        (4, ["promote", "mitx", "CI"]),
    ]


def test_an_unclosed_quote_names_its_line() -> None:
    with pytest.raises(InputError, match=r"rb.txt:2: cannot split the line"):
        parse_runbook("promote xpro QA\npromote 'xpro QA\n", "rb.txt")


def test_a_branch_with_a_hash_is_written_whole(example_repo: Path) -> None:
    runbook = example_repo.parent / "fix.txt"
    runbook.write_text(
        "override ulmo mitx edx-platform --branch mitx/fix#123  # the fix\n",
        encoding="utf-8",
    )
    result = invoke("--repo", example_repo, "--json", "plan", runbook, "--dry-run")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert '+                branch_override="mitx/fix#123",' in out["diff"]
    assert out["steps"][0]["command"] == (
        "olx override ulmo mitx edx-platform --branch 'mitx/fix#123'"
    )


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("as_json", [True, False])
def test_help_inside_a_step_is_an_input_error_and_prints_no_help(
    example_repo: Path, flag: str, as_json: bool
) -> None:
    runbook = example_repo.parent / "help.txt"
    runbook.write_text(
        f"promote xpro QA\noverride ulmo mitx edx-platform {flag}\n", encoding="utf-8"
    )
    json_flag = ["--json"] if as_json else []
    result = invoke("--repo", example_repo, *json_flag, "plan", runbook, "--dry-run")
    assert result.exit_code == 2
    assert "Usage" not in result.output
    if as_json:
        error = json.loads(result.stdout)  # the whole of stdout is the JSON object
        assert error["error"].startswith(f"help.txt:2: {flag} inside a step")
    else:
        assert result.stdout == ""
        assert result.stderr.startswith(f"olx: error: help.txt:2: {flag} inside a step")


class _RefusedError(InputError):
    """A subclass with an attribute of its own, as scripts may tell errors apart."""

    def __init__(self, message: str, owner: str) -> None:
        super().__init__(message, "a hint")
        self.owner = owner


@pytest.mark.parametrize(
    "error",
    [
        ShapeError("version_matrix.py", 12, "ReleaseMap key 'ulmo' is given twice"),
        _RefusedError("locked", owner="pid 42"),
        GuardError("refused: too soon", "wait"),
    ],
)
def test_a_step_error_keeps_its_class_and_attributes(error: InputError) -> None:
    (step,) = parse_runbook("promote xpro QA\n", "rb.txt")
    out = at_line(step, error, "rb.txt")
    assert type(out) is type(error) and out.exit_code == error.exit_code
    assert out.message == f"rb.txt:1: olx promote xpro QA: {error.message}"
    assert str(out) == out.message and out.hint == error.hint
    for name, value in vars(error).items():
        if name != "message":
            assert getattr(out, name) == value
    assert error.message in str(error) and not str(error).startswith("rb.txt")
