"""Two processes on one seat cache: a commit is never lost.

Regression: opening a second LocalCache in a process used to open and close
the database file, which drops every POSIX lock the process holds on it; a
second process could then delete the live -wal/-shm and the first process's
later commits went to a deleted file.
"""

from __future__ import annotations

import subprocess
import sys

from local_cache import LocalCache


def _in_child(db, code: str) -> str:
    script = f"from local_cache import LocalCache\nc = LocalCache.open({str(db)!r})\n{code}\nc.close()\n"
    return subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout


def test_second_open_in_process_keeps_wal_locks(tmp_path):
    db = tmp_path / "cache.db"
    first = LocalCache.open(db)
    first.set_state("x", 1)
    LocalCache.open(db).close()  # as the sync threads and the login worker do
    _in_child(db, "c.set_state('y', 2)")
    first.set_state("z", 3)
    assert first.get_state("y") == 2
    assert _in_child(db, "print(c.get_state('z'))").strip() == "3"
    first.set_state("w", 4)
    assert _in_child(db, "print(c.get_state('w'))").strip() == "4"
    first.close()
