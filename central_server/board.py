"""The supervisor's live board: SQL aggregates over the cases table, and the
cases behind every number.

Every number of :meth:`Board.summary` comes with a ``drill`` (``metric`` and
``key``); :meth:`Board.cases` with the same metric, key, ``at`` and ``days``
lists the cases behind it, and its ``total`` is that number (for the
satisfaction rate, which counts callbacks, it is the number of cases those
callbacks were about).

Times are the centre's (``OPERATOR_TUI_CENTRE_TZ``, default Asia/Shanghai):
"today" runs from the centre's midnight to *at* (default: now). The counts
read the columns that :func:`central_server.cases.case_columns` keeps on
every case (migration 3), so nothing here reads case JSON but the pages of
cases a drill-down returns.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from operator_tui import clock, workdays
from operator_tui.domain import CaseStatus

from .db import Database, Tx

HOT_RATIO = 2.0  # a hot spot: today's count above twice the baseline...
HOT_MIN_COUNT = 3  # ... and at least this many cases today
HOT_WEEKS = 4  # baseline: mean of the same weekday and hours over the last 4 weeks
MAX_DAYS = 366

METRICS = {  # metric -> the key fields it takes
    "volume": {"hour", "channel"},
    "category": {"category", "window"},
    "hotspot": {"category", "district", "window"},
    "deadline": {"department", "flag", "kind"},
    "response": {"outcome"},
    "direct": {"outcome"},
    "resolution": {"outcome"},
    "satisfaction": {"outcome"},
}
_DONE_STATUSES = f"('{CaseStatus.RESOLVED}', '{CaseStatus.CLOSED}')"


class BoardError(ValueError):
    """A metric or key the board does not know (HTTP 400)."""


def drill(metric: str, **key: Any) -> dict[str, str]:
    """The drill-down of one number: pass both to ``GET /v1/board/cases``."""
    return {"metric": metric, "key": ",".join(f"{k}={v}" for k, v in key.items() if v is not None)}


def parse_key(metric: str, key: str) -> dict[str, str]:
    if metric not in METRICS:
        raise BoardError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    found: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in key.split(","))):
        name, sep, value = part.partition("=")
        if not sep or name not in METRICS[metric]:
            raise BoardError(f"metric {metric} takes keys {', '.join(sorted(METRICS[metric]))}, not {part!r}")
        found[name] = value
    return found


def rollup(code: str, level: int) -> str:
    """A category code cut to *level* parts (0: as it is)."""
    return ".".join(code.split(".")[:level]) if level and code else code


@dataclass(frozen=True)
class Windows:
    """The time windows of one board, as stored text (UTC ISO)."""

    at: datetime
    day_start: datetime
    tz: tzinfo
    days: int

    def shift(self, moment: datetime, days: int) -> str:
        """*moment* moved back *days* days of the centre's calendar."""
        return clock.iso((moment.astimezone(self.tz) - timedelta(days=days)).astimezone(UTC))

    @property
    def today(self) -> tuple[str, str]:
        return clock.iso(self.day_start), clock.iso(self.at)

    @property
    def last_week(self) -> tuple[str, str]:
        return self.shift(self.day_start, 7), self.shift(self.at, 7)

    def baseline(self) -> list[tuple[str, str]]:
        return [(self.shift(self.day_start, 7 * w), self.shift(self.at, 7 * w)) for w in range(1, HOT_WEEKS + 1)]

    @property
    def period(self) -> tuple[str, str]:
        return self.shift(self.day_start, self.days - 1), clock.iso(self.at)

    def hour(self, hour: int) -> tuple[str, str]:
        local = self.day_start.astimezone(self.tz).replace(hour=hour)
        end = local + timedelta(hours=1)
        return clock.iso(local.astimezone(UTC)), clock.iso(min(end.astimezone(UTC), self.at))


