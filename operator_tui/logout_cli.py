"""``operator-tui logout``: log this seat out without opening the app.

    operator-tui logout [--server URL] [--yes]

Refused (exit 1, nothing changed) while changes have not reached the central
server or drafts hold typed data; otherwise asks, wipes the cached cases,
revokes the token on the server (offline: deletes it here; it expires on the
server) and forgets it. Heavy modules are imported inside the command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from .cli_common import seat_location

if TYPE_CHECKING:
    from .seat import SeatPaths


def _fail(message: str) -> typer.Exit:
    typer.echo(f"operator-tui logout: {message}", err=True)
    return typer.Exit(1)


def logout(server: str | None = None, yes: bool = False) -> None:
    """Log this seat out: wipe its copy of the cases, revoke and forget the token
    (the ``operator-tui logout`` command in cli.py calls this)."""
    from . import config, i18n

    try:
        url, paths, cfg = seat_location(server)
    except config.ConfigError as exc:
        raise _fail(str(exc)) from None
    before = i18n.current_language()
    try:
        i18n.set_language(cfg.language)
    except ValueError:
        pass
    try:
        _logout(url, paths, yes)
    finally:
        i18n.set_language(before)


def _logout(url: str, paths: SeatPaths, yes: bool) -> None:
    from local_cache import CacheError, LocalCache

    from .credentials import TokenStore
    from .i18n import _
    from .logout import blockers, describe, log_out

    tokens = TokenStore(url, paths.token_file)
    cache_path = paths.cache
    if not cache_path.exists() and tokens.load() is None:
        typer.echo(_("Not logged in on this seat ({url}): nothing to do.").format(url=url))
        return
    try:
        cache = LocalCache.open(cache_path)
    except (CacheError, OSError) as exc:
        raise _fail(f"cannot open the local cache {cache_path}: {exc}") from None
    try:
        found = blockers(cache)
        if found:
            raise _fail(describe(found))
        if not yes and not typer.confirm(_("Log out and wipe this seat's copy of the cases?")):
            raise _fail(_("not logged out"))
        try:
            result = log_out(cache, tokens, url)
        except CacheError as exc:
            raise _fail(str(exc)) from None
    finally:
        cache.close()
    typer.echo(_("Logged out. This seat's copy of the cases was wiped."))
    if not result.revoked:
        typer.echo(_("The server could not be reached ({reason}), so the token was deleted here only; "
                     "it stops working on the server at {time}.").format(
            reason=result.server_message, time=result.expires_at or "?"))
