"""The fault suite (issue 8): seats and server under SIGKILL, network faults,
a full or read-only disk and PostgreSQL restarts, many times, at random
(seeded) moments; after each fault nothing committed is lost or doubled,
drafts come back, caches converge and pass ``PRAGMA integrity_check``.

    python -m tests.faults [--runs N] [--seed S] [--backend sqlite|postgresql|both] [--minutes M]

See tests/faults/suite.py for one run's steps, scenarios.py for the faults,
checks.py for the invariants, worker.py for the seat process.
"""
