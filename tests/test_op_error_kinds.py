"""The operations raise the error class that says what went wrong, so that a script
reading the JSON error object can tell an unknown name from a bad value, a usage error,
a file olx cannot edit, a repository state or a bad setting (``kind``); the messages
are the operations' own."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke
from rewrite_support import ws_of

from olx.edit.change import Workspace
from olx.errors import OlxError
from olx.ops.add_field import add_field
from olx.ops.apps import add_app, set_app
from olx.ops.clone import clone_release
from olx.ops.entries import disable_app, enable_app, override
from olx.ops.plan import parse_runbook
from olx.ops.promote import promote
from olx.ops.releases import add_release, set_release
from olx.ops.remove_field import remove_field
from olx.ops.retire import retire
from olx.ops.rollback import rollback
from olx.ops.soak import parse_soak
from olx.ops.stages import LastChange

URL = "https://github.com/openedx/x.git"


class NoHistory:
    """A stage log of a repository whose history never changed a stage."""

    def committed(self, deployment: str, stage: str) -> str | None:
        return None

    def last_change(self, deployment: str, stage: str) -> LastChange | None:
        return None


CASES: list[tuple[str, Callable[[Workspace], Any], str, str]] = [
    (
        "a release name that is not one",
        lambda ws: enable_app(ws, "learning", "ulmoo", "mitx"),
        "unknown-name",
        "unknown ReleaseMap block 'ulmoo'",
    ),
    (
        "an entry that is not there",
        lambda ws: override(ws, "ulmo", "xpro", "gradebook", branch="x/ulmo"),
        "unknown-name",
        "gradebook is not enabled in ReleaseMap['ulmo']['xpro']",
    ),
    (
        "a list the block lacks",
        lambda ws: disable_app(ws, "learning", "teak", "mitxonline"),
        "unknown-name",
        "ReleaseMap['teak'] has no 'mitxonline' list",
    ),
    (
        "a field the model does not declare",
        lambda ws: override(ws, "ulmo", "xpro", "learning", sets=["colour=1"]),
        "unknown-name",
        "--set colour: OpenEdxApplicationVersion declares no field 'colour'",
    ),
    (
        "an entry that is there with other fields",
        lambda ws: enable_app(ws, "learning", "ulmo", "xpro", branch="other/x"),
        "bad-value",
        "learning is already enabled in ReleaseMap['ulmo']['xpro'] with other fields",
    ),
    (
        "an application of the other type",
        lambda ws: add_app(ws, "learning", "IDA", URL),
        "bad-value",
        "learning is already an MFE (OpenEdxMicroFrontend.learn)",
    ),
    (
        "a release there with another branch",
        lambda ws: add_release(ws, "ulmo", branch="other/ulmo"),
        "bad-value",
        "release ulmo is already supported with another branch",
    ),
    (
        "a clone onto itself",
        lambda ws: clone_release(ws, "ulmo", "ulmo"),
        "bad-value",
        "OLD and NEW are the same release",
    ),
    (
        "a required field",
        lambda ws: remove_field(ws, "release"),
        "bad-value",
        "release cannot be removed",
    ),
    (
        "a field name pydantic reserves",
        lambda ws: add_field(ws, "model_x", "str | None"),
        "bad-value",
        "a field named 'model_x' would shadow",
    ),
    (
        "both forms of an option",
        lambda ws: override(ws, "ulmo", "xpro", "learning", pin="teak", no_pin=True),
        "usage",
        "--pin and --no-pin exclude each other",
    ),
    (
        "nothing asked",
        lambda ws: override(ws, "ulmo", "xpro", "learning"),
        "usage",
        "nothing to override",
    ),
    ("nothing to set", lambda ws: set_app(ws, "learning"), "usage", "nothing to set"),
    (
        "an option the release Enum has no field for",
        lambda ws: set_release(ws, "ulmo"),
        "usage",
        "nothing to set",
    ),
    (
        "a path for an IDA",
        lambda ws: add_app(ws, "notes-x", "IDA", URL, path="x"),
        "usage",
        "--path is for an MFE only",
    ),
    (
        "two halves at once",
        lambda ws: retire(ws, "teak", block_only=True, enum_only=True),
        "usage",
        "--block-only and --enum-only exclude each other",
    ),
    (
        "a first stage without a release",
        lambda ws: promote(ws, "xpro", "CI", None),
        "usage",
        "CI has no stage before it",
    ),
    (
        "a stage the history never changed",
        lambda ws: rollback(ws, "xpro", "QA", NoHistory()),
        "git-state",
        "the history of the matrix file shows no change of xpro QA",
    ),
]


@pytest.mark.parametrize(
    ("plan", "kind", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_an_operation_error_has_its_kind(
    plan: Callable[[Workspace], Any], kind: str, message: str
):
    with pytest.raises(OlxError) as raised:
        plan(ws_of("example"))
    assert (raised.value.kind, raised.value.exit_code) == (kind, 2)
    assert raised.value.message.startswith(message)


def test_a_bad_soak_setting_is_a_config_error():
    with pytest.raises(OlxError) as raised:
        parse_soak({"QA": "soon"}, "pyproject.toml")
    assert raised.value.kind == "config"
    assert raised.value.message == (
        "pyproject.toml: [tool.olx.soak] QA = 'soon' is not a duration"
    )


def test_a_runbook_without_steps_is_a_usage_error():
    with pytest.raises(OlxError) as raised:
        parse_runbook("# only a comment\n", "day.olx")
    assert (raised.value.kind, raised.value.message) == ("usage", "day.olx: no steps")


def test_the_kind_reaches_the_json_error_object(example_repo: Path):
    result = invoke(
        "--json", "--repo", example_repo, "override", "ulmo", "xpro", "gradebook",
        "--branch", "x/ulmo",
    )  # fmt: skip
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "gradebook is not enabled in ReleaseMap['ulmo']['xpro']",
        "hint": "olx enable-app gradebook ulmo xpro",
        "exit_code": 2,
        "kind": "unknown-name",
    }
