"""Benchmark ``olx show --json`` against the cost of a bare libcst parse.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_show.py [--runs N]

For two targets built from olx's example matrix (as is, and with a ReleaseMap about
20 times larger, see ``_matrix_gen.py``), it times, alternating one run of each,

* olx:   ``olx --repo DIR show --json`` (the console script)
* floor: ``python -c "import libcst, sys; libcst.parse_module(...).code" MATRIX``

and reports the medians and their ratio. Both are whole processes, so interpreter start-up
is counted on both sides. Goal: olx / floor <= 0.5, i.e. showing the whole matrix costs at
most half of what merely parsing the matrix file with libcst costs. The script always exits
0: it measures, it does not judge a build.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

# Run as a script, this file's directory is on sys.path, so the helper imports.
from _harness import bench_env, failure, measure, olx_executable, report
from _matrix_gen import MATRIX_REL, make_target

GOAL = 0.5
SCALES = (1, 20)


def olx_command(target: Path) -> list[str]:
    return [*olx_executable(), "--repo", str(target), "show", "--json"]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=15, help="timed runs of each side (default 15)"
    )
    args = parser.parse_args(argv)
    runs = max(1, args.runs)

    env = bench_env()

    print(f"olx show --json vs libcst parse floor; {runs} alternating runs each")
    print(f"goal: median(olx) / median(floor) <= {GOAL}")
    print()
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="olx-bench-show-") as tmp:
        for scale in SCALES:
            target = make_target(Path(tmp) / f"scale{scale}", scale)
            matrix = target / MATRIX_REL
            n_lines = len(matrix.read_text(encoding="utf-8").splitlines())
            result = measure(olx_command(target), olx_failure, matrix, runs, env)
            verdicts.append(report(scale, n_lines, result, GOAL))
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
    except Exception:
        traceback.print_exc()
    sys.exit(0)
