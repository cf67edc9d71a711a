"""Benchmark ``olx promote … --dry-run`` against the cost of a bare libcst parse.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_promote.py [--runs N]

A write parses only the statement that holds the change with libcst, so its cost should
grow with that statement, not with the file. For the example matrix and one whose
ReleaseMap is about 20 times larger, it times, alternating one run of each,

* olx:   ``olx --repo DIR promote xpro QA ulmo --dry-run`` (the console script)
* floor: ``python -c "import libcst, sys; libcst.parse_module(...).code" MATRIX``

Goals: olx / floor <= 1.0 on the example, <= 0.5 on the 20-times matrix. Always exits 0.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from _harness import bench_env, failure, measure, olx_executable, report
from _matrix_gen import MATRIX_REL, make_target

GOALS = {1: 1.0, 20: 0.5}
PROMOTE = ["promote", "xpro", "QA", "ulmo", "--dry-run"]


def olx_command(target: Path) -> list[str]:
    return [*olx_executable(), "--repo", str(target), *PROMOTE]


def olx_failure(proc: subprocess.CompletedProcess) -> str | None:
    problem = failure(proc)
    if problem:
        return problem
    if 'OpenEdxSupportedRelease["ulmo"]' not in proc.stdout:
        return "the dry run printed no diff"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each side")
    runs = max(1, parser.parse_args(argv).runs)
    env = bench_env()
    print(
        f"olx {' '.join(PROMOTE)} vs libcst parse floor; {runs} alternating runs each"
    )
    print()
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="olx-bench-promote-") as tmp:
        for scale, goal in GOALS.items():
            target = make_target(Path(tmp) / f"scale{scale}", scale)
            matrix = target / MATRIX_REL
            n_lines = len(matrix.read_text(encoding="utf-8").splitlines())
            result = measure(olx_command(target), olx_failure, matrix, runs, env)
            verdicts.append(report(scale, n_lines, result, goal))
            print()
    met = all(v is True for v in verdicts)
    print(
        "goals met at every size" if met else "goals NOT met at every size (see above)"
    )
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)
