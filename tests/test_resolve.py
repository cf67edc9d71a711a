"""What a stage builds (olx.core.resolve), checked against the fixtures run as Python.

Two independent sources agree here:

* the golden files ``tests/golden/show_<fixture>.json`` and ``diff_<fixture>.json``;
* an oracle that *executes* each fixture (tests/oracle.py), coerces each entry's Enum
  fields as pydantic does and calls the model's own properties (``git_origin``,
  ``release_branch``, ``runtime_version``) where the model has them, docs/contract.md's
  documented defaults where it has not (:func:`expected_show`, :func:`expected_diff`,
  written here without olx's code).

Regenerate the goldens (from the oracle, never from olx) with ``OLX_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from oracle import oracle_with_model
from rewrite_support import SHAPES, replace_once, sources

from olx.core.model import Matrix
from olx.core.reader import read_sources
from olx.core.resolve import (
    Component,
    component_changes,
    diff_json,
    diff_refs,
    one_deployment,
    resolve_deployment,
    resolve_stage,
    show_json,
    stage_of,
)
from olx.errors import InputError

FIXTURES_DIR = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
# Each shape the entry model's properties have had (tests/fixtures/properties); the
# one whose properties leave the subset is tested on its own (test_interpret.py).
PROPERTY_SHAPES = FIXTURES_DIR / "properties"
FIXTURES = {
    **{p.name: p for p in sorted(SHAPES.iterdir()) if p.is_dir()},
    "one_line_entries": FIXTURES_DIR / "one_line_entries",
    "apps_exploded": FIXTURES_DIR / "apps_exploded",
    **{
        f"properties_{p.name}": p
        for p in sorted(PROPERTY_SHAPES.iterdir())
        if p.is_dir() and p.name != "outside_the_subset"
    },
}
NAMES = ["example", *FIXTURES]
CONSUMED = {
    "application",
    "application_type",
    "release",
    "branch_override",
    "origin_override",
    "runtime_version_override",
}


@pytest.fixture(scope="session")
def fixture_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture's folder; the packaged example written out as plain files."""
    folder = tmp_path_factory.mktemp("example")
    types_src, matrix_src = sources("example")
    (folder / "types.py").write_bytes(types_src.encode("utf-8"))
    (folder / "version_matrix.py").write_bytes(matrix_src.encode("utf-8"))
    return {"example": folder, **FIXTURES}


def read_dir(folder: Path) -> Matrix:
    types_src = (folder / "types.py").read_bytes().decode("utf-8")
    matrix_src = (folder / "version_matrix.py").read_bytes().decode("utf-8")
    return read_sources(types_src, matrix_src, "types.py", "version_matrix.py")


# --- the oracle: docs/contract.md's rules applied to the executed fixture -----------------------


Modelled = dict[tuple[str, str], list[dict[str, Any]]]


def expected_components(
    data: dict, entries: list[dict], modelled: list[dict[str, Any]]
) -> list[dict]:
    """Each entry's component: the model's property values (``modelled``, one dict
    per entry) where it has the property, else docs/contract.md's documented
    defaults."""
    releases = {r["name"]: r for r in data["releases"]}
    apps: dict[str, dict] = {}
    for app in data["applications"]:
        apps.setdefault(app["value"], app)
    out = []
    for entry, model in zip(entries, modelled, strict=True):
        release = releases.get(entry["release"])
        app = apps.get(entry["application"])
        runtime = entry.get("runtime_version_override") or (
            release
            and release[
                "python_version"
                if entry["application_type"] == "IDA"
                else "node_version"
            ]
        )
        defaults = {
            "origin": entry.get("origin_override") or (app and app["repository"]),
            "branch": entry.get("branch_override") or (release and release["branch"]),
            "runtime": runtime,
        }
        defaults.update(model)
        out.append(
            {
                "application": entry["application"],
                "application_type": entry["application_type"],
                "release": entry["release"],
                **defaults,
                "other": {
                    k: v
                    for k, v in entry.items()
                    if k not in CONSUMED and v is not None
                },
            }
        )
    return out


