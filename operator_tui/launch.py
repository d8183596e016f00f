"""Opening the operator app on a seat: ``operator-tui run`` and the demo.

The seat's sync engine starts after the first frame (the app starts it in a
worker: its imports alone took a third of a second before the screen came);
everything heavy happens in workers after the app is up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import config as config_mod


def open_seat(server_url: str, data_dir: Path | None = None, *, cfg: Any = None,
              paths: Any = None, use_keyring: bool = True) -> Any:
    """A Seat for *server_url* with its files under the data dir."""
    from .seat import Seat, SeatPaths

    cfg = cfg or config_mod.load()
    paths = paths or SeatPaths.for_server(data_dir or config_mod.data_dir(), server_url)
    return Seat(server_url, paths, window_days=cfg.cache_window_days, use_keyring=use_keyring)


def run_app(seat: Any, cfg: Any = None) -> None:
    """Run the app (it starts the seat's sync engine) until it quits, close the seat."""
    from .app import OperatorApp

    cfg = cfg or config_mod.load()
    try:
        OperatorApp(seat, keymap=cfg.keymap, language=cfg.language, start_sync=True).run()
    finally:
        seat.close()


def run(server_url: str | None = None) -> None:
    """``operator-tui run``: the seat for *server_url* (default: the config's)."""
    cfg = config_mod.load()
    url = (server_url or cfg.server_url).rstrip("/")
    run_app(open_seat(url, cfg=cfg), cfg)
