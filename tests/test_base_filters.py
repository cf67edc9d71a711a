"""``--base REF`` in a repository whose checked-out files differ from their blobs
(``.gitattributes`` ``eol=crlf``, a smudge/clean filter): the write plans against the
files as checking REF out writes them, so it neither refuses nor writes another text
than the same write from a checkout of REF (real git, no network)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

STAMP = b"# checked out by the stamp filter"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def git_bytes(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True
    ).stdout


def with_attributes(repo: Path, how: str) -> None:
    """Commit the attributes, then check every file out again through them."""
    if how == "eol=crlf":
        (repo / ".gitattributes").write_text("* text eol=crlf\n", encoding="utf-8")
    else:  # a smudge filter that appends a line, and its clean that takes it away
        git(
            repo,
            "config",
            "filter.stamp.smudge",
            f"sh -c 'cat; echo \"{STAMP.decode()}\"'",
        )
        git(repo, "config", "filter.stamp.clean", f"sed '/^{STAMP.decode()}$/d'")
        git(repo, "config", "filter.stamp.required", "true")
        (repo / ".gitattributes").write_text("*.py filter=stamp\n", encoding="utf-8")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    git(repo, "rm", "-q", "-r", "--cached", ".")
    git(repo, "reset", "-q", "--hard")
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("how", ["eol=crlf", "smudge filter"])
def test_base_plans_against_the_files_as_checked_out(
    example_repo: Path, how: str
) -> None:
    repo = example_repo
    with_attributes(repo, how)
    matrix, types = repo / EXAMPLE_MATRIX, repo / EXAMPLE_TYPES
    checked_out = matrix.read_bytes()
    blob = git_bytes(repo, "cat-file", "blob", f"main:{EXAMPLE_MATRIX}")
    assert checked_out != blob  # what makes --base different here
    git(repo, "checkout", "-q", "-b", "work")
    based = invoke("--repo", repo, "promote", "xpro", "QA", "--base", "main",
                   "--branch", "out")  # fmt: skip
    assert based.exit_code == 0, based.output
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "out"
    assert git(repo, "status", "--porcelain") == ""
    written = matrix.read_bytes(), types.read_bytes()
    if how == "eol=crlf":
        assert written[0].count(b"\n") == written[0].count(b"\r\n")
    else:
        assert written[0].endswith(STAMP + b"\n") and written[1].endswith(STAMP + b"\n")
    # Stored as git stores it (LF, no stamp): one line changed, nothing else.
    stored = git_bytes(repo, "cat-file", "blob", f"out:{EXAMPLE_MATRIX}")
    assert b"\r" not in stored and STAMP not in stored
    assert git(repo, "diff", "--numstat", "main", "out").split() == [
        "1",
        "1",
        EXAMPLE_MATRIX,
    ]
    # The same write from a checkout of main writes the same bytes.
    git(repo, "checkout", "-q", "main")
    plain = invoke("--repo", repo, "promote", "xpro", "QA", "--branch", "plain")
    assert plain.exit_code == 0, plain.output
    assert (matrix.read_bytes(), types.read_bytes()) == written
    assert git(repo, "rev-parse", "out^{tree}") == git(
        repo, "rev-parse", "plain^{tree}"
    )


def test_base_whose_filter_fails_says_so(example_repo: Path) -> None:
    with_attributes(example_repo, "smudge filter")
    git(example_repo, "config", "filter.stamp.smudge", "false")
    git(example_repo, "checkout", "-q", "-b", "work")
    refused = invoke("--repo", example_repo, "promote", "xpro", "QA", "--base", "main")
    assert refused.exit_code == 2, refused.output
    assert "git cat-file failed" in refused.stderr
    assert "has no" not in refused.stderr
    assert git(example_repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "work"
