"""Login limits hold under parallel guessing and across server processes:
the failed attempts live in the database, and an attempt is counted before
its password is checked, so a burst of simultaneous guesses gets exactly
MAX_FAILED_PER_OPERATOR password checks, never more. Old attempts are pruned
without touching the ones the limits count."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest

from central_server.accounts import MAX_FAILED_PER_OPERATOR, PRUNE_EVERY, Accounts, AuthError
from central_server.db import Database
from operator_tui import clock
from tests.server_helpers import (BACKEND_PARAMS, PASSWORD, add_user, drop_database, login_response,
                                  new_database, open_db, prepare_database, query)

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


def _next_attempt_id_is(db: Database, next_id: int) -> None:
    """Move login_attempts' id sequence so that the next row gets *next_id*."""
    with db.transaction() as tx:
        if tx.dialect == "postgresql":
            tx.scalar("SELECT setval(pg_get_serial_sequence('login_attempts', 'id'), ?) AS v", (next_id - 1,))
        else:
            tx.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'login_attempts'", (next_id - 1,))


def _attempts(db: Database) -> list[tuple[str, str]]:
    with db.transaction(write=False) as tx:
        return [(r["operator_id"], r["at"]) for r in tx.all("SELECT operator_id, at FROM login_attempts ORDER BY id")]


def _refused(accounts: Accounts, operator_id: str, password: str, ip: str) -> int:
    with pytest.raises(AuthError) as refusal:
        accounts.login(operator_id, password, "", ip)
    return refusal.value.status


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_old_login_attempts_are_pruned_and_recent_failures_still_count(
    backend, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = prepare_database(new_database(backend, request, tmp_path_factory, "prune"))
    try:
        with open_db(url) as db:
            accounts = Accounts(db)
            now = clock.now()

            def ago(**kw: float) -> str:
                return clock.iso(now - timedelta(**kw))

            old = [("op2", "10.0.0.9", ago(days=2, minutes=n)) for n in range(30)]
            old.append(("op1", "10.0.0.9", ago(days=1, minutes=1)))  # just past the one-day margin
            # past the 10-minute window but inside the margin: kept, and not counted (else op1 were throttled)
            margin = [("op1", "10.0.0.9", ago(hours=2))] * MAX_FAILED_PER_OPERATOR
            recent = [("op1", "10.0.0.1", ago(minutes=1))] * (MAX_FAILED_PER_OPERATOR - 2)
            with db.transaction() as tx:
                tx.executemany("INSERT INTO login_attempts (operator_id, client_ip, ok, at) VALUES (?, ?, 0, ?)",
                               old + margin + recent)
                tx.execute("INSERT INTO audit_log (at, operator_id, action, target, client_ip, detail)"
                           " VALUES (?, 'op1', 'login_failed', '', '10.0.0.9', '{}')", (ago(days=3),))
                last = tx.scalar("SELECT MAX(id) AS n FROM login_attempts")
            _next_attempt_id_is(db, (last // PRUNE_EVERY + 1) * PRUNE_EVERY)

            assert _refused(accounts, "op1", "wrong", "10.0.0.1") == 401  # this attempt prunes
            kept = _attempts(db)
            assert [at for _, _, at in margin + recent] == [at for _, at in kept[:-1]]
            assert len(kept) == len(margin) + len(recent) + 1
            straggler = ("op2", "10.0.0.9", ago(days=5))
            with db.transaction() as tx:
                tx.execute("INSERT INTO login_attempts (operator_id, client_ip, ok, at) VALUES (?, ?, 0, ?)",
                           straggler)

            # the next attempt (not a multiple of PRUNE_EVERY) prunes nothing; it is the last one allowed
            assert _refused(accounts, "op1", "wrong again", "10.0.0.1") == 401
            assert ("op2", straggler[2]) in _attempts(db)
            assert _refused(accounts, "op1", PASSWORD, "10.0.0.1") == 429
            assert accounts.prune_login_attempts() == 1  # the straggler
            assert len(_attempts(db)) == len(kept) + 1
        old_audit = query(url, "SELECT COUNT(*) AS n FROM audit_log WHERE at < ?", (ago(days=2),))
        assert old_audit[0]["n"] == 1  # the audit log keeps its own login records
    finally:
        drop_database(request, url)


def test_a_prune_that_fails_does_not_fail_the_login(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review: the prune ran after the login's commit with nothing around it,
    so a busy database turned a good login into a 500."""
    url = prepare_database(new_database("sqlite", request, tmp_path_factory, "prune-fails"))
    with open_db(url) as db:
        accounts = Accounts(db)
        with db.transaction() as tx:
            tx.execute("INSERT INTO login_attempts (operator_id, client_ip, ok, at) VALUES ('x', '', 0, ?)",
                       (clock.now_iso(),))
            last = tx.scalar("SELECT MAX(id) AS n FROM login_attempts")
        _next_attempt_id_is(db, (last // PRUNE_EVERY + 1) * PRUNE_EVERY)

        def busy() -> int:
            raise RuntimeError("database is locked")

        monkeypatch.setattr(accounts, "prune_login_attempts", busy)
        token, session, _ = accounts.login("op1", PASSWORD, "", "10.0.0.1")
        assert token and session.operator_id == "op1"
