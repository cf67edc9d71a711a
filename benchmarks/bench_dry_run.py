"""Benchmark a write whose edits are scattered over the whole file, ``--dry-run``.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_dry_run.py [--runs N]

``olx remove-app forum`` removes an entry from every deployment list of every
ReleaseMap block (``forum`` is in all of them): dozens of small edits from the top of
the file to its bottom, and a diff of all of them. A dry run should cost what the write
costs (the lists it changes, parsed alone) plus the diff of the changed lines, linear in
them; diffing the whole file instead grows quadratically (24 s on a 20,000-line matrix
before). For the example matrix and one whose ReleaseMap is about 20 times larger, it
times, alternating one run of each,

* olx:   ``olx --repo DIR remove-app forum --dry-run`` (the console script)
* floor: ``python -c "import libcst, sys; libcst.parse_module(...).code" MATRIX``

Goal: olx / floor <= 1.0 at both sizes. Always exits 0.
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

GOALS = {1: 1.0, 20: 1.0}
REMOVE = ["remove-app", "forum", "--dry-run"]
REMOVED_LINE = '-                application="forum",'


def olx_command(target: Path) -> list[str]:
    return [*olx_executable(), "--repo", str(target), *REMOVE]


def olx_failure(proc: subprocess.CompletedProcess, expected: int) -> str | None:
    problem = failure(proc)
    if problem:
        return problem
    removed = proc.stdout.count(REMOVED_LINE)
    if removed != expected:
        return f"the diff removes {removed} forum entries, not {expected}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each side")
    runs = max(1, parser.parse_args(argv).runs)
    env = bench_env()
    print(f"olx {' '.join(REMOVE)} vs libcst parse floor; {runs} alternating runs each")
    print()
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="olx-bench-dry-run-") as tmp:
        for scale, goal in GOALS.items():
            target = make_target(Path(tmp) / f"scale{scale}", scale)
            matrix = target / MATRIX_REL
            text = matrix.read_text(encoding="utf-8")
            entries = text.count('application="forum"')
            result = measure(
                olx_command(target),
                lambda proc, n=entries: olx_failure(proc, n),
                matrix,
                runs,
                env,
            )
            print(f"{entries} entries removed, one per deployment list")
            verdicts.append(report(scale, len(text.splitlines()), result, goal))
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
