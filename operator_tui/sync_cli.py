"""``operator-tui sync``: the seat's sync state, and one sync round by hand.

    operator-tui sync status [--server URL]   # from the local cache, no network
    operator-tui sync now    [--server URL]   # push, pull, print the status

Wired into the main app with ``app.add_typer(sync_app, name="sync")``.
Heavy modules are imported inside the commands. Errors are one line on
stderr and exit code 1.
"""

from __future__ import annotations

from typing import Any

import typer

from .cli_common import ServerOpt, seat_location

sync_app = typer.Typer(
    help="The seat's sync with the central server: state, and sync by hand.",
    no_args_is_help=True,
)



def _fail(message: str) -> typer.Exit:
    typer.echo(f"operator-tui sync: {message}", err=True)
    return typer.Exit(1)


def _seat(server: str | None) -> tuple[str, Any]:
    """(server URL, SeatPaths) from the option or the config."""
    from . import config

    try:
        url, paths, _cfg = seat_location(server)
    except config.ConfigError as exc:
        raise _fail(str(exc)) from None
    return url, paths


def _open_cache(path: Any) -> Any:
    from local_cache import CacheError, LocalCache

    try:
        return LocalCache.open(path)
    except (CacheError, OSError) as exc:
        raise _fail(f"cannot open the local cache {path}: {exc}") from None


@sync_app.command("status")
def status(server: ServerOpt = None) -> None:
    """Show connection, outbox and problems as last recorded (no network)."""
    from .sync_status import cache_status

    url, paths = _seat(server)
    if not paths.cache.exists():
        typer.echo(f"server      {url}\nno local cache yet ({paths.cache}): log in on this seat once")
        return
    cache = _open_cache(paths.cache)
    try:
        info = cache_status(cache)
    finally:
        cache.close()
    typer.echo(render(url, info))


@sync_app.command("now")
def now(server: ServerOpt = None) -> None:
    """Sync once: send the outbox, fetch what changed, then show the status."""
    from .credentials import TokenStore
    from .sync import SyncEngine
    from .sync_status import cache_status

    url, paths = _seat(server)
    stored = TokenStore(url, paths.token_file).load() or {}
    token = str(stored.get("token") or "")
    if not token:
        raise _fail(f"login required: no session for {url} on this seat; log in with the app first")
    if not paths.cache.exists():
        raise _fail(f"no local cache for {url} yet ({paths.cache}): log in with the app first")
    _open_cache(paths.cache).close()  # a clear message if the file is broken
    from . import config

    try:
        days = config.load().cache_window_days
    except config.ConfigError as exc:
        raise _fail(str(exc)) from None
    result = SyncEngine(paths.cache, url, token, window_days=days).sync_once()
    cache = _open_cache(paths.cache)
    try:
        info = cache_status(cache)
    finally:
        cache.close()
    typer.echo(render(url, info))
    if result.login_required:
        raise _fail(f"{result.last_error or 'login required'}; log in with the app again")
    if not result.online:
        raise _fail(f"server unreachable: {result.last_error}")


def render(url: str, info: dict[str, Any]) -> str:
    """The status as aligned lines (text from the server cleaned of controls)."""
    from .text import clean

    def line(label: str, value: Any) -> str:
        return f"{label:<12}{clean(str(value), one_line=True)}"

    if info["login_required"]:
        state = "login required"
    elif info["online"]:
        state = "online"
    elif info["offline_since"]:
        state = f"offline since {info['offline_since']}"
    else:
        state = "not connected yet"
    if info["recorded_at"]:
        state += f" (as of {info['recorded_at']})"
    counts = info["outbox"]
    outbox = f"{info['outbox_depth']} to send"
    if info["oldest_pending_seconds"] is not None:
        outbox += f", oldest {_age(info['oldest_pending_seconds'])}"
    if counts.get("held"):
        outbox += f", {counts['held']} held behind a problem"
    outbox += f"; {counts.get('delivered', 0)} delivered"
    problems = info["problems"]
    lines = [
        line("server", url),
        line("state", state),
        line("last sync", info["last_success"] or "never"),
        line("outbox", outbox),
        line("problems", f"{len(problems)}" + (" (resolve them in the app)" if problems else "")),
        line("cursor", f"{info['cursor'] or '(none)'}"
                       + (f" (change {info['change_seq']})" if info["change_seq"] is not None else "")),
        line("seat", f"{info['seat_no'] or '?'}, operator {info['operator_id'] or '?'}"),
    ]
    if info["last_error"]:
        lines.append(line("last error", info["last_error"]))
    for p in problems:
        reason = p["reason"] or ", ".join(p["conflict_fields"])
        lines.append(line("", f"  {p['state']:<9}{p['case_no']}  {p['type']:<11}{reason}"))
    return "\n".join(lines)


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d"
