"""Benchmark ``olx show --json`` against the cost of a bare libcst parse.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_show.py [--runs N]

For two targets built from olx's example matrix (as is, and with a ReleaseMap about
20 times larger, see ``_matrix_gen.py``), it times, alternating one run of each,

* olx:   ``python -m olx --repo DIR show --json``
* floor: ``python -c "import libcst, sys; libcst.parse_module(...).code" MATRIX``

and reports the medians and their ratio. Both are whole processes, so interpreter start-up
is counted on both sides. Goal: olx / floor <= 0.5, i.e. showing the whole matrix costs at
most half of what merely parsing the matrix file with libcst costs. The script always exits
0: it measures, it does not judge a build.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

# Run as a script, this file's directory is on sys.path, so the helper imports.
from _matrix_gen import MATRIX_REL, make_target

GOAL = 0.5
SCALES = (1, 20)
FLOOR_CODE = "import libcst,sys; libcst.parse_module(open(sys.argv[1]).read()).code"


def olx_command(target: Path) -> list[str]:
    return [sys.executable, "-m", "olx", "--repo", str(target), "show", "--json"]


def floor_command(matrix: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR_CODE, str(matrix)]


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


def olx_failure(proc: subprocess.CompletedProcess) -> str | None:
    problem = failure(proc)
    if problem:
        return problem
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        return "stdout is not JSON"
    if not isinstance(data, dict) or "release_map" not in data:
        return "JSON has no release_map"
    return None


def measure(target: Path, runs: int, env: dict[str, str]) -> dict[str, object]:
    """Alternate olx and floor runs; drop olx once it fails (the floor goes on)."""
    matrix = target / MATRIX_REL
    sides = {
        "olx": (olx_command(target), olx_failure),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=15, help="timed runs of each side (default 15)"
    )
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    env = dict(os.environ)
    env.pop("OLX_REPO", None)
    env["NO_COLOR"] = "1"

    print(f"olx show --json vs libcst parse floor; {runs} alternating runs each")
    print(f"goal: median(olx) / median(floor) <= {GOAL}")
    print()
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="olx-bench-show-") as tmp:
        for scale in SCALES:
            target = make_target(Path(tmp) / f"scale{scale}", scale)
            matrix = target / MATRIX_REL
            n_lines = len(matrix.read_text(encoding="utf-8").splitlines())
            result = measure(target, runs, env)
            olx, floor = result["medians"]["olx"], result["medians"]["floor"]
            print(f"matrix x{scale}: version_matrix.py {n_lines} lines")
            print(f"  olx   median {fmt_ms(olx)}")
            print(f"  floor median {fmt_ms(floor)}")
            for name, problem in result["errors"].items():
                print(f"  {name} failed: {problem}")
            if olx is not None and floor:
                ratio = olx / floor
                met = ratio <= GOAL
                verdicts.append(met)
                print(f"  ratio {ratio:.2f} -> goal {'met' if met else 'NOT met'}")
            else:
                verdicts.append(None)
                print("  ratio n/a (a side did not run)")
            print()
    if all(v is True for v in verdicts):
        print(f"goal (ratio <= {GOAL}) met at every size")
    elif any(v is None for v in verdicts):
        print("goal not assessed at every size: see the failures above")
    else:
        print(f"goal (ratio <= {GOAL}) NOT met at every size")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - a measurement: report, never fail the caller
        traceback.print_exc()
    sys.exit(0)
