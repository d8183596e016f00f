"""Hostile text for the inertness sweep (tests/test_tui_hostile_text.py).

:func:`hostile` makes one field's worth of attack — Rich markup, a Rich link,
Textual action links, an OSC 8 hyperlink, ANSI CSI, C1 controls, bidi
overrides and isolates, zero-width characters, a lone surrogate, a line
separator, a tab and a newline — behind a short tag ("[red]N1[/]") that must
show literally wherever the field is shown. :func:`check_screen` renders the
current screen through the compositor and asserts on every segment: no
control/bidi/zero-width character survives, no segment carries a link or an
injected action, every line is exactly the screen's width, and the tags
expected on the screen show as typed (markup was not interpreted).

:func:`hostile_seat` is a seat (no server) whose cache holds that text in
every field a hostile server, caller or KB editor could fill;
:class:`HostileServer` refuses every request with it as the error detail.
"""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from operator_tui import clock
from tests.intake_support import CATEGORIES, DEPARTMENTS, HISTORY, KB, ROUTING, make_seat

ATTACK = (
    " [link=http://e]L[/link] [@click=app.quit]Q[/] [@click=screen.dismiss()]S[/]"
    " \x1b]8;;http://evil\x1b\\O\x1b]8;;\x1b\\ \x1b[2J\x1b[31mE\x1b[0m \x9b31m\x85C"
    " \u202eR\u2066I\u2069 Z\u200bW\u200dJ\ufeffK \u2028P\tT\nNL"
)
LONE_SURROGATE = "\ud800"
# Characters no segment may carry (TAB/LF included: a line is one line).
FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
INJECTED_ACTIONS = ("app.quit", "screen.dismiss", "http://e", "http://evil")


def tag_of(tag: str) -> str:
    """What must show literally where a field tagged *tag* is shown."""
    return f"[red]{tag}"


def hostile(tag: str, *, surrogate: bool = True, long: bool = False) -> str:
    """One field's worth of attack, tagged *tag* (keep tags 2-3 characters)."""
    text = f"[red]{tag}[/]" + ATTACK + (LONE_SURROGATE if surrogate else "")
    return text + (" 很长" * 400 if long else "")


def segments(app: App) -> list[Segment]:
    """The current screen (and what shows behind a modal) as rendered segments."""
    width, height = app.size
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    return list(console.render(update))


def screen_lines(app: App) -> list[str]:
    lines, line = [], []
    for seg in segments(app):
        if seg.control:
            continue
        if seg.text == "\n":
            lines.append("".join(line))
            line = []
        else:
            line.append(seg.text)
    lines.append("".join(line))
    return lines


def check_screen(app: App, tags: tuple[str, ...] = (), where: str = "") -> str:
    """Assert the screen shows untrusted text inert; returns its text."""
    where = where or type(app.screen).__name__
    width, height = app.size
    problems: list[str] = []
    for seg in segments(app):
        if seg.control or seg.text == "\n":
            continue
        bad = FORBIDDEN.findall(seg.text)
        if bad:
            problems.append(f"{sorted(set(bad))!r} in segment {seg.text!r}")
        style = seg.style
        if style is None:
            continue
        if style.link:
            problems.append(f"link {style.link!r} on {seg.text!r}")
        meta = style.meta or {}
        for key, value in meta.items():
            if key.startswith("@") and any(a in str(value) for a in INJECTED_ACTIONS):
                problems.append(f"action {key}={value!r} on {seg.text!r}")
    lines = screen_lines(app)
    if len(lines) != height:
        problems.append(f"{len(lines)} lines, not {height}")
    for n, line in enumerate(lines):
        if cell_len(line) != width:
            problems.append(f"line {n} is {cell_len(line)} cells, not {width}: {line!r}")
    text = "\n".join(lines)
    for tag in tags:
        if tag_of(tag) not in text:
            problems.append(f"{tag_of(tag)!r} not shown literally")
    assert not problems, f"{where}:\n  " + "\n  ".join(problems[:20]) + f"\n--- screen ---\n{text}"
    return text


def check_tables(app: App) -> None:
    """DataTable cells are never plain strings (those are parsed as markup) and hold one clean line."""
    for table in app.screen.query(DataTable):
        for row_key in list(table.rows):
            for value in table.get_row(row_key):
                assert not isinstance(value, str) or not value or FORBIDDEN.search(value) is None \
                    and "[" not in value, f"{table.id}: a str cell {value!r} (parsed as markup)"
                if isinstance(value, Text):
                    assert FORBIDDEN.search(value.plain) is None, f"{table.id}: {value.plain!r}"