class Board:
    """Board aggregates over *db*."""

    def __init__(self, db: Database, tz: tzinfo | None = None, near: float | None = None):
        self.db = db
        self.tz = tz or workdays.centre_timezone()
        self.near = workdays.near_fraction() if near is None else near

    def windows(self, at: datetime | None = None, days: int = 1) -> Windows:
        if not 1 <= days <= MAX_DAYS:
            raise BoardError(f"days must be 1..{MAX_DAYS}")
        at = (at or clock.now()).astimezone(UTC)
        local = at.astimezone(self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        return Windows(at, start, self.tz, days)

    # --- the board --------------------------------------------------------------

    def summary(self, at: datetime | None = None, days: int = 1, level: int = 0,
                top: int = 10, hot: int = 20) -> dict[str, Any]:
        w = self.windows(at, days)
        with self.db.transaction(write=False) as tx:
            return {
                "at": clock.iso(w.at),
                "timezone": str(self.tz),
                "day": w.day_start.astimezone(self.tz).date().isoformat(),
                "near_fraction": self.near,
                "volume": self._volume(tx, w),
                "top_categories": self._categories(tx, w, level, top),
                "hot_spots": self._hot_spots(tx, w, level, hot),
                "deadlines": self._deadlines(tx, w),
                "rates": self._rates(tx, w),
            }

    def _volume(self, tx: Tx, w: Windows) -> dict[str, Any]:
        rows = tx.all(
            "SELECT substr(created_at, 1, 16) AS minute, channel, COUNT(*) AS n FROM cases"
            " WHERE created_at >= ? AND created_at < ? GROUP BY substr(created_at, 1, 16), channel",
            w.today,
        )
        hours: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        channels: dict[str, int] = defaultdict(int)
        for r in rows:
            hour = clock.parse(r["minute"] + ":00Z").astimezone(self.tz).hour
            hours[hour][r["channel"]] += r["n"]
            channels[r["channel"]] += r["n"]
        return {
            "total": sum(channels.values()),
            "drill": drill("volume"),
            "by_channel": [
                {"channel": c, "count": n, "drill": drill("volume", channel=c)}
                for c, n in sorted(channels.items(), key=lambda x: (-x[1], x[0]))
            ],
            "by_hour": [
                {
                    "hour": h,
                    "count": sum(hours[h].values()),
                    "drill": drill("volume", hour=h),
                    "by_channel": [
                        {"channel": c, "count": n, "drill": drill("volume", hour=h, channel=c)}
                        for c, n in sorted(hours[h].items())
                    ],
                }
                for h in range(w.at.astimezone(self.tz).hour + 1)
            ],
        }

    def _categories(self, tx: Tx, w: Windows, level: int, top: int) -> list[dict[str, Any]]:
        (t0, t1), (l0, l1) = w.today, w.last_week
        rows = tx.all(
            "SELECT category_code, SUM(CASE WHEN created_at >= ? THEN 1 ELSE 0 END) AS today,"
            " SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END) AS last_week FROM cases"
            " WHERE (created_at >= ? AND created_at < ?) OR (created_at >= ? AND created_at < ?)"
            " GROUP BY category_code",
            (t0, l1, t0, t1, l0, l1),
        )
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in rows:
            pair = counts[rollup(r["category_code"], level)]
            pair[0] += int(r["today"] or 0)
            pair[1] += int(r["last_week"] or 0)
        ranked = sorted(((c, n) for c, n in counts.items() if n[0]), key=lambda x: (-x[1][0], x[0]))[:top]
        return [
            {
                "category": code,
                "today": today,
                "last_week": last,
                "change": today - last,
                "change_pct": round(100.0 * (today - last) / last, 1) if last else None,
                "drill": drill("category", category=code),
                "drill_last_week": drill("category", category=code, window="last_week"),
            }
            for code, (today, last) in ranked
        ]

    def _hot_spots(self, tx: Tx, w: Windows, level: int, limit: int) -> list[dict[str, Any]]:
        today = self._by_place(tx, [w.today], level)
        base = self._by_place(tx, w.baseline(), level)
        spots = []
        for (code, district), n in today.items():
            baseline = base.get((code, district), 0) / HOT_WEEKS
            ratio = n / baseline if baseline else None
            flagged = n >= HOT_MIN_COUNT and (ratio is None or ratio > HOT_RATIO)
            spots.append({
                "category": code, "district": district, "today": n, "baseline": baseline,
                "ratio": round(ratio, 2) if ratio is not None else None, "flagged": flagged,
                "drill": drill("hotspot", category=code, district=district),
                "drill_baseline": drill("hotspot", category=code, district=district, window="baseline"),
            })
        inf = float("inf")
        spots.sort(key=lambda s: (not s["flagged"], -(s["ratio"] if s["ratio"] is not None else inf),
                                  -s["today"], s["category"], s["district"]))
        return spots[:limit]

    def _by_place(self, tx: Tx, windows: list[tuple[str, str]], level: int) -> dict[tuple[str, str], int]:
        where = " OR ".join("(created_at >= ? AND created_at < ?)" for _ in windows)
        rows = tx.all(
            f"SELECT category_code, district, COUNT(*) AS n FROM cases WHERE district <> '' AND ({where})"
            " GROUP BY category_code, district",
            [x for pair in windows for x in pair],
        )
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for r in rows:
            counts[(rollup(r["category_code"], level), r["district"])] += r["n"]
        return counts

    def _deadlines(self, tx: Tx, w: Windows) -> dict[str, Any]:
        at = clock.iso(w.at)
        kinds = [str(k) for k in workdays.DeadlineKind]
        per_kind = "".join(
            f", SUM(CASE WHEN due_at < ? AND due_kind = '{k}' THEN 1 ELSE 0 END) AS overdue_{k}" for k in kinds
        )
        rows = tx.all(
            "SELECT lead_department, COUNT(*) AS open_cases,"
            " SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) AS overdue,"
            f" SUM(CASE WHEN due_at >= ? AND warn_at <= ? THEN 1 ELSE 0 END) AS near_cases{per_kind}"
            " FROM cases WHERE due_at <> '' GROUP BY lead_department",
            (at, at, at, *([at] * len(kinds))),
        )
        departments = []
        for r in rows:
            dept = r["lead_department"]
            departments.append({
                "department": dept,
                "open": int(r["open_cases"]),
                "near": int(r["near_cases"] or 0),
                "overdue": int(r["overdue"] or 0),
                "overdue_by_kind": {k: int(r[f"overdue_{k}"] or 0) for k in kinds},
                "drill_open": drill("deadline", department=dept, flag="open"),
                "drill_near": drill("deadline", department=dept, flag="near"),
                "drill_overdue": drill("deadline", department=dept, flag="overdue"),
            })
        departments.sort(key=lambda d: (-d["overdue"], -d["near"], d["department"]))
        return {
            "open": sum(d["open"] for d in departments),
            "near": sum(d["near"] for d in departments),
            "overdue": sum(d["overdue"] for d in departments),
            "drill_near": drill("deadline", flag="near"),
            "drill_overdue": drill("deadline", flag="overdue"),
            "by_department": departments,
        }

    def _rates(self, tx: Tx, w: Windows) -> dict[str, Any]:
        p0, p1 = w.period
        at = clock.iso(w.at)
        row = tx.one(
            "SELECT COUNT(*) AS total,"
            " SUM(CASE WHEN responded_at <> '' OR respond_by <= ? THEN 1 ELSE 0 END) AS response_due,"
            " SUM(CASE WHEN responded_at <> '' AND responded_at <= respond_by THEN 1 ELSE 0 END) AS response_ok,"
            " SUM(CASE WHEN resolve_mode = 'direct' THEN 1 ELSE 0 END) AS direct,"
            " SUM(CASE WHEN dispatched_at <> '' THEN 1 ELSE 0 END) AS dispatched,"
            f" SUM(CASE WHEN dispatched_at <> '' AND status IN {_DONE_STATUSES} THEN 1 ELSE 0 END) AS resolved"
            " FROM cases WHERE created_at >= ? AND created_at < ? AND status <> 'merged'",
            (at, p0, p1),
        ) or {}
        outcomes = {r["outcome"]: int(r["n"]) for r in tx.all(
            "SELECT outcome, COUNT(*) AS n FROM callback_outcomes WHERE at >= ? AND at < ? GROUP BY outcome",
            (p0, p1),
        )}
        n = {k: int(v or 0) for k, v in row.items()}
        happy = outcomes.get("satisfied", 0) + outcomes.get("basic", 0)
        answered = happy + outcomes.get("unsatisfied", 0)
        return {
            "days": w.days,
            "from": p0,
            "to": p1,
            "cases": n.get("total", 0),
            "response": _rate(n.get("response_ok", 0), n.get("response_due", 0), "response", "ok"),
            "direct": _rate(n.get("direct", 0), n.get("total", 0), "direct", "direct"),
            "resolution": _rate(n.get("resolved", 0), n.get("dispatched", 0), "resolution", "resolved"),
            "satisfaction": {
                **_rate(happy, answered, "satisfaction", None),
                "outcomes": {
                    o: {"count": outcomes.get(o, 0), "drill": drill("satisfaction", outcome=o)}
                    for o in ("satisfied", "basic", "unsatisfied", "no_answer")
                },
            },
        }

    # --- the cases behind a number -----------------------------------------------------

    def cases(self, metric: str, key: str, at: datetime | None = None, days: int = 1,
              after: str = "", limit: int = 100) -> dict[str, Any]:
        """A page of the cases behind a number (by case number), and their total."""
        w = self.windows(at, days)
        where, params = self._filter(metric, parse_key(metric, key), w)
        with self.db.transaction(write=False) as tx:
            total = int(tx.scalar(f"SELECT COUNT(*) AS n FROM cases c WHERE {where}", params) or 0)
            rows = tx.all(
                f"SELECT c.state FROM cases c WHERE {where} AND c.case_no > ? ORDER BY c.case_no LIMIT ?",
                [*params, after, limit + 1],
            )
        found = [json.loads(r["state"]) for r in rows[:limit]]
        return {
            "metric": metric, "key": key, "at": clock.iso(w.at), "total": total,
            "cases": found, "has_more": len(rows) > limit,
            "next_after": found[-1]["case_no"] if found else after,
        }

    def _filter(self, metric: str, key: dict[str, str], w: Windows) -> tuple[str, list[Any]]:
        at = clock.iso(w.at)
        where: list[str] = []
        params: list[Any] = []

        def add(sql: str, *values: Any) -> None:
            where.append(sql)
            params.extend(values)

        def created_in(*windows: tuple[str, str]) -> None:
            add("(" + " OR ".join("(c.created_at >= ? AND c.created_at < ?)" for _ in windows) + ")",
                *[x for pair in windows for x in pair])

        outcome = key.get("outcome", "")
        if metric == "volume":
            if "hour" in key:
                created_in(w.hour(_int(key["hour"], 0, 23)))
            else:
                created_in(w.today)
            if "channel" in key:
                add("c.channel = ?", key["channel"])
        elif metric in ("category", "hotspot"):
            window = key.get("window", "today")
            choices = {"today": [w.today], "last_week": [w.last_week], "baseline": w.baseline()}
            allowed = {"category": ("today", "last_week"), "hotspot": ("today", "baseline")}[metric]
            if window not in allowed:
                raise BoardError(f"window {window!r} does not apply to {metric}")
            created_in(*choices[window])
            if "category" not in key:
                raise BoardError(f"metric {metric} needs a category in its key")
            _category(add, key["category"])
            if metric == "hotspot":
                if not key.get("district"):
                    raise BoardError("metric hotspot needs a district in its key")
                add("c.district = ?", key["district"])
        elif metric == "deadline":
            add("c.due_at <> ''")
            flag = key.get("flag", "at_risk")
            if flag == "overdue":
                add("c.due_at < ?", at)
            elif flag == "near":
                add("c.due_at >= ? AND c.warn_at <= ?", at, at)
            elif flag == "at_risk":
                add("c.warn_at <= ?", at)
            elif flag != "open":
                raise BoardError("flag is one of open, near, overdue, at_risk")
            if key.get("department"):
                add("c.lead_department = ?", key["department"])
            if key.get("kind"):
                add("c.due_kind = ?", key["kind"])
        elif metric == "satisfaction":
            outcomes = {"": ("satisfied", "basic", "unsatisfied"), "happy": ("satisfied", "basic")}
            chosen = outcomes.get(outcome, (outcome,))
            if not set(chosen) <= {"satisfied", "basic", "unsatisfied", "no_answer"}:
                raise BoardError("outcome is one of satisfied, basic, unsatisfied, no_answer, happy")
            marks = ", ".join("?" for _ in chosen)
            add("EXISTS (SELECT 1 FROM callback_outcomes o WHERE o.case_no = c.case_no"
                f" AND o.at >= ? AND o.at < ? AND o.outcome IN ({marks}))", *w.period, *chosen)
        else:  # the rates over the cases created in the period
            created_in(w.period)
            add("c.status <> 'merged'")
            cases = {
                ("response", ""): ("(c.responded_at <> '' OR c.respond_by <= ?)", [at]),
                ("response", "ok"): ("c.responded_at <> '' AND c.responded_at <= c.respond_by", []),
                ("response", "late"): ("(c.responded_at > c.respond_by OR (c.responded_at = ''"
                                       " AND c.respond_by <= ?))", [at]),
                ("direct", ""): ("1 = 1", []),
                ("direct", "direct"): ("c.resolve_mode = 'direct'", []),
                ("resolution", ""): ("c.dispatched_at <> ''", []),
                ("resolution", "resolved"): (f"c.dispatched_at <> '' AND c.status IN {_DONE_STATUSES}", []),
                ("resolution", "unresolved"): (f"c.dispatched_at <> '' AND c.status NOT IN {_DONE_STATUSES}", []),
            }
            if (metric, outcome) not in cases:
                raise BoardError(f"metric {metric} has no outcome {outcome!r}")
            sql, values = cases[(metric, outcome)]
            add(sql, *values)
        return " AND ".join(where) or "1 = 1", params


def _rate(numerator: int, denominator: int, metric: str, outcome: str | None) -> dict[str, Any]:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": round(numerator / denominator, 4) if denominator else None,
        "drill": drill(metric, outcome=outcome if outcome else "happy") if metric == "satisfaction"
        else drill(metric, outcome=outcome),
        "drill_denominator": drill(metric),
    }


def _int(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BoardError(f"not a number: {text!r}") from None
    if not low <= value <= high:
        raise BoardError(f"{value} is not in {low}..{high}")
    return value


def _category(add: Any, code: str) -> None:
    """Cases of category *code* or below it ('' = not categorized yet)."""
    if not code:
        add("c.category_code = ''")
        return
    escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    add("(c.category_code = ? OR c.category_code LIKE ? ESCAPE '\\')", code, escaped + ".%")
