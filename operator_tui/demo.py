"""``operator-tui demo``: an embedded central server with demo data, logged in.

The demo database lives in the platformdirs data dir (``demo/central.db``)
and is seeded once; ``--reset`` starts it again from fresh demo data. The
server listens on a fixed port (8346, or any free one when that is busy); the
demo seat's cache is kept under ``demo/seat/`` whatever the port, and the app
opens logged in as the demo operator.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer

from . import config

DEMO_OPERATOR = "op1"


def run_demo(port: int = 8346, reset: bool = False) -> None:
    """Seed if needed, serve on loopback, and open the operator app."""
    from central_server.db import Database
    from central_server.demo_data import DEMO_PASSWORD
    from central_server.seed import is_seeded, seed_demo

    from .embedded_server import EmbeddedServer

    folder = config.data_dir() / "demo"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    db_file = folder / "central.db"
    if reset:
        for suffix in ("", "-wal", "-shm"):
            db_file.with_name(db_file.name + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{db_file}"
    db = Database(url)
    try:
        from central_server.migrations import migrate

        migrate(db)
        seeded = is_seeded(db)
    finally:
        db.close()
    if not seeded:
        typer.echo("seeding the demo hotline (once)…", err=True)
        typer.echo(seed_demo(url), err=True)
    server = EmbeddedServer(url, _usable_port(port)).start()
    try:
        seat = _demo_seat(folder, server.url, fresh=reset or not seeded)
        try:
            seat.login(DEMO_OPERATOR, DEMO_PASSWORD)
        except Exception as exc:
            from .cli import CliError

            seat.close()
            raise CliError(f"the demo could not log in as {DEMO_OPERATOR}: {exc}") from None
        from .launch import run_app

        run_app(seat)
    finally:
        _stop_now(server)


def _stop_now(server: Any) -> None:
    """Stop the embedded server without waiting for open long polls.

    The seat's last long poll may still be open on the server, which does not
    notice the client is gone; uvicorn would wait for it (and
    EmbeddedServer.stop gives up only after 10 s). Force the exit and keep
    the cancelled request's traceback off the operator's terminal.
    """
    import logging

    inner = getattr(server, "_server", None)
    if inner is not None:
        inner.force_exit = True
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    server.stop()


def _usable_port(port: int) -> int:
    """*port* if nothing listens on it, else any free port (0: any free port)."""
    import socket

    from .embedded_server import free_port

    if port:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                typer.echo(f"port {port} is busy; using another one", err=True)
            else:
                return port
    return free_port()


def _demo_seat(folder: Path, server_url: str, *, fresh: bool) -> Any:
    """The demo's seat, kept under a fixed name (not the URL: the port may change).

    A freshly seeded server gets a fresh seat cache (the old one's cursor and
    cases belong to the old database).
    """
    from .launch import open_seat
    from .seat import SeatPaths

    seat_dir = folder / "seat"
    if fresh and seat_dir.exists():
        shutil.rmtree(seat_dir)
    paths = SeatPaths(cache=seat_dir / "cache.db", token_file=seat_dir / "tokens.json")
    return open_seat(server_url, paths=paths, use_keyring=False)
