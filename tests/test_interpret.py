"""The entry model's properties, interpreted (olx.core.interpret), against Python.

Every case here is also run for real: the same types.py is executed by the oracle
(tests/oracle.py: Enum fields coerced as pydantic coerces them) and the property called
on each entry. olx must give Python's value, or ``None`` with a note where Python
raises or the property leaves the subset; never another value.

* :func:`test_case_agrees_with_python`: one construct at a time (str and plain Enums,
  ``is``, chains, ``in`` a display, locals, defaults, helpers, ...);
* :func:`test_generated_properties_evaluate_as_python_does`: hypothesis writes the
  three property bodies within the subset (the ``ci`` profile's examples; the
  ``long`` profile's under ``-m slow_properties``);
* what olx does not interpret, and where each value comes from (``sources``).
"""

from __future__ import annotations

import json
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke
from hypothesis import given
from hypothesis import strategies as st
from oracle import load_sources, model_values, oracle_with_model
from rewrite_support import sources

from olx.core.check import check
from olx.core.interpret import PROPERTIES, interpreter_for
from olx.core.model import Matrix
from olx.core.properties import CompiledProperty
from olx.core.reader import read_sources
from olx.core.resolve import one_deployment, resolve_deployment, resolve_entries

# The vocabulary every case shares: a str Enum of IDAs (one member's string is empty),
# a plain Enum of MFEs whose __new__ takes its items in another order than the
# reader's (value, path, repository), a StrEnum of releases, a plain Enum field.
TYPES_HEAD = """\
from enum import Enum, StrEnum
from typing import Literal, NamedTuple, Optional, Union

from pydantic import BaseModel

DEFAULT_PYTHON = "3.8"


class OpenEdxApplication(str, Enum):
    repository: str

    def __new__(cls, value: str, repository: str):
        item = str.__new__(cls, value)
        item._value_ = value
        item.repository = repository
        return item

    edxapp = ("edx-platform", "https://github.com/openedx/edx-platform")
    blank = ("", "")


class OpenEdxMicroFrontend(Enum):
    def __new__(cls, value: str, path: str, repository: str):
        item = object.__new__(cls)
        item._value_ = value
        item.path = path
        item.repository = repository
        return item

    learn = ("learning", "learn", "https://github.com/openedx/frontend-app-learning")


class OpenEdxSupportedRelease(StrEnum):
    def __new__(cls, name: str, branch: str, python: str, node: str):
        item = str.__new__(cls, name)
        item._value_ = name
        item.branch = branch
        item.python_version = python
        item.node_version = node
        return item

    master = ("master", "master", "3.12", "24")
    ulmo = ("ulmo", "release/ulmo", "3.11", "")


class Tier(Enum):
    gold = "gold"
    free = "free"


class EnvRelease(NamedTuple):
    environment: Literal["CI", "QA", "Production"]
    edx_release: OpenEdxSupportedRelease


class DeploymentEnvRelease(BaseModel):
    deployment_name: str
    env_release_map: list[EnvRelease]


class OpenEdxApplicationVersion(BaseModel):
    application: Union[OpenEdxApplication, OpenEdxMicroFrontend]
    release: OpenEdxSupportedRelease
    application_type: Literal["IDA", "MFE"]
    branch_override: Optional[str] = None
    origin_override: Optional[str] = None
    runtime_version_override: Optional[str] = None
    tier: Optional[Tier] = None
    note: str = "plain"
"""

MATRIX_HEAD = """\
from enum import Enum

from bridge.settings.openedx.types import (
    DeploymentEnvRelease,
    EnvRelease,
    OpenEdxApplicationVersion,
    OpenEdxSupportedRelease,
)


class OpenLearningOpenEdxDeployment(Enum):
    d = DeploymentEnvRelease(
        deployment_name="d",
        env_release_map=[EnvRelease("CI", OpenEdxSupportedRelease["ulmo"])],
    )


ReleaseMap = {
    "ulmo": {
        "d": [
"""

ENTRIES: list[dict[str, Any]] = [
    {"application": "edx-platform", "application_type": "IDA", "release": "master"},
    {"application": "edx-platform", "application_type": "IDA", "release": "ulmo"},
    {
        "application": "edx-platform",
        "application_type": "IDA",
        "release": "master",
        "branch_override": "campus/master",
        "tier": "gold",
    },
    {"application": "learning", "application_type": "MFE", "release": "ulmo"},
    {
        "application": "learning",
        "application_type": "MFE",
        "release": "master",
        "origin_override": "",
        "runtime_version_override": "20",
        "note": "",
    },
    {
        "application": "",
        "application_type": "IDA",
        "release": "ulmo",
        "branch_override": "",
        "runtime_version_override": "",
        "tier": "free",
    },
]


