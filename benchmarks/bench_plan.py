"""Benchmark ``olx plan`` of a 25-step runbook against one step's ``--dry-run``.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_plan.py [--runs N]

A plan applies its steps in memory against one read of each file and verifies, writes
and commits once, so its cost should grow with the matrix, not with steps x matrix.
On the example matrix it times, alternating one run of each,

* plan: ``olx --repo DIR plan RUNBOOK --dry-run`` (25 steps of every write family)
* step: ``olx --repo DIR override ulmo mitx learning --set ... --dry-run``

Goal: plan / step <= 2.0. Always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import traceback
from pathlib import Path

from _harness import bench_env, failure, fmt_ms, olx_executable, run_once
from _matrix_gen import make_target

GOAL = 2.0
STEP = ["override", "ulmo", "mitx", "learning", "--set", 'translation_overrides=["x"]']

# 25 steps: promotions, entry edits, enables and disables, an application and a
# release field, in the order a release day would run them.
RUNBOOK = """\
# A release day on the example matrix
promote xpro QA
promote xpro Production
override ulmo mitx learning --set 'translation_overrides=["x"]'
override ulmo mitx-staging learning --set 'translation_overrides=["x"]'
override ulmo xpro learning --set 'translation_overrides=["x"]'
override ulmo mitx edx-platform --branch mitx/ulmo-1
override ulmo mitx-staging edx-platform --branch mitx/ulmo-1
enable-app profile ulmo mitx
enable-app profile ulmo mitx-staging
enable-app communications ulmo mitx
enable-app communications ulmo mitx-staging
override ulmo mitx forum --pin master
override ulmo mitx forum --no-pin
override ulmo mitx,mitx-staging gradebook --runtime 20
override ulmo mitx,mitx-staging gradebook --no-runtime
disable-app communications ulmo mitx-staging
override master mitx learning --set branding_overrides=default_branding_overrides
override master mitx-staging learning --set branding_overrides=default_branding_overrides
override teak mitx edx-platform --branch mitx/teak-1
override teak mitx-staging edx-platform --branch mitx/teak-1
set-release ulmo --node 24
set-app forum --repository https://github.com/example-learning/forum
promote mitx Production ulmo
promote mitx-staging Production ulmo
override ulmo xpro edx-platform --origin https://github.com/example-learning/edx-platform
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each side")
    runs = max(1, parser.parse_args(argv).runs)
    env = bench_env()
    steps = [line for line in RUNBOOK.splitlines() if line and not line.startswith("#")]
    print(f"olx plan ({len(steps)} steps) vs olx {' '.join(STEP)}; {runs} runs each")
    with tempfile.TemporaryDirectory(prefix="olx-bench-plan-") as tmp:
        target = make_target(Path(tmp) / "repo", 1)
        runbook = Path(tmp) / "release-day.txt"
        runbook.write_text(RUNBOOK, encoding="utf-8")
        base = [*olx_executable(), "--repo", str(target)]
        sides = {
            "plan": [*base, "plan", str(runbook), "--dry-run"],
            "step": [*base, *STEP, "--dry-run"],
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        for name, cmd in sides.items():  # warm-up, and the runs must succeed
            problem = failure(run_once(cmd, env)[1])
            if problem:
                print(f"  {name} failed: {problem}")
                return 0
        for _ in range(runs):
            for name, cmd in sides.items():
                elapsed, proc = run_once(cmd, env)
                if not failure(proc):
                    times[name].append(elapsed)
    plan, step = (statistics.median(times[n]) for n in ("plan", "step"))
    print(f"  plan median {fmt_ms(plan)}")
    print(f"  step median {fmt_ms(step)}")
    ratio = plan / step
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"  ratio {ratio:.2f} (goal <= {GOAL}) -> goal {verdict}")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)
