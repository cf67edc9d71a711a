"""Damaged input: real-shaped files with lines dropped, duplicated, swapped or cut.

Every command (show, check, show DEPLOYMENT, diff, and dry runs of promote, override,
enable-app, add-app, retire and plan) must exit 0, 1 or 2 — never 3 (an internal error)
and never with a traceback. The damage is seeded: a failure names the variant, and
``OLX_FUZZ_VARIANTS=N`` (default 300) runs more. A variant that ``check`` cannot read
runs ``check`` and two other commands in turn (they share the reader); one that it can
read runs every command.
"""

from __future__ import annotations

import functools
import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

from olx.core.reader import read_sources
from olx.errors import ShapeError
from olx.example import init_example

TESTS = Path(__file__).resolve().parent
EXAMPLE = TESTS.parent / "src" / "olx" / "example"
SOURCES = {
    "example": (EXAMPLE / "types.py.txt", EXAMPLE / "version_matrix.py.txt"),
    **{
        name: (TESTS / "fixtures" / name / "types.py", TESTS / "fixtures" / name / "version_matrix.py")
        for name in [
            "shapes/constants_branding_overrides",
            "shapes/four_field_dot_master_enum_refs",
            "shapes/four_field_strenum",
            "shapes/two_field_open_release",
            "one_line_entries",
            "apps_exploded",
        ]
    },
}  # fmt: skip
VARIANTS = int(os.environ.get("OLX_FUZZ_VARIANTS", "300"))
SEED = 20_11


@dataclass(frozen=True)
class Source:
    types: str
    matrix: str
    commands: list[list[str]]


def _commands(types: str, matrix: str, runbook: Path) -> list[list[str]]:
    """Commands that do something on the undamaged source (its own names)."""
    model = read_sources(types, matrix, "types.py", "version_matrix.py").to_json()
    deployment = model["deployments"][0]
    dep, stages = deployment["name"], list(deployment["stages"])
    release = next(iter(model["release_map"]))
    block_dep, entries = next(iter(model["release_map"][release].items()))
    app = entries[0]["application"]
    other_app = model["applications"][-1]["value"]
    runbook.write_text(
        f"promote {dep} {stages[-1]}\n"
        f"override {release} {block_dep} {app} --branch fuzz/plan\n",
        encoding="utf-8",
    )
    return [
        ["check"],
        ["show"],
        ["show", dep],
        ["diff", dep, stages[0], stages[-1]],
        ["promote", dep, stages[-1], "--dry-run"],
        ["override", release, block_dep, app, "--branch", "fuzz/x", "--dry-run"],
        ["enable-app", other_app, release, block_dep, "--dry-run"],
        ["add-app", "fuzz-app", "--type", "IDA", "--repository",
         "https://github.com/openedx/fuzz-app", "--dry-run"],
        ["retire", release, "--dry-run"],
        ["plan", str(runbook), "--dry-run"],
    ]  # fmt: skip


def damage(text: str, rng: random.Random) -> str:
    """One to three of: drop a line, drop a few, duplicate one, swap two neighbours,
    cut a line short, cut the file short."""
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 3)):
        if len(lines) < 3:
            break
        at = rng.randrange(len(lines))
        kind = rng.choice(["drop", "drop-some", "duplicate", "swap", "cut-line", "cut"])
        if kind == "drop":
            del lines[at]
        elif kind == "drop-some":
            del lines[at : at + rng.randint(2, 6)]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
        elif kind == "cut-line":
            line = lines[at]
            lines[at] = line[: rng.randrange(len(line) + 1)]
        elif kind == "cut":
            lines = lines[:at]
    return "".join(lines)


