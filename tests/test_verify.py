"""``olx verify``: every component the selected stages build, found upstream.

The upstreams are real bare repositories reached through a test-only git config
(tests/upstream_support.py): the example matrix keeps its ``https://github.com/...``
origins, and nothing here needs the network.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke, unwrapped
from upstream_support import (
    EXAMPLE_UPSTREAM,
    Upstreams,
    _git,
    components_of_all_stages,
    slow_git,
    verify,
    verify_json,
    write_pyproject,
)

from olx.repo.remote import cache_path

PLATFORM = "https://github.com/openedx/edx-platform"


def line_of(repo: Path, rel: str, text: str) -> int:
    """The 1-based line of the only line of ``rel`` that contains ``text``."""
    lines = (repo / rel).read_text(encoding="utf-8").splitlines()
    found = [n for n, line in enumerate(lines, start=1) if text in line]
    assert len(found) == 1, found
    return found[0]


def test_every_branch_found_upstream_exits_0_and_counts_the_components(
    example_repo: Path, upstreams: Upstreams
):
    code, report = verify_json(example_repo)
    assert code == 0, report
    assert report == {
        "checked": components_of_all_stages(example_repo),
        "missing": [],
        "unreachable": [],
        "skipped": [],
    }
    assert report["checked"] > 100
    text = verify(example_repo).stdout
    assert (
        f"checked {report['checked']} components against {len(EXAMPLE_UPSTREAM)} origins"
        in text
    )


def test_a_missing_branch_names_where_it_comes_from_and_the_closest_names(
    example_repo: Path, upstreams: Upstreams
):
    # Upstream renamed teak's branch: release/teak is gone, release/teak.master exists.
    upstreams.set(
        "openedx/edx-platform", ["master", "release/teak.master", "release/ulmo"]
    )

    code, report = verify_json(example_repo)

    assert code == 1
    teak_line = line_of(example_repo, EXAMPLE_TYPES, 'teak = ("teak"')
    assert report["missing"] == [
        {
            "deployment": "xpro",
            "stage": stage,
            "application": "edx-platform",
            "origin": PLATFORM,
            "branch": "release/teak",
            "source": f"{EXAMPLE_TYPES}:{teak_line}",
            "closest": ["release/teak.master"],
        }
        for stage in ("QA", "Production")
    ]
    assert report["unreachable"] == []
    text = verify(example_repo).stdout
    assert (
        f"  edx-platform: release/teak is not in {PLATFORM} (from {EXAMPLE_TYPES}:"
        f"{teak_line}; closest: release/teak.master) for xpro QA, xpro Production"
    ) in unwrapped(text)
    assert max(map(len, text.splitlines())) <= 80  # piped: broken between words


def test_a_tag_of_that_name_counts_as_found(example_repo: Path, upstreams: Upstreams):
    upstreams.set("openedx/edx-platform", ["master", "release/ulmo"], ["release/teak"])
    code, report = verify_json(example_repo)
    assert code == 0, report


def test_a_renamed_branch_is_named_with_its_new_name(
    example_repo: Path, upstreams: Upstreams
):
    """edx-platform's ``release`` became ``2u/release`` (the entry's keyword is the
    source); an MFE's ``master`` became ``main`` (master's member is the source)."""
    result = invoke(
        "--repo", example_repo, "override", "master", "mitxonline", "edx-platform",
        "--branch", "release", "--git-branch", "set-release-branch",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    upstreams.set(
        "openedx/edx-platform", ["2u/release", "release/teak", "release/ulmo"]
    )
    upstreams.set(
        "openedx/frontend-app-learning", ["main", "release/teak", "release/ulmo"]
    )

    code, report = verify_json(example_repo, "mitxonline:CI")

    assert code == 1
    by_app = {m["application"]: m for m in report["missing"]}
    assert set(by_app) == {"edx-platform", "learning"}
    assert by_app["edx-platform"]["branch"] == "release"
    assert by_app["edx-platform"]["closest"] == ["2u/release"]
    assert by_app["learning"]["branch"] == "master"
    assert by_app["learning"]["closest"] == ["main"]
    keyword = line_of(example_repo, EXAMPLE_MATRIX, 'branch_override="release"')
    assert by_app["edx-platform"]["source"] == f"{EXAMPLE_MATRIX}:{keyword}"
    member = line_of(example_repo, EXAMPLE_TYPES, 'master = ("master"')
    assert by_app["learning"]["source"] == f"{EXAMPLE_TYPES}:{member}"


def test_a_dead_origin_is_unreachable_in_one_line_and_the_rest_is_checked(
    example_repo: Path, upstreams: Upstreams
):
    upstreams.remove("openedx/forum")

    result = verify(example_repo, "--json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [u["origin"] for u in report["unreachable"]] == [
        "https://github.com/openedx/forum"
    ]
    error = report["unreachable"][0]["error"]
    assert "\n" not in error and "does not appear to be a git repository" in error
    assert report["missing"] == [] and report["checked"] > 100
    text = verify(example_repo)
    assert text.exit_code == 1 and "Traceback" not in text.output
    assert "https://github.com/openedx/forum unreachable: fatal:" in text.stdout
    assert ", 1 origin unreachable" in text.stdout
    upstreams.remove("openedx/edx-platform")
    assert ", 2 origins unreachable" in verify(example_repo, "--refresh").stdout


def test_an_origin_that_fails_when_refreshed_loses_its_cached_answer(
    example_repo: Path, upstreams: Upstreams
):
    assert verify(example_repo).exit_code == 0  # every origin answered, and is cached
    cached = cache_path(example_repo, "https://github.com/openedx/forum")
    assert cached is not None and cached.is_file()
    upstreams.remove("openedx/forum")

    assert verify(example_repo).exit_code == 0  # within the TTL: the cached answer
    assert verify(example_repo, "--refresh").exit_code == 1
    assert not cached.exists()
    # The next run does not fall back on the older answer: forum is read again.
    report = json.loads(verify(example_repo, "--json").stdout)
    assert [u["origin"] for u in report["unreachable"]] == [
        "https://github.com/openedx/forum"
    ]
    assert cache_path(example_repo, PLATFORM).is_file()  # the others stay cached


def test_an_origin_olx_will_not_hand_to_git_is_unreachable(
    example_repo: Path, upstreams: Upstreams, tmp_path: Path
):
    """A hand-edited origin such as ``ext::`` (a command!) or an option never reaches
    git's command line."""
    matrix = example_repo / "src/bridge/settings/openedx/version_matrix.py"
    flag = tmp_path / "ran"
    text = matrix.read_text(encoding="utf-8")
    evil = f"ext::sh -c touch% {flag}"
    matrix.write_text(
        text.replace("https://github.com/example-learning/xpro-theme", evil), "utf-8"
    )
    code, report = verify_json(example_repo, "xpro")
    assert code == 1
    assert [u["origin"] for u in report["unreachable"]] == [evil]
    assert "not a repository URL" in report["unreachable"][0]["error"]
    assert not flag.exists()