def sources_with(
    bodies: dict[str, str], entries: list[dict[str, Any]], head: str = TYPES_HEAD
) -> tuple:
    """types.py (``head``) with the properties (``{property: body}``), and a matrix
    file holding ``entries`` in one list."""
    types_src = head
    for name, body in bodies.items():
        types_src += f"\n    @property\n    def {name}(self):\n"
        types_src += textwrap.indent(textwrap.dedent(body).strip() + "\n", " " * 8)
    lines = []
    for entry in entries:
        args = ", ".join(f"{k}={v!r}" for k, v in entry.items())
        lines.append(f"            OpenEdxApplicationVersion({args}),\n")
    matrix_src = MATRIX_HEAD + "".join(lines) + "        ]\n    }\n}\n"
    return types_src, matrix_src


def python_outcomes(types_src: str, matrix_src: str) -> list[dict[str, Any]]:
    """Per entry, ``{key: value}`` as the executed model gives it, or ``{key:
    RAISES}`` where the property raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "is" with a literal, and the like
        _, matrix_mod = load_sources(types_src, matrix_src)
    out = []
    for entry in matrix_mod.ReleaseMap["ulmo"]["d"]:
        found = {}
        for key, name in PROPERTIES.items():
            try:
                getattr(entry, name)
            except Exception:
                found[key] = RAISES
            else:
                found[key] = model_values(entry)[key]
        out.append(found)
    return out


RAISES = object()


def agree(
    bodies: dict[str, str],
    entries: list[dict[str, Any]] = ENTRIES,
    head: str = TYPES_HEAD,
) -> list:
    """Assert that olx gives Python's value for every entry and property (or None
    with a note where Python raises); return olx's outcomes."""
    types_src, matrix_src = sources_with(bodies, entries, head)
    expected = python_outcomes(types_src, matrix_src)
    matrix = read_sources(types_src, matrix_src, "types.py", "version_matrix.py")
    interp = interpreter_for(matrix.types)
    entries_read = matrix.matrix.release_map[0].deployments[0].entries
    keys = [key for key, name in PROPERTIES.items() if name in bodies]
    got = []
    for entry, want in zip(entries_read, expected, strict=True):
        row = {}
        for key in keys:
            outcome = interp.evaluate(key, entry.values)
            if want[key] is RAISES:
                assert outcome.value is None and outcome.note, (key, entry.values)
                assert PROPERTIES[key] in outcome.note
            else:
                assert outcome.note is None, (key, entry.values, outcome.note)
                assert (type(outcome.value), outcome.value) == (
                    type(want[key]),
                    want[key],
                ), (key, entry.values)
            row[key] = outcome
        got.append(row)
    return got


