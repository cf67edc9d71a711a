"""The unified diff of a change equals difflib's on whole files (seeded random edits),
whether the rewrite told which regions changed or not, and difflib only ever sees the
changed regions."""

from __future__ import annotations

import difflib
import random
from pathlib import Path

import pytest

from olx.edit.change import FileEdit
from olx.edit.diff import Rewritten, rewritten, split_lines, unified_diff


def reference(old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), "a/x", "b/x"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@pytest.mark.parametrize("seed", range(5))
def test_trimmed_diff_equals_difflib(seed: int) -> None:
    rng = random.Random(seed)
    base = [f"line {i}\n" for i in range(200)]
    for trial in range(300):
        old = base[: rng.randint(0, 60)]
        new = list(old)
        for _ in range(rng.randint(1, 4)):
            op, k = rng.choice("ird"), rng.randint(0, len(new))
            if op == "i":
                new.insert(k, f"new {trial} {k}\n")
            elif new:
                index = min(k, len(new) - 1)
                if op == "d":
                    del new[index]
                else:
                    new[index] = f"replaced {trial}\n"
        if new and rng.random() < 0.2:
            new[-1] = new[-1].rstrip("\n")
        a, b = "".join(old), "".join(new)
        assert unified_diff([FileEdit(Path("x"), "x", a, b)]) == reference(a, b)


def test_an_unchanged_file_has_an_empty_diff() -> None:
    assert unified_diff([FileEdit(Path("x"), "x", "a\nb\n", "a\nb\n")]) == ""


# --- the regions a rewrite knows ------------------------------------------------------


def apply_patch(old: str, patch: str) -> str:
    """``old`` with the unified diff ``patch`` applied (one file, as olx writes it)."""
    lines = old.splitlines(keepends=True)
    out: list[str] = []
    at = 0
    body = patch.splitlines(keepends=True)[2:]
    for line in body:
        if line.startswith("@@"):
            start = int(line.split()[1].split(",")[0].lstrip("-"))
            length = line.split()[1].split(",")
            first = start - 1 if len(length) == 1 or length[1] != "0" else start
            out += lines[at:first]
            at = first
        elif line.startswith(" "):
            assert lines[at] == line[1:], (at, line)
            out.append(lines[at])
            at += 1
        elif line.startswith("-"):
            assert lines[at] == line[1:], (at, line)
            at += 1
        else:
            out.append(line[1:])
    return "".join(out + lines[at:])


def random_rewrites(rng: random.Random, base: str, steps: int) -> str:
    """``base`` after ``steps`` rewrites, each replacing a few random line ranges by
    new, unique lines (bottom-up), as a rewrite reports them (:func:`rewritten`)."""
    text = base
    for step in range(steps):
        lines = split_lines(text)
        edits: list[tuple[int, int, int, int]] = []
        for _ in range(rng.randint(1, 4)):
            start = rng.randint(0, len(lines))
            end = min(len(lines), start + rng.randint(0, 3))
            if any(start <= e and s <= end for s, e, _, _ in edits):
                continue  # not overlapping, not touching
            edits.append((start, end, start, start + rng.randint(0, 3)))
        edits.sort(reverse=True)
        for start, end, _, stop in edits:
            lines[start:end] = [
                f"step {step} at {start}: {k}\n" for k in range(stop - start)
            ]
        text = rewritten(text, "".join(lines), edits)
    return text


@pytest.mark.parametrize("seed", range(4))
def test_a_rewrites_regions_give_difflibs_diff(seed: int) -> None:
    rng = random.Random(seed)
    base = "".join(f"line {i}\n" for i in range(120))
    for _ in range(150):
        new = random_rewrites(rng, base, rng.randint(1, 3))
        assert isinstance(new, Rewritten) and new.base is base
        got = unified_diff([FileEdit(Path("x"), "x", base, new)])
        assert got == reference(base, new)
        assert apply_patch(base, got) == new


def test_difflib_sees_only_the_changed_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    base = "".join(f"line {i}\n" for i in range(20_000))
    lines = split_lines(base)
    edits = []
    for at in range(19_000, 0, -1_000):  # scattered, bottom-up
        lines[at : at + 2] = [f"changed {at}\n"]
        edits.append((at, at + 2, at, at + 1))
    new = rewritten(base, "".join(lines), edits)
    sizes: list[int] = []
    real = difflib.unified_diff

    def spy(a, b, *args, **kwargs):
        sizes.append(len(a) + len(b))
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(difflib, "unified_diff", spy)
    got = unified_diff([FileEdit(Path("x"), "x", base, new)])
    assert len(sizes) == len(edits) and max(sizes) <= 2 * (2 + 6)
    monkeypatch.undo()
    assert got == reference(base, new)


def test_a_wrong_hint_never_makes_a_wrong_diff() -> None:
    base = "".join(f"line {i}\n" for i in range(50))
    lines = split_lines(base)
    lines[10] = "changed\n"
    lines[40] = "changed too\n"
    wrong = Rewritten("".join(lines), base, [(10, 11, 10, 11)])  # misses line 40
    assert unified_diff([FileEdit(Path("x"), "x", base, wrong)]) == reference(
        base, str(wrong)
    )


def test_lines_end_at_newlines_only() -> None:
    old = "a\fb\nc\u2028d\ne\n"
    new = "a\fb\nc\u2028D\ne\n"
    assert unified_diff([FileEdit(Path("x"), "x", old, new)]) == (
        "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\fb\n-c\u2028d\n+c\u2028D\n e\n"
    )


def test_a_rewritten_text_copies_and_pickles_with_its_regions() -> None:
    import copy
    import pickle

    text = Rewritten("a\nB\n", "a\nb\n", [(1, 2, 1, 2)])
    for again in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert again == text and again.base == "a\nb\n"
        assert again.regions == ((1, 2, 1, 2),)