def test_a_slow_origin_times_out_while_the_others_answer_concurrently(
    example_repo: Path,
    upstreams: Upstreams,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """Every origin answers after 1 s (one at a time that would be 18 s), one never
    does: the command takes about the timeout, reports that one unreachable, and
    kills it (git and what it started)."""
    write_pyproject(example_repo, '[tool.olx.verify]\ntimeout = "2.5s"\n')
    pids = tmp_path / "pids"
    # The wrapper takes the first word that matches: the slow one before xqueue.
    delays = {"openedx/xqueue-watcher": 120.0}
    delays.update({repo: 1.0 for repo in EXAMPLE_UPSTREAM if repo not in delays})
    bin_dir = slow_git(tmp_path / "bin", delays, pids)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    start = time.monotonic()
    code, report = verify_json(example_repo)
    elapsed = time.monotonic() - start

    assert code == 1
    assert report["unreachable"] == [
        {
            "origin": "https://github.com/openedx/xqueue-watcher",
            "error": "no answer within 2.5s",
        }
    ]
    assert report["missing"] == [] and report["checked"] > 100
    # 18 origins of 1 s each, 16 at a time: two rounds; the slow one is cut at 2.5 s.
    assert elapsed < 6, elapsed
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 2 * len(EXAMPLE_UPSTREAM)  # each wrapper and its sleep
    for pid in started:
        assert not _running(pid), f"process {pid} outlived verify"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead, waiting for its reaper


def test_refs_are_cached_per_origin_until_the_ttl_or_refresh(
    example_repo: Path, upstreams: Upstreams
):
    assert verify(example_repo).exit_code == 0
    cached = cache_path(example_repo, PLATFORM)
    assert cached is not None and cached.is_file()
    assert cached.parent.parent == example_repo / ".git"
    upstreams.set("openedx/edx-platform", ["master", "release/ulmo"])

    assert verify(example_repo).exit_code == 0  # the cache says release/teak exists
    assert verify(example_repo, "--refresh").exit_code == 1
    assert verify(example_repo).exit_code == 1  # --refresh wrote the cache anew

    # A branch the cache lacks is confirmed upstream: created since, it is found.
    upstreams.set("openedx/edx-platform", EXAMPLE_UPSTREAM["openedx/edx-platform"])
    assert verify(example_repo).exit_code == 0
    upstreams.set("openedx/edx-platform", ["master", "release/ulmo"])
    assert verify(example_repo).exit_code == 0  # and the cache was written anew

    upstreams.set("openedx/edx-platform", EXAMPLE_UPSTREAM["openedx/edx-platform"])
    write_pyproject(example_repo, '[tool.olx.verify]\nttl = "0"\n')
    assert verify(example_repo).exit_code == 0  # no cache at all


def test_a_damaged_cache_entry_is_ignored(example_repo: Path, upstreams: Upstreams):
    assert verify(example_repo).exit_code == 0
    cached = cache_path(example_repo, PLATFORM)
    assert cached is not None
    upstreams.set("openedx/edx-platform", ["master", "release/ulmo"])
    for damage in (
        "{not json",
        '{"origin": "x"}',
        json.dumps({"origin": PLATFORM, "time": 1e18, "refs": {}}),
    ):
        cached.write_text(damage, encoding="utf-8")
        assert verify(example_repo).exit_code == 1, damage
        upstreams.set("openedx/edx-platform", EXAMPLE_UPSTREAM["openedx/edx-platform"])
        assert verify(example_repo, "--refresh").exit_code == 0
        upstreams.set("openedx/edx-platform", ["master", "release/ulmo"])


def test_worktrees_share_the_cache(
    example_repo: Path, upstreams: Upstreams, tmp_path: Path
):
    other = tmp_path / "other"
    _git("worktree", "add", "-q", "-b", "elsewhere", str(other), cwd=example_repo)
    assert verify(other).exit_code == 0
    cached = cache_path(other, PLATFORM)
    assert cached == cache_path(example_repo, PLATFORM)
    assert cached is not None and cached.is_relative_to(example_repo / ".git")
    upstreams.set("openedx/edx-platform", ["master", "release/ulmo"])
    assert verify(example_repo).exit_code == 0  # read from the other worktree's cache


def test_skipped_applications_are_listed_not_checked(
    example_repo: Path, upstreams: Upstreams
):
    write_pyproject(
        example_repo, '[tool.olx.verify]\nskip = ["edx-platform", "xqueue"]\n'
    )
    upstreams.set("openedx/edx-platform", [])
    upstreams.remove("openedx/xqueue")
    code, report = verify_json(example_repo)
    assert code == 0, report
    assert sorted(report["skipped"]) == ["edx-platform", "xqueue"]


@pytest.mark.parametrize(
    ("args", "stages"),
    [
        (["xpro"], {("xpro", "CI"), ("xpro", "QA"), ("xpro", "Production")}),
        (["xpro:qa,production"], {("xpro", "QA"), ("xpro", "Production")}),
        (["mitx_staging,xpro:CI"], {("mitx-staging", "CI"), ("xpro", "CI")}),
        (
            ["xpro:QA", "--release", "ulmo"],
            {("xpro", "QA"), ("xpro", "CI"), ("mitx", "QA"), ("mitx-staging", "QA")},
        ),
    ],
)
def test_only_the_selected_stages_are_checked(
    example_repo: Path, upstreams: Upstreams, args, stages
):
    """What is selected is what is checked: every origin of the selection lacks every
    branch, so each selected stage shows up as missing, and only those."""
    for repo in EXAMPLE_UPSTREAM:
        upstreams.set(repo, [])
    code, report = verify_json(example_repo, *args)
    assert code == 1
    assert {(m["deployment"], m["stage"]) for m in report["missing"]} == stages
    assert report["checked"] == len(report["missing"])


def test_release_selection_includes_a_list_no_stage_runs(
    example_repo: Path, upstreams: Upstreams
):
    result = invoke(
        "--repo", example_repo, "add-release", "verawood", "--clone-from", "ulmo",
        "--git-branch", "verawood",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    code, report = verify_json(example_repo, "--release", "verawood")
    assert code == 1
    assert {(m["deployment"], m["stage"]) for m in report["missing"]} == {
        ("mitx", ""),
        ("mitx-staging", ""),
        ("xpro", ""),
    }
    assert {m["branch"] for m in report["missing"]} >= {"release/verawood"}
    text = verify(example_repo, "--release", "verawood").stdout
    assert "mitx (no stage)" in text


def test_grouped_missing_names_the_application_whatever_the_stage():
    from olx.core.verify import grouped_missing

    def item(deployment: str, stage: str) -> dict[str, object]:
        return {
            "deployment": deployment, "stage": stage, "application": "authoring",
            "origin": "https://github.com/openedx/frontend-app-authoring",
            "branch": "release/verawood", "source": "types.py:9",
            "closest": ["release/ulmo"],
        }  # fmt: skip

    assert grouped_missing(
        [item("xpro", ""), item("mitx", ""), item("mitx", "QA")]
    ) == [
        "authoring: release/verawood is not in "
        "https://github.com/openedx/frontend-app-authoring (from types.py:9; closest: "
        "release/ulmo) for xpro (no stage), mitx (no stage), mitx QA"
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mitz"], "unknown deployment 'mitz'"),
        (["xpro:staging"], "unknown stage 'staging'"),
        (["xpro:"], "expected DEPLOYMENT or DEPLOYMENT:STAGE"),
        ([":QA"], "expected DEPLOYMENT or DEPLOYMENT:STAGE, got ':QA' (hint: "),
        ([","], "empty list ',' (hint: "),
        (["--release", "palm"], "unknown ReleaseMap block 'palm'"),
        (["xpro", "--changed-from", "HEAD"], "--changed-from/--pre-push"),
        (["--changed-to", "HEAD"], "--changed-to goes with --changed-from"),
        (["--changed-from", "nope"], "unknown revision 'nope'"),
    ],
)
def test_input_errors_exit_2_before_any_network(
    example_repo: Path, args, message, monkeypatch: pytest.MonkeyPatch
):
    if "--changed-from" not in args:
        monkeypatch.setenv("PATH", "/nonexistent")  # no git: nothing read remotely
    result = verify(example_repo, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_skip_that_names_no_application_is_an_input_error(
    example_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    write_pyproject(example_repo, '[tool.olx.verify]\nskip = ["xqueue", "forun"]\n')
    monkeypatch.setenv("PATH", "/nonexistent")  # refused before any network
    result = invoke("--repo", example_repo, "--json", "verify", "xpro")
    assert result.exit_code == 2, result.output
    error = json.loads(result.stdout)
    assert error["kind"] == "config"
    assert error["error"] == (
        "[tool.olx.verify] skip names 'forun', which is no application"
    )
    assert error["hint"].startswith("did you mean 'forum'? ")
    written = invoke("--repo", example_repo, "promote", "xpro", "QA", "--verify")
    assert written.exit_code == 2 and "skip names 'forun'" in written.stderr


def test_a_bad_verify_table_is_an_input_error(example_repo: Path):
    write_pyproject(example_repo, '[tool.olx.verify]\nttl = "soon"\n')
    result = verify(example_repo)
    assert result.exit_code == 2
    assert "[tool.olx.verify] ttl = 'soon' is not a duration" in result.stderr


@pytest.mark.parametrize(
    ("key", "value"), [("timeout", "99999999999d"), ("ttl", "4000d"), ("timeout", 1e12)]
)
def test_a_huge_timeout_or_ttl_is_an_input_error_naming_it(
    example_repo: Path, key: str, value: object, upstreams: Upstreams
):
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    write_pyproject(example_repo, f"[tool.olx.verify]\n{key} = {shown}\n")
    result = verify(example_repo, "xpro:QA", "--refresh")
    assert result.exit_code == 2, result.output
    assert f"[tool.olx.verify] {key} = {value!r} is longer than 3650d" in (
        result.stderr
    )


def test_a_component_olx_cannot_resolve_is_not_checked_and_never_guessed(
    example_repo: Path, upstreams: Upstreams
):
    """An application in neither Enum has no origin olx can tell: it is listed as not
    checked (a warning with --json), and the verdict is about the rest."""
    matrix = example_repo / "src/bridge/settings/openedx/version_matrix.py"
    text = matrix.read_text(encoding="utf-8")
    at = text.index('"xpro": [')
    at = text.index('application="forum"', at)
    matrix.write_text(
        text[:at] + 'application="ghost"' + text[at + len('application="forum"') :],
        encoding="utf-8",
    )

    result = verify(example_repo, "xpro:QA", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["missing"] == []
    assert (
        "olx: warning: not checked: xpro QA ghost: its origin cannot be resolved"
        in (result.stderr)
    )
    text_out = verify(example_repo, "xpro:QA").stdout
    assert "not checked (olx cannot resolve them):" in text_out
    assert "  xpro QA ghost: its origin cannot be resolved" in text_out
