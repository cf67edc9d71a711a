"""Runbooks run twice: a release day's runbook re-run after it applied, or after its
first half applied, is a no-op (exit 0, every step unchanged); each write command's
re-run is one, "already gone" included for names the history once had."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from conftest import invoke
from rewrite_support import ws_of

from olx.ops.clone import clone_release
from olx.ops.releases import add_release

RELEASE_DAY = """\
add-release verawood --clone-from ulmo
override verawood mitx edx-platform --branch mitx/verawood-hotfix
enable-app gradebook verawood xpro
disable-app learner-dashboard verawood xpro
promote mitx,mitx-staging CI verawood
set-release verawood --node 24
add-app notes-ui --type MFE --repository https://github.com/example-org/notes-ui
set-app notes-ui --path notes
clone-release ulmo verawood --deployment mitx
promote xpro QA
promote xpro Production --force
retire teak --deployment xpro
"""
# What comes after the day: the old release goes, and what it took.
CLEAN_UP = """\
disable-app gradebook ulmo mitx
remove-app gradebook
"""


def plan(repo: Path, runbook: Path, *args: str) -> dict:
    result = invoke("--repo", repo, "--json", "plan", runbook, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def head(repo: Path) -> str:
    with git.Repo(repo) as r:
        return r.head.commit.hexsha


def test_a_release_day_runbook_run_again_is_a_no_op_whole_or_half(
    example_repo: Path, tmp_path: Path
) -> None:
    lines = RELEASE_DAY.splitlines()
    half = tmp_path / "half.txt"
    half.write_text("\n".join(lines[:6]) + "\n")
    whole = tmp_path / "day.txt"
    whole.write_text(RELEASE_DAY)
    first = plan(example_repo, half, "--branch", "day")
    assert first["changed"] is True
    second = plan(example_repo, whole, "--branch", "day")
    # The first half is unchanged; the rest applies (the clone of line 9 was done
    # by line 1 already).
    changed = [s["changed"] for s in second["steps"]]
    assert changed == [False] * 6 + [True, True, False, True, True, True]
    done = head(example_repo)
    for again in (whole, half):
        out = plan(example_repo, again, "--branch", "day")
        assert out["changed"] is False and out["commit"] is None, out["steps"]
        assert not any(s["changed"] for s in out["steps"])
    assert head(example_repo) == done
    notes = [d for s in out["steps"] for d in s["details"]]
    # The list was cloned and trimmed in one commit: it never held the entry, and
    # the history says so.
    assert notes[3].startswith(
        "learner-dashboard is already gone from ReleaseMap['verawood']['xpro'] "
        "(made without it in "
    )
    assert notes[0] == (
        "release verawood and ReleaseMap['verawood'] already exist; nothing to do, "
        "though the block differs from a clone of ulmo now: mitx, xpro"
    )
    # What comes after, twice: gone the second time, from the history.
    clean = tmp_path / "clean.txt"
    clean.write_text(CLEAN_UP)
    assert plan(example_repo, clean, "--branch", "day")["changed"] is True
    out = plan(example_repo, clean, "--branch", "day")
    assert out["changed"] is False
    sha = head(example_repo)[:10]
    assert out["steps"][0]["details"][0].startswith(
        f"gradebook is already gone from ReleaseMap['ulmo']['mitx'] (left in {sha} "
    )
    assert out["steps"][1]["details"][0].startswith(
        f"gradebook is already removed (left types.py in {sha} "
    )
    assert invoke("--repo", example_repo, "check").exit_code == 0


def test_a_name_the_history_never_had_is_still_an_input_error(
    example_repo: Path,
) -> None:
    # gradebook is an application, never enabled in ulmo's xpro list.
    result = invoke("--repo", example_repo, "disable-app", "gradebook", "ulmo", "xpro")
    assert result.exit_code == 2
    assert "gradebook is not enabled in ReleaseMap['ulmo']['xpro']" in result.stderr
    unknown = invoke("--repo", example_repo, "remove-app", "gradebok")
    assert unknown.exit_code == 2
    assert "did you mean 'gradebook'" in unknown.stderr


def test_add_release_clone_from_onto_an_existing_release_and_block_notes_it():
    ws = ws_of("example")
    ws = ws.after(add_release(ws, "verawood", clone_from="ulmo"))
    same = add_release(ws, "verawood", clone_from="ulmo")
    assert not same.changed
    assert same.notes == [
        "release verawood and ReleaseMap['verawood'] already exist and the block "
        "still equals a clone of ulmo: nothing to do"
    ]
    other = add_release(ws, "verawood", clone_from="teak")
    assert not other.changed
    assert "the block differs from a clone of teak now: mitx" in other.notes[0]


@pytest.mark.parametrize("held", [True, False])
def test_clone_release_whose_old_block_is_gone_since(held: bool) -> None:
    from olx.errors import InputError
    from olx.ops.retire import retire

    ws = ws_of("example")
    ws = ws.after(add_release(ws, "verawood", clone_from="ulmo"))
    ws = ws.after(add_release(ws, "willow", clone_from="verawood"))
    # verawood's block gone since (as a later "retire" of a runbook takes it)
    ws = ws.after(retire(ws, "verawood", block_only=True))

    def lookup(name: str) -> str | None:
        return '1a2b3c4d5e 2025-01-01 "x"' if held else None

    if held:
        change = clone_release(ws, "verawood", "willow", held=lookup)
        assert not change.changed
        assert change.notes == [
            "ReleaseMap['willow'] already has mitx, mitx-staging, xpro "
            "(ReleaseMap['verawood'] is gone since): nothing to do"
        ]
    else:
        with pytest.raises(InputError, match="unknown ReleaseMap block 'verawood'"):
            clone_release(ws, "verawood", "willow", held=lookup)