CASES = {
    "str member equals its string": 'return self.application == "edx-platform"',
    "plain member never equals its value": 'return self.application == "learning"',
    "plain member equals itself": "return self.application == self.application",
    "members of two str Enums compare as strings": (
        "return self.application == OpenEdxSupportedRelease.master"
    ),
    "empty str member is false": 'return self.application or "fallback"',
    "plain member is always true": 'return self.tier and "tiered"',
    "or returns an operand": "return self.branch_override or self.release.branch",
    "and returns an operand": 'return self.runtime_version_override and "set"',
    "not": "return not self.branch_override",
    "is None": "return self.tier is None",
    "is not None": "return self.origin_override is not None",
    "is a member": "return self.release is OpenEdxSupportedRelease.master",
    "is not a member": "return self.tier is not Tier.gold",
    "chained comparison": 'return "ulmo" == self.release != self.application',
    "in a tuple display": (
        'return self.application in ("edx-platform", "learning", Tier.gold)'
    ),
    "not in a list display": 'return self.release not in ["master"]',
    "in a string": 'return self.release in "master ulmo"',
    "plain member in a string raises": 'return self.application in "learning"',
    "in None raises": "return self.release in self.origin_override",
    "member attributes by __new__ position": (
        "return self.application.repository if self.tier else self.application.path"
    ),
    "value and name": (
        "return self.application.name if self.tier else self.application.value"
    ),
    "an empty attribute is a value": (
        "return self.release.node_version or self.release.python_version"
    ),
    "a missing attribute raises": "return self.release.codename",
    "attribute of None raises": "return self.tier.value",
    "defaults of unset fields": "return self.note or self.origin_override",
    "plain Enum field default": "return self.tier",
    "module constant": "return self.runtime_version_override or DEFAULT_PYTHON",
    "Enum member of a class": "return OpenEdxSupportedRelease.ulmo.branch",
    "local assigned in one branch only": """
        if self.tier:
            chosen = self.release.branch
        return chosen
    """,
    "locals, if/elif/else": """
        '''A docstring, and a pass.'''
        pass
        kind = self.application_type
        if kind == "IDA" and self.release == "master":
            version = self.release.python_version
        elif kind == "IDA":
            version = DEFAULT_PYTHON
        else:
            version = (
                self.release.node_version
                if self.application_type == "MFE"
                else None
            )
        return self.runtime_version_override or version
    """,
    "no return gives None": """
        if self.branch_override:
            return self.branch_override
    """,
    "numbers and bools": "return 1 if self.tier else (0 == False)",
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_case_agrees_with_python(body: str):
    agree({"release_branch": body})


def test_a_property_calling_another_and_a_property_reading_itself_agree_with_python():
    agree(
        {
            "release_branch": "return self.base_branch or self.release.branch",
            "base_branch": "return self.branch_override",
            "runtime_version": "return self.runtime_version",
        }
    )


# --- generated property bodies ----------------------------------------------------------

_CONSTANTS = ['"edx-platform"', '"master"', '""', '"learning"', '"IDA"', "None"]
_CONSTANTS += ["True", "False", "0", "1", '"3.12"', '"ulmo"']
_FIELDS = ["application", "release", "application_type", "branch_override"]
_FIELDS += ["origin_override", "runtime_version_override", "tier", "note"]
_SINGLETONS = ["None", "True", "False", "OpenEdxSupportedRelease.master", "Tier.gold"]
_LOCALS = ["a", "b"]


# Attributes that every entry has, and some that raise for some entries (the tier is
# often None, MFE members have a path and IDA members not, no member has "nope"):
# rarer, since one raising atom makes the whole property raise.
_SAFE = ["self.release.branch", "self.release.value", "self.release.name"]
_SAFE += ["self.release.python_version", "self.release.node_version"]
_SAFE += ["self.application.value", "self.application.name"]
_SAFE += ["self.application.repository", "OpenEdxSupportedRelease.master.branch"]
_RISKY = ["self.tier.value", "self.tier.name", "self.application.path"]
_RISKY += ["self.release.nope"]
ATOMS = st.one_of(
    st.sampled_from(_CONSTANTS),
    st.sampled_from(_FIELDS).map(lambda f: f"self.{f}"),
    st.sampled_from(_SAFE + _SINGLETONS[3:] + ["DEFAULT_PYTHON", "Tier.free.value"]),
)


@st.composite
def expressions(draw: Any, names: tuple[str, ...] = (), depth: int = 2) -> str:
    """An expression of the subset, nested up to ``depth`` levels; ``names`` are the
    local names assigned so far (any other local may be read, rarely: unbound)."""
    kind = draw(st.sampled_from(["atom"] * 2 + (["compound"] * 3 if depth else [])))
    if kind == "atom":
        if names and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(names))
        rare = draw(st.integers(0, 40))
        if rare == 0:
            return draw(st.sampled_from(_LOCALS))
        if rare < 4:
            return draw(st.sampled_from(_RISKY))
        return draw(ATOMS)
    inner = expressions(names, depth - 1)
    form = draw(st.sampled_from(["or", "and", "not", "if", "compare", "compare"]))
    if form in ("or", "and"):
        parts = draw(st.lists(inner, min_size=2, max_size=3))
        return "(" + f" {form} ".join(parts) + ")"
    if form == "not":
        return f"(not {draw(inner)})"
    if form == "if":
        return f"({draw(inner)} if {draw(inner)} else {draw(inner)})"
    text = draw(inner)
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(["==", "!=", "in", "not in", "is", "is not"]))
        if op.startswith("is"):
            right = draw(st.sampled_from(_SINGLETONS))
        elif op.endswith("in") and draw(st.booleans()):
            items = draw(st.lists(inner, max_size=3))
            if draw(st.booleans()):
                right = f"[{', '.join(items)}]"
            else:
                right = "(" + "".join(f"{item}, " for item in items) + ")"
        else:
            right = draw(inner)
        text += f" {op} {right}"
    return f"({text})"


