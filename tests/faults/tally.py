"""What the fault suite counts, and the table it prints."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# A write error the seat reports must say what is wrong with the cache.
CLEAR_ERROR = re.compile(
    r"disk is full|no space|disk full|read-?only|permission denied|not writable|cannot write",
    re.IGNORECASE,
)

# Outcome columns; the ones in FAILURES make the suite exit non-zero.
COLUMNS = (
    ("cases_written", "cases written (local commit returned)"),
    ("notes_written", "notes written"),
    ("unacked_commits", "commits found after a kill, before their ack"),
    ("delivered", "cases on the server after recovery"),
    ("drafts_restored", "drafts restored after a kill and finished"),
    ("write_errors", "write errors reported during disk faults"),
    ("lost", "LOST committed cases/notes"),
    ("duplicated", "DUPLICATED cases/notes/events"),
    ("integrity_failures", "INTEGRITY failures (PRAGMA integrity_check etc.)"),
    ("drafts_lost", "DRAFTS lost after a kill"),
    ("not_converged", "seats NOT CONVERGED with the server"),
    ("problems", "changes REJECTED/CONFLICT (none expected)"),
    ("stuck", "changes still PENDING after recovery"),
    ("unclear_errors", "errors that do NOT say what is wrong"),
    ("unexpected_errors", "write errors with no disk fault"),
    ("misleading_errors", "'not saved' errors for a case that was saved"),
    ("server_errors_after_recovery", "5xx after PostgreSQL was back"),
    ("hung", "seat processes that did not stop when asked"),
    ("crashed", "seat processes that died of an error"),
    ("harness_errors", "runs the harness itself could not finish"),
)
FAILURES = ("lost", "duplicated", "integrity_failures", "drafts_lost", "not_converged",
            "problems", "stuck", "unclear_errors", "unexpected_errors", "misleading_errors",
            "server_errors_after_recovery", "hung", "crashed", "harness_errors")


@dataclass
class Tally:
    backend: str
    runs: Counter = field(default_factory=Counter)  # by scenario
    faults: Counter = field(default_factory=Counter)  # by fault kind
    counts: Counter = field(default_factory=Counter)  # by column
    details: list[str] = field(default_factory=list)  # what went wrong, for people
    samples: dict[str, str] = field(default_factory=dict)  # one error message per kind
    seconds: float = 0.0
    phases: Counter = field(default_factory=Counter)  # seconds per phase of a run
    max_recovery: float = 0.0  # longest time for PostgreSQL writes to work again

    def fail(self, column: str, detail: str, n: int = 1) -> None:
        self.counts[column] += n
        if len(self.details) < 200:
            self.details.append(f"[{self.backend}] {column}: {detail}")

    @property
    def failed(self) -> bool:
        return any(self.counts[c] for c in FAILURES)


def render(tallies: list[Tally], seed: int) -> str:
    """The table: one column per backend and a total."""
    names = [t.backend for t in tallies] + (["total"] if len(tallies) > 1 else [])

    def cells(get) -> list[str]:
        values = [get(t) for t in tallies]
        if len(tallies) > 1:
            values.append(sum(values))
        return [str(v) for v in values]

    rows: list[tuple[str, list[str]]] = []
    rows.append(("runs", cells(lambda t: sum(t.runs.values()))))
    rows.append(("minutes", [f"{t.seconds / 60:.1f}" for t in tallies]
                 + ([f"{sum(t.seconds for t in tallies) / 60:.1f}"] if len(tallies) > 1 else [])))
    kinds = sorted({k for t in tallies for k in t.faults})
    rows.append(("faults injected", cells(lambda t: sum(t.faults.values()))))
    rows += [(f"  {k}", cells(lambda t, k=k: t.faults[k])) for k in kinds]
    rows += [(label, cells(lambda t, c=c: t.counts[c])) for c, label in COLUMNS]
    if any(t.max_recovery for t in tallies):
        rows.append(("max s until the server answers after a PG restart",
                     [f"{t.max_recovery:.2f}" if t.faults["pg_restart"] else "-" for t in tallies]
                     + ([f"{max(t.max_recovery for t in tallies):.2f}"] if len(tallies) > 1 else [])))
    width = max(len(r[0]) for r in rows)
    colw = [max(len(n), *(len(r[1][i]) for r in rows)) for i, n in enumerate(names)]
    out = [f"fault suite, seed {seed}", ""]
    out.append(" " * width + "  " + "  ".join(n.rjust(w) for n, w in zip(names, colw)))
    for label, values in rows:
        out.append(label.ljust(width) + "  " + "  ".join(v.rjust(w) for v, w in zip(values, colw)))
    for t in tallies:
        if t.phases:
            out.append(f"{t.backend} seconds by phase: "
                       + ", ".join(f"{k} {v:.0f}" for k, v in t.phases.items()))
    samples = {k: v for t in tallies for k, v in t.samples.items()}
    if samples:
        out += ["", "what the seat said (one sample per kind):"]
        out += [f"  {k}: {v[:160]}" for k, v in sorted(samples.items())]
    details = [d for t in tallies for d in t.details]
    if details:
        out += ["", "FAILURES:"] + [f"  {d}" for d in details[:60]]
    failed = any(t.failed for t in tallies)
    out += ["", "result: " + ("FAILED" if failed else "ok: nothing lost, nothing doubled, every cache intact")]
    return "\n".join(out)
