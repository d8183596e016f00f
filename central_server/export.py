"""Cases as CSV for a supervisor to hand on (the city office, a department).

Which cases: those created in a date range (the centre's days, ``to``
inclusive) with optional filters — status, lead department, category (and
below), district, channel, overdue — or the cases behind one number of the
board (its ``metric``/``key``/``at``/``days``, see central_server.board). A
department user exports only the cases its department may see.

What a file holds: one row a case, in case order, a header in Chinese or
English, names of categories and departments and the words for channel,
appeal type, urgency, status and satisfaction in that language (the codes of
the categories stay in a column of their own). The file is
UTF-8 with a BOM (Excel opens it right). Every cell is inert: control, bidi
and zero-width characters are stripped, and a cell that a spreadsheet would
take for a formula (it starts with = + - @ tab or CR, or their full-width
forms) gets a leading ``'``. Phone numbers are masked (the seats' rule,
operator_tui.privacy) unless asked for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from operator_tui import clock, workdays
from operator_tui.domain import DISTRICTS, CaseStatus, Channel
from operator_tui.privacy import dial_form, mask_phone
from operator_tui.text import clean
from operator_tui.vocab import label_in

from .board import Board, parse_key
from .db import Database
from .open311_store import ReferenceCache, name_of

MAX_DAYS = 366
MAX_ROWS = 200_000
PAGE = 2000
BOM = "\ufeff"
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
COLUMNS = (  # key, Chinese, English
    ("case_no", "工单号", "Case no"), ("created", "受理时间", "Created"), ("channel", "渠道", "Channel"),
    ("appeal_type", "诉求类型", "Appeal type"), ("urgency", "紧急程度", "Urgency"), ("status", "状态", "Status"),
    ("category_code", "分类编码", "Category code"), ("category", "分类", "Category"),
    ("district", "区", "District"), ("address", "地址", "Address"), ("phone", "电话", "Phone"),
    ("description", "诉求内容", "Description"), ("lead_department", "承办单位", "Lead department"),
    ("co_departments", "协办单位", "Co-handlers"), ("dispatched", "派单时间", "Dispatched"),
    ("deadline", "办理时限", "Deadline"), ("overdue", "超期", "Overdue"), ("resolved", "办结时间", "Resolved"),
    ("resolution", "办理结果", "Resolution"), ("satisfaction", "满意度", "Satisfaction"),
)


class ExportError(ValueError):
    """A filter that cannot be used (HTTP 400)."""


@dataclass(frozen=True)
class ExportFilter:
    """What to export (as given; :meth:`where` checks it)."""

    date_from: str = ""
    date_to: str = ""
    status: str = ""  # comma list
    department: str = ""
    category: str = ""
    district: str = ""
    channel: str = ""
    overdue: bool | None = None
    metric: str = ""  # a board drill instead of the range and filters
    key: str = ""
    at: str = ""
    days: int = 1
    scope: str = ""  # a department user's department: only what it may see
    now: datetime = field(default_factory=clock.now)

    def describe(self) -> dict[str, Any]:
        """The filters given (for the audit log)."""
        return {k: v for k, v in asdict(self).items() if k not in ("now", "days") and v not in ("", None)} | (
            {"days": self.days} if self.metric else {})


def inert_cell(value: Any) -> str:
    """A cell no spreadsheet or terminal acts on: controls out, formulas quoted."""
    text = clean("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA) else text


class Exporter:
    """Counting and writing the cases of one filter."""

    def __init__(self, db: Database, tz: tzinfo | None = None):
        self.db = db
        self.tz = tz or workdays.centre_timezone()
        self.board = Board(db, self.tz)
        self.categories = ReferenceCache(db, "categories")
        self.departments = ReferenceCache(db, "departments")

    # --- which cases --------------------------------------------------------------

    def where(self, f: ExportFilter) -> tuple[str, list[Any]]:
        """The SQL condition over ``cases c``; ExportError for a bad filter."""
        if f.metric:
            if f.date_from or f.date_to:
                raise ExportError("give either a board number (metric, key) or a date range, not both")
            try:
                at = clock.parse(f.at) if f.at else None
            except ValueError:
                raise ExportError(f"at: not an ISO 8601 time: {f.at[:40]!r}") from None
            if at is not None and not 2000 <= at.year < 2100:  # as the board's own route (and no overflow)
                raise ExportError("at: must lie between 2000 and 2100")
            try:
                sql, params = self.board._filter(f.metric, parse_key(f.metric, f.key), self.board.windows(at, f.days))
            except ValueError as exc:  # BoardError: an unknown metric or key
                raise ExportError(str(exc)) from None
            parts, values = [f"({sql})"], list(params)
        else:
            start, end = self._range(f.date_from, f.date_to, f.now)
            parts, values = ["c.created_at >= ? AND c.created_at < ?"], [start, end]
        for name, column, allowed in (("status", "status", {str(s) for s in CaseStatus}),
                                      ("channel", "channel", {str(c) for c in Channel})):
            wanted = [v.strip() for v in getattr(f, name).split(",") if v.strip()]
            bad = [v for v in wanted if v not in allowed]
            if bad:
                raise ExportError(f"{name} {bad[0][:40]!r} is not one of {', '.join(sorted(allowed))}")
            if wanted:
                parts.append(f"c.{column} IN ({', '.join('?' for _ in wanted)})")
                values += wanted
        if f.department:
            if f.department not in self.departments.all():
                raise ExportError(f"no department {f.department[:40]!r}")
            parts.append("c.lead_department = ?")
            values.append(f.department)
        if f.category:
            if f.category not in self.categories.all():
                raise ExportError(f"no category {f.category[:60]!r}")
            escaped = f.category.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append("(c.category_code = ? OR c.category_code LIKE ? ESCAPE '\\')")
            values += [f.category, escaped + ".%"]
        if f.district:
            if f.district not in DISTRICTS:
                raise ExportError(f"no district {f.district[:40]!r}; one of {', '.join(DISTRICTS)}")
            parts.append("c.district = ?")
            values.append(f.district)
        if f.overdue is not None:
            parts.append("(c.due_at <> '' AND c.due_at < ?)" if f.overdue else "(c.due_at = '' OR c.due_at >= ?)")
            values.append(clock.iso(f.now))
        if f.scope:
            parts.append("EXISTS (SELECT 1 FROM case_access a WHERE a.case_no = c.case_no AND a.department = ?)")
            values.append(f.scope)
        return " AND ".join(parts), values

    def _range(self, date_from: str, date_to: str, now: datetime) -> tuple[str, str]:
        if not date_from.strip():
            raise ExportError("from is required: the first day (YYYY-MM-DD) or time (ISO 8601) to export")
        start = self._moment(date_from, "from", end=False)
        end = self._moment(date_to, "to", end=True) if date_to.strip() else now
        if start >= end:
            raise ExportError("from must be before to")
        if end - start > timedelta(days=MAX_DAYS):
            raise ExportError(f"from and to may not span more than {MAX_DAYS} days")
        return clock.iso(start), clock.iso(end)

    def _moment(self, text: str, name: str, *, end: bool) -> datetime:
        """A centre day (to: its end) or an ISO time, as UTC."""
        text = text.strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                moment = datetime.combine(day + timedelta(days=1 if end else 0), time(), self.tz)
            else:
                moment = clock.parse(text)
        except ValueError:
            raise ExportError(f"{name}: {text[:40]!r} is not a day (YYYY-MM-DD) or an ISO 8601 time") from None
        if not 2000 <= moment.year < 2100:
            raise ExportError(f"{name}: must lie between 2000 and 2100")
        return moment.astimezone(UTC)

    def count(self, where: tuple[str, list[Any]]) -> int:
        """How many cases the condition from :meth:`where` matches."""
        sql, params = where
        with self.db.transaction(write=False) as tx:
            return int(tx.scalar(f"SELECT COUNT(*) AS n FROM cases c WHERE {sql}", params) or 0)

    # --- the file -----------------------------------------------------------------

    def csv(self, where: tuple[str, list[Any]], lang: str, include_phone: bool, now: datetime) -> Iterator[bytes]:
        """The file in chunks: BOM and header, then pages of rows."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([zh if lang == "zh" else en for _, zh, en in COLUMNS])
        yield (BOM + out.getvalue()).encode()
        sql, params = where
        after = ("", "")
        while True:
            with self.db.transaction(write=False) as tx:
                rows = tx.all(
                    f"SELECT c.state, c.created_at, c.case_no, c.due_at FROM cases c WHERE {sql} AND "
                    "(c.created_at > ? OR (c.created_at = ? AND c.case_no > ?)) ORDER BY c.created_at, c.case_no "
                    "LIMIT ?", [*params, after[0], after[0], after[1], PAGE])
            if not rows:
                return
            out.seek(0)
            out.truncate()
            for row in rows:
                overdue = bool(row["due_at"]) and row["due_at"] < clock.iso(now)
                writer.writerow(self.cells(json.loads(row["state"]), lang, include_phone, overdue))
            yield out.getvalue().encode()
            after = (rows[-1]["created_at"], rows[-1]["case_no"])

    def cells(self, case: dict[str, Any], lang: str, include_phone: bool, overdue: bool) -> list[str]:
        """One case's row, in COLUMNS order, every cell inert."""
        categories, departments = self.categories.all(), self.departments.all()
        phone = str(case.get("phone") or "")
        values = {
            "case_no": case.get("case_no"),
            "created": self._local(case.get("created_at")),
            "channel": label_in(lang, "channel", case.get("channel")),
            "appeal_type": label_in(lang, "appeal_type", case.get("appeal_type")),
            "urgency": label_in(lang, "urgency", case.get("urgency")),
            "status": label_in(lang, "status", case.get("status")),
            "category_code": case.get("category_code"),
            "category": name_of(categories.get(case.get("category_code") or ""), lang),
            "district": DISTRICTS.get(case.get("district") or "", ("", ""))[0 if lang == "zh" else 1],
            "address": case.get("address"),
            "phone": dial_form(phone) if include_phone else mask_phone(phone),  # the seats' one mask rule
            "description": case.get("description"),
            "lead_department": name_of(departments.get(case.get("lead_department") or ""), lang)
            or case.get("lead_department"),
            "co_departments": "; ".join(name_of(departments.get(d), lang) or d
                                        for d in case.get("co_departments") or []),
            "dispatched": self._local(case.get("dispatched_at")),
            "deadline": self._local(case.get("deadline")),
            "overdue": ("是" if lang == "zh" else "yes") if overdue else "",
            "resolved": self._local(case.get("resolved_at")),
            "resolution": case.get("resolution"),
            "satisfaction": label_in(lang, "satisfaction", case.get("satisfaction")) if case.get("satisfaction") else "",
        }
        return [inert_cell(values[key]) for key, _, _ in COLUMNS]

    def _local(self, stamp: Any) -> str:
        """A stored time as the centre's ``YYYY-MM-DD HH:MM``."""
        if not stamp:
            return ""
        try:
            return clock.parse(str(stamp)).astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return ""