def hostile_everything(fields: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    """*fields* with each key in *tags* replaced by hostile text of its tag."""
    return {**fields, **{key: hostile(tag) for key, tag in tags.items()}}


# --- a seat full of it, and a server that answers with it -------------------------------------

PHONE = "+8613800138000"
CASE = "251127-012-0099-1"  # resolved, every field hostile
OPEN_CASE = "251128-012-0098-3"  # dispatched to WATERCO, signed, extension asked
EVIL_NO = "[@click=app.quit]Q[/]\x1b[2J251126-012-0097-5"  # a case number a hostile server could send
CATEGORY = "05.01.09"
NOW = clock.now()


def ago(hours: float) -> str:
    return clock.iso(NOW - timedelta(hours=hours))


T0 = ago(60)


def case_state(case_no: str, version: int, **fields: Any) -> dict[str, Any]:
    base = {"case_no": case_no, "version": version, "phone": PHONE, "channel": "phone", "language": "zh",
            "appeal_type": "complaint", "urgency": "urgent", "category_code": CATEGORY, "district": "chaoyang",
            "created_at": T0, "updated_at": ago(50)}
    return {**base, **fields}


def event(case_no: str, version: int, kind: str, payload: dict[str, Any], actor: str = "op2",
          role: str = "operator") -> dict[str, Any]:
    return {"event_id": f"{case_no[-6:]}-{version:02d}".encode().hex(), "case_no": case_no, "seq": None,
            "version": version, "type": kind, "actor_id": actor, "actor_role": role,
            "client_time": T0, "server_time": ago(60 - version), "payload": payload}


def hostile_seat(folder: Path, role: str = "operator", department: str = "") -> Any:
    """A seat (no server) whose cache holds hostile text in every field."""
    s = make_seat("http://127.0.0.1:9", folder)
    operator = {"operator_id": "op1", "name": hostile("ON"), "role": role}
    if department:
        operator["department"] = department
    s.tokens.save({"token": "t", "expires_at": "2099-01-01T00:00:00Z", "operator": operator})
    s = make_seat("http://127.0.0.1:9", folder)
    s.cache.set_seat(12, 0)
    s.cache.set_state("operator_id", "op1")
    s.cache.set_state("role", role)
    categories = CATEGORIES + [{"code": CATEGORY, "parent_code": "05.01", "level": 3, "name_zh": hostile("CZ"),
                                "name_en": hostile("CE"), "keywords": ["停水", hostile("CK")],
                                "deadline_hours": {"critical": 4, "urgent": 24, "normal": 72}}]
    departments = [{**d, "name_zh": hostile("PZ"), "name_en": hostile("PE")} if d["code"] == "WATERCO" else d
                   for d in DEPARTMENTS]
    kb = KB + [{"id": "kb-0009-zh", "group_id": "", "title": hostile("KT"), "language": "zh",
                "body": hostile("KB", long=True), "tags": ["停水", hostile("KG")], "category_codes": [CATEGORY],
                "updated_at": "2025-04-05T13:31:53+00:00"}]
    for kind, items, key in (("categories", categories, "code"), ("departments", departments, "code"),
                             ("routing", ROUTING, "id"), ("kb", kb, "id")):
        s.cache.replace_reference(kind, [{"key": i[key], "version": 1, "data": i} for i in items], 1)
    # case fields also fill the cache's search columns (SQLite text: no lone surrogate there; the
    # protocol strips them, see operator_tui/text.py); JSON payloads and reference data keep them
    fields = {"name": hostile("N1", surrogate=False), "address": hostile("A1", surrogate=False),
              "description": hostile("D1", surrogate=False, long=True)}
    resolved = case_state(CASE, 6, status="resolved", lead_department="WATERCO", resolve_mode="department",
                          resolution=hostile("R1", surrogate=False), dispatched_at=T0, **fields)
    signed = case_state(OPEN_CASE, 4, status="signed", lead_department="WATERCO", extension_pending_hours=72,
                        dispatched_at=T0, deadline="2025-12-30T00:00:00Z", created_at=ago(30),
                        **fields)
    evil = case_state(EVIL_NO, 1, status="open", created_at=ago(80), address=hostile("A2", surrogate=False),
                      description=hostile("D2", surrogate=False))
    events = [
        event(CASE, 1, "created", {**fields, "phone": PHONE}, actor=hostile("O1", surrogate=False)),
        event(CASE, 2, "dispatched", {"department": "WATERCO", "note": hostile("DN")}),
        event(CASE, 3, "returned", {"reason": "other", "text": hostile("B1")}, "dept-waterco", "department"),
        event(CASE, 4, "extended", {"action": "request", "hours": 48, "reason": hostile("X1")},
              "dept-waterco", "department"),
        event(CASE, 5, "note", {"text": hostile("T1")}, "dept-waterco", "department"),
        event(CASE, 6, "resolved", {"mode": "department", "result": hostile("R1")}, "dept-waterco", "department"),
        event(OPEN_CASE, 1, "created", {**fields, "phone": PHONE}),
        event(OPEN_CASE, 2, "dispatched", {"department": "WATERCO"}),
        event(OPEN_CASE, 3, "signed", {}, "dept-waterco", "department"),
        event(OPEN_CASE, 4, "extended", {"action": "request", "hours": 72, "reason": hostile("X2")},
              "dept-waterco", "department"),
    ]
    s.cache.apply_snapshot(HISTORY + [resolved, signed, evil])
    s.cache.apply_pulled(events, [], "0")
    return s



class HostileServer:
    """Loopback HTTP server refusing every request with a hostile JSON ``detail``."""

    def __init__(self, status: int = 400) -> None:
        body = json.dumps({"detail": hostile("SE")}).encode()  # \ud800 travels as a JSON escape

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
