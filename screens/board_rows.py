"""The supervisor's board as tables: the /v1/board JSON turned into rows.

Pure functions (no widgets), so the numbers on screen can be checked
against the JSON. Every number cell carries the ``drill`` the server gave it
(``{"metric", "key"}`` for GET /v1/board/cases) and a title for the list of
cases behind it; a label cell opens the row's first number. Codes become
names through :class:`screens.worklists.Names`; nothing from the server is
parsed as markup (:func:`screens.inert.cell`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from operator_tui.domain import Channel

from . import worklists as wl
from .inert import cell

Drill = dict[str, str]
SATISFACTION_TARGET = 0.97  # the centre is judged on 97 %
CHANNELS = [c.value for c in Channel]
CHANNEL_LABELS = {"phone": "Phone", "web": "Web", "app": "App", "wechat": "WeChat", "weibo": "Weibo",
                  "email": "Mail"}
RATE_LABELS = {"response": "Response", "resolution": "Resolution", "satisfaction": "Satisfaction",
               "direct": "Answered directly"}
RATE_HELP = {
    "response": ("in time", "due or answered"),
    "resolution": ("resolved", "dispatched"),
    "satisfaction": ("satisfied + basic", "callbacks answered"),
    "direct": ("answered directly", "cases"),
}
OUTCOME_LABELS = {"satisfied": "satisfied", "basic": "basically satisfied", "unsatisfied": "unsatisfied",
                  "no_answer": "no answer"}
BAR_CELLS = 6


@dataclass
class BoardRow:
    key: str
    cells: tuple[Text, ...]
    drills: tuple[tuple[Drill, str] | None, ...]  # per column: (drill, list title) or None

    def drill_at(self, column: int) -> tuple[Drill, str] | None:
        """The drill of a cell; a cell without one opens the row's first."""
        if 0 <= column < len(self.drills) and self.drills[column] is not None:
            return self.drills[column]
        return next((d for d in self.drills if d is not None), None)


@dataclass
class BoardTable:
    id: str
    columns: tuple[str, ...]
    rows: list[BoardRow] = field(default_factory=list)

    def plain(self) -> list[tuple[str, ...]]:
        """The cells as plain text (what the table shows), row by row."""
        return [tuple(c.plain for c in row.cells) for row in self.rows]


def number(value: Any, style: str = "") -> Text:
    return cell(f"{int(value or 0)}", style=style)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def bar(value: float, top: float, width: int = BAR_CELLS) -> str:
    """A horizontal bar of eighths: *value* of *top* over *width* cells."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(width * 8 * value / top))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


# --- the three rates and the share answered directly ------------------------------------


def rates_table(board: dict[str, Any]) -> BoardTable:
    rates = board.get("rates") or {}
    days = int(rates.get("days") or 1)
    period = "today" if days == 1 else f"last {days} days"
    table = BoardTable("rates", ("Rate", "%", "Count", "Of"))
    for name in ("response", "resolution", "satisfaction", "direct"):
        rate = rates.get(name) or {}
        good, whole = RATE_HELP[name]
        low = name == "satisfaction" and rate.get("rate") is not None and rate["rate"] < SATISFACTION_TARGET
        label = RATE_LABELS[name]
        table.rows.append(BoardRow(name, (
            cell(label, style="bold"),
            cell(percent(rate.get("rate")), style="bold yellow" if low else "bold"),
            number(rate.get("numerator")),
            number(rate.get("denominator"), style="dim"),
        ), (
            None,
            (rate.get("drill") or {}, f"{label} {period}: {good}"),
            (rate.get("drill") or {}, f"{label} {period}: {good}"),
            (rate.get("drill_denominator") or {}, f"{label} {period}: {whole}"),
        )))
        if name == "satisfaction":
            for outcome, found in (rate.get("outcomes") or {}).items():
                words = OUTCOME_LABELS.get(outcome, outcome)
                table.rows.append(BoardRow(f"satisfaction.{outcome}", (
                    cell(f"  {words}", style="dim"), cell(""), number(found.get("count")), cell(""),
                ), (None, None, (found.get("drill") or {}, f"Callbacks {period}: {words}"), None)))
    return table


# --- volume by hour and channel --------------------------------------------------------------


def hourly_counts(board: dict[str, Any]) -> list[int]:
    """Cases per hour of today, 0-23 (hours still to come are 0)."""
    counts = [0] * 24
    for hour in (board.get("volume") or {}).get("by_hour") or []:
        if 0 <= int(hour.get("hour", -1)) < 24:
            counts[int(hour["hour"])] = int(hour.get("count") or 0)
    return counts


def volume_table(board: dict[str, Any]) -> BoardTable:
    """The day's total per channel, then each hour (newest first) per channel."""
    volume = board.get("volume") or {}
    table = BoardTable("volume", ("Hour", "Cases", *(CHANNEL_LABELS[c] for c in CHANNELS)))

    def row(key: str, label: str, total: int, drill: Drill, per_channel: list[dict[str, Any]],
            title: str) -> BoardRow:
        found = {c.get("channel"): c for c in per_channel}
        cells = [cell(label, style="bold"), number(total, style="bold")]
        drills: list[tuple[Drill, str] | None] = [None, (drill, title)]
        for channel in CHANNELS:
            entry = found.get(channel)
            count = int(entry.get("count") or 0) if entry else 0
            cells.append(number(count, style="" if count else "dim"))
            channel_drill = entry.get("drill") if entry else {
                "metric": drill.get("metric", "volume"),
                "key": ",".join(p for p in (drill.get("key", ""), f"channel={channel}") if p)}
            drills.append((channel_drill, f"{title} · {CHANNEL_LABELS[channel]}"))
        return BoardRow(key, tuple(cells), tuple(drills))

    table.rows.append(row("today", "Today", int(volume.get("total") or 0), volume.get("drill") or {},
                          volume.get("by_channel") or [], "Cases today"))
    for hour in sorted(volume.get("by_hour") or [], key=lambda h: -int(h.get("hour", 0))):
        h = int(hour.get("hour", 0))
        table.rows.append(row(f"hour.{h}", f"{h:02d}:00", int(hour.get("count") or 0), hour.get("drill") or {},
                              hour.get("by_channel") or [], f"Cases today {h:02d}:00–{h + 1:02d}:00"))
    return table


