"""Login limits hold under parallel guessing and across server processes:
the failed attempts live in the database, and an attempt is counted before
its password is checked, so a burst of simultaneous guesses gets exactly
MAX_FAILED_PER_OPERATOR password checks, never more."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from central_server.accounts import MAX_FAILED_PER_OPERATOR
from tests.server_helpers import add_user, login_response, prepare_database, query

GUESSES = 24


@pytest.mark.parametrize("backend", [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
])
def test_a_burst_of_guesses_gets_only_the_allowed_number_of_tries(server_factory, backend) -> None:
    first = server_factory(backend, start=False)
    prepare_database(first.database_url)
    servers = [first.start()]
    if backend == "postgresql":  # a second server process on the same database, as behind a balancer
        servers.append(server_factory(backend, database_url=first.database_url))
    victim = add_user(first.database_url, prefix="burst")
    barrier = threading.Barrier(GUESSES)
    answers: list[int] = []
    lock = threading.Lock()

    def guess(n: int) -> None:
        url = servers[n % len(servers)].url
        barrier.wait()
        status = login_response(url, victim, f"guess-{n}").status_code
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    counts = Counter(answers)
    assert counts == {401: MAX_FAILED_PER_OPERATOR, 429: GUESSES - MAX_FAILED_PER_OPERATOR}, counts
    tries = query(first.database_url, "SELECT count(*) AS n FROM login_attempts WHERE operator_id = ?", (victim,))
    assert tries[0]["n"] == MAX_FAILED_PER_OPERATOR
    throttled = query(first.database_url, "SELECT count(*) AS n FROM audit_log WHERE operator_id = ?"
                      " AND action = 'login_throttled'", (victim,))
    assert throttled[0]["n"] == GUESSES - MAX_FAILED_PER_OPERATOR
