"""Opening the cache file: private file modes, pragmas, one connection each."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import CacheError

BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
DIR_MODE = 0o700
DEFAULT_CACHE_KB = 32_000  # page cache per connection


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """umask 077 for the duration (files SQLite creates become 0600).

    The umask is process-wide; it is only ever tightened here, and only
    around creating the cache file and its -wal/-shm.
    """
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _tighten_dir(directory: Path) -> None:
    """Make the cache's directory 0700 if it is ours and not a shared one.

    A directory with the sticky bit (such as /tmp) or owned by someone else is
    left alone: the file itself is still 0600.
    """
    st = directory.stat()
    if st.st_uid != os.getuid() or st.st_mode & stat.S_ISVTX:
        return
    if stat.S_IMODE(st.st_mode) != DIR_MODE:
        os.chmod(directory, DIR_MODE)


def sidecars(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]


def tighten_files(path: Path) -> None:
    """chmod 0600 the cache file and whichever of its -wal/-shm exist."""
    for p in sidecars(path):
        with contextlib.suppress(FileNotFoundError):
            if stat.S_IMODE(p.stat().st_mode) != FILE_MODE:
                os.chmod(p, FILE_MODE)


def prepare_path(path: str | os.PathLike[str]) -> Path:
    """Create the directory (0700); tighten an existing cache file to 0600.

    The file itself is created by SQLite under :func:`private_umask`. It must
    never be opened and closed here: closing any descriptor of a file drops
    every POSIX lock this process holds on it, and SQLite's WAL locks are
    such locks — another process could then delete a live -wal/-shm.
    """
    p = Path(path).expanduser().absolute()
    with private_umask():
        p.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        _tighten_dir(p.parent)
    tighten_files(p)
    return p


def connect(path: Path) -> sqlite3.Connection:
    """A new connection with the cache's pragmas (WAL, synchronous=FULL).

    ``isolation_level=None``: the driver opens no implicit transactions; the
    cache uses explicit ``BEGIN IMMEDIATE`` for every multi-statement write.
    ``check_same_thread=False`` only so that :meth:`LocalCache.close` can close
    the connections of other threads; each connection is used by one thread.
    """
    try:
        return _connect(path)
    except sqlite3.Error as exc:
        raise CacheError(f"cannot open the local cache {path}: {exc}{_why_not(path)}") from None


def _why_not(path: Path) -> str:
    """A hint at the usual causes when SQLite's own message is vague."""
    folder = path.parent
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return " (the cache file or its folder is read-only)"
    try:
        if os.statvfs(folder).f_bavail == 0:
            return " (the disk is full)"
    except OSError:
        pass
    return ""


def _connect(path: Path) -> sqlite3.Connection:
    with private_umask():
        conn = sqlite3.connect(
            str(path),
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise CacheError(f"cannot put the cache {path} in WAL mode (got {mode!r})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")  # deleted personal data is zeroed
            conn.execute("PRAGMA temp_store=MEMORY")
            conn.execute(f"PRAGMA cache_size=-{DEFAULT_CACHE_KB}")
        except BaseException:
            conn.close()
            raise
    tighten_files(path)
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any exception.

    IMMEDIATE takes the write lock up front, so a reader never has to upgrade
    (which in WAL mode can fail with SQLITE_BUSY without waiting).
    """
    if conn.in_transaction:
        raise CacheError("nested cache transaction (internal error)")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