@pytest.fixture(autouse=True)
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One click command for the thousands of CliRunner calls (typer builds it anew
    for each, most of a refused command's time)."""
    import typer.testing

    built = functools.lru_cache(maxsize=None)(typer.testing._get_command)
    monkeypatch.setattr(typer.testing, "_get_command", built)


def _unexpected(result) -> str | None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"raised {type(result.exception).__name__}: {result.exception}"
    if result.exit_code not in (0, 1, 2):
        return f"exit {result.exit_code}: {result.output[-300:]}"
    if "Traceback" in result.output or "internal error" in result.output:
        return result.output[-300:]
    return None


def test_every_command_exits_0_1_or_2_on_damaged_files(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_example(repo)
    types_path, matrix_path = repo / EXAMPLE_TYPES, repo / EXAMPLE_MATRIX
    sources = {}
    for name, (types_file, matrix_file) in SOURCES.items():
        types, matrix = types_file.read_text(), matrix_file.read_text()
        runbook = tmp_path / f"{name.replace('/', '-')}.runbook"
        sources[name] = Source(types, matrix, _commands(types, matrix, runbook))

    rng = random.Random(SEED)
    names = sorted(sources)
    failures, readable, runs = [], 0, 0
    for variant in range(VARIANTS):
        source = sources[names[variant % len(names)]]
        which = rng.choice(["types", "matrix", "both", "matrix"])
        types = (
            damage(source.types, rng) if which in ("types", "both") else source.types
        )
        matrix = (
            damage(source.matrix, rng) if which in ("matrix", "both") else source.matrix
        )
        types_path.write_text(types, encoding="utf-8")
        matrix_path.write_text(matrix, encoding="utf-8")
        check, *others = source.commands
        result = invoke("--repo", repo, *check, catch_exceptions=True)
        runs += 1
        problem = _unexpected(result)
        if problem:
            failures.append((variant, names[variant % len(names)], "check", problem))
        if result.exit_code in (0, 1):
            readable += 1
            chosen = others
        else:
            chosen = [others[(2 * variant + k) % len(others)] for k in range(2)]
        for command in chosen:
            result = invoke("--repo", repo, *command, catch_exceptions=True)
            runs += 1
            problem = _unexpected(result)
            if problem:
                failures.append(
                    (variant, names[variant % len(names)], command, problem)
                )
    assert failures == []
    # the damage leaves enough files readable for the commands to get past the reader
    assert readable >= VARIANTS // 10, readable
    assert runs >= 3 * VARIANTS


def test_damage_is_seeded_and_changes_the_text() -> None:
    text = SOURCES["example"][1].read_text()
    first = [damage(text, random.Random(7)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    assert all(damage(text, random.Random(seed)) != text for seed in range(20))


def test_a_stage_listed_twice_is_a_shape_error_not_an_internal_error(
    tmp_path: Path,
) -> None:
    """Found by this fuzz: a dropped ``],``/``)`` pair merged two deployments' stages
    into one list; promote then changed both entries of the stage and its verification
    failed with exit 3. The reader now refuses the shape (exit 2, naming the line)."""
    types, matrix = (p.read_text() for p in SOURCES["example"])
    first = 'EnvRelease("QA", OpenEdxSupportedRelease["ulmo"]),\n'
    twice = matrix.replace(first, first + "            " + first.lstrip(), 1)
    assert twice != matrix
    with pytest.raises(ShapeError, match="stage 'QA' of 'mitx' is listed twice"):
        read_sources(types, twice, "types.py", "version_matrix.py")
    repo = tmp_path / "repo"
    init_example(repo)
    (repo / EXAMPLE_MATRIX).write_text(twice, encoding="utf-8")
    result = invoke("--repo", repo, "promote", "mitx", "QA", "master", "--dry-run")
    assert result.exit_code == 2, result.output
    assert "is listed twice" in result.stderr


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            'branch_override="mitx/ulmo",\n',
            'branch_override="mitx/ulmo",\n                branch_override="mitx/x",\n',
        ),
        (
            'deployment_name="xpro",\n',
            'deployment_name="xpro",\n        deployment_name="xpro2",\n',
        ),
    ],
    ids=["entry-keyword", "deployment-keyword"],
)
def test_a_keyword_given_twice_is_a_shape_error_not_an_internal_error(
    tmp_path: Path, old: str, new: str
) -> None:
    """Found by this fuzz: a duplicated ``branch_override=`` line parses (``ast``
    accepts it, Python does not); override then edited one of the two and its
    verification failed with exit 3. The reader now refuses the shape (exit 2)."""
    types, matrix = (p.read_text() for p in SOURCES["example"])
    twice = matrix.replace(old, new, 1)
    assert twice != matrix
    with pytest.raises(ShapeError, match="given twice"):
        read_sources(types, twice, "types.py", "version_matrix.py")
    repo = tmp_path / "repo"
    init_example(repo)
    (repo / EXAMPLE_MATRIX).write_text(twice, encoding="utf-8")
    result = invoke(
        "--repo", repo, "override", "ulmo", "mitx", "edx-platform",
        "--branch", "mitx/y", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "given twice" in result.stderr
