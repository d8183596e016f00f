"""The supervisor's board as tables: the /v1/board JSON turned into rows.

Pure functions (no widgets), so the numbers on screen can be checked
against the JSON. Every number cell carries the ``drill`` the server gave it
(``{"metric", "key"}`` for GET /v1/board/cases) and a title for the list of
cases behind it; a label cell opens the row's first number. Codes become
names through :class:`screens.worklists.Names`; nothing from the server is
parsed as markup (:func:`screens.inert.cell`).

Words are in the UI language when the tables are built (the board builds
them again on a language change); a list title is a :data:`Title`, made
into text when it is shown, so the list behind a number follows a language
switch too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text

from operator_tui import i18n, vocab
from operator_tui.domain import Channel
from operator_tui.i18n import NP_, N_, _, ngettext, pgettext

from . import worklists as wl
from .inert import cell

Drill = dict[str, str]
Title = Callable[[wl.Names], str]  # a list's title in the UI language, with names from *names*
Part = Callable[[wl.Names], str] | str
SATISFACTION_TARGET = 0.97  # the centre is judged on 97 %
CHANNELS = [c.value for c in Channel]
CHANNEL_LABELS = {"phone": N_("Phone"), "web": N_("Web"), "app": N_("App"), "wechat": N_("WeChat"),
                  "weibo": N_("Weibo"), "email": N_("Mail")}
RATE_LABELS = {"response": NP_("rate", "Response"), "resolution": NP_("rate", "Resolution"),
               "satisfaction": NP_("rate", "Satisfaction"), "direct": NP_("rate", "Answered directly")}
RATE_HELP = {  # the rate's numerator, its denominator
    "response": (N_("in time"), N_("due or answered")),
    "resolution": (N_("resolved"), N_("dispatched")),
    "satisfaction": (N_("satisfied + basic"), N_("callbacks answered")),
    "direct": (N_("answered directly"), N_("cases")),
}
BAR_CELLS = 6


def title(message: str, **parts: Part) -> Title:
    """A :data:`Title`: *message* (N_) translated when shown, its ``{placeholders}``
    filled with *parts* (text, or a :data:`Title` itself)."""
    def text(names: wl.Names) -> str:
        return _(message).format(**{k: v(names) if callable(v) else v for k, v in parts.items()})

    return text


def translated(message: str | tuple[str, str]) -> str:
    """A catalog message (N_, or NP_'s pair) in the UI language."""
    return pgettext(*message) if isinstance(message, tuple) else _(message)


def word(message: str | tuple[str, str]) -> Title:
    """A catalog message (N_, or NP_'s pair) as a title part."""
    return lambda names: translated(message)


def title_text(found: Title | str, names: wl.Names) -> str:
    """The text of a list title (a plain string stays as it is)."""
    return found(names) if callable(found) else str(found)


@dataclass
class BoardRow:
    key: str
    cells: tuple[Text, ...]
    drills: tuple[tuple[Drill, Title] | None, ...]  # per column: (drill, list title) or None

    def drill_at(self, column: int) -> tuple[Drill, Title] | None:
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
    return cell(i18n.format_number(int(value or 0)), style=style)


def percent(rate: float | None) -> str:
    return "—" if rate is None else i18n.format_percent(rate, 1)


def bar(value: float, top: float, width: int = BAR_CELLS) -> str:
    """A horizontal bar of eighths: *value* of *top* over *width* cells."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(width * 8 * value / top))
    return "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]


def columns(*messages: str | tuple[str, str]) -> tuple[str, ...]:
    """Column titles in the UI language ('' stays '')."""
    return tuple(translated(m) if m else "" for m in messages)


# --- the three rates and the share answered directly ------------------------------------


def period_of(days: int) -> Title:
    """The rates' period in words: "today", or "last N days"."""
    return word(N_("today")) if days == 1 else lambda names: ngettext(
        "last {n} day", "last {n} days", days).format(n=days)


def rates_table(board: dict[str, Any]) -> BoardTable:
    rates = board.get("rates") or {}
    days = int(rates.get("days") or 1)
    period = period_of(days)
    table = BoardTable("rates", columns(N_("Rate"), "%", N_("Count"), N_("Of")))
    for name in ("response", "resolution", "satisfaction", "direct"):
        rate = rates.get(name) or {}
        good, whole = RATE_HELP[name]
        low = name == "satisfaction" and rate.get("rate") is not None and rate["rate"] < SATISFACTION_TARGET
        label = word(RATE_LABELS[name])
        good_title = title(N_("{rate} {period}: {part}"), rate=label, period=period, part=word(good))
        table.rows.append(BoardRow(name, (
            cell(translated(RATE_LABELS[name]), style="bold"),
            cell(percent(rate.get("rate")), style="bold yellow" if low else "bold"),
            number(rate.get("numerator")),
            number(rate.get("denominator"), style="dim"),
        ), (
            None,
            (rate.get("drill") or {}, good_title),
            (rate.get("drill") or {}, good_title),
            (rate.get("drill_denominator") or {},
             title(N_("{rate} {period}: {part}"), rate=label, period=period, part=word(whole))),
        )))
        if name == "satisfaction":
            for outcome, found in (rate.get("outcomes") or {}).items():
                words = vocab.label("satisfaction", outcome)
                table.rows.append(BoardRow(f"satisfaction.{outcome}", (
                    cell(f"  {words}", style="dim"), cell(""), number(found.get("count")), cell(""),
                ), (None, None, (found.get("drill") or {}, title(
                    N_("Callbacks {period}: {outcome}"), period=period,
                    outcome=lambda names, o=outcome: vocab.label("satisfaction", o))), None)))
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
    table = BoardTable("volume", columns(N_("Hour"), N_("Cases"), *(CHANNEL_LABELS[c] for c in CHANNELS)))

    def row(key: str, label: str, total: int, drill: Drill, per_channel: list[dict[str, Any]],
            whole: Title) -> BoardRow:
        found = {c.get("channel"): c for c in per_channel}
        cells = [cell(label, style="bold"), number(total, style="bold")]
        drills: list[tuple[Drill, Title] | None] = [None, (drill, whole)]
        for channel in CHANNELS:
            entry = found.get(channel)
            count = int(entry.get("count") or 0) if entry else 0
            cells.append(number(count, style="" if count else "dim"))
            channel_drill = entry.get("drill") if entry else {
                "metric": drill.get("metric", "volume"),
                "key": ",".join(p for p in (drill.get("key", ""), f"channel={channel}") if p)}
            drills.append((channel_drill, title(N_("{title} · {channel}"), title=whole,
                                                channel=word(CHANNEL_LABELS[channel]))))
        return BoardRow(key, tuple(cells), tuple(drills))

    table.rows.append(row("today", _("Today"), int(volume.get("total") or 0), volume.get("drill") or {},
                          volume.get("by_channel") or [], word(N_("Cases today"))))
    for hour in sorted(volume.get("by_hour") or [], key=lambda h: -int(h.get("hour", 0))):
        h = int(hour.get("hour", 0))
        table.rows.append(row(f"hour.{h}", f"{h:02d}:00", int(hour.get("count") or 0), hour.get("drill") or {},
                              hour.get("by_channel") or [],
                              title(N_("Cases today {start}–{end}"), start=f"{h:02d}:00", end=f"{h + 1:02d}:00")))
    return table


# --- top categories, hot spots -----------------------------------------------------------


def category_name(names: wl.Names, code: str) -> str:
    return names.category(code) if code else _("(no category yet)")


def category_part(code: str) -> Title:
    """A category's name in the language shown (for a :func:`title` part)."""
    return lambda names: category_name(names, code)


def district_part(code: str) -> Title:
    """A district's name in the language shown (for a :func:`title` part)."""
    return lambda names: names.district(code)


def change_text(entry: dict[str, Any]) -> Text:
    change = int(entry.get("change") or 0)
    pct = entry.get("change_pct")
    text = f"{change:+d}"
    if pct is not None:
        text = _("{change} ({pct}%)").format(change=text, pct=f"{pct:+.0f}")
    elif change > 0:
        text = _("{change} (new)").format(change=text)
    return cell(text, style="bold red" if change > 0 else "green" if change < 0 else "dim")


def categories_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    entries = board.get("top_categories") or []
    top = max((int(e.get("today") or 0) for e in entries), default=0)
    table = BoardTable("categories", columns(N_("Category"), N_("Today"), "", N_("Last wk"), NP_("board", "Change")))
    for entry in entries:
        code = str(entry.get("category") or "")
        name = category_part(code)
        today = (entry.get("drill") or {}, title(N_("{name}: today"), name=name))
        last = (entry.get("drill_last_week") or {},
                title(N_("{name}: same weekday last week, to the same hour"), name=name))
        table.rows.append(BoardRow(f"category.{entry.get('category')}", (
            cell(category_name(names, code), limit=14),
            number(entry.get("today"), style="bold"),
            cell(bar(int(entry.get("today") or 0), top), style="cyan"),
            number(entry.get("last_week"), style="dim"),
            change_text(entry),
        ), (today, today, today, last, today)))
    return table


def hotspots_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    table = BoardTable("hotspots", columns("", N_("Category"), N_("District"), N_("Today"), N_("Usual"), "×"))
    for spot in board.get("hot_spots") or []:
        code, where = str(spot.get("category") or ""), str(spot.get("district") or "")
        ratio = spot.get("ratio")
        flagged = bool(spot.get("flagged"))
        today = (spot.get("drill") or {},
                 title(N_("{name} in {district}: today"), name=category_part(code), district=district_part(where)))
        usual = (spot.get("drill_baseline") or {},
                 title(N_("{name} in {district}: the same hours of the last 4 weeks"), name=category_part(code),
                       district=district_part(where)))
        table.rows.append(BoardRow(f"hotspot.{spot.get('category')}.{spot.get('district')}", (
            cell("▲" if flagged else "", style="bold red"),
            cell(category_name(names, code), limit=14, style="bold" if flagged else ""),
            cell(names.district(where), limit=8),
            number(spot.get("today"), style="bold red" if flagged else ""),
            # both UI locales write decimals with "." (zh_Hans_CN, en_GB)
            cell(f"{float(spot.get('baseline') or 0):.2f}", style="dim"),
            cell(_("new") if ratio is None else f"{float(ratio):.1f}", style="bold red" if flagged else "dim"),
        ), (today, today, today, today, usual, today)))
    return table


# --- deadlines by department ------------------------------------------------------------


def deadlines_table(board: dict[str, Any], names: wl.Names) -> BoardTable:
    deadlines = board.get("deadlines") or {}
    table = BoardTable("deadlines", columns(N_("Department"), NP_("deadlines", "Open"), N_("Near"), N_("Overdue")))

    def row(key: str, label: str, who: Title, entry: dict[str, Any], drills: tuple[Drill, Drill, Drill],
            bold: bool) -> BoardRow:
        near, overdue = int(entry.get("near") or 0), int(entry.get("overdue") or 0)
        return BoardRow(key, (
            cell(label, limit=20, style="bold" if bold else ""),
            number(entry.get("open")),
            number(near, style="bold yellow" if near else "dim"),
            number(overdue, style="bold red" if overdue else "dim"),
        ), (None, (drills[0], title(N_("{who}: deadlines running"), who=who)),
            (drills[1], title(N_("{who}: near the deadline"), who=who)),
            (drills[2], title(N_("{who}: past the deadline"), who=who))))

    everyone = {"metric": "deadline", "key": "flag=open"}
    table.rows.append(row("all", _("All departments"), word(N_("All departments")), deadlines,
                          (everyone, deadlines.get("drill_near") or {}, deadlines.get("drill_overdue") or {}), True))
    for dept in deadlines.get("by_department") or []:
        code = str(dept.get("department") or "")
        table.rows.append(row(f"dept.{code}", names.department(code) or _("(none)"),
                              lambda n, c=code: n.department(c) or _("(none)"), dept,
                              (dept.get("drill_open") or {}, dept.get("drill_near") or {},
                               dept.get("drill_overdue") or {}), False))
    return table


def board_tables(board: dict[str, Any], names: wl.Names) -> dict[str, BoardTable]:
    """Every table of the board, by id (words in the UI language, names from *names*)."""
    tables = (rates_table(board), volume_table(board), categories_table(board, names),
              hotspots_table(board, names), deadlines_table(board, names))
    return {t.id: t for t in tables}
