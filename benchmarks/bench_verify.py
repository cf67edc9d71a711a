"""Benchmark ``olx verify`` against origins that each take a fixed time to answer.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_verify.py [--runs N] [--delay SECONDS]

verify reads each distinct origin once, up to 16 at a time, so N slow origins should
cost about ceil(N / 16) delays, not N. On the example matrix (18 origins) it builds a
bare repository per origin holding every branch the matrix names (offline: a git config
in ``GIT_CONFIG_GLOBAL`` rewrites ``https://github.com/`` to them), puts a ``git``
wrapper first on PATH that sleeps DELAY before each ``ls-remote``, and times, with
``--refresh`` (no cache):

* one stage, ``mitx:CI``: 13 origins (one round);
* every stage: 18 origins (two rounds of at most 16);
* every stage with no delay: olx's own cost.

Goal: each side within ceil(N / 16) delays plus 0.5 of one. Always exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from _harness import bench_env, failure, olx_executable, run_once
from _matrix_gen import make_target

MAX_AT_ONCE = 16


def git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def pairs_of(olx: list[str], env: dict[str, str]) -> dict[str, set[str]]:
    """Every origin the example's stages build, with the branches they name there."""
    shown = json.loads(subprocess.check_output([*olx, "show", "--json"], env=env))
    out: dict[str, set[str]] = {}
    for dep in shown["deployments"]:
        view = json.loads(
            subprocess.check_output([*olx, "show", dep["name"], "--json"], env=env)
        )
        for stage in view["stages"].values():
            for comp in stage["components"]:
                if comp["origin"] and comp["branch"]:
                    out.setdefault(comp["origin"], set()).add(comp["branch"])
    return out


def make_upstreams(base: Path, pairs: dict[str, set[str]], env: dict[str, str]) -> Path:
    """A bare repository per origin (a copy of one template with one commit, its
    branches in packed-refs); returns the git config that reaches them."""
    template = base / "template.git"
    git("init", "-q", "--bare", str(template), env=env)
    tree = git("--git-dir", str(template), "write-tree", env=env)
    commit = git("--git-dir", str(template), "commit-tree", tree, "-m", "x", env=env)
    for origin, branches in pairs.items():
        dest = base / "github.com" / origin.removeprefix("https://github.com/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template, dest)
        lines = [f"{commit} refs/heads/{b}" for b in sorted(branches)]
        (dest / "packed-refs").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = base / "gitconfig"
    config.write_text(
        f'[url "file://{base}/github.com/"]\n\tinsteadOf = https://github.com/\n',
        encoding="utf-8",
    )
    return config


def slow_git(bin_dir: Path, delay: float) -> Path:
    real = shutil.which("git")
    bin_dir.mkdir()
    script = bin_dir / "git"
    # The subcommand anywhere among the words: olx puts ``-c NAME=VALUE`` settings
    # before it (olx.gitrun.CONFIG).
    script.write_text(
        f'#!/bin/sh\ncase " $* " in *" ls-remote "*) sleep {delay} ;; esac\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


def origins_of(proc: subprocess.CompletedProcess) -> int:
    match = re.search(r"against (\d+) origins?", proc.stdout)
    return int(match.group(1)) if match else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per origin")
    args = parser.parse_args(argv)
    runs, delay = max(1, args.runs), args.delay
    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="olx-bench-verify-") as tmp:
        base = Path(tmp)
        target = make_target(base / "repo", 1)
        git("init", "-q", cwd=target, env=env)
        olx = [*olx_executable(), "--repo", str(target)]
        config = make_upstreams(base / "up", pairs_of(olx, env), env)
        fast = env | {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}
        slow = fast | {
            "PATH": f"{slow_git(base / 'bin', delay)}{os.pathsep}{env['PATH']}"
        }
        sides = {
            "mitx:CI": ([*olx, "verify", "--refresh", "mitx:CI"], slow),
            "all stages": ([*olx, "verify", "--refresh"], slow),
            "no delay": ([*olx, "verify", "--refresh"], fast),
        }
        print(f"olx verify --refresh, every origin answering after {delay:g} s")
        for name, (cmd, side_env) in sides.items():
            _, proc = run_once(cmd, side_env)  # warm-up; must succeed
            problem = failure(proc)
            if problem:
                print(f"  {name} failed: {problem}")
                return 0
            n = origins_of(proc)
            times = [run_once(cmd, side_env)[0] for _ in range(runs)]
            median = statistics.median(times)
            if name == "no delay":
                print(f"  {name:10} {n:2} origins: {median:6.2f} s (olx's own cost)")
                continue
            rounds = math.ceil(n / MAX_AT_ONCE)
            if median < delay:  # no git waited: the wrapper was not in the way
                print(f"  {name} not measured: it took {median:.2f} s, under one delay")
                return 0
            ratio = median / delay
            met = ratio <= rounds + 0.5
            print(
                f"  {name:10} {n:2} origins: {median:6.2f} s = {ratio:.2f} delays "
                f"(one at a time: {n}; goal <= {rounds + 0.5}) -> goal "
                f"{'met' if met else 'NOT met'}"
            )
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)
