"""Exporting the cases behind a board number to a CSV file (the drill-down
list's export key).

The server writes the file (``GET /v1/export/cases.csv`` with the number's
``metric``/``key`` and the board's ``at``/``days``), so it holds every case
behind the number, not only the pages loaded, and the export is in the
server's audit log. It is saved in the user's data folder under
``downloads/`` (readable by its owner only: it holds personal data, the phone
numbers masked), in a worker; a notification says where, or why not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual import work

from operator_tui.i18n import _, ngettext
from operator_tui.private_files import write_private

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def downloads_dir() -> Path:
    """``<data dir>/downloads`` (OPERATOR_TUI_DATA_DIR in tests)."""
    from operator_tui import config

    return config.data_dir() / "downloads"


def file_name(disposition: str, fallback: str) -> str:
    """The server's file name (made safe: no path, ASCII only), else *fallback*."""
    found = re.search(r'filename="([^"]+)"', disposition or "")
    name = _SAFE.sub("-", Path(found.group(1)).name if found else "")[:120].lstrip(".")
    return name if name.endswith(".csv") else fallback


def free_path(path: Path) -> Path:
    """*path*, or ``name-2.csv``, ``name-3.csv``... when it exists (never overwrite)."""
    n = 1
    found = path
    while found.exists():
        n += 1
        found = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return found


def download(seat: Any, params: dict[str, Any], folder: Path) -> tuple[Path, int]:
    """Fetch the export into *folder* (whole or not at all); (path, rows).
    Raises RuntimeError with the reason (worker thread only)."""
    import httpx

    from .board import seat_token

    try:
        with httpx.Client(base_url=seat.server_url, timeout=httpx.Timeout(10.0, read=120.0)) as http:
            with http.stream("GET", "/v1/export/cases.csv", params=params,
                             headers={"Authorization": f"Bearer {seat_token(seat)}"}) as response:
                if response.status_code != 200:
                    response.read()
                    raise RuntimeError(_reason(response))
                path = free_path(folder / file_name(response.headers.get("content-disposition", ""), "cases.csv"))
                write_private(path, response.iter_bytes())
                return path, int(response.headers.get("x-export-rows") or 0)
    except httpx.HTTPError as exc:
        raise RuntimeError(_("the server cannot be reached ({error})").format(error=type(exc).__name__)) from None


def _reason(response: Any) -> str:
    try:
        body = response.json()
        return str(body.get("error") or body.get("detail") or response.status_code)
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"


@work(thread=True, group="board-export", exit_on_error=False)
def export_list(screen: Any, drill: dict[str, str], at: str, days: int, language: str) -> None:
    """Export the cases behind *drill* and notify where the file is (a
    worker of *screen*: call as ``export_list(screen, ...)``)."""
    params = {"metric": drill.get("metric", ""), "key": drill.get("key", ""), "days": days,
              "lang": "en" if language == "en" else "zh", **({"at": at} if at else {})}
    try:
        path, rows = download(screen.seat, params, downloads_dir())
    except (RuntimeError, OSError) as exc:
        screen.app.call_from_thread(screen.notify, _("Not exported: {reason}").format(reason=exc),
                                    severity="error", markup=False, timeout=10)
        return
    message = ngettext("{n} case exported to {path}", "{n} cases exported to {path}", rows).format(n=rows, path=path)
    screen.app.call_from_thread(screen.notify, message, markup=False, timeout=15)
