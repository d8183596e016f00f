"""``operator-tui apikeys``: Open311 API keys on the central server's database.

    operator-tui apikeys issue citizen-portal --channel web   # prints the key, once
    operator-tui apikeys list
    operator-tui apikeys revoke citizen-portal                # or its id

A key lets a web portal, app, WeChat account... post service requests to
``/open311/v2/requests``; the cases it makes carry the key's channel. Only a
hash of the key is stored: a lost key is revoked and a new one issued.
The server package is imported inside the commands (``--help`` stays fast).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from .cli_common import DatabaseOpt, fail, migrated_database

apikeys_app = typer.Typer(
    help="Open311 API keys (for web portals, apps, WeChat...) on the central server's database.",
    no_args_is_help=True,
)

@contextmanager
def _keys(database: str | None) -> Iterator[Any]:
    from central_server.open311_store import ApiKeys

    with migrated_database(database) as db:
        yield ApiKeys(db)


@apikeys_app.command("issue")
def issue(
    name: Annotated[str, typer.Argument(help="who the key is for, e.g. citizen-portal")],
    channel: Annotated[str, typer.Option(help="web, app, wechat, weibo or email")] = "web",
    database: DatabaseOpt = None,
) -> None:
    """Issue a key; it is printed once and cannot be shown again."""
    with _keys(database) as keys:
        try:
            key, record = keys.issue(name, channel)
        except ValueError as exc:
            raise fail(str(exc)) from None
    typer.echo(f"issued key {record.id} '{record.name}' for channel {record.channel}; keep it secret, it is not shown again:",
               err=True)
    typer.echo(key)


@apikeys_app.command("list")
def list_keys(database: DatabaseOpt = None) -> None:
    """List keys (never the keys themselves)."""
    with _keys(database) as keys:
        rows = keys.list()
    if not rows:
        typer.echo("no API keys")
    for key in rows:
        state = f"revoked {key.revoked_at[:19]}" if key.revoked else "live"
        typer.echo(f"{key.id:>4}  {key.name:<24} {key.channel:<7} issued {key.created_at[:19]}  {state}")


@apikeys_app.command("revoke")
def revoke(
    name_or_id: Annotated[str, typer.Argument(help="the live key's name, or a key id")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key: requests with it are refused (403) from now on."""
    with _keys(database) as keys:
        try:
            key = keys.revoke(name_or_id)
        except KeyError:
            raise fail(f"no live API key named {name_or_id!r}" if not name_or_id.isdigit()
                        else f"no API key with id {name_or_id}") from None
    typer.echo(f"revoked key {key.id} '{key.name}'")
