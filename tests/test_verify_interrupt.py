"""Ctrl-C during ``olx verify``: every git started (in its own process group) is killed
at once and olx exits 130 promptly, not when the origins' timeout expires."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from upstream_support import Upstreams, slow_git, write_pyproject


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead, waiting for its reaper


def test_ctrl_c_kills_every_git_and_exits_130_at_once(
    example_repo: Path,
    upstreams: Upstreams,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_pyproject(example_repo, '[tool.olx.verify]\ntimeout = "60s"\n')
    pids = tmp_path / "pids"
    bin_dir = slow_git(tmp_path / "bin", {"ls-remote": 60.0}, pids)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "olx", "--repo", str(example_repo), "verify", "xpro"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as a terminal delivers it, even when the tests run in the background
        # (a shell's background job inherits SIGINT ignored, and so would olx).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 20
        # xpro's stages name 10 origins: wait until each git (and its sleep) runs.
        while len(pids.read_text().split() if pids.exists() else []) < 20:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the git processes never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        start = time.monotonic()
        _out, err = proc.communicate(timeout=10)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert "olx: interrupted" in err and "Traceback" not in err
    assert elapsed < 5, elapsed  # the origins would answer after 60 s
    for pid in (int(p) for p in pids.read_text().split()):
        assert not _running(pid), f"process {pid} outlived olx"
