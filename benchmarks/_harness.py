"""Shared timing harness of the benchmarks: alternating runs against the libcst floor."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

FLOOR_CODE = "import libcst,sys; libcst.parse_module(open(sys.argv[1]).read()).code"


def olx_executable() -> list[str]:
    """The installed ``olx`` console script (what people and runbooks run), else
    ``python -m olx``."""
    script = Path(sys.executable).with_name("olx")
    return [str(script)] if script.exists() else [sys.executable, "-m", "olx"]


def floor_command(matrix: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR_CODE, str(matrix)]


def bench_env() -> dict[str, str]:
    """The environment of the timed runs, with olx's bytecode compiled first.

    ``pip install`` compiles an installed package's bytecode, and libcst's is compiled;
    an editable checkout under PYTHONDONTWRITEBYTECODE would otherwise recompile olx's
    modules on every run and measure the compiler, not olx.
    """
    import compileall

    import olx

    compileall.compile_dir(str(Path(olx.__file__).parent), quiet=1)
    env = dict(os.environ)
    env.pop("OLX_REPO", None)
    env["NO_COLOR"] = "1"
    return env


def run_once(
    cmd: list[str], env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, proc


def failure(proc: subprocess.CompletedProcess) -> str | None:
    """Why a run does not count, or None when it succeeded."""
    if proc.returncode != 0:
        try:  # olx --json reports errors as {"error": ..., "hint": ...} on stdout
            return f"exit {proc.returncode}: {json.loads(proc.stdout)['error']}"
        except (ValueError, KeyError, TypeError):
            pass
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return f"exit {proc.returncode}: {lines[-1] if lines else '(no output)'}"
    return None


def measure(
    olx_cmd: list[str],
    olx_check: Callable[[subprocess.CompletedProcess], str | None],
    matrix: Path,
    runs: int,
    env: dict[str, str],
) -> dict[str, object]:
    """Alternate olx and floor runs; drop olx once it fails (the floor goes on)."""
    sides = {
        "olx": (olx_cmd, olx_check),
        "floor": (floor_command(matrix), failure),
    }
    times: dict[str, list[float]] = {name: [] for name in sides}
    errors: dict[str, str] = {}
    # One untimed warm-up each, so that both sides start with warm file caches.
    for name, (cmd, check) in sides.items():
        problem = check(run_once(cmd, env)[1])
        if problem:
            errors[name] = problem
    for _ in range(runs):
        for name, (cmd, check) in sides.items():
            if name in errors:
                continue
            elapsed, proc = run_once(cmd, env)
            problem = check(proc)
            if problem:
                errors[name] = problem
            else:
                times[name].append(elapsed)
    medians = {name: statistics.median(t) if t else None for name, t in times.items()}
    return {"medians": medians, "errors": errors, "runs": times}


def fmt_ms(seconds: float | None) -> str:
    return "   n/a" if seconds is None else f"{seconds * 1000:7.1f} ms"


def report(scale: int, n_lines: int, result: dict, goal: float) -> bool | None:
    """Print one size's medians and ratio; returns whether the goal was met."""
    olx, floor = result["medians"]["olx"], result["medians"]["floor"]
    print(f"matrix x{scale}: version_matrix.py {n_lines} lines")
    print(f"  olx   median {fmt_ms(olx)}")
    print(f"  floor median {fmt_ms(floor)}")
    for name, problem in result["errors"].items():
        print(f"  {name} failed: {problem}")
    if olx is None or not floor:
        print("  ratio n/a (a side did not run)")
        return None
    ratio = olx / floor
    met = ratio <= goal
    print(f"  ratio {ratio:.2f} (goal <= {goal}) -> goal {'met' if met else 'NOT met'}")
    return met