def expected_show(data: dict, modelled: Modelled) -> dict[str, dict]:
    """``{deployment: show DEPLOYMENT --json}`` for every deployment."""
    out = {}
    for dep in data["deployments"]:
        stages = {}
        for stage, release in dep["stages"].items():
            entries = data["release_map"].get(release, {}).get(dep["name"], [])
            stages[stage] = {
                "release": release,
                "components": expected_components(
                    data, entries, modelled.get((release, dep["name"]), [])
                ),
            }
        out[dep["name"]] = {"deployment": dep["name"], "stages": stages}
    return out


def expected_diff(
    show: dict[str, dict], a: tuple[str, str], b: tuple[str, str]
) -> dict:
    old = {c["application"]: c for c in show[a[0]]["stages"][a[1]]["components"]}
    new = {c["application"]: c for c in show[b[0]]["stages"][b[1]]["components"]}
    changed = []
    for app, after in new.items():
        if app not in old:
            continue
        before = old[app]
        fields = {}
        for name in ("application_type", "release", "origin", "branch", "runtime"):
            if before[name] != after[name]:
                fields[name] = [before[name], after[name]]
        for name in [*after["other"], *before["other"]]:
            was, now = before["other"].get(name), after["other"].get(name)
            if was != now:
                fields[name] = [was, now]
        if fields:
            changed.append({"application": app, "fields": fields})
    return {
        "from": f"{a[0]}:{a[1]}",
        "to": f"{b[0]}:{b[1]}",
        "added": [c for k, c in new.items() if k not in old],
        "removed": [c for k, c in old.items() if k not in new],
        "changed": changed,
    }


