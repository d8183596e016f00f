"""Reference data (categories, departments, routing rules, KB) with versions.

Every write takes the next ``reference_version``; a seat asks for the items
of a kind changed since the version it has, so it fetches only what changed.
Deletions are kept as tombstones for the same reason.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from pydantic import ValidationError

from operator_tui import workdays
from operator_tui.domain import CaseState, EventType, Rejected
from operator_tui.protocol import REFERENCE_KINDS, ReferenceItem, describe_validation_error

from .accounts import audit, cli_actor
from .db import Database, Tx

KEY_FIELD = "id"  # routing and kb items are keyed by id; holidays by date; the others by code


def item_key(kind: str, data: dict[str, Any]) -> str:
    if kind == "holidays":
        return str(data["date"])
    return str(data["code"] if kind in ("categories", "departments") else data[KEY_FIELD])


class ReferenceStore:
    """Versioned reference data in *db*."""

    def __init__(self, db: Database):
        self.db = db

    def put(self, kind: str, items: list[dict[str, Any]], delete: list[str] = (), *,
            by: str = "", ip: str = "") -> int:
        """Validate and upsert *items* (and tombstone *delete*); return the new version.

        Audited as done *by* (default: the command line's user)."""
        model = _model(kind)
        checked: list[dict[str, Any]] = []
        for number, raw in enumerate(items):
            try:
                checked.append(model.model_validate(raw).model_dump(mode="json"))
            except ValidationError as exc:
                raise ValueError(f"{kind} item {number}: {describe_validation_error(exc)}") from None
        with self.db.transaction() as tx:
            version = tx.lock_counter("reference_version") + 1
            rows = [(kind, item_key(kind, d), version, 0, json.dumps(d, ensure_ascii=False)) for d in checked]
            rows += [(kind, key, version, 1, "{}") for key in delete]
            tx.executemany(
                "INSERT INTO reference (kind, key, version, deleted, data) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version,"
                " deleted = excluded.deleted, data = excluded.data",
                rows,
            )
            tx.set_counter("reference_version", version)
            audit(tx, by or cli_actor(), "reference_put", kind, ip, items=len(checked), deleted=len(delete),
                  version=version)
        return version

    def since(
        self, kind: str, since_version: int, limit: int, after_key: str = ""
    ) -> tuple[int, list[ReferenceItem], bool]:
        """Items of *kind* changed after *since_version*: (current version, items, has_more).

        Pages go by (version, key): one upload gives all its items one version,
        so the next page of a big upload is asked for with the last item's
        version and key (*after_key*). The current version is read before the
        items, so it never claims an item the page could not see.
        """
        _model(kind)
        if after_key:
            where, args = "(version > ? OR (version = ? AND key > ?))", (since_version, since_version, after_key)
        else:
            where, args = "version > ?", (since_version,)
        with self.db.transaction(write=False) as tx:
            current = int(tx.scalar(
                "SELECT COALESCE(MAX(version), 0) AS v FROM reference WHERE kind = ?", (kind,)
            ))
            rows = tx.all(
                f"SELECT key, version, deleted, data FROM reference WHERE kind = ? AND {where}"
                " ORDER BY version, key LIMIT ?",
                (kind, *args, limit + 1),
            )
        has_more = len(rows) > limit
        items = [
            ReferenceItem(key=r["key"], version=r["version"], deleted=bool(r["deleted"]), data=json.loads(r["data"]))
            for r in rows[:limit]
        ]
        return current, items, has_more


def _model(kind: str) -> Any:
    try:
        return REFERENCE_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown reference kind {kind!r}; one of {', '.join(REFERENCE_KINDS)}") from None


# The calendar as of the holidays' reference version: a Calendar builds its
# tables once, so the push path keeps the one made last (one per process).
_CALENDARS: dict[tuple[int, int, str], workdays.Calendar] = {}


class ReferenceCheck:
    """Checks that events name real, active categories, departments and cases.

    Loaded lazily within one push transaction and cached for the batch.
    """

    def __init__(self, tx: Tx):
        self._tx = tx
        self._cache: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._calendar: workdays.Calendar | None = None

    def _get(self, kind: str, key: str) -> dict[str, Any] | None:
        if (kind, key) not in self._cache:
            row = self._tx.one(
                "SELECT data FROM reference WHERE kind = ? AND key = ? AND deleted = 0", (kind, key)
            )
            self._cache[(kind, key)] = json.loads(row["data"]) if row else None
        return self._cache[(kind, key)]

    def _category(self, code: str) -> dict[str, Any]:
        cat = self._get("categories", code)
        if cat is None or not cat.get("active", True):
            raise Rejected(f"unknown or retired category {code!r}")
        return cat

    def _department(self, code: str) -> None:
        dept = self._get("departments", code)
        if dept is None or not dept.get("active", True):
            raise Rejected(f"unknown or retired department {code!r}")

    def check(self, kind: EventType, payload: dict[str, Any], state: CaseState | None, tx: Tx) -> None:
        """Raise Rejected when the payload names something that does not exist."""
        if kind in (EventType.CREATED, EventType.CATEGORIZED) and payload.get("category_code"):
            self._category(payload["category_code"])
        elif kind == EventType.DISPATCHED:
            self._department(payload["department"])
            for code in payload.get("co_departments", []):
                if code == payload["department"]:
                    raise Rejected("the lead department cannot also be a co-handler")
                self._department(code)
        elif kind == EventType.MERGED:
            target = tx.one("SELECT status FROM cases WHERE case_no = ?", (payload["into"],))
            if target is None:
                raise Rejected(f"case {payload['into']} does not exist")
            if target["status"] == "merged":
                raise Rejected(f"case {payload['into']} is itself merged; merge into its master")

    def calendar(self, tz: tzinfo | None = None) -> workdays.Calendar:
        """The centre's working-day calendar (reference kind ``holidays``)."""
        if self._calendar is None:
            mark = self._tx.one(
                "SELECT COALESCE(MAX(version), 0) AS v, COUNT(*) AS n FROM reference WHERE kind = 'holidays'"
            ) or {}
            key = (int(mark.get("v") or 0), int(mark.get("n") or 0), str(tz))
            calendar = _CALENDARS.get(key)
            if calendar is None:
                rows = self._tx.all("SELECT data FROM reference WHERE kind = 'holidays' AND deleted = 0")
                calendar = workdays.Calendar.from_items([json.loads(r["data"]) for r in rows], tz)
                _CALENDARS.clear()  # only the current one is ever asked for again
                _CALENDARS[key] = calendar
            self._calendar = calendar
        return self._calendar

    def deadlines(self, state: CaseState, at: datetime, calendar: workdays.Calendar) -> dict[str, str]:
        """Sign, feedback and resolution deadlines for a dispatch (or rework) at
        *at*, as payload fields (see operator_tui.workdays for the rules)."""
        category = self._get("categories", state.category_code) if state.category_code else None
        return workdays.dispatch_deadlines(at, category, state.urgency, calendar).as_payload()
