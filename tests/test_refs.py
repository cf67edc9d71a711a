"""The pure side of verify and upstream: refs as ls-remote lists them, the closest
existing names of a missing branch, the named releases a repository has cut, and
``[tool.olx.verify]``."""

from __future__ import annotations

import pytest

from olx.core.refs import (
    Refs,
    closest,
    compare_upstream,
    named_releases,
    parse_ls_remote,
)
from olx.core.verify import VerifyConfig, parse_config, parse_duration
from olx.errors import InputError

LS_REMOTE = """\
1111111111111111111111111111111111111111\trefs/heads/main
2222222222222222222222222222222222222222\trefs/heads/release/teak
3333333333333333333333333333333333333333\trefs/tags/release/teak.1
4444444444444444444444444444444444444444\trefs/tags/release/teak.1^{}
5555555555555555555555555555555555555555\trefs/tags/open-release/sumac.2
warning: redirecting to https://example.org/x/
"""


def refs(heads=(), tags=()) -> Refs:
    return Refs(frozenset(heads), frozenset(tags))


def test_ls_remote_output_parses_into_branches_and_tags():
    parsed = parse_ls_remote(LS_REMOTE)
    assert parsed.heads == {"main", "release/teak"}
    assert parsed.tags == {"release/teak.1", "open-release/sumac.2"}  # ^{} folded


def test_a_branch_exists_as_a_branch_or_a_tag_and_refs_prefixes_name_one_kind():
    r = refs(["main", "release/teak"], ["release/teak.1", "v1"])
    assert r.has("main") and r.has("release/teak.1") and r.has("v1")
    assert not r.has("master") and not r.has("release/teak.master")
    assert r.has("refs/heads/main") and not r.has("refs/heads/v1")
    assert r.has("refs/tags/v1") and not r.has("refs/tags/main")


def test_refs_round_trip_through_the_cache_format_and_refuse_anything_else():
    r = refs(["a", "b/c"], ["t"])
    assert Refs.from_json(r.to_json()) == r
    for bad in (
        None,
        [],
        {"heads": ["a"]},
        {"heads": "a", "tags": []},
        {"heads": [1], "tags": []},
    ):
        with pytest.raises(ValueError):
            Refs.from_json(bad)


@pytest.mark.parametrize(
    ("missing", "heads", "tags", "expected"),
    [
        # The real renames: teak's branch, edx-platform's release branch, an MFE's main.
        (
            "release/teak.master",
            ["master", "release/teak", "release/sumac"],
            [],
            ["release/teak"],
        ),
        ("release", ["master", "2u/release", "release/teak"], [], ["2u/release"]),
        ("master", ["main", "release/teak"], [], ["main"]),
        ("main", ["master"], [], ["master"]),
        # Another scheme of the same release, then its newest tags.
        (
            "open-release/sumac.master",
            ["release/sumac"],
            ["release/sumac.1", "release/sumac.3"],
            ["release/sumac", "release/sumac.3", "release/sumac.1"],
        ),
        # Only spelled alike (no rename found): difflib, branches first.
        (
            "mitx/ulmo-hotfx",
            ["mitx/ulmo-hotfix", "mitx/teak"],
            [],
            ["mitx/ulmo-hotfix"],
        ),
        # Nothing alike.
        ("zzz", ["main", "release/teak"], [], []),
    ],
)
def test_closest_names_of_a_missing_branch(missing, heads, tags, expected):
    assert closest(missing, refs(heads, tags)) == expected


def test_closest_names_are_at_most_three_and_never_the_missing_name():
    r = refs([f"release/teak.{i}x" for i in range(10)], [])
    found = closest("release/teak.x", r)
    assert len(found) <= 3 and "release/teak.x" not in found


def test_named_releases_in_every_scheme_with_tags_newest_first():
    r = refs(
        [
            "release/teak",
            "release/teak.master",
            "open-release/sumac.master",
            "release/x-y",
        ],
        [
            "release/teak.1",
            "release/teak.10",
            "release/teak.2",
            "open-release/quince.3",
        ],
    )
    found = named_releases(r)
    assert set(found) == {"teak", "sumac", "quince"}  # release/x-y is no release name
    assert found["teak"].branches == ("release/teak", "release/teak.master")
    assert found["teak"].tags == ("release/teak.10", "release/teak.2", "release/teak.1")
    assert found["sumac"].branches == ("open-release/sumac.master",)
    assert found["quince"].branches == () and found["quince"].tags == (
        "open-release/quince.3",
    )


