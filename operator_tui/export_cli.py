"""``operator-tui export``: cases as a CSV file, from the central server.

    operator-tui export cases --server URL --from 2026-11-01 --to 2026-11-30 --out november.csv
    operator-tui export cases --from 2026-11-29 --status dispatched,signed --overdue --out late.csv
    operator-tui export cases --user sup1 --from 2026-11-29 --include-phone --out calls.csv

Over HTTP (``GET /v1/export/cases.csv``): the server checks the role and
writes the export to its audit log. Logs in with ``--user`` (password from
``OPERATOR_TUI_PASSWORD`` or asked), else uses this machine's seat login for
that server. The file is written whole or not at all, readable by its owner
only (it holds personal data). Errors are one line and exit code 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .cli_common import fail, seat_location
from .private_files import write_private

export_app = typer.Typer(help="Export cases as CSV (supervisor, admin; a department its own).",
                         no_args_is_help=True)


@export_app.callback()
def _group() -> None:
    """Export cases as CSV (supervisor, admin; a department its own)."""


@export_app.command("cases")
def cases(
    out: Annotated[Path, typer.Option("--out", "-o", help="the CSV file to write")],
    date_from: Annotated[str, typer.Option("--from", help="first day (YYYY-MM-DD, the centre's) or ISO time")],
    date_to: Annotated[str, typer.Option("--to", help="last day (inclusive) or ISO time; default now")] = "",
    status: Annotated[str, typer.Option(help="statuses, comma-separated (open, dispatched, signed...)")] = "",
    department: Annotated[str, typer.Option(help="lead department code")] = "",
    category: Annotated[str, typer.Option(help="category code (with the categories below it)")] = "",
    district: Annotated[str, typer.Option(help="district code")] = "",
    channel: Annotated[str, typer.Option(help="channels, comma-separated")] = "",
    overdue: Annotated[Optional[bool], typer.Option("--overdue/--not-overdue", help="only (not) overdue")] = None,
    include_phone: Annotated[bool, typer.Option(help="phone numbers in full (supervisor, admin; audited)")] = False,
    lang: Annotated[str, typer.Option(help="zh or en: the header and the names")] = "zh",
    server: Annotated[Optional[str], typer.Option("--server", "-s", help="central server URL (default: config)")] = None,
    user: Annotated[Optional[str], typer.Option(help="log in as this user (else: this seat's login)")] = None,
) -> None:
    """Write the cases of a date range (and filters) to a CSV file."""
    import httpx

    url, token, logged_in = _login(server, user)
    params: dict[str, Any] = {"from": date_from, "to": date_to, "status": status, "department": department,
                              "category": category, "district": district, "channel": channel,
                              "include_phone": str(include_phone).lower(), "lang": lang}
    if overdue is not None:
        params["overdue"] = str(overdue).lower()
    params = {k: v for k, v in params.items() if v != ""}
    try:
        with httpx.Client(base_url=url, timeout=httpx.Timeout(30.0, read=300.0)) as http:
            try:
                with http.stream("GET", "/v1/export/cases.csv", params=params,
                                 headers={"Authorization": f"Bearer {token}"}) as response:
                    if response.status_code != 200:
                        response.read()
                        raise fail(f"the server refused ({response.status_code}): {_message(response)}")
                    rows = response.headers.get("x-export-rows", "?")
                    write_private(out, response.iter_bytes())  # whole or not at all, owner only
            finally:
                if logged_in:  # the token this command made ends with it, whatever happened
                    _revoke(http, token)
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    shown = "in full" if include_phone else "masked"
    typer.echo(f"{rows} cases written to {out} (phone numbers {shown})")


def _revoke(http: Any, token: str) -> None:
    """Log the command's own session out (best effort: it expires anyway)."""
    import httpx

    try:
        http.post("/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError:
        pass


def _login(server: str | None, user: str | None) -> tuple[str, str, bool]:
    """(server URL, bearer token, whether this command logged in)."""
    import httpx

    from . import config
    from .credentials import TokenStore

    try:
        url, paths, _cfg = seat_location(server)
    except config.ConfigError as exc:
        raise fail(str(exc)) from None
    if not user:
        saved = TokenStore(url, paths.token_file).load()  # the seat's own login
        if not saved:
            raise fail(f"not logged in to {url}: give --user (or log in in the app first)")
        return url, str(saved["token"]), False
    password = os.environ.get("OPERATOR_TUI_PASSWORD") or typer.prompt(f"password for {user}", hide_input=True)
    try:
        response = httpx.post(f"{url}/v1/auth/login", json={"operator_id": user, "password": password,
                                                            "seat_key": ""}, timeout=30.0)
    except httpx.HTTPError as exc:
        raise fail(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None
    if response.status_code != 200:
        raise fail(f"login refused ({response.status_code}): {_message(response)}")
    return url, str(response.json()["token"]), True


def _message(response: Any) -> str:
    from .text import clean

    try:
        body = response.json()
        text = body.get("error") or body.get("detail") if isinstance(body, dict) else str(body)
    except ValueError:
        text = response.text
    return clean(str(text), one_line=True)[:300]
