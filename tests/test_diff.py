"""The trimmed unified diff equals difflib's on whole files (seeded random edits)."""

from __future__ import annotations

import difflib
import random
from pathlib import Path

import pytest

from olx.edit.change import FileEdit
from olx.edit.diff import unified_diff


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


def test_no_change_no_diff() -> None:
    assert unified_diff([FileEdit(Path("x"), "x", "a\nb\n", "a\nb\n")]) == ""