def diff_pairs(data: dict) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Each deployment's neighbouring stages both ways, and every deployment against
    the next at the first stage both have."""
    pairs = []
    deps = data["deployments"]
    for dep in deps:
        stages = list(dep["stages"])
        for x, y in itertools.pairwise(stages):
            pairs += [((dep["name"], x), (dep["name"], y))]
            pairs += [((dep["name"], y), (dep["name"], x))]
    for one, two in itertools.pairwise(deps):
        common = [s for s in one["stages"] if s in two["stages"]]
        if common:
            pairs.append(((one["name"], common[0]), (two["name"], common[0])))
    return pairs


def expected_diffs(data: dict, modelled: Modelled) -> list[dict]:
    show = expected_show(data, modelled)
    return [expected_diff(show, a, b) for a, b in diff_pairs(data)]


def golden(kind: str, name: str, compute) -> Any:
    path = GOLDEN / f"{kind}_{name}.json"
    if os.environ.get("OLX_UPDATE_GOLDEN"):
        path.write_text(
            json.dumps(compute(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return json.loads(path.read_text(encoding="utf-8"))


# --- olx against the goldens and the oracle --------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_show_matches_golden_and_oracle(name: str, fixture_dirs: dict[str, Path]):
    data, modelled = oracle_with_model(fixture_dirs[name])
    want = golden("show", name, lambda: expected_show(data, modelled))
    # The golden is the oracle's, not a snapshot.
    assert want == expected_show(data, modelled)
    matrix = read_dir(fixture_dirs[name])
    got = {
        dep.name: show_json(dep, resolve_deployment(matrix, dep))
        for dep in matrix.matrix.deployments
    }
    # Same text: key order (docs/contract.md's) and component order (ReleaseMap's) too.
    assert json.dumps(got, indent=1) == json.dumps(want, indent=1)


@pytest.mark.parametrize("name", NAMES)
def test_diff_matches_golden_and_oracle(name: str, fixture_dirs: dict[str, Path]):
    data, modelled = oracle_with_model(fixture_dirs[name])
    want = golden("diff", name, lambda: expected_diffs(data, modelled))
    assert want == expected_diffs(data, modelled)
    matrix = read_dir(fixture_dirs[name])
    got = []
    for (dep_a, stage_a), (dep_b, stage_b) in diff_pairs(data):
        before, after = diff_refs(matrix, [f"{dep_a}:{stage_a}", f"{dep_b}:{stage_b}"])
        got.append(
            diff_json(
                before, after, component_changes(before.components, after.components)
            )
        )
    assert json.dumps(got, indent=1) == json.dumps(want, indent=1)


def test_goldens_cover_every_kind_of_value():
    """The fixtures hold what the brief asks for, so the goldens exercise it."""
    shows = [
        json.loads((GOLDEN / f"show_{name}.json").read_text(encoding="utf-8"))
        for name in NAMES
    ]
    comps = [
        c
        for show in shows
        for dep in show.values()
        for stage in dep["stages"].values()
        for c in stage["components"]
    ]
    assert any(c["runtime"] is None for c in comps)  # two-field release members
    assert any(c["other"].get("branding_overrides") for c in comps)  # constants, **
    assert any(c["other"].get("translation_overrides") for c in comps)
    assert any(c["other"].get("translation_overrides") == [] for c in comps)
    assert any(c["other"].get("branding_overrides") == {} for c in comps)
    # A pinned entry: its release differs from its stage's, and its branch follows it.
    pinned = [
        (stage["release"], c)
        for show in shows
        for dep in show.values()
        for stage in dep["stages"].values()
        for c in stage["components"]
        if c["release"] != stage["release"]
    ]
    assert any(c["branch"] == "master" and rel != "master" for rel, c in pinned)


# --- olx's own cases: notes, names, comparison -----------------------------------------


def matrix_of(types_src: str, matrix_src: str) -> Matrix:
    return read_sources(types_src, matrix_src, "types.py", "version_matrix.py")


def test_missing_list_resolves_to_nothing_with_a_note():
    types_src, matrix_src = sources("example")
    # master's block has no xpro list.
    matrix_src = replace_once(
        matrix_src,
        'EnvRelease("Production", OpenEdxSupportedRelease["teak"])',
        'EnvRelease("Production", OpenEdxSupportedRelease["master"])',
        after="xpro = DeploymentEnvRelease(",
    )
    matrix = matrix_of(types_src, matrix_src)
    view = resolve_stage(matrix, one_deployment(matrix, "xpro"), "Production")
    assert view.release == "master"
    assert view.components == ()
    assert len(view.notes) == 1
    assert "ReleaseMap['master'] has no 'xpro' list" in view.notes[0]
    assert view.to_json() == {"release": "master", "components": []}


def test_missing_block_and_unknown_names_are_notes_not_crashes():
    types_src, matrix_src = sources("four_field_strenum")
    types_src = replace_once(
        types_src,
        '    ulmo = ("ulmo", "release/ulmo", "3.11", "24")\n',
        '    ulmo = ("ulmo", "release/ulmo", "3.11", "24")\n'
        '    verawood = ("verawood", "release/verawood", "3.12", "24")\n',
    )
    matrix_src = replace_once(
        matrix_src,
        'EnvRelease("CI", OpenEdxSupportedRelease["ulmo"])',
        'EnvRelease("CI", OpenEdxSupportedRelease["verawood"])',
        after="pro = DeploymentEnvRelease(",
    )
    matrix_src = replace_once(
        matrix_src,
        'application="codejail", application_type="IDA", release="teak"',
        'application="not-an-app", application_type="IDA", release="nope"',
    )
    matrix = matrix_of(types_src, matrix_src)
    pro = one_deployment(matrix, "pro")
    ci = resolve_stage(matrix, pro, "CI")
    assert ci.components == ()
    assert "ReleaseMap has no 'verawood' block" in ci.notes[0]
    prod = resolve_stage(matrix, pro, "Production")
    odd = prod.components[0]
    assert (odd.application, odd.release) == ("not-an-app", "nope")
    # Origin and branch (the documented defaults here) need the Enums; this model's
    # runtime_version is a constant for an IDA, which needs neither.
    assert (odd.origin, odd.branch, odd.runtime) == (None, None, "3.11")
    assert odd.sources == {"runtime": "types.py:112"}
    assert len(prod.notes) == 2
    # Each note says which values stay unknown because of it (runtime does not).
    assert prod.notes == (
        "not-an-app: release 'nope' is not a member of the release Enum; "
        "its branch is unknown",
        "not-an-app: not a member of either application Enum; its origin is unknown",
    )


def test_empty_override_falls_back_as_the_model_does():
    types_src, matrix_src = sources("four_field_strenum")
    matrix_src = replace_once(
        matrix_src, 'runtime_version_override="3.12"', 'runtime_version_override=""'
    )
    matrix = matrix_of(types_src, matrix_src)
    view = resolve_stage(matrix, one_deployment(matrix, "pro"), "QA")
    platform = next(c for c in view.components if c.application == "edx-platform")
    assert platform.runtime == "3.11"  # ulmo's python version
    assert "runtime" not in platform.overridden


def test_overrides_and_pins_are_marked():
    matrix = matrix_of(*sources("four_field_dot_master_enum_refs"))
    view = resolve_stage(matrix, one_deployment(matrix, "campus"), "CI")
    by_app = {c.application: c for c in view.components}
    assert by_app["edx-platform"].overridden == {"branch"}
    assert by_app["edx-platform"].branch == "campus/sumac"
    assert by_app["discussions"].pinned
    assert by_app["discussions"].branch == "master"  # the pin's branch
    assert by_app["discussions"].runtime == "20"  # master's node version
    assert not by_app["learning"].pinned and not by_app["learning"].overridden


def test_names_as_people_type_them():
    matrix = matrix_of(*sources("constants_branding_overrides"))
    staging = one_deployment(matrix, "campus_staging")
    assert staging.name == "campus-staging"
    assert stage_of(staging, "production") == "Production"
    with pytest.raises(InputError, match="has no CI stage") as info:
        stage_of(staging, "ci")
    assert info.value.hint == "its stages: QA, Production"
    with pytest.raises(InputError, match="unknown stage 'prod'"):
        stage_of(staging, "prod")
    with pytest.raises(InputError, match="unknown deployment 'campu'") as info:
        one_deployment(matrix, "campu")
    assert "did you mean 'campus'" in info.value.hint
    with pytest.raises(InputError, match="has no CI stage"):
        resolve_deployment(matrix, staging, "CI")


@pytest.mark.parametrize(
    "args, message",
    [
        (["campus", "QA"], "a second stage is missing"),
        (["campus:QA", "pro"], "expected DEPLOYMENT:STAGE, got 'pro'"),
        (["campus:QA", "pro:"], "expected DEPLOYMENT:STAGE"),
        (["campus", "QA", "pro:CI"], "with three arguments"),
        (["campus"], "takes two or three arguments, got 1"),
    ],
)
def test_diff_arguments_of_the_wrong_shape_are_input_errors(
    args: list[str], message: str
):
    matrix = matrix_of(*sources("constants_branding_overrides"))
    with pytest.raises(InputError, match=message):
        diff_refs(matrix, args)


def comp(app: str, **values: Any) -> Component:
    base = {
        "application_type": "IDA",
        "release": "ulmo",
        "origin": f"https://github.com/openedx/{app}",
        "branch": "release/ulmo",
        "runtime": "3.11",
    }
    base.update(values)
    return Component(application=app, **base)


def test_component_changes_added_removed_changed_in_order():
    old = [comp("a"), comp("b"), comp("c", other={"x": [1]}), comp("d")]
    new = [
        comp("e"),
        comp("d", branch="mitx/ulmo", runtime="3.12"),
        comp("c", other={"y": {}}),
        comp("a"),
        comp("f"),
    ]
    changes = component_changes(old, new)
    assert [c.application for c in changes.added] == ["e", "f"]
    assert [c.application for c in changes.removed] == ["b"]
    assert [c.to_json() for c in changes.changed] == [
        {
            "application": "d",
            "fields": {
                "branch": ["release/ulmo", "mitx/ulmo"],
                "runtime": ["3.11", "3.12"],
            },
        },
        # A field set on one side only compares with None; new's fields first.
        {"application": "c", "fields": {"y": [None, {}], "x": [[1], None]}},
    ]
    assert not changes.empty


def test_component_changes_of_equal_lists_is_empty_and_marks_do_not_count():
    old = [comp("a"), comp("b")]
    new = [comp("a", pinned=True, overridden=frozenset({"origin"})), comp("b")]
    changes = component_changes(old, new)
    assert changes.empty
    assert changes.to_json() == {"added": [], "removed": [], "changed": []}


def test_component_changes_pairs_a_repeated_application_in_order():
    old = [comp("a", branch="one"), comp("a", branch="two")]
    new = [comp("a", branch="one"), comp("a", branch="three"), comp("a")]
    changes = component_changes(old, new)
    assert [c.to_json() for c in changes.changed] == [
        {"application": "a", "fields": {"branch": ["two", "three"]}}
    ]
    assert [c.branch for c in changes.added] == ["release/ulmo"]
    assert changes.removed == ()
