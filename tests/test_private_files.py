"""Private files are written whole or not at all, owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from operator_tui.private_files import write_private


def test_written_owner_only_in_a_new_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "cases.csv"
    write_private(path, [b"a,b\r\n", b"1,2\r\n"])
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0
    assert sorted(p.name for p in path.parent.iterdir()) == ["cases.csv"]


def test_a_failure_half_way_leaves_the_old_file_and_no_part(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    write_private(path, [b"old"])

    def broken() -> Iterator[bytes]:
        yield b"half of the new"
        raise ConnectionError("the server went away")

    with pytest.raises(ConnectionError):
        write_private(path, broken())
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]
