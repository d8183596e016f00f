"""The test infrastructure itself: a real PostgreSQL, isolated databases."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.pg import PostgresCluster, dbname_of
from tests.servers import ServerProcess, sqlite_url


@pytest.mark.postgres
def test_postgres_url_is_a_real_postgresql(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    with psycopg.connect(postgres_url) as conn:
        version = conn.execute("SELECT version()").fetchone()[0]
        assert version.startswith("PostgreSQL ")
        assert conn.execute("SELECT current_database()").fetchone()[0] == \
            dbname_of(postgres_url)
        assert conn.execute("SHOW server_encoding").fetchone()[0] == "UTF8"
        # Chinese text round-trips
        assert conn.execute("SELECT %s::text", ["朝阳区 供暖"]).fetchone()[0] == \
            "朝阳区 供暖"


@pytest.mark.postgres
def test_concurrent_connections(postgres_url: str) -> None:
    """Several connections at once, each in its own transaction."""
    n = 8
    barrier = threading.Barrier(n)
    pids: list[int] = []
    errors: list[BaseException] = []

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS infra_concurrent")
        conn.execute("CREATE TABLE infra_concurrent (who int)")

    def worker(i: int) -> None:
        try:
            with psycopg.connect(postgres_url) as conn:
                pids.append(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
                conn.execute("INSERT INTO infra_concurrent VALUES (%s)", [i])
                barrier.wait(timeout=30)  # all n transactions open at once
                conn.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(set(pids)) == n
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT who FROM infra_concurrent ORDER BY who").fetchall()
    assert [r[0] for r in rows] == list(range(n))


@pytest.mark.postgres
def test_fresh_postgres_url_is_empty_and_isolated(
        fresh_postgres_url: str, postgres_url: str, pg_cluster: PostgresCluster) -> None:
    assert fresh_postgres_url != postgres_url
    with psycopg.connect(fresh_postgres_url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'public'").fetchone()[0]
        assert tables == 0
        conn.execute("CREATE TABLE only_here (x int)")
        conn.commit()
    # a second fresh database on the same cluster does not see it
    other = pg_cluster.create_database()
    try:
        with psycopg.connect(other) as conn:
            assert conn.execute("SELECT to_regclass('only_here')").fetchone()[0] is None
    finally:
        pg_cluster.drop_database(dbname_of(other))


@pytest.mark.postgres
@pytest.mark.parametrize("round_", [1, 2])
def test_fresh_postgres_url_is_new_each_test(fresh_postgres_url: str, round_: int) -> None:
    # both rounds create the same table: they must not see each other's
    with psycopg.connect(fresh_postgres_url) as conn:
        conn.execute("CREATE TABLE per_test (x int)")
        conn.commit()


@pytest.mark.postgres
def test_private_cluster_restart_keeps_data_and_url(
        private_pg_cluster: PostgresCluster) -> None:
    url = private_pg_cluster.create_database()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
        conn.commit()
    old = psycopg.connect(url)
    private_pg_cluster.restart()
    with pytest.raises(psycopg.OperationalError):
        old.execute("SELECT 1")  # the old connection was cut
    old.close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone()[0] == 42
    private_pg_cluster.crash()
    assert not private_pg_cluster.running
    private_pg_cluster.start()  # crash recovery
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone()[0] == 42


def test_server_helper_imports(tmp_path) -> None:
    srv = ServerProcess(sqlite_url(tmp_path / "c.db"))
    assert srv.url == f"http://127.0.0.1:{srv.port}"
    assert srv.command[1:4] == ["-m", "operator_tui", "serve"]
    assert srv.command[-1] == "sqlite:///" + str(tmp_path.resolve() / "c.db")
    assert not srv.running


def test_live_server_answers_and_survives_kill(live_server: ServerProcess) -> None:
    assert live_server.health() == 200
    port = live_server.port
    live_server.kill()
    assert live_server.health() is None
    live_server.start()  # same port, same database
    assert live_server.port == port and live_server.health() == 200


@pytest.mark.postgres
def test_two_server_processes_on_one_postgres_database(server_factory) -> None:
    first = server_factory("postgresql")
    second = server_factory("postgresql", database_url=first.database_url)
    assert first.port != second.port
    assert first.health() == 200 and second.health() == 200
