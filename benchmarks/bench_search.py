"""KB search and caller history per keystroke, in the seat's cache, vs naive scans.

Wraps benchmarks/bench_cache_search.py (its synthetic cases and articles and
its naive KB scan) and times what the UI runs on every keystroke:

* LocalCache.search_kb at each prefix of Chinese two-character and English
  queries, over 500 and over 100,000 articles; baseline: a full scan of the
  articles with substring matching and an occurrence score (naive_kb);
* LocalCache.caller_history at each keystroke of typing a phone number, over
  1,000,000 cached case summaries; baseline: the same query with the index
  disabled (``NOT INDEXED``, a table scan).

Each keystroke is the median of a few runs (a neighbour's burst on a shared
machine is not ours); p99 is over keystrokes. The 1,000,000-case cache is
kept for the memory benchmark of the same run.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .common import Context, Row, median, pct, prefixes

TITLE = "KB search and caller history per keystroke"
GOAL_P99_MS = 5.0  # the goal for every per-keystroke search

KB_TYPED = ["停水", "物业", "供暖", "噪音", "公积金", "停车 占道", "water supply", "heating complaint", "parking"]


def keystrokes(fn, typed: list[str], reps: int) -> list[float]:
    out = []
    for text in typed:
        for q in prefixes(text):
            runs = []
            for _ in range(reps):
                start = time.perf_counter()
                fn(q)
                runs.append((time.perf_counter() - start) * 1000)
            out.append(median(runs))
    return out


def case_cache(ctx: Context) -> tuple[Path, list[str]]:
    """A cache file holding N case summaries (built once per run)."""

    def build() -> tuple[Path, list[str]]:
        from benchmarks import bench_cache_search as cs
        from local_cache import LocalCache
        from operator_tui.case_numbers import make_case_no

        n = ctx.size(1_000_000, 20_000)
        rng = random.Random(12345)
        phones = [f"+861{rng.choice('3578')}{rng.randrange(10**9):09d}" for _ in range(max(10, n // 5))]
        path = ctx.path("search/cases/cache.db")
        cache = LocalCache.open(path)
        start = time.perf_counter()
        batch = 50_000
        for offset in range(0, n, batch):
            cases = cs.make_cases(min(batch, n - offset), phones, rng)
            for j, case in enumerate(cases, offset):  # numbers unique across batches
                day = datetime.strptime(case["created_at"][:10], "%Y-%m-%d").date()
                case["case_no"] = make_case_no(day, 1 + j % 700, 1 + (j // 700) % 9999)
            cache.apply_snapshot(cases)
            if offset and offset % 200_000 == 0:
                ctx.log(f"  {offset:,} cases cached")
        cache.checkpoint()
        cache.close()
        ctx.log(f"cached {n:,} cases in {time.perf_counter() - start:.0f} s "
                f"({path.stat().st_size / 1e6:,.0f} MB)")
        return path, phones

    return ctx.shared("case_cache", build)


def typed_numbers(phones: list[str], rng: random.Random, n: int) -> list[str]:
    """Numbers as an operator types them: 13912345678, 139 1234 5678, +86 139..."""
    out = []
    for phone in rng.sample(phones, n):
        nsn = phone[3:]
        out.append(rng.choice([nsn, f"{nsn[:3]} {nsn[3:7]} {nsn[7:]}", f"+86 {nsn}"]))
    return out


def run(ctx: Context) -> list[Row]:
    from benchmarks import bench_cache_search as cs
    from local_cache import LocalCache
    from operator_tui.protocol import normalize_phone

    rows: list[Row] = []
    reps = ctx.size(3, 1)
    rng = random.Random(99)
    kb_cache = LocalCache.open(ctx.path("search/kb/cache.db"))
    try:
        for n in (500, ctx.size(100_000, 2_000)):
            start = time.perf_counter()
            items = cs.make_kb(n, rng)
            for offset in range(0, n, 20_000):
                kb_cache.replace_reference("kb", items[offset:offset + 20_000], None)
            ctx.log(f"indexed {n:,} KB articles in {time.perf_counter() - start:.0f} s")
            kb_cache.search_kb("停水")  # warm-up
            fast = keystrokes(lambda q: kb_cache.search_kb(q, limit=20), KB_TYPED, reps)
            sample = KB_TYPED if n <= 1000 else KB_TYPED[:2] + KB_TYPED[-1:]
            slow = keystrokes(lambda q: cs.naive_kb(kb_cache, q), sample, 1)
            rows.append(Row(
                f"KB search per keystroke, p99 ({n:,} articles)", pct(fast, 99), "ms",
                baseline=pct(slow, 99), baseline_name=f"naive scan of every article ({len(slow)} keystrokes)",
                goal=f"< {GOAL_P99_MS:g} ms p99", passed=pct(fast, 99) < GOAL_P99_MS,
                note=f"p50 {median(fast):.2f} ms (naive {median(slow):.0f} ms), {len(fast)} keystrokes of "
                     f"Chinese two-character and English queries; slowest: {_slowest(fast, KB_TYPED)}",
            ))
            kb_cache.replace_reference("kb", [], None, full=True)
    finally:
        kb_cache.close()

    path, phones = case_cache(ctx)
    n_cases = ctx.size(1_000_000, 20_000)
    cache = LocalCache.open(path)
    try:
        typed = typed_numbers(phones, rng, ctx.size(30, 5))
        cache.caller_history(typed[0])  # warm-up (imports phonenumbers)
        fast = keystrokes(cache.caller_history, typed, reps)
        full = [cache.caller_history(t) for t in typed]
        conn = cache._conn()
        since = (datetime.now(timezone.utc) - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        def naive(q: str) -> list:
            try:
                e164 = normalize_phone(q)
            except ValueError:
                return []
            return conn.execute(
                "SELECT state FROM cases NOT INDEXED WHERE phone = ? AND created_at >= ? "
                "ORDER BY created_at DESC LIMIT 50", (e164, since)).fetchall()

        sample = typed[:ctx.size(3, 2)]
        slow = keystrokes(naive, sample, 1)
        complete_fast = [t for t, q in zip(fast, [p for x in typed for p in prefixes(x)]) if _complete(q)]
        complete_slow = [t for t, q in zip(slow, [p for x in sample for p in prefixes(x)]) if _complete(q)]
        rows.append(Row(
            f"caller history per keystroke, p99 ({n_cases:,} cached cases)", pct(fast, 99), "ms",
            baseline=pct(slow, 99), baseline_name="the same query with the index off (table scan)",
            goal=f"< {GOAL_P99_MS:g} ms p99", passed=pct(fast, 99) < GOAL_P99_MS,
            note=f"complete numbers: median {median(complete_fast):.2f} ms vs naive "
                 f"{median(complete_slow):.0f} ms; {len(fast)} keystrokes, "
                 f"{sum(len(f) for f in full) / len(full):.1f} cases per caller",
        ))
    finally:
        cache.close()
    return rows


def _slowest(times: list[float], typed: list[str], n: int = 3) -> str:
    keys = [p for t in typed for p in prefixes(t)]
    worst = sorted(zip(times, keys), reverse=True)[:n]
    return ", ".join(f"{q!r} {t:.1f} ms" for t, q in worst)


def _complete(typed: str) -> bool:
    from operator_tui.protocol import normalize_phone

    try:
        normalize_phone(typed)
        return True
    except ValueError:
        return False
