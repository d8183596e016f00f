"""Files that hold personal data or a token: written whole or not at all,
readable by their owner only (no Textual, no network)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_private(path: Path, chunks: Iterable[bytes]) -> None:
    """Write *chunks* to *path* with mode 0600 (its folder made 0700 if new):
    into a hidden ``.<name>.part`` beside it first, flushed to disk, then
    moved into place, so a reader never sees half a file. On any error the
    part file is removed and *path* is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = path.with_name(f".{path.name}.part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
