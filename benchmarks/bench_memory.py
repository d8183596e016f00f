"""Memory (RSS) of a seat process holding its cache with 1,000,000 cached cases.

A fresh process opens the cache built by the search benchmark (1,000,000
case summaries; built here if that benchmark did not run), runs what a shift
does to it — caller history lookups, case searches by number, phone digits
and street, recent cases, single cases, the sync counts — and reports its
resident set size (VmRSS) and peak (VmHWM).

Baseline: the same process, same imports and same queries, on an empty cache.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import REPO, Context, Row

TITLE = "memory of a seat with 1,000,000 cached cases"
GOAL_MB = 200


def probe(cache_path: str, phones_path: str) -> dict[str, float]:
    """Runs in the child: open, query, measure."""
    from local_cache import LocalCache

    phones = json.loads(Path(phones_path).read_text())
    cache = LocalCache.open(cache_path)
    for phone in phones[:50]:
        cache.caller_history(phone[3:])
    for q in ["建国路", "停水", phones[0][3:10], phones[1][-4:], "2501", "扰民"]:
        cache.search_cases(q)
    recent = cache.recent_cases(50)
    for case in recent[:20]:
        cache.case(case["case_no"])
        cache.case_events(case["case_no"])
    cache.outbox_depth()
    cache.problems()
    cache.search_kb("停水")
    status = {k: v for k, v in (line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())}
    result = {
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
        "hwm_mb": int(status["VmHWM"].split()[0]) / 1024,
        "cases": cache.case_count(),
    }
    cache.close()
    return result


def measure(cache_path: Path, phones: list[str], workdir: Path) -> dict[str, float]:
    phones_path = workdir / "phones.json"
    phones_path.write_text(json.dumps(phones[:200]))
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory", str(cache_path), str(phones_path)],
        cwd=REPO, capture_output=True, text=True, timeout=900,
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory probe failed: {out.stderr[-1500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(ctx: Context) -> list[Row]:
    from local_cache import LocalCache

    from .bench_search import case_cache

    path, phones = case_cache(ctx)
    empty = ctx.path("memory/empty/cache.db")
    LocalCache.open(empty).close()
    base = measure(empty, phones, ctx.path("memory"))
    full = measure(path, phones, ctx.path("memory"))
    size = path.stat().st_size / 1e6
    return [Row(
        f"seat process RSS, cache with {int(full['cases']):,} cases, after typical queries", full["rss_mb"], "MB",
        baseline=base["rss_mb"], baseline_name="the same process and queries on an empty cache",
        goal=f"< {GOAL_MB} MB", passed=full["rss_mb"] < GOAL_MB,
        note=f"peak {full['hwm_mb']:.0f} MB (empty: {base['hwm_mb']:.0f} MB); cache file {size:,.0f} MB; "
             f"no app (the app's own RSS is in the tui rows)",
    )]


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print(json.dumps(probe(sys.argv[1], sys.argv[2])))