@st.composite
def bodies(draw: Any, names: tuple[str, ...] = (), depth: int = 0) -> list[str]:
    """Statements of a property body (lines, indented by four per level)."""
    out: list[str] = []
    kinds = ["assign", "if", "return"] if depth < 2 else ["assign", "return"]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        if kind == "assign":
            target = draw(st.sampled_from(_LOCALS))
            out.append(f"{target} = {draw(expressions(names))}")
            names = tuple(sorted({*names, target}))
        elif kind == "return":
            out.append(f"return {draw(expressions(names))}")
            break
        else:
            out.append(f"if {draw(expressions(names))}:")
            out += ["    " + line for line in draw(bodies(names, depth + 1))]
            if draw(st.booleans()):
                out.append(f"elif {draw(expressions(names))}:")
                out += ["    " + line for line in draw(bodies(names, depth + 1))]
            if draw(st.booleans()):
                out.append("else:")
                out += ["    " + line for line in draw(bodies(names, depth + 1))]
    if depth == 0 and draw(st.booleans()):
        out.append(f"return {draw(expressions(names))}")
    return out


def _generated_agree(
    origin: list[str], branch: list[str], runtime: list[str], entries: list[int]
) -> None:
    agree(
        {
            "git_origin": "\n".join(origin),
            "release_branch": "\n".join(branch),
            "runtime_version": "\n".join(runtime),
        },
        [ENTRIES[i] for i in entries],
    )


ENTRY_PICKS = st.lists(st.integers(0, len(ENTRIES) - 1), min_size=1, max_size=4)


@pytest.mark.slow_properties  # the profile's examples (tests/conftest.py)
@given(bodies(), bodies(), bodies(), ENTRY_PICKS)
def test_generated_properties_evaluate_as_python_does(origin, branch, runtime, entries):
    _generated_agree(origin, branch, runtime, entries)


# --- what olx does not interpret: null and a note, never a guess ------------------------

PROPERTY_SHAPES = Path(__file__).parent / "fixtures" / "properties"
OUTSIDE = PROPERTY_SHAPES / "outside_the_subset"
OUTSIDE_NOTES = [
    "types.py:100: release_branch uses an f-string (f'release/{self.release.value}'), "
    "which olx does not interpret: branch unknown",
    "types.py:104: runtime_version uses a call (RUNTIMES.get(self.application_type)), "
    "which olx does not interpret: runtime unknown",
    "types.py:108: git_origin raises AttributeError at self.application.repository "
    "('OpenEdxMicroFrontend' object has no attribute 'repository'): origin unknown",
]


def read_dir(folder: Path) -> Matrix:
    return read_sources(
        (folder / "types.py").read_text(encoding="utf-8"),
        (folder / "version_matrix.py").read_text(encoding="utf-8"),
        "types.py",
        "version_matrix.py",
    )


def test_outside_the_subset_every_value_is_pythons_or_null_with_a_note():
    _, modelled = oracle_with_model(OUTSIDE)
    matrix = read_dir(OUTSIDE)
    nulls = agreed = 0
    for block in matrix.matrix.release_map:
        for dep in block.deployments:
            components, notes = resolve_entries(matrix, dep.entries, block.release)
            want = modelled[(block.release, dep.deployment)]
            for comp, python in zip(components, want, strict=True):
                for key, name in PROPERTIES.items():
                    got = getattr(comp, key)
                    if got is None and python[key] is not None:
                        nulls += 1
                        assert any(f": {name} " in note for note in notes)
                        assert key not in comp.sources
                    else:
                        agreed += 1
                        assert got == python[key], (comp.application, key)
            assert set(notes) <= set(OUTSIDE_NOTES)
    assert nulls >= 10 and agreed >= 10  # the fixture exercises both
    # olx check: each note once, as a warning, wherever entries reach it or not.
    assert [w for w in check(matrix).warnings if "types.py" in w] == OUTSIDE_NOTES


