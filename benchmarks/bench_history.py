"""Benchmark ``olx history`` against the floor of any history reader.

Standalone script (standard library only; not a pytest test)::

    python benchmarks/bench_history.py [--runs N] [--commits N]

It builds a repository (one ``git fast-import``, fixed dates) from olx's example
matrix with a history of release cycles made by text edits, the way people make them:
add a release (an Enum member and a cloned ReleaseMap block), promote it to CI, QA and
Production deployment by deployment, roll one back and forward again, retire the oldest
release, unrelated edits of ReleaseMap, and now and then a revision with a syntax error
fixed in the next commit. Then it times, alternating one run of each,

* olx:   ``olx --repo DIR history --json`` and ``olx --repo DIR history`` (console script)
* floor: a Python process that lists the commits (one ``git log``), reads every
  revision of both files in one ``git cat-file --batch`` and parses each distinct one
  with ``ast.parse`` — what any history reader must at least do.

Goal: olx / floor <= 1.5. Always exits 0.
"""

from __future__ import annotations

import argparse
import ast
import re
import statistics
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

from _harness import bench_env, failure, fmt_ms, olx_executable, run_once
from _matrix_gen import (
    MATRIX_REL,
    TYPES_REL,
    _release_map_blocks,
    _rename_block,
    example_sources,
)

GOAL = 1.5
DEPLOYMENTS = ("xpro", "mitx-staging", "mitx")  # mitxonline stays on master
DAY = 86400
START = 1_700_000_000  # 2023-11-14, UTC

FLOOR_CODE = r"""
import ast, subprocess, sys
root, types_rel, matrix_rel = sys.argv[1:]
log = subprocess.run(
    ["git", "log", "--first-parent", "--reverse", "--format=%H%x00%ct%x00%an",
     "--", matrix_rel, types_rel],
    cwd=root, capture_output=True, check=True,
).stdout.decode().splitlines()
request = "".join(
    f"{line.split(chr(0))[0]}:{rel}\n" for line in log for rel in (types_rel, matrix_rel)
).encode()
out = subprocess.run(
    ["git", "cat-file", "--batch"], cwd=root, input=request, capture_output=True,
    check=True,
).stdout
pos, seen = 0, set()
while pos < len(out):
    end = out.index(b"\n", pos)
    header = out[pos:end].split()
    pos = end + 1
    if header[-1] == b"missing":
        continue
    size = int(header[2])
    data = out[pos : pos + size]
    pos += size + 1
    if header[0] not in seen:
        seen.add(header[0])
        try:
            ast.parse(data.decode())
        except SyntaxError:
            pass
print(len(log), len(seen))
"""


class History:
    """The two files' texts and the fast-import stream of their commits."""

    def __init__(self) -> None:
        self.types, self.matrix = example_sources()
        self.stream: list[bytes] = []
        self.count = 0

    def commit(self, message: str) -> None:
        self.count += 1
        when = START + self.count * DAY // 2
        who = ("Ada", "Bob", "Cy")[self.count % 3]
        parts = [
            "commit refs/heads/main",
            f"mark :{self.count}",
            f"author {who} <{who.lower()}@example.invalid> {when} +0000",
            f"committer {who} <{who.lower()}@example.invalid> {when} +0000",
        ]
        head = "\n".join(parts).encode() + b"\n"
        msg = message.encode()
        head += b"data %d\n%s\n" % (len(msg), msg)
        if self.count > 1:
            head += b"from :%d\n" % (self.count - 1)
        for rel, text in ((TYPES_REL, self.types), (MATRIX_REL, self.matrix)):
            data = text.encode()
            head += b"M 100644 inline %s\ndata %d\n%s\n" % (
                rel.as_posix().encode(),
                len(data),
                data,
            )
        self.stream.append(head)

    def promote(self, deployment: str, stage: str, release: str) -> None:
        start = self.matrix.index(f'deployment_name="{deployment}"')
        pattern = re.compile(
            rf'EnvRelease\("{stage}", OpenEdxSupportedRelease\["\w+"\]'
        )
        found = pattern.search(self.matrix, start)
        assert found is not None
        new = f'EnvRelease("{stage}", OpenEdxSupportedRelease["{release}"]'
        self.matrix = self.matrix[: found.start()] + new + self.matrix[found.end() :]
        self.commit(f"config: Promote {release} to {stage} for {deployment}")

    def add_release(self, name: str, after: str) -> None:
        line = re.search(rf"\n    {after} = \(.*\)\n", self.types)
        assert line is not None
        member = line.group(0).strip("\n").replace(after, name)
        self.types = self.types[: line.end()] + member + "\n" + self.types[line.end() :]
        lines = self.matrix.splitlines(keepends=True)
        blocks = _release_map_blocks(ast.parse(self.matrix))
        _, first, last = next(b for b in blocks if b[0] == after)
        copy = _rename_block(lines[first - 1 : last], after, name)
        copy[-1] = copy[-1] if copy[-1].rstrip().endswith(",") else copy[-1] + ","
        self.matrix = "".join(lines[:last] + copy + lines[last:])
        self.commit(f"config: Add release {name}")

    def retire(self, name: str) -> None:
        self.types = re.sub(rf"\n    {name} = \(.*\)\n", "\n", self.types)
        lines = self.matrix.splitlines(keepends=True)
        blocks = _release_map_blocks(ast.parse(self.matrix))
        _, first, last = next(b for b in blocks if b[0] == name)
        self.matrix = "".join(lines[: first - 1] + lines[last:])
        self.commit(f"config: Retire {name}")

    def touch(self, note: str) -> None:
        """An edit of ReleaseMap that moves no stage (a comment)."""
        self.matrix = self.matrix.replace(
            "ReleaseMap: dict[", f"# {note}\nReleaseMap: dict[", 1
        )
        self.commit(f"chore: {note}")

    def broken_then_fixed(self) -> None:
        good = self.matrix
        self.matrix = good + "\nReleaseMap[\n"  # a half-finished edit
        self.commit("wip")
        self.matrix = good
        self.commit("fix the wip commit")