class _Release:  # what compare_upstream reads of a release member
    def __init__(self, name: str, branch: str | None) -> None:
        self.name, self.branch = name, branch


def test_upstream_lists_newer_releases_newest_first_and_gone_branches():
    enum = [
        _Release("master", "master"),
        _Release("sumac", "open-release/sumac.master"),
        _Release("teak", "release/teak.master"),  # renamed upstream to release/teak
    ]
    r = refs(
        [
            "master",
            "open-release/sumac.master",
            "open-release/redwood.master",  # older than sumac: retired, not proposed
            "release/teak",
            "release/ulmo",
            "release/ulmo.master",
            "release/verawood.master",
        ],
        ["release/willow.1", "release/willow.2", "open-release/redwood.3"],
    )
    found = compare_upstream(enum, r, "https://example.org/edx-platform")  # type: ignore[arg-type]
    assert [n["name"] for n in found.new] == ["willow", "verawood", "ulmo"]
    willow, verawood, ulmo = found.new
    assert willow["branch"] is None and willow["tags"] == [
        "release/willow.2",
        "release/willow.1",
    ]
    assert willow["command"] == "olx add-release willow --branch release/willow.2"
    assert (
        verawood["command"]
        == "olx add-release verawood --branch release/verawood.master"
    )
    # Both schemes exist: the newest supported release's (teak: release/NAME.master).
    assert ulmo["branch"] == "release/ulmo.master"
    assert ulmo["branches"] == ["release/ulmo", "release/ulmo.master"]
    assert found.gone == [
        {"name": "teak", "branch": "release/teak.master", "closest": ["release/teak"]}
    ]
    assert found.to_json()["repository"] == "https://example.org/edx-platform"


def test_upstream_prefers_the_first_scheme_when_the_newest_release_has_none():
    enum = [_Release("master", "master"), _Release("teak", "mitx/teak")]
    r = refs(["master", "mitx/teak", "release/ulmo.master", "release/ulmo"], [])
    found = compare_upstream(enum, r, "u")  # type: ignore[arg-type]
    assert found.new[0]["branch"] == "release/ulmo" and found.gone == []


def test_upstream_without_named_releases_proposes_every_one():
    found = compare_upstream(
        [_Release("master", "master")], refs(["master", "release/a", "release/b"]), "u"
    )  # type: ignore[arg-type]
    assert [n["name"] for n in found.new] == ["b", "a"]


# --- [tool.olx.verify] -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10m", 600),
        ("30s", 30),
        ("1h", 3600),
        ("2d", 172800),
        ("1.5", 1.5),
        (45, 45),
        ("0", 0),
    ],
)
def test_durations_are_read_as_seconds(text, seconds):
    assert parse_duration(text, "ttl") == seconds


@pytest.mark.parametrize("bad", ["10 minutes", "m", "-1s", True, None, [1], "1w"])
def test_bad_durations_are_input_errors(bad):
    with pytest.raises(InputError, match="not a duration"):
        parse_duration(bad, "ttl")


def test_the_verify_table_and_its_defaults():
    assert parse_config(None, "pyproject.toml") == VerifyConfig((), 30.0, 600.0, False)
    got = parse_config(
        {"skip": ["xqueue"], "timeout": "5s", "ttl": "1h", "on-write": True}, "p"
    )
    assert got == VerifyConfig(("xqueue",), 5.0, 3600.0, True)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"on_write": True}, "unknown key 'on_write'"),
        ({"skip": "xqueue"}, "skip must be a list"),
        ({"on-write": "yes"}, "on-write must be true or false"),
        ({"timeout": "0s"}, "timeout must be more than 0"),
        ({"ttl": "soon"}, "not a duration"),
        (["skip"], "is not a table"),
    ],
)
def test_a_verify_table_olx_cannot_read_is_an_input_error(table, message):
    with pytest.raises(InputError, match=message):
        parse_config(table, "pyproject.toml")
