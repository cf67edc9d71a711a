"""A promote's commit body, line by line: each stage it moves, then what that stage will
deploy differently, so that the reviewer of the branch sees it."""

from __future__ import annotations

from pathlib import Path

import git
from conftest import example_paths, invoke
from oracle import oracle_of_sources

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
    # One line per component that differs, read off the executed source: every
    # application of both lists changes release (~), the others come (+) or go (-).
    texts = [p.read_text(encoding="utf-8") for p in example_paths(example_repo)]
    model = oracle_of_sources(*texts)  # a promote leaves ReleaseMap as it was
    lists = model["release_map"]
    teak = {e["application"] for e in lists["teak"]["mitx"]}
    ulmo = {e["application"] for e in lists["ulmo"]["mitx"]}
    expected = {("~" if a in teak else "+", a) for a in ulmo}
    expected |= {("-", a) for a in teak - ulmo}
    listed = [(line.split()[0], line.split()[1].rstrip(":")) for line in mitx]
    assert sorted(listed) == sorted(expected)
    assert lines[-4:] == [
        "",
        f"Made by olx {__version__}:",
        "    olx promote mitx,mitx-staging Production ulmo",
        "",
    ]
