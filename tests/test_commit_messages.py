"""Commit messages a reviewer accepts: subjects that say what changed within 72
characters, bodies wrapped at 72 except command lines, URLs and diff lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rewrite_support import ws_of

from olx.core.wording import SUBJECT_ROOM, cut, fit, forms, join_clauses
from olx.edit.change import Change, FileEdit
from olx.ops.entries import enable_app, override
from olx.ops.promote import promote
from olx.ops.summaries import override_summary
from olx.repo.messages import WIDTH, exempt, is_diff_line, message_for, wrap

# --- subjects ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "subject"),
    [
        ({"pin": "verawood"}, "Pin learning to verawood for mitx in willow"),
        ({"unpin": True}, "Unpin learning for mitx in willow"),
        (
            {"fields": {"translation_overrides": True}},
            "Set translation_overrides on learning for mitx in willow",
        ),
        (
            {"fields": {"translation_overrides": False}},
            "Unset translation_overrides on learning for mitx in willow",
        ),
        (
            {"fields": {"branch_override": True}},
            "Set branch of learning for mitx in willow",
        ),
        (
            {"fields": {"branch_override": True, "origin_override": True}},
            "Set branch, origin of learning for mitx in willow",
        ),
        (
            {"fields": {"branch_override": False}},
            "Unset branch_override on learning for mitx in willow",
        ),
        (
            {"fields": {"runtime_version_override": True}, "pin": "master"},
            "Change runtime, pin of learning for mitx in willow",
        ),
    ],
)
def test_override_subjects_say_what_the_options_did(options, subject):
    said = override_summary(
        options.get("fields", {}),
        options.get("pin"),
        options.get("unpin", False),
        ["learning"],
        ["mitx"],
        ["willow"],
    )
    assert said == subject


def test_override_subject_from_the_op_names_the_pin():
    change = override(ws_of("example"), "ulmo", "mitx", "forum", pin="master")
    assert change.summary == "Pin forum to master for mitx in ulmo"
    change = override(
        ws_of("example"),
        "ulmo",
        "mitx",
        "learning",
        sets=['translation_overrides=["x"]'],
    )
    assert change.summary == "Set translation_overrides on learning for mitx in ulmo"


def test_long_lists_are_shortened_so_that_the_subject_fits():
    apps = ["learning", "ora-grading", "gradebook", "learner-dashboard", "profile"]
    change = enable_app(
        ws_of("example"), ",".join(apps[1:3]), "ulmo", "mitx,mitx-staging,xpro"
    )
    assert len("config: " + change.summary) <= 72
    assert change.summary == "Enable ora-grading, gradebook for mitx and 2 more in ulmo"
    said = override_summary(
        {"branding_overrides": True, "translation_overrides": True},
        None,
        False,
        apps,
        ["mitx", "mitx-staging", "xpro", "mitxonline"],
        ["ulmo", "teak"],
    )
    assert len(said) <= SUBJECT_ROOM
    assert said.startswith("Set ")


def test_fit_shortens_as_little_as_it_can():
    assert forms(["a", "b", "c", "d"], "things") == [
        "a, b, c, d",
        "a, b and 2 more",
        "a and 3 more",
        "4 things",
    ]
    assert fit(lambda d: f"Promote x to QA for {d}", (["mitx"], "deployments")) == (
        "Promote x to QA for mitx"
    )
    names = [f"deployment-{i}" for i in range(8)]
    text = fit(lambda d: f"Promote ulmo to QA for {d}", (names, "deployments"))
    assert text == "Promote ulmo to QA for deployment-0, deployment-1 and 6 more"
    # Nothing fits: cut after a word.
    assert cut("word " * 30, 20) == "word word word word…"
    assert join_clauses(["Roll back QA of x", "Promote ulmo to CI for x"]) == (
        "Roll back QA of x; promote ulmo to CI for x"
    )


def test_every_generated_subject_fits_even_with_many_names():
    ws = ws_of("example")
    deps = "mitx,mitx-staging,mitxonline,xpro"
    change = promote(ws, deps, "Production", "ulmo", force=True)
    message = message_for(change, None, "olx promote ...")
    subject = message.splitlines()[0]
    assert len(subject) <= 72, subject
    long = Change("x", [], "A summary " * 12, "", "")
    cut_subject = message_for(long, None, "olx x").splitlines()[0]
    assert len(cut_subject) <= 72 and cut_subject.endswith(" A summary A…")


def _step(command: str, summary: str) -> Change:
    """A step that changed something (it has an edit)."""
    edit = FileEdit(Path("m.py"), "m.py", "a = 1\n", "a = 2\n")
    return Change(command, [], summary, "", "", edits=[edit])


def test_a_plan_subject_shortens_each_step_then_counts_the_commands():
    from olx.ops.plan import subject

    override_step = _step("override", "Set branch of forum for xpro, mitx in ulmo")
    promote_step = _step("promote", "Promote ulmo to QA for xpro, mitx-staging")
    # The reviewer's plan: both in full do not fit; each without where it applies does.
    assert subject([override_step, promote_step]) == (
        "Set branch of forum; promote ulmo to QA"
    )
    many = [
        _step("promote", f"Promote ulmo to QA for deployment-number-{i}")
        for i in range(3)
    ] + [
        _step("rollback", "Roll back Production of a-long-deployment-name to teak"),
        _step("add-release", "Add release verawood (cloned from ulmo)"),
    ]
    assert subject(many) == (
        "Promote ulmo to QA for deployment-number-0 and 4 more changes"
    )
    many[0] = _step("promote", "Promote ulmo to QA for a-deployment-with-a-long-name")
    assert subject(many) == "Promote ulmo to QA and 4 more changes"
    words = [_step(f"command-{i}", f"Word{i} " + "x" * 60) for i in range(30)]
    said = subject(words)
    assert len(said) <= SUBJECT_ROOM and said.startswith("30 changes: command 0, ")
    assert said.endswith("…")


# --- bodies ------------------------------------------------------------------------------


def test_wrap_keeps_the_bullet_and_hangs_the_rest_under_it():
    line = "- ReleaseMap['ulmo']['mitx-staging'] ora-grading: " + "word " * 12
    out = wrap(line.rstrip())
    assert all(len(part) <= WIDTH for part in out)
    assert out[0].startswith("- ReleaseMap")
    assert all(part.startswith("  ") and part[2] != " " for part in out[1:])
    assert " ".join(p.strip().removeprefix("- ") for p in out) == (
        line.strip().removeprefix("- ")
    )


@pytest.mark.parametrize(
    "line",
    [
        "    olx override ulmo mitx learning --set 'translation_overrides="
        + '["a", "b", "c", "d", "e", "f", "g", "h"]'
        + "'",
        "- line 3: olx enable-app gradebook ulmo xpro --origin "
        "https://github.com/example-org/frontend-app-gradebook --branch open-learning",
        "    ~ edx-platform: release teak → ulmo, branch release/teak → "
        "release/ulmo, runtime 3.11 → 3.12",
        "      + gradebook (MFE, release/ulmo)" + "x" * 60,
        "    - an-application-removed-with-a-very-long-name-" + "y" * 40,
        "  https://github.com/example-org/" + "z" * 80,
    ],
)
def test_command_lines_diff_lines_and_single_words_are_never_broken(line):
    assert len(line) > WIDTH
    assert exempt(line)
    assert wrap(line) == [line]


def test_diff_lines_are_told_from_bullets():
    assert is_diff_line("    ~ learning: release a → b")
    assert is_diff_line("  + app (MFE, x)")
    assert is_diff_line("    - app")
    assert not is_diff_line("- mitx QA: teak → ulmo")
    assert not is_diff_line("    xpro QA: teak → ulmo")
    assert not is_diff_line("- line 2: olx promote xpro QA")


WORD = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="-+~"),
    min_size=1,
    max_size=14,
)
LONG_WORD = st.builds(
    lambda tail: "https://github.com/org/" + tail,
    st.text(st.sampled_from("abcdefghij/-"), min_size=40, max_size=90),
)
PROSE = st.lists(st.one_of(WORD, WORD, WORD, LONG_WORD), min_size=1, max_size=40).map(
    " ".join
)
DETAIL = st.one_of(
    PROSE,
    PROSE.map(lambda t: "  ~ app: " + t),  # a component line under a stage
    PROSE.map(lambda t: "line 4: olx promote " + t),  # a plan step's command
)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.lists(DETAIL, min_size=1, max_size=8), st.lists(PROSE, max_size=3))
def test_no_body_line_is_longer_than_72_but_the_exempt_kinds(details, warnings):
    change = Change("x", [], "Do it", "", "", details=details, warnings=warnings)
    command = "olx override ulmo mitx learning --set " + "x" * 80
    message = message_for(change, None, command)
    subject, blank, *body = message.splitlines()
    assert len(subject) <= 72 and blank == ""
    for line in body:
        assert len(line) <= WIDTH or exempt(line), line
    # Nothing is lost or broken: the words come out as they went in.
    words = [w for d in [*details, *warnings] for w in d.split()]
    told = [w for line in body for w in line.split()]
    position = 0
    for word in words:
        position = told.index(word, position) + 1