def test_outside_the_subset_through_the_cli():
    at = ["--repo", OUTSIDE, "--types", "types.py", "--matrix", "version_matrix.py"]
    shown = invoke(*at, "show", "campus")
    assert shown.exit_code == 0
    text = " ".join(shown.stdout.split())
    for note in OUTSIDE_NOTES:
        assert text.count(f"note: {note}") == 1  # once, not once per stage
    as_json = invoke(*at, "--json", "show", "campus")
    assert as_json.exit_code == 0
    assert sorted(as_json.stderr.splitlines()) == sorted(
        f"olx: warning: {note}" for note in OUTSIDE_NOTES
    )
    stages = json.loads(as_json.stdout)["stages"]
    assert stages["QA"]["components"][0]["branch"] is None  # the f-string
    diff = invoke(*at, "diff", "campus", "QA", "Production")
    assert diff.exit_code == 0
    assert " ".join(diff.stdout.split()).count(f"note: {OUTSIDE_NOTES[0]}") == 1
    checked = invoke(*at, "--json", "check")
    assert checked.exit_code == 0
    assert json.loads(checked.stdout)["warnings"][-3:] == OUTSIDE_NOTES


MODEL_HEAD = TYPES_HEAD[: TYPES_HEAD.index("class OpenEdxApplicationVersion")]
PLAIN_FIELDS = """
    application: Union[OpenEdxApplication, OpenEdxMicroFrontend]
    release: OpenEdxSupportedRelease
    application_type: Literal["IDA", "MFE"]
    branch_override: Optional[str] = None
"""
ODD_MODELS = {
    "a method without @property": (
        "(BaseModel):" + PLAIN_FIELDS + "\n    def release_branch(self):\n"
        "        return self.release.branch\n",
        "release_branch uses a method without @property (release_branch)",
    ),
    "a base olx does not read": (
        "(Base, BaseModel):" + PLAIN_FIELDS,
        "release_branch uses an attribute olx cannot bind (the model inherits from "
        "Base)",
    ),
    "use_enum_values keeps strings": (
        "(BaseModel):"
        + PLAIN_FIELDS
        + '    model_config = {"use_enum_values": True}\n\n    @property\n'
        "    def release_branch(self):\n        return self.release.branch\n",
        "release_branch uses an attribute of a str (self.release.branch)",
    ),
    "an annotation mixing an Enum and str": (
        "(BaseModel):"
        + PLAIN_FIELDS.replace(
            "release: OpenEdxSupportedRelease", "release: str | OpenEdxSupportedRelease"
        )
        + "\n    @property\n    def release_branch(self):\n"
        "        return self.release.branch\n",
        "release_branch uses a field whose annotation mixes Enums with other types",
    ),
    "is between two strings": (
        "(BaseModel):"
        + PLAIN_FIELDS
        + "\n    @property\n    def release_branch(self):\n"
        '        return self.release.branch if self.application_type is "IDA" else "x"\n',
        "release_branch uses 'is' between values that are not None, bools or members",
    ),
    "a set display": (
        "(BaseModel):"
        + PLAIN_FIELDS
        + "\n    @property\n    def release_branch(self):\n"
        '        return self.release in {"master"}\n',
        "release_branch uses a set display ({'master'})",
    ),
    "a generator": (
        "(BaseModel):"
        + PLAIN_FIELDS
        + "\n    @property\n    def release_branch(self):\n"
        "        yield self.release.branch\n",
        "release_branch uses yield ((yield self.release.branch))",
    ),
}


@pytest.mark.parametrize("case", ODD_MODELS.values(), ids=ODD_MODELS.keys())
def test_what_olx_does_not_interpret_is_a_note(case: tuple[str, str]):
    model, note = case
    types_src = (
        MODEL_HEAD
        + "class Base:\n    pass\n\n\nclass OpenEdxApplicationVersion"
        + model
    )
    _, matrix_src = sources_with({}, ENTRIES[:2])
    matrix = read_sources(types_src, matrix_src, "types.py", "version_matrix.py")
    dep = matrix.matrix.release_map[0].deployments[0]
    components, notes = resolve_entries(matrix, dep.entries, "ulmo")
    assert [c.branch for c in components] == [None, None]
    assert len([n for n in notes if "release_branch" in n]) == 1, notes
    assert any(note in n for n in notes), notes


