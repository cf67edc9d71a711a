"""``olx upstream``: the named releases edx-platform has cut that the release Enum
lacks, and the supported releases whose branch is gone (bare upstream repositories
reached through a test-only git config, as for verify)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import invoke
from upstream_support import Upstreams

PLATFORM = "https://github.com/openedx/edx-platform"


def test_upstream_proposes_new_releases_and_names_gone_branches(
    example_repo: Path, upstreams: Upstreams
):
    """The example supports master, teak and ulmo; upstream renamed teak's branch,
    cut verawood (a branch) and willow (tags only), and still has sumac (older than
    every supported release: retired on purpose, not proposed)."""
    upstreams.set(
        "openedx/edx-platform",
        ["master", "release/teak.master", "release/ulmo", "release/verawood",
         "open-release/sumac.master"],
        ["release/ulmo.1", "release/willow.1", "release/willow.2"],
    )  # fmt: skip

    result = invoke("--repo", example_repo, "upstream", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "repository": PLATFORM,
        "new": [
            {
                "name": "willow",
                "branch": None,
                "branches": [],
                "tags": ["release/willow.2", "release/willow.1"],
                "command": "olx add-release willow --branch release/willow.2",
            },
            {
                "name": "verawood",
                "branch": "release/verawood",
                "branches": ["release/verawood"],
                "tags": [],
                "command": "olx add-release verawood --branch release/verawood",
            },
        ],
        "gone": [
            {
                "name": "teak",
                "branch": "release/teak",
                "closest": ["release/teak.master"],
            }
        ],
    }
    text = invoke("--repo", example_repo, "upstream").stdout
    assert "  willow: only tags upstream (release/willow.2, release/willow.1)" in text
    assert "  verawood: olx add-release verawood --branch release/verawood" in text
    assert "  teak: release/teak (closest: release/teak.master)" in text
    # The command it proposes adds the release it found, as it is upstream.
    added = invoke(
        "--repo", example_repo, "add-release", "verawood", "--branch",
        "release/verawood", "--no-commit",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    after = json.loads(invoke("--repo", example_repo, "upstream", "--json").stdout)
    assert [n["name"] for n in after["new"]] == ["willow"]


def test_upstream_of_an_unreadable_repository_exits_1(
    example_repo: Path, upstreams: Upstreams
):
    result = invoke(
        "--repo", example_repo, "upstream", "--repository", "https://github.com/no/such"
    )
    assert result.exit_code == 1
    assert "cannot read https://github.com/no/such: fatal:" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "repository", ["-x", "--upload-pack=touch pwned", "/srv/git/edx-platform",
                   "ext::sh -c touch% pwned", "file:///srv/git/edx-platform", ""]
)  # fmt: skip
def test_a_repository_olx_does_not_read_is_a_bad_value(
    example_repo: Path, repository: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PATH", "/nonexistent")  # refused before git runs
    result = invoke(
        "--repo", example_repo, "--json", "upstream", "--repository", repository
    )
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    assert error["kind"] == "bad-value"
    assert error["error"] == f"invalid --repository {repository!r}"
    assert "https://" in error["hint"]