def build_history(commits: int) -> History:
    """Release cycles (about 15 commits each) until ``commits`` commits exist."""
    h = History()
    h.commit("Initial matrix")
    newest, oldest = "ulmo", ["teak", "ulmo"]
    cycle = 0
    while h.count < commits:
        cycle += 1
        name = f"v{cycle:02d}"
        h.add_release(name, newest)
        h.promote("xpro", "CI", name)
        for dep in DEPLOYMENTS:
            h.promote(dep, "QA", name)
            h.touch(f"{name} QA notes for {dep}")
        for dep in DEPLOYMENTS:
            h.promote(dep, "Production", name)
        h.promote("mitx", "Production", newest)  # a rollback...
        h.promote("mitx", "Production", name)  # ...and forward again
        if cycle % 3 == 0:
            h.broken_then_fixed()
        # xpro's CI is the only stage still on the release before; the one before it
        # is unused everywhere now.
        oldest.append(name)
        h.retire(oldest.pop(0))
        newest = name
    return h


def make_repo(dest: Path, commits: int) -> int:
    h = build_history(commits)
    subprocess.run(["git", "init", "-q", "-b", "main", str(dest)], check=True)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=dest,
        input=b"".join(h.stream) + b"done\n",
        check=True,
    )
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=dest, check=True)
    return h.count


def olx_check(proc: subprocess.CompletedProcess) -> str | None:
    return failure(proc) or (None if proc.stdout.strip() else "no output")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each side")
    parser.add_argument("--commits", type=int, default=150, help="history length")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)
    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="olx-bench-history-") as tmp:
        repo = Path(tmp) / "repo"
        count = make_repo(repo, args.commits)
        sides = {
            "olx --json": [*olx_executable(), "--repo", str(repo), "history", "--json"],
            "olx (table)": [*olx_executable(), "--repo", str(repo), "history"],
            "floor": [
                sys.executable,
                "-c",
                FLOOR_CODE,
                str(repo),
                TYPES_REL.as_posix(),
                MATRIX_REL.as_posix(),
            ],
        }
        lines = len((repo / MATRIX_REL).read_text(encoding="utf-8").splitlines())
        print(f"history of {count} commits; version_matrix.py now {lines} lines")
        print(f"olx history vs the history-reader floor; {runs} alternating runs each")
        times: dict[str, list[float]] = {name: [] for name in sides}
        errors: dict[str, str] = {}
        for _ in range(runs + 1):  # the first round warms the caches, untimed
            for name, cmd in sides.items():
                elapsed, proc = run_once(cmd, env)
                problem = olx_check(proc)
                if problem:
                    errors[name] = problem
                times[name].append(elapsed)
        if "floor" not in errors:
            print(f"  floor read: {sides and run_once(sides['floor'], env)[1].stdout}")
        medians = {n: statistics.median(t[1:]) for n, t in times.items()}
        for name, problem in errors.items():
            print(f"  {name} failed: {problem}")
        for name, median in medians.items():
            print(f"  {name:12} median {fmt_ms(median)}")
        floor = medians["floor"]
        met = True
        for name in ("olx --json", "olx (table)"):
            ratio = medians[name] / floor
            met &= ratio <= GOAL and name not in errors
            print(f"  {name:12} ratio {ratio:.2f} (goal <= {GOAL})")
        print("goal met" if met else "goal NOT met")
    return 0


if __name__ == "__main__":
    try:
        main()
    except Exception:
        traceback.print_exc()
    sys.exit(0)
