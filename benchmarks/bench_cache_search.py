"""Search speed of the seat's local cache, against a naive full scan.

Builds a throwaway cache with synthetic data, then times, per query:

* caller_history over 1,000,000 cached case summaries (indexed phone lookup)
  vs. the same SQL forced to scan the table (``NOT INDEXED``);
* search_kb over 500, 10,000 and 100,000 KB articles (FTS5, CJK bigrams, bm25)
  vs. a full scan of the articles with substring matching and a count score;
* search_cases (number prefix, phone digits, address text) for reference.

Prints p50/p99 per query kind. ``--small`` runs a tiny version in seconds.

    .venv/bin/python benchmarks/bench_cache_search.py [--small] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_cache import LocalCache  # noqa: E402
from local_cache.textindex import normalize  # noqa: E402
from operator_tui.case_numbers import make_case_no  # noqa: E402
from operator_tui.domain import DISTRICTS, CaseState  # noqa: E402

TOPICS = [
    "停水", "停电", "供暖", "物业", "噪音", "垃圾", "停车", "占道", "施工", "扰民", "漏水", "燃气",
    "电梯", "绿化", "拆迁", "社保", "医保", "公积金", "户口", "学校", "幼儿园", "公交", "地铁",
    "出租车", "外卖", "快递", "房租", "中介", "欠薪", "装修", "油烟", "餐馆", "路灯", "井盖", "树木",
]
FILLER = "的了在是我有和就不人都一个上也很到说要去你会着没有看好自己这那里来小区楼道门口附近居民反映希望尽快处理已经多次联系但是没有解决"
STREETS = ["建国路", "中关村大街", "长安街", "望京西路", "学院路", "朝阳北路", "广渠路", "西直门外大街"]
EN_WORDS = (
    "water supply outage heating parking permit noise complaint garbage collection bus route "
    "subway card residence registration social insurance housing fund school enrolment "
    "property management elevator repair road works street light tax refund passport visa"
).split()


def sentence(rng: random.Random, n_topics: int, n_filler: int) -> str:
    parts = rng.sample(TOPICS, n_topics) + ["".join(rng.choices(FILLER, k=3)) for _ in range(n_filler)]
    rng.shuffle(parts)
    return "".join(parts) + "。"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_cases(n: int, phones: list[str], rng: random.Random) -> list[dict]:
    """*n* case summaries (CaseState dicts) over the last 400 days."""
    now = datetime.now(timezone.utc)
    districts = list(DISTRICTS)
    template = CaseState(case_no="").to_dict()
    out = []
    for i in range(n):
        created = now - timedelta(seconds=rng.randrange(0, 400 * 86400))
        state = dict(template, co_departments=[], field_versions={}, field_writers={})
        state.update(
            case_no=make_case_no(created.date(), 1 + i % 700, 1 + (i // 700) % 9999),
            version=rng.randint(1, 6),
            status=rng.choice(["open", "dispatched", "signed", "resolved", "closed"]),
            phone=rng.choice(phones),
            district=rng.choice(districts),
            address=f"{rng.choice(STREETS)}{rng.randint(1, 300)}号",
            description=sentence(rng, 2, 8),
            category_code=f"c{rng.randint(1, 300):03d}",
            created_at=iso(created),
            updated_at=iso(created + timedelta(hours=rng.randint(0, 72))),
        )
        out.append(state)
    return out


def make_kb(n: int, rng: random.Random) -> list[dict]:
    items = []
    for i in range(n):
        if i % 4 == 3:
            title = " ".join(rng.sample(EN_WORDS, 3)).capitalize()
            body = " ".join(rng.choices(EN_WORDS, k=60)) + "."
            lang = "en"
        else:
            title = sentence(rng, 1, 2)
            body = "".join(sentence(rng, 3, 12) for _ in range(6))
            lang = "zh"
        data = {"id": f"kb{i}", "group_id": "", "title": title, "body": body, "language": lang,
                "tags": rng.sample(TOPICS, 2) if lang == "zh" else [], "category_codes": [],
                "updated_at": "2025-01-01T00:00:00.000000Z"}
        items.append({"key": f"kb{i}", "version": 1, "deleted": False, "data": data})
    return items


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


ROWS: list[tuple[str, str, int, float, float]] = []


def record(name: str, corpus: str, samples: list[float]) -> None:
    ROWS.append((name, corpus, len(samples), statistics.median(samples), pct(samples, 99)))


def naive_kb(cache: LocalCache, query: str, limit: int = 20) -> list[dict]:
    """Full scan: every article, substring match per term, score = occurrences."""
    terms = [t for t in normalize(query).split() if t]
    scored = []
    for (data_json,) in cache._conn().execute("SELECT data FROM reference WHERE kind = 'kb'"):
        article = json.loads(data_json)
        title, body = normalize(article["title"]), normalize(article["body"])
        if all(t in title or t in body for t in terms):
            scored.append((sum(10 * title.count(t) + body.count(t) for t in terms), article))
    scored.sort(key=lambda s: -s[0])
    return [a for _, a in scored[:limit]]


def bench_cases(cache: LocalCache, n_cases: int, rng: random.Random, repeat: int) -> None:
    from operator_tui.protocol import normalize_phone

    phones: list[str] = []
    while len(phones) < max(10, n_cases // 5):  # valid mobile numbers, ~5 cases each
        candidate = f"+861{rng.choice('3589')}{rng.randrange(10**9):09d}"
        try:
            phones.append(normalize_phone(candidate))
        except ValueError:
            continue
    took = 0.0
    batch = 50_000
    for offset in range(0, n_cases, batch):
        cases = make_cases(min(batch, n_cases - offset), phones, rng)
        start = time.perf_counter()
        cache.apply_snapshot(cases)
        took += time.perf_counter() - start
    print(f"apply_snapshot: {n_cases:,} cases in {took:.1f} s ({n_cases / took:,.0f} rows/s, "
          f"batches of {batch:,}); file {cache.path.stat().st_size / 1e6:,.0f} MB", flush=True)
    corpus = f"{n_cases:,} cases"

    def formatted(phone: str) -> str:
        nsn = phone[3:]
        return rng.choice([nsn, f"+86 {nsn[:3]} {nsn[3:7]} {nsn[7:]}", f"{nsn[:3]}-{nsn[3:7]}-{nsn[7:]}"])

    queries = [formatted(rng.choice(phones)) for _ in range(repeat)]
    it = iter(queries * 2)
    cache.caller_history(queries[0])  # warm-up: imports phonenumbers on first use
    record("caller_history", corpus, timed(lambda: cache.caller_history(next(it)), repeat))

    conn = cache._conn()

    def naive_history() -> None:
        e164 = normalize_phone(next(it))
        conn.execute(
            "SELECT state FROM cases NOT INDEXED WHERE phone = ? AND created_at >= ? "
            "ORDER BY created_at DESC LIMIT 50",
            (e164, iso(datetime.now(timezone.utc) - timedelta(days=365))),
        ).fetchall()

    record("  naive scan", corpus, timed(naive_history, max(3, repeat // 20)))

    some = [r[0] for r in conn.execute("SELECT case_no FROM cases ORDER BY random() LIMIT 50")]
    for label, make in (
        ("search_cases number", lambda: rng.choice(some)[:11]),
        ("search_cases phone", lambda: rng.choice(phones)[3:10]),
        ("search_cases last 4", lambda: rng.choice(phones)[-4:]),
        ("search_cases street", lambda: rng.choice(STREETS)),
        ("search_cases topic", lambda: rng.choice(TOPICS)),
    ):
        qs = iter([make() for _ in range(repeat)])
        record(label, corpus, timed(lambda: cache.search_cases(next(qs)), repeat))


KB_QUERIES = ["停水", "物业", "供暖", "噪音扰民", "公积金", "水", "water", "park", "heating complaint",
              "social insurance", "停车 占道"]


def bench_kb(cache: LocalCache, n: int, rng: random.Random, repeat: int) -> None:
    start = time.perf_counter()
    items = make_kb(n, rng)
    for offset in range(0, n, 20_000):
        cache.replace_reference("kb", items[offset : offset + 20_000], None)
    print(f"indexed {n:,} KB articles in {time.perf_counter() - start:.1f} s", flush=True)
    corpus = f"{n:,} KB articles"
    typical = [q for q in KB_QUERIES if len(q) > 1]
    cache.search_kb(typical[0])  # warm-up
    qs = iter(rng.choices(typical, k=repeat))
    record("search_kb (2+ chars)", corpus, timed(lambda: cache.search_kb(next(qs)), repeat))
    record("search_kb '水' (1 char)", corpus, timed(lambda: cache.search_kb("水"), max(5, repeat // 10)))
    qs = iter(rng.choices(typical, k=repeat))
    record("  naive scan", corpus, timed(lambda: naive_kb(cache, next(qs)), max(3, min(repeat, 2_000_000 // n // 10))))
    cache.replace_reference("kb", [], None, full=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="tiny corpora, a few seconds")
    parser.add_argument("--dir", type=Path, help="where to build the cache (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    n_cases, kb_sizes, repeat = (20_000, (500, 5_000), 50) if args.small else (1_000_000, (500, 10_000, 100_000), 200)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-cache-", dir=args.dir))
    try:
        cache = LocalCache.open(workdir / "cache.db")
        for size in kb_sizes:
            bench_kb(cache, size, rng, repeat)
        bench_cases(cache, n_cases, rng, repeat)
        cache.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(f"{'query':<26} {'corpus':<22} {'runs':>5} {'p50 ms':>9} {'p99 ms':>9}")
    print("-" * 75)
    for name, corpus, runs, p50, p99 in ROWS:
        print(f"{name:<26} {corpus:<22} {runs:>5} {p50:>9.3f} {p99:>9.3f}")
    print(f"\nPython {sys.version.split()[0]}, SQLite {__import__('sqlite3').sqlite_version}, {date.today()}")


if __name__ == "__main__":
    main()