# --- top categories, hot spots -----------------------------------------------------------


def category_name(names: wl.Names, code: str) -> str:
    return names.category(code) if code else "(no category yet)"


def change_text(entry: dict[str, Any]) -> Text:
    change = int(entry.get("change") or 0)
    pct = entry.get("change_pct")
    text = f"{change:+d}" + (f" ({pct:+.0f}%)" if pct is not None else " (new)" if change > 0 else "")
    return cell(text, style="bold red" if change > 0 else "green" if change < 0 else "dim")


def categories_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    entries = board.get("top_categories") or []
    top = max((int(e.get("today") or 0) for e in entries), default=0)
    table = BoardTable("categories", ("Category", "Today", "", "Last wk", "Change"))
    for entry in entries:
        name = category_name(names, str(entry.get("category") or ""))
        today = (entry.get("drill") or {}, f"{name}: today")
        last = (entry.get("drill_last_week") or {}, f"{name}: same weekday last week, to the same hour")
        table.rows.append(BoardRow(f"category.{entry.get('category')}", (
            cell(name, limit=14),
            number(entry.get("today"), style="bold"),
            cell(bar(int(entry.get("today") or 0), top), style="cyan"),
            number(entry.get("last_week"), style="dim"),
            change_text(entry),
        ), (today, today, today, last, today)))
    return table


def hotspots_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    table = BoardTable("hotspots", ("", "Category", "District", "Today", "Usual", "×"))
    for spot in board.get("hot_spots") or []:
        name = category_name(names, str(spot.get("category") or ""))
        district = names.district(str(spot.get("district") or ""))
        ratio = spot.get("ratio")
        flagged = bool(spot.get("flagged"))
        today = (spot.get("drill") or {}, f"{name} in {district}: today")
        usual = (spot.get("drill_baseline") or {}, f"{name} in {district}: the same hours of the last 4 weeks")
        table.rows.append(BoardRow(f"hotspot.{spot.get('category')}.{spot.get('district')}", (
            cell("▲" if flagged else "", style="bold red"),
            cell(name, limit=14, style="bold" if flagged else ""),
            cell(district, limit=8),
            number(spot.get("today"), style="bold red" if flagged else ""),
            cell(f"{float(spot.get('baseline') or 0):.2f}", style="dim"),
            cell("new" if ratio is None else f"{ratio:.1f}", style="bold red" if flagged else "dim"),
        ), (today, today, today, today, usual, today)))
    return table


# --- deadlines by department ------------------------------------------------------------


def deadlines_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    deadlines = board.get("deadlines") or {}
    table = BoardTable("deadlines", ("Department", "Open", "Near", "Overdue"))

    def row(key: str, label: str, entry: dict[str, Any], drills: tuple[Drill, Drill, Drill], bold: bool) -> BoardRow:
        near, overdue = int(entry.get("near") or 0), int(entry.get("overdue") or 0)
        return BoardRow(key, (
            cell(label, limit=20, style="bold" if bold else ""),
            number(entry.get("open")),
            number(near, style="bold yellow" if near else "dim"),
            number(overdue, style="bold red" if overdue else "dim"),
        ), (None, (drills[0], f"{label}: deadlines running"), (drills[1], f"{label}: near the deadline"),
            (drills[2], f"{label}: past the deadline")))

    everyone = {"metric": "deadline", "key": "flag=open"}
    table.rows.append(row("all", "All departments", deadlines,
                          (everyone, deadlines.get("drill_near") or {}, deadlines.get("drill_overdue") or {}), True))
    for dept in deadlines.get("by_department") or []:
        code = str(dept.get("department") or "")
        table.rows.append(row(f"dept.{code}", names.department(code) or "(none)", dept,
                              (dept.get("drill_open") or {}, dept.get("drill_near") or {},
                               dept.get("drill_overdue") or {}), False))
    return table


def board_tables(board: dict[str, Any], names: wl.Names) -> dict[str, BoardTable]:
    """Every table of the board, by id."""
    tables = (rates_table(board), volume_table(board), categories_table(board, names),
              hotspots_table(board, names), deadlines_table(board, names))
    return {t.id: t for t in tables}