def test_forward_references_and_annotated_coerce_as_pydantic_does():
    head = TYPES_HEAD.replace(
        "    release: OpenEdxSupportedRelease\n",
        '    release: "OpenEdxSupportedRelease"\n',
    ).replace(
        "    tier: Optional[Tier] = None\n",
        '    tier: Annotated[Optional["Tier"], "doc"] = None\n',
    )
    head = head.replace(
        "from typing import Literal,", "from typing import Annotated, Literal,"
    )
    assert head.count('"OpenEdxSupportedRelease"') == 1 and "Annotated[" in head
    outcomes = agree(
        {"release_branch": "return self.release.branch if self.tier else None"},
        head=head,
    )
    assert [row["branch"].value for row in outcomes][1:3] == [None, "master"]


def test_a_computed_field_property_is_interpreted():
    body = "@computed_field\n    @property\n    def release_branch(self):\n"
    types_src = (
        MODEL_HEAD
        + "class OpenEdxApplicationVersion(BaseModel):"
        + PLAIN_FIELDS
        + "\n    "
        + body
        + '        return "fixed"\n'
    )
    _, matrix_src = sources_with({}, ENTRIES[:1])
    matrix = read_sources(types_src, matrix_src, "types.py", "version_matrix.py")
    dep = matrix.matrix.release_map[0].deployments[0]
    components, notes = resolve_entries(matrix, dep.entries, "ulmo")
    assert (components[0].branch, notes) == ("fixed", [])


# --- where each value comes from ---------------------------------------------------------


def _line(folder: Path, source: str) -> str:
    path, _, line = source.rpartition(":")
    return (folder / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]


@pytest.mark.parametrize(
    "folder",
    sorted(p for p in PROPERTY_SHAPES.iterdir() if p.is_dir()),
    ids=lambda p: p.name,
)
def test_sources_name_the_line_each_value_comes_from(folder: Path):
    matrix = read_dir(folder)
    members = {
        m.span.start_line for m in [*matrix.types.releases, *matrix.types.applications]
    }
    seen = set()
    for dep in matrix.matrix.deployments:
        for view in resolve_deployment(matrix, dep):
            for comp in view.components:
                for key in ("origin", "branch", "runtime"):
                    value = getattr(comp, key)
                    source = comp.sources.get(key)
                    if value is None:
                        continue
                    assert source is not None, (comp.application, key)
                    text = _line(folder, source)
                    if source.startswith("version_matrix.py:"):
                        # An entry's keyword, and only then an override (the * mark).
                        assert key in comp.overridden
                        assert f"{value!r}".replace("'", '"') in text
                        seen.add("entry")
                    else:
                        assert key not in comp.overridden
                        line = int(source.rpartition(":")[2])
                        if line in members:
                            seen.add("member")
                        else:  # a constant the property holds
                            assert f'"{value}"' in text, (source, text)
                            seen.add("constant")
    # Where a constant the property holds is returned, the entries reach it (the
    # outside_the_subset fixture's only constants are in what olx does not interpret).
    assert seen == {"entry", "member"} | (set() if folder == OUTSIDE else {"constant"})


def test_sources_of_the_example_and_json_keeps_its_keys():
    types_src, matrix_src = sources("example")
    matrix = read_sources(types_src, matrix_src, "src/t.py", "src/m.py")
    dep = one_deployment(matrix, "mitx")
    view = resolve_deployment(matrix, dep)[0]
    platform = next(c for c in view.components if c.application == "edx-platform")
    assert set(platform.sources) == {"origin", "branch", "runtime"}
    assert all(
        s.startswith(("src/t.py:", "src/m.py:")) for s in platform.sources.values()
    )
    assert set(platform.to_json()) == {
        "application",
        "application_type",
        "release",
        "origin",
        "branch",
        "runtime",
        "other",
    }


# --- once per property per run ------------------------------------------------------------


def test_properties_compile_once_and_only_when_something_resolves(monkeypatch):
    compiled: list[str] = []
    original = CompiledProperty.compile

    def counting(self):
        compiled.append(self.name)
        original(self)

    monkeypatch.setattr(CompiledProperty, "compile", counting)
    matrix = read_dir(PROPERTY_SHAPES / "release_runtimes")
    matrix.to_json()  # olx show
    assert matrix.types.interpreter is None and compiled == []
    for _ in range(3):
        for dep in matrix.matrix.deployments:
            resolve_deployment(matrix, dep)
    assert sorted(compiled) == ["git_origin", "release_branch", "runtime_version"]
