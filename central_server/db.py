"""Database connections for the central server: SQLite (WAL) or PostgreSQL.

SQL in this package is written once, with ``?`` placeholders and portable
syntax (``ON CONFLICT``, ``RETURNING``); :class:`Database` adapts it to the
backend. A transaction is a context manager yielding a :class:`Tx`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


class DatabaseError(Exception):
    """The database cannot be used (bad URL, unreachable, wrong schema...)."""


class InvalidText(ValueError):
    """A text value no backend may store: PostgreSQL refuses NUL characters,
    so both backends do (the API answers 422, not 500)."""


def _params(params: Sequence[Any]) -> tuple[Any, ...]:
    for value in params:
        if isinstance(value, str) and "\x00" in value:
            raise InvalidText("text may not contain NUL characters")
    return tuple(params)


class Tx:
    """A running transaction: run SQL, get rows as dicts."""

    def __init__(self, conn: Any, dialect: str):
        self._conn = conn
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        if self.dialect == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        cur = self._conn.execute(self._sql(sql), _params(params))
        return cur.rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        checked = [_params(r) for r in rows]
        if self.dialect == "postgresql":
            with self._conn.cursor() as cur:
                cur.executemany(self._sql(sql), checked)
        else:
            self._conn.executemany(sql, checked)

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._conn.execute(self._sql(sql), _params(params))
        rows = cur.fetchall()
        if self.dialect == "sqlite":
            return [dict(r) for r in rows]
        return list(rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def lock_counter(self, name: str) -> int:
        """Read counter *name* and hold its lock until this transaction ends.

        On PostgreSQL this is a row lock (``FOR UPDATE``), so numbers handed
        out under it are in commit order; SQLite transactions here are
        ``BEGIN IMMEDIATE`` and already serialised.
        """
        suffix = " FOR UPDATE" if self.dialect == "postgresql" else ""
        value = self.scalar(f"SELECT value FROM counters WHERE name = ?{suffix}", (name,))
        if value is None:
            raise DatabaseError(f"counter {name!r} missing; run the migrations")
        return int(value)

    def set_counter(self, name: str, value: int) -> None:
        self.execute("UPDATE counters SET value = ? WHERE name = ?", (value, name))


class Database:
    """A connection factory for one database URL.

    ``sqlite:///path/to/file.db`` (or a bare path) or ``postgresql://...``.
    SQLite keeps one connection per thread; PostgreSQL uses a pool.
    """

    def __init__(self, url: str, *, pool_size: int = 20):
        self.url = url
        self.dialect = dialect_of(url)
        self._local = threading.local()
        self._pool: Any = None
        if self.dialect == "sqlite":
            self.path = sqlite_path(url)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            try:
                from psycopg.rows import dict_row
                from psycopg_pool import ConnectionPool
            except ImportError as exc:  # pragma: no cover - dependency is declared
                raise DatabaseError(f"PostgreSQL support is not installed: {exc}") from None
            _check_connect(url)
            # check: a pooled connection is tried (one empty round trip) before
            # it is handed out, so that after PostgreSQL restarted (or a proxy
            # or firewall dropped idle connections) the dead ones are replaced
            # instead of failing one request each with a 500.
            self._pool = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                kwargs={"row_factory": dict_row, "autocommit": False},
                check=ConnectionPool.check_connection,
                open=False,
            )
            try:
                self._pool.open(wait=True, timeout=15)
            except Exception as exc:
                self._pool.close()
                raise DatabaseError(f"cannot connect to PostgreSQL: {exc}") from None

    def _sqlite_conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=True)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:  # not a database, unreadable, ...
                raise DatabaseError(f"cannot open SQLite database {self.path}: {exc}") from None
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        """Run a transaction; commit on success, roll back on any exception."""
        if self.dialect == "sqlite":
            conn = self._sqlite_conn()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield Tx(conn, "sqlite")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            return
        with self._pool.connection() as conn:
            with conn.transaction():
                yield Tx(conn, "postgresql")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _check_connect(url: str) -> None:
    """Connect once, so a wrong URL or a server that is down fails at once
    with one line (the pool would retry, logging each try, until its timeout)."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to PostgreSQL: {' '.join(str(exc).split())}") from None


def dialect_of(url: str) -> str:
    """'sqlite' or 'postgresql' for a database URL, or raise DatabaseError."""
    scheme = urlparse(url).scheme
    if scheme in ("postgresql", "postgres"):
        return "postgresql"
    if scheme in ("sqlite", ""):
        return "sqlite"
    raise DatabaseError(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://...")


def sqlite_path(url: str) -> Path:
    """The file behind ``sqlite:///relative`` / ``sqlite:////absolute`` or a bare path."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).expanduser()
    if url.startswith("sqlite:"):
        raise DatabaseError(f"use sqlite:///path/to/file.db, not {url!r}")
    return Path(url).expanduser()
