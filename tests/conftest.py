"""Shared fixtures: a real PostgreSQL cluster and real server processes.

PostgreSQL
    pg_cluster          session   PostgresCluster (tests/pg.py), started lazily
    postgres_url        session   URL of one database shared by the session
    fresh_postgres_url  function  URL of a new empty database, dropped after
    private_pg_cluster  function  a cluster of the test's own (for tests that
                                  stop/crash/restart PostgreSQL)
Central server (tests/servers.py)
    server_factory      function  make(backend="sqlite"|"postgresql", ...) ->
                                  started ServerProcess on a fresh database
    live_server         function  parametrized: one started server per backend
                                  (ids "sqlite", "postgresql")

If PostgreSQL cannot be found the PostgreSQL fixtures FAIL (never skip); run
the tests through scripts/test, which installs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.pg import (PostgresCluster, PostgresError, PostgresNotFound,
                      database_name, dbname_of)
from tests.servers import ServerProcess, sqlite_url

BACKENDS = ("sqlite", "postgresql")


def _start_cluster() -> PostgresCluster:
    try:
        cluster = PostgresCluster()
        cluster.start()
    except (PostgresNotFound, PostgresError) as exc:
        pytest.fail(f"cannot start a throwaway PostgreSQL: {exc}", pytrace=False)
    return cluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = _start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def postgres_url(pg_cluster: PostgresCluster) -> str:
    """postgresql://postgres@127.0.0.1:PORT/operator_tui_test (session-wide)."""
    name = "operator_tui_test"
    if not pg_cluster.running:  # a test restarted/stopped it and failed
        pg_cluster.start()
    return pg_cluster.create_database(name)


def _fresh_db(cluster: PostgresCluster, request: pytest.FixtureRequest) -> str:
    if not cluster.running:  # a previous test stopped it and failed
        cluster.start()
    return cluster.create_database(database_name(request.node.name))


def _drop_quietly(cluster: PostgresCluster, url: str) -> None:
    try:
        if cluster.running:
            cluster.drop_database(dbname_of(url))
    except Exception:  # the cluster is throwaway anyway
        pass


@pytest.fixture
def fresh_postgres_url(pg_cluster: PostgresCluster,
                       request: pytest.FixtureRequest) -> Iterator[str]:
    """A new empty database on the session cluster, dropped after the test."""
    url = _fresh_db(pg_cluster, request)
    yield url
    _drop_quietly(pg_cluster, url)


@pytest.fixture
def private_pg_cluster() -> Iterator[PostgresCluster]:
    """A cluster only this test uses: stop/crash/restart it freely."""
    cluster = _start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()


ServerFactory = Callable[..., ServerProcess]


@pytest.fixture
def server_factory(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """make(backend="sqlite", *, database_url=None, port=None, extra_env=None,
    extra_args=(), start=True) -> ServerProcess.

    Each call gets a fresh database (SQLite file in a temp dir, or a new
    PostgreSQL database on the session cluster) unless ``database_url`` is
    given: pass ``first.database_url`` to run several server processes on one
    database.  Every server is stopped when the test ends; its output is kept
    in the test's temp dir (servers*/server-N/server.log) and shown in
    startup errors.  Several processes on one PostgreSQL database: either
    make("postgresql", database_url=first.database_url) or
    make("postgresql", extra_args=["--workers", "4"]).
    """
    servers: list[ServerProcess] = []
    pg_dbs: list[tuple[PostgresCluster, str]] = []
    base = tmp_path_factory.mktemp("servers")

    def make(backend: str = "sqlite", *, database_url: str | None = None,
             port: int | None = None, extra_env: dict[str, str] | None = None,
             extra_args: list[str] | tuple[str, ...] = (),
             start: bool = True) -> ServerProcess:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
        n = len(servers) + 1
        if database_url is None:
            if backend == "sqlite":
                database_url = sqlite_url(base / f"central-{n}.db")
            else:
                cluster = request.getfixturevalue("pg_cluster")
                database_url = _fresh_db(cluster, request)
                pg_dbs.append((cluster, database_url))
        srv = ServerProcess(database_url, port=port, extra_env=extra_env,
                            extra_args=extra_args, workdir=base / f"server-{n}")
        servers.append(srv)
        if start:
            srv.start()
        return srv

    yield make

    for srv in reversed(servers):
        srv.stop()
    for cluster, url in pg_dbs:
        _drop_quietly(cluster, url)


@pytest.fixture(params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
])
def live_server(request: pytest.FixtureRequest,
                server_factory: ServerFactory) -> ServerProcess:
    """A started central server; the test runs once per backend."""
    return server_factory(request.param)
