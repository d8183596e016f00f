"""The benchmark command runs and prints its table (no timing is asserted here:
performance lives in ``python -m benchmarks``, not in timed tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_list_and_only_one() -> None:
    listed = _run("--list", timeout=60)
    assert listed.returncode == 0, listed.stderr[-2000:]
    for name in ("outbox", "pull", "centre", "category", "search", "memory", "tui", "typist"):
        assert name in listed.stdout
    one = _run("--quick", "--quiet", "--only", "category", timeout=300)
    assert one.returncode == 0, one.stderr[-3000:]
    assert "category filter per keystroke" in one.stdout
    assert "KB search" not in one.stdout
    assert _run("--only", "nonsense", timeout=60).returncode != 0


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_quick_run_prints_the_table() -> None:
    done = _run("--quick", "--quiet", timeout=1100)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = done.stdout
    for word in ("CPU", "cores", "Python", "SQLite", "PostgreSQL",
                 "measurement", "value", "baseline", "ratio", "goal", "result"):
        assert word in out, word
    for row in ("outbox drain", "pull into an empty cache", "push p99 at peak", "change reaches all",
                "case creation throughput", "category filter per keystroke", "KB search per keystroke",
                "caller history per keystroke", "seat process RSS"):
        assert row in out, row
    assert "ready-to-type" in out or "not measured yet" in out
    assert "keystrokes, standard dispatched case" in out
    assert "CRASHED" not in out
