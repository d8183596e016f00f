"""Run the benchmarks and print one table.

    python -m benchmarks                 everything, full size (tens of minutes)
    python -m benchmarks --quick         tiny sizes (the smoke test runs this)
    python -m benchmarks --only outbox,pull
    python -m benchmarks --list
    python -m benchmarks --markdown      the table as Markdown (for the README)

Each ``benchmarks/bench_<name>.py`` with a ``run(ctx)`` is one benchmark;
it returns rows of: measurement, value, baseline (measured in the same run),
ratio, goal, pass/fail. Progress goes to stderr, the table to stdout. The
exit status is 1 only when a benchmark crashed (a missed goal is a result).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import resource
import sys
import time
import traceback
from pathlib import Path

from .common import Context, Row, fmt, machine

# The order of the table; modules not listed here follow in name order.
ORDER = ["outbox", "pull", "centre", "category", "search", "memory", "tui", "typist"]


def available() -> dict[str, object]:
    names = [m.name[len("bench_"):] for m in pkgutil.iter_modules([str(Path(__file__).parent)])
             if m.name.startswith("bench_")]
    found = {}
    for name in sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        module = importlib.import_module(f"benchmarks.bench_{name}")
        if callable(getattr(module, "run", None)):
            found[name] = module
    return found


def ratio_text(row: Row) -> str:
    r = row.ratio
    if r is None:
        return "—"
    return f"×{r:.2f}" if r < 100 else f"×{r:,.0f}"


def result_text(row: Row) -> str:
    if row.value is None:
        return "not measured"
    if row.passed is None:
        return "—"
    return "pass" if row.passed else "FAIL"


def table_rows(rows: list[Row]) -> list[list[str]]:
    out = []
    for row in rows:
        out.append([
            row.name, fmt(row.value, row.unit),
            f"{fmt(row.baseline, row.unit)}" if row.baseline is not None else "—",
            ratio_text(row), row.goal or "—", result_text(row),
        ])
    return out


HEADER = ["measurement", "value", "baseline", "ratio", "goal", "result"]


def print_machine(info: dict[str, str], markdown: bool) -> None:
    if markdown:
        print("Machine: " + "; ".join(f"{k}: {v}" for k, v in info.items() if v))
    else:
        print("Machine")
        for key, value in info.items():
            print(f"  {key:<22} {value}")
    print()


def print_table(rows: list[Row], markdown: bool) -> None:
    body = table_rows(rows)
    if markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "|".join("---" for _ in HEADER) + "|")
        for line in body:
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
    else:
        from rich import box
        from rich.console import Console
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
        for i, name in enumerate(HEADER):
            table.add_column(name, justify="left" if i in (0, 4, 5) else "right", overflow="fold")
        for line in body:
            table.add_row(*[_plain(c) for c in line])
        Console(width=max(140, Console().width), highlight=False, soft_wrap=False).print(table)
    notes = [(i, r) for i, r in enumerate(rows, 1) if r.baseline_name or r.note]
    if notes:
        print()
        print("Baselines and notes:" if not markdown else "Baselines and notes:\n")
        for i, row in notes:
            parts = []
            if row.baseline_name:
                parts.append(f"baseline = {row.baseline_name}")
            if row.note:
                parts.append(row.note)
            print(f"{'- ' if markdown else '  '}{row.name}: {'; '.join(parts)}")


def _plain(text: str) -> object:
    from rich.text import Text

    return Text(text)


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that everything runs")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only these benchmarks (comma-separated or repeated; see --list)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)

    benches = available()
    if args.list:
        for name, module in benches.items():
            doc = (module.__doc__ or "").strip().splitlines()
            print(f"{name:<10} {doc[0] if doc else ''}")
        return 0
    wanted = [n.strip() for item in args.only for n in item.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in benches]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; one of: {', '.join(benches)}")
    selected = {n: m for n, m in benches.items() if not wanted or n in wanted}

    raise_fd_limit()
    info = machine()
    ctx = Context(quick=args.quick, keep=args.keep, verbose=not args.quiet)
    rows: list[Row] = []
    crashed = False
    started = time.perf_counter()
    try:
        for name, module in selected.items():
            ctx.log(f"{name}: {getattr(module, 'TITLE', name)}{' (quick)' if args.quick else ''}")
            t0 = time.perf_counter()
            try:
                rows += module.run(ctx)
            except Exception as exc:
                crashed = True
                traceback.print_exc()
                rows.append(Row(f"{name}: CRASHED", None, "", note=f"{type(exc).__name__}: {exc}"[:300]))
            ctx.log(f"{name}: done in {time.perf_counter() - t0:.0f} s")
    finally:
        ctx.close()
    info["run time"] = f"{time.perf_counter() - started:.0f} s{' (--quick)' if args.quick else ''}"
    print_machine(info, args.markdown)
    print_table(rows, args.markdown)
    sys.stdout.flush()
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
