"""Pieces shared by the command-line modules: the --database and --server
options, a migrated database for admin commands, where a seat keeps its
files, and the one-line error exit.

Imports only typer at load, so ``operator-tui --help`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Optional

import typer

ServerOpt = Annotated[
    Optional[str],
    typer.Option("--server", "-s", help="central server URL (default: server_url from the config)"),
]
DatabaseOpt = Annotated[
    Optional[str],
    typer.Option("--database", "-d", help="sqlite:///FILE or postgresql://... (default: from config)"),
]


def database_url(url: str | None) -> str:
    """*url*, or the central server database named by the config."""
    from . import config

    return url or config.load().default_database()


@contextmanager
def migrated_database(url: str | None) -> Iterator[Any]:
    """The central server's database, its schema brought up to date."""
    from central_server.db import Database
    from central_server.migrations import migrate

    db = Database(database_url(url))
    try:
        migrate(db)
        yield db
    finally:
        db.close()


def fail(message: str) -> typer.Exit:
    """Print one error line; raise the returned Exit to end with status 1."""
    typer.echo(f"operator-tui: error: {message}", err=True)
    return typer.Exit(1)


def seat_location(server: str | None) -> tuple[str, Any, Any]:
    """(server URL, SeatPaths, Config) for *server* or the configured one;
    raises config.ConfigError for a bad config file."""
    from . import config
    from .seat import SeatPaths

    cfg = config.load()
    url = (server or cfg.server_url).rstrip("/")
    return url, SeatPaths.for_server(config.data_dir(), url), cfg
