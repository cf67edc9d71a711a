"""A promote's commit body, line by line: each stage it moves, then what that stage will
deploy differently, so that the reviewer of the branch sees it."""

from __future__ import annotations

from pathlib import Path

import git
from conftest import invoke

from olx import __version__


def test_promote_commit_body_line_by_line(example_repo: Path) -> None:
    result = invoke(
        "--repo", example_repo, "promote", "mitx,mitx-staging", "Production", "ulmo"
    )
    assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    with repo:
        lines = repo.head.commit.message.split("\n")
    assert lines[0] == "config: Promote ulmo to Production for mitx, mitx-staging"
    assert lines[1] == ""
    assert lines[2] == "- mitx Production: teak → ulmo"
    mitx = []
    i = 3
    while lines[i].startswith("    "):
        mitx.append(lines[i])
        i += 1
    assert lines[i] == "- mitx-staging Production: teak → ulmo"
    assert (
        "    ~ edx-platform: release teak → ulmo, branch mitx/teak → mitx/ulmo, "
        "runtime 3.11 → 3.12"
    ) in mitx
    assert (
        "    ~ edxapp_theme: release teak → ulmo, branch teak → ulmo, "
        "runtime 3.11 → 3.12"
    ) in mitx
    assert all(line.startswith(("    ~ ", "    + ", "    - ")) for line in mitx)
    assert len(mitx) == 13  # the 13 applications of mitx's list
    assert lines[-4:] == [
        "",
        f"Made by olx {__version__}:",
        "    olx promote mitx,mitx-staging Production ulmo",
        "",
    ]
