"""Duplicate keys in ``ReleaseMap``: a release twice, or a deployment twice in one block.

Python keeps the last value, at the first key's place; olx reads exactly that (the
executing oracle agrees by construction), ``olx check`` reports each duplicate as a
violation of rule 8, and every write refuses the file as a shape error (exit 2) naming
both keys' lines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from command_strategies import commands
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import oracle_of_sources
from rewrite_support import sources, workspace
from strategies import matrices

from olx.core.check import check
from olx.core.reader import read_sources
from olx.errors import ShapeError
from olx.ops.promote import promote

TYPES, MATRIX = sources("example")
MASTER_COMMENT = (
    "    # Upstream development: MITx Online ships it every week, and the CI\n"
)
TEAK_XPRO_END = """                release="teak",
            ),
        ],
    },
    "ulmo": {
"""
ONE_ENTRY = """[
            OpenEdxApplicationVersion(
                application="forum",
                application_type="IDA",
                release="{release}",
            ),
        ],
"""
# ulmo again, with mitx only: Python keeps this block, at the first ulmo's place.
RELEASE_TWICE = MATRIX.replace(
    MASTER_COMMENT,
    '    "ulmo": {\n        "mitx": '
    + ONE_ENTRY.format(release="ulmo")
    + "    },\n"
    + MASTER_COMMENT,
)
# xpro again in the teak block: Python keeps this list.
DEPLOYMENT_TWICE = MATRIX.replace(
    TEAK_XPRO_END,
    TEAK_XPRO_END.replace(
        "    },\n",
        '        "xpro": ' + ONE_ENTRY.format(release="teak") + "    },\n",
        1,
    ),
)
VARIANTS = {"release twice": RELEASE_TWICE, "deployment twice": DEPLOYMENT_TWICE}


def line_of(text: str, needle: str, occurrence: int) -> int:
    hits = [i for i, line in enumerate(text.split("\n"), 1) if line == needle]
    return hits[occurrence - 1]


def test_the_fixtures_have_their_duplicates() -> None:
    assert MATRIX.count('    "ulmo": {\n') == 1
    assert RELEASE_TWICE.count('    "ulmo": {\n') == 2
    assert DEPLOYMENT_TWICE.count('        "xpro": [\n') == 3


@pytest.mark.parametrize("matrix", VARIANTS.values(), ids=VARIANTS)
def test_the_reader_sees_what_python_sees(matrix: str) -> None:
    read = read_sources(TYPES, matrix, "types.py", "version_matrix.py").to_json()
    assert read == oracle_of_sources(TYPES, matrix)
    keys = list(read["release_map"])
    assert keys == ["teak", "ulmo", "master"]  # the first key's place


def test_the_last_value_wins() -> None:
    twice = read_sources(TYPES, RELEASE_TWICE, "t.py", "m.py")
    assert [d.deployment for d in twice.matrix.block("ulmo").deployments] == ["mitx"]
    again = read_sources(TYPES, DEPLOYMENT_TWICE, "t.py", "m.py")
    teak = again.matrix.block("teak")
    assert [d.deployment for d in teak.deployments] == ["mitx", "mitx-staging", "xpro"]
    assert [e.application for e in teak.get("xpro").entries] == ["forum"]


def write_target(root: Path, matrix: str) -> Path:
    for rel, text in ((EXAMPLE_TYPES, TYPES), (EXAMPLE_MATRIX, matrix)):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    return root


def test_show_of_a_stage_agrees_with_show_json(tmp_path: Path) -> None:
    repo = write_target(tmp_path, DEPLOYMENT_TWICE)
    whole = json.loads(invoke("--repo", repo, "--json", "show").stdout)
    stage = invoke("--repo", repo, "--json", "show", "xpro", "Production")
    assert stage.exit_code == 0, stage.output
    components = json.loads(stage.stdout)["stages"]["Production"]["components"]
    assert (
        [c["application"] for c in components]
        == [e["application"] for e in whole["release_map"]["teak"]["xpro"]]
        == ["forum"]
    )


def test_check_reports_each_duplicate_and_what_python_keeps(tmp_path: Path) -> None:
    repo = write_target(tmp_path, RELEASE_TWICE)
    result = invoke("--repo", repo, "--json", "check")
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    first, again = (line_of(RELEASE_TWICE, '    "ulmo": {', n) for n in (1, 2))
    rule8 = [v["message"] for v in out["violations"] if v["rule"] == 8]
    assert rule8 == [
        f"{EXAMPLE_MATRIX}:{again}: ReleaseMap key 'ulmo' is given twice (first at "
        f"line {first}); Python keeps the last value, at the first key's place"
    ]
    # Rule 2 judged on what Python keeps: ulmo's block has no xpro any more.
    rule2 = [v["message"] for v in out["violations"] if v["rule"] == 2]
    assert any("xpro CI uses 'ulmo'" in m for m in rule2), rule2
    assert any("mitx-staging QA uses 'ulmo'" in m for m in rule2), rule2


def test_check_reports_a_deployment_twice_in_a_block() -> None:
    model = read_sources(TYPES, DEPLOYMENT_TWICE, "t.py", "m.py")
    first, again = (line_of(DEPLOYMENT_TWICE, '        "xpro": [', n) for n in (1, 2))
    assert [v.message for v in check(model).violations] == [
        f"m.py:{again}: ReleaseMap['teak'] key 'xpro' is given twice (first at line "
        f"{first}); Python keeps the last value, at the first key's place"
    ]


WRITES = [
    ["promote", "xpro", "QA"],
    ["promote", "mitx", "QA", "ulmo"],  # already so: refused all the same
    ["add-release", "verawood"],
    ["set-release", "ulmo", "--branch", "release/ulmo.1"],
    ["clone-release", "teak", "verawood"],
    ["retire", "teak"],
    ["add-app", "x-api", "--type", "IDA", "--repository", "https://github.com/o/x"],
    ["set-app", "forum", "--repository", "https://github.com/o/forum"],
    ["remove-app", "forum"],
    ["enable-app", "profile", "teak", "mitx"],
    ["disable-app", "forum", "teak", "xpro"],
    ["override", "teak", "xpro", "forum", "--branch", "x/y"],
]


@pytest.mark.parametrize("mode", ["--dry-run", "--no-commit"])
@pytest.mark.parametrize("words", WRITES, ids=lambda w: " ".join(w[:2]))
@pytest.mark.parametrize("name", VARIANTS)
def test_every_write_refuses_a_file_with_duplicates(
    tmp_path: Path, name: str, words: list[str], mode: str
) -> None:
    matrix = VARIANTS[name]
    repo = write_target(tmp_path, matrix)
    before = sorted((p, p.read_bytes()) for p in repo.rglob("*") if p.is_file())
    result = invoke("--repo", repo, *words, mode)
    assert result.exit_code == 2, result.output
    needle = '    "ulmo": {' if name == "release twice" else '        "xpro": ['
    first, again = (line_of(matrix, needle, n) for n in (1, 2))
    assert result.stderr.startswith(f"olx: error: {EXAMPLE_MATRIX}:{again}: "), (
        result.stderr
    )
    assert f"(first at {EXAMPLE_MATRIX}:{first})" in result.stderr
    assert sorted((p, p.read_bytes()) for p in repo.rglob("*") if p.is_file()) == (
        before
    )


def test_a_plan_refuses_it_too_naming_both_lines(tmp_path: Path) -> None:
    repo = write_target(tmp_path / "repo", RELEASE_TWICE)
    runbook = tmp_path / "rb.txt"
    runbook.write_text("promote xpro QA\n", encoding="utf-8")
    result = invoke("--repo", repo, "--json", "plan", runbook, "--dry-run")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error.startswith(f"{EXAMPLE_MATRIX}:") and "given twice" in error


def test_an_operation_refuses_it_as_a_shape_error_with_both_lines() -> None:
    ws = workspace(TYPES, DEPLOYMENT_TWICE)
    with pytest.raises(ShapeError) as exc:
        promote(ws, "xpro", "QA", None)
    first, again = (line_of(DEPLOYMENT_TWICE, '        "xpro": [', n) for n in (1, 2))
    assert (exc.value.path, exc.value.line) == ("version_matrix.py", again)
    assert f"(first at version_matrix.py:{first})" in exc.value.message


# --- generated matrices ------------------------------------------------------------


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(matrices(sound=False).filter(lambda g: g.duplicates), st.data())
def test_generated_duplicates_are_read_as_python_reads_them_and_refused(
    generated, data
) -> None:
    model = read_sources(generated.types_src, generated.matrix_src, "t.py", "m.py")
    assert model.to_json() == oracle_of_sources(
        generated.types_src, generated.matrix_src
    )
    rule8 = [v for v in check(model).violations if v.rule == 8]
    assert len(rule8) >= generated.duplicates
    assert len(rule8) == len(model.matrix.duplicate_keys)
    ws = workspace(generated.types_src, generated.matrix_src)
    cmd = data.draw(commands(model.to_json(), valid=True), label="command")
    with pytest.raises(ShapeError, match="is given twice"):
        cmd.run(ws)
