"""Member names an Enum cannot take: the names Enum reserves (``mro`` fails at import;
``name``, ``value`` and, in a str-based Enum, str's methods would be shadowed) and every
name the class itself defines (annotated attributes, methods), for every Enum olx adds a
member to (add-release, add-app)."""

from __future__ import annotations

from enum import Enum

import pytest
from oracle import oracle_of_sources
from rewrite_support import replace_once, sources, workspace

from olx.core.values import RELEASE_NAME
from olx.edit.members import ENUM_RESERVED
from olx.errors import InputError
from olx.ops.apps import add_app
from olx.ops.releases import add_release

TYPES, MATRIX = sources("example")
REPO = "https://github.com/openedx/x"
# The release Enum with a method of its own.
WITH_METHOD = replace_once(
    TYPES,
    "    def __str__(self) -> str:\n",
    "    def is_named(self) -> bool:\n        return self.value != 'master'\n\n"
    "    def __str__(self) -> str:\n",
)


def test_enum_reserves_mro_name_value_and_strs_methods() -> None:
    assert {"mro", "name", "value", "upper", "split", "format"} <= ENUM_RESERVED
    assert {n for n in dir(Enum) if not n.startswith("_")} <= ENUM_RESERVED


@pytest.mark.parametrize("name", ["mro", "name", "value", "upper", "title", "count"])
def test_add_release_refuses_a_name_enum_reserves(name: str) -> None:
    with pytest.raises(InputError) as exc:
        add_release(workspace(TYPES, MATRIX), name)
    assert exc.value.exit_code == 2
    assert exc.value.message == (
        f"{name!r} cannot be a member of OpenEdxSupportedRelease: Enum reserves it"
    )


@pytest.mark.parametrize(
    ("types", "name", "what"),
    [
        (TYPES, "branch", "an annotated attribute"),
        (TYPES, "python_version", "an annotated attribute"),
        (TYPES, "node_version", "an annotated attribute"),
        (WITH_METHOD, "is_named", "a method"),
    ],
)
def test_add_release_refuses_a_name_the_class_defines(types, name, what) -> None:
    with pytest.raises(InputError) as exc:
        add_release(workspace(types, MATRIX), name)
    assert exc.value.message == (
        f"{name!r} cannot be a member of OpenEdxSupportedRelease: the class defines "
        f"it ({what})"
    )


def test_every_reserved_name_a_release_could_take_is_refused() -> None:
    ws = workspace(TYPES, MATRIX)
    candidates = sorted(n for n in ENUM_RESERVED if RELEASE_NAME.match(n))
    assert len(candidates) > 40
    for name in candidates:
        with pytest.raises(InputError, match="Enum reserves it"):
            add_release(ws, name)


def test_a_name_the_class_does_not_define_is_added_and_imports() -> None:
    change = add_release(workspace(WITH_METHOD, MATRIX), "verawood")
    executed = oracle_of_sources(change.new_types, MATRIX)
    assert executed["releases"][-1]["name"] == "verawood"


@pytest.mark.parametrize(
    ("value", "kind", "member", "says"),
    [
        ("x-api", "IDA", "mro", "Enum reserves it"),
        ("x-api", "IDA", "upper", "Enum reserves it"),
        ("name", "MFE", None, "Enum reserves it"),
        ("x-api", "IDA", "repository", "the class defines it (an annotated attribute)"),
        ("path", "MFE", None, "the class defines it (an annotated attribute)"),
    ],
)
def test_add_app_refuses_reserved_and_defined_member_names(
    value: str, kind: str, member: str | None, says: str
) -> None:
    with pytest.raises(InputError) as exc:
        add_app(workspace(TYPES, MATRIX), value, kind, REPO, member=member)
    enum = "OpenEdxApplication" if kind == "IDA" else "OpenEdxMicroFrontend"
    assert exc.value.message == (
        f"{member or value!r} cannot be a member of {enum}: {says}"
    )
    assert exc.value.hint == "choose another name with --member"
