"""Opening the operator app on a seat: ``operator-tui run`` and the demo.

:func:`main` is the console entry point. ``operator-tui run [--server URL]``
opens the app straight away; every other command line goes through the typer
CLI (``cli.py``), which with its click and pydantic imports cost 90-130 ms
before the first frame that an operator starting the seat waits for.
The seat's sync engine starts after the first frame (the app starts it in a
worker: its imports alone took a third of a second before the screen came);
everything heavy happens in workers after the app is up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
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


# --- the console entry point ------------------------------------------------------------


def direct_run(args: Sequence[str]) -> tuple[str | None] | None:
    """``(server,)`` when *args* are a plain ``run [--server URL | -s URL |
    --server=URL]``; None for anything else (help, typos, other commands),
    which the typer CLI parses and answers."""
    if not args or args[0] != "run":
        return None
    rest = list(args[1:])
    if not rest:
        return (None,)
    if len(rest) == 1 and rest[0].startswith("--server=") and len(rest[0]) > len("--server="):
        return (rest[0].split("=", 1)[1],)
    if len(rest) == 2 and rest[0] in ("--server", "-s") and rest[1] and not rest[1].startswith("-"):
        return (rest[1],)
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """``operator-tui``: run the app at once, or hand the command line to typer."""
    args = sys.argv[1:] if argv is None else list(argv)
    plain = direct_run(args)
    if plain is None:
        from .cli import main as cli_main

        cli_main()
        return
    report_errors(lambda: run(plain[0]))


def report_errors(call: Callable[[], Any], also: tuple[type[BaseException], ...] = ()) -> None:
    """Run *call*, turning known errors (config, files, the cache, the
    database, and *also*) into one line on stderr and exit status 1; Ctrl+C
    exits 130. Anything else is a bug and keeps its traceback."""
    from .config import ConfigError

    try:
        call()
    except (ConfigError, OSError, *also) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        # Imported only now, so that --help stays light.
        from central_server.db import DatabaseError
        from local_cache.errors import CacheError

        if isinstance(exc, (DatabaseError, CacheError)):
            _fail(exc)
        raise


def _fail(exc: BaseException) -> None:
    print(f"operator-tui: error: {exc}", file=sys.stderr, flush=True)
    sys.exit(1)
