"""Where the seat keeps its login token: the system keyring, else a 0600 file.

One entry per server URL: the token, its expiry and the operator it belongs
to. Passwords are never stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SERVICE = "operator-tui"


class TokenStore:
    """Save, load and forget the token for one server."""

    def __init__(self, server_url: str, fallback_file: Path, *, use_keyring: bool = True):
        self.server_url = server_url
        self.fallback_file = fallback_file
        self._keyring = _usable_keyring() if use_keyring else None

    def load(self) -> dict[str, Any] | None:
        raw = None
        if self._keyring is not None:
            try:
                raw = self._keyring.get_password(SERVICE, self.server_url)
            except Exception:  # keyring backends raise their own types
                raw = None
        if raw is None:
            raw = self._read_file().get(self.server_url)
        try:
            data = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return None
        return data if isinstance(data, dict) and data.get("token") else None

    def save(self, data: dict[str, Any]) -> None:
        raw = json.dumps(data)
        if self._keyring is not None:
            try:
                self._keyring.set_password(SERVICE, self.server_url, raw)
                return
            except Exception:
                pass
        entries = self._read_file()
        entries[self.server_url] = raw
        self._write_file(entries)

    def forget(self) -> None:
        """Delete this server's token (the file goes when it held the last one)."""
        if self._keyring is not None:
            try:
                self._keyring.delete_password(SERVICE, self.server_url)
            except Exception:
                pass
        entries = self._read_file()
        if entries.pop(self.server_url, None) is None:
            return
        if entries:
            self._write_file(entries)
        else:  # the last token: no file is left behind
            self.fallback_file.unlink(missing_ok=True)

    def _read_file(self) -> dict[str, Any]:
        try:
            data = json.loads(self.fallback_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_file(self, entries: dict[str, Any]) -> None:
        from .private_files import write_private

        write_private(self.fallback_file, [json.dumps(entries).encode("utf-8")])


def _usable_keyring() -> Any:
    """The keyring module if a real backend is configured, else None."""
    if os.environ.get("OPERATOR_TUI_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return None
    if isinstance(backend, fail.Keyring) or "null" in type(backend).__module__:
        return None
    if type(backend).__name__ == "ChainerBackend" and not getattr(backend, "backends", None):
        return None
    return keyring
