"""``python -m tests.faults``: run the fault suite and print its table.

Exit status 0 when nothing was lost or doubled and every check passed, 1 on
any failure, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tests.faults.scenarios import SCENARIOS
from tests.faults.suite import run_suite
from tests.faults.tally import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.faults",
        description="Inject faults (seat/server SIGKILL, network loss/delay/reset/truncation, "
                    "disk full, read-only cache, PostgreSQL restarts) at random moments and "
                    "check that nothing committed is lost or doubled.")
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per backend (default 20, or unlimited with --minutes)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--minutes", type=float, default=None, help="stop starting runs after this long")
    parser.add_argument("--kinds", default="", help=f"comma-separated subset of: {', '.join(SCENARIOS)}")
    parser.add_argument("--disk", choices=("auto", "tmpfs", "pages"), default="auto",
                        help="disk full/read-only via a tmpfs (root) or PRAGMA max_page_count")
    parser.add_argument("--pace", type=float, default=1.0,
                        help="scale the time seats work between faults (e.g. 0.5: a quicker run)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    parser.add_argument("--keep", action="store_true", help="keep the work files even on success")
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else (None if args.minutes else 20)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] or None
    try:
        tallies, seed = run_suite(backends=backends, runs=runs, seed=args.seed, minutes=args.minutes,
                                  kinds=kinds, disk=args.disk, workdir=args.workdir, keep=args.keep,
                                  pace=args.pace,
                                  log=lambda line: print(line, file=sys.stderr, flush=True))
    except ValueError as exc:
        print(f"python -m tests.faults: {exc}", file=sys.stderr)
        return 2
    print(render(tallies, seed))
    return 1 if any(t.failed for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
