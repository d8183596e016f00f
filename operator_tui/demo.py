"""``operator-tui demo``: an embedded central server with demo data, logged in.

The demo database lives in the platformdirs data dir (``demo/central.db``)
and is seeded once; ``--reset`` starts it again from fresh demo data.
"""

from __future__ import annotations

import time

import typer

from . import config

DEMO_OPERATOR = "op1"


def run_demo(port: int = 0, reset: bool = False) -> None:
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
    server = EmbeddedServer(url, port).start()
    try:
        typer.echo(
            f"demo central server on {server.url}; log in as {DEMO_OPERATOR} / {DEMO_PASSWORD}.\n"
            "The operator screens are not built yet; the server keeps running until Ctrl+C.",
            err=True,
        )
        while True:
            time.sleep(3600)
    finally:
        server.stop()
