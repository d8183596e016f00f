"""Storage behind the Open311 GeoReport v2 API: API keys, the extras of
requests posted through it, reference data for it, and how a case reads as
an Open311 service request.

API keys are random, shown once when issued and stored only as their
SHA-256 (like bearer tokens). A request posted through Open311 becomes an
ordinary case (see :meth:`central_server.cases.CaseStore.create_from_channel`);
what a case has no field for (coordinates, media URL, attributes, the
submitter's e-mail and device, the request text as published) is kept in the
``open311_requests`` table beside it, keyed by the case number, which is the
``service_request_id``.

Only requests that came in through Open311 are published by GET requests:
cases taken on the phone are the callers' own words typed by an operator and
stay private.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from operator_tui import clock
from operator_tui.domain import CaseState, CaseStatus, Channel
from operator_tui.text import clean

from .accounts import audit
from .db import Database, Tx

KEY_PREFIX = "o311_"
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$", re.ASCII)
# Channels a key may be registered for: every one but the phone.
KEY_CHANNELS = tuple(c.value for c in Channel if c != Channel.PHONE)

# Open311 knows two statuses. "closed" means "it has been resolved": a case
# is closed once a result is reported (RESOLVED: by the department or
# directly by the hotline), even while the follow-up call is pending, since
# a citizen who cannot be reached would otherwise see "open" for good. A
# follow-up that reopens the case (rework, escalation) makes it open again.
# A merged case is a duplicate: closed, as in the specification's example.
CLOSED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.MERGED)
OPEN_STATUSES = tuple(s for s in CaseStatus if s not in CLOSED_STATUSES)

STATUS_NOTES: dict[str, tuple[str, str]] = {
    CaseStatus.OPEN: ("已受理，热线正在审核分派", "Received; the hotline is reviewing it"),
    CaseStatus.DISPATCHED: ("已派发至承办单位", "Forwarded to the responsible department"),
    CaseStatus.SIGNED: ("承办单位已签收，正在办理", "Accepted by the department; being handled"),
    CaseStatus.RETURNED: ("承办单位退回，热线正在重新分派", "Returned by the department; the hotline is re-assigning it"),
    CaseStatus.RESOLVED: ("已办结，待回访", "Resolved; a follow-up call is pending"),
    CaseStatus.CLOSED: ("已办结，回访完成", "Resolved and confirmed in the follow-up call"),
    CaseStatus.ESCALATED: ("已转督办", "Escalated to supervision"),
    CaseStatus.MERGED: ("重复诉求，已与其他工单合并办理", "Duplicate request; handled together with another case"),
}
RESULT_MAX = 500
# Runs of 7+ digits (phone numbers, ID numbers) in a published result text.
_LONG_DIGITS = re.compile(r"\d[\d -]{5,}\d")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    channel: str
    created_at: str
    revoked: bool = False
    revoked_at: str = ""


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name on this system
        return "cli"


class ApiKeys:
    """Open311 API keys in *db*, issued and revoked by an administrator."""

    def __init__(self, db: Database):
        self.db = db

    def issue(self, name: str, channel: str = Channel.WEB) -> tuple[str, ApiKey]:
        """A new key for *name*; returns (the key, shown only now, its record)."""
        if not NAME_PATTERN.match(name):
            raise ValueError("a key name is a letter, then letters, digits, '.', '_' or '-' (64 at most)")
        if channel not in KEY_CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(KEY_CHANNELS)}")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = clock.now_iso()
        with self.db.transaction() as tx:
            if tx.one("SELECT 1 AS x FROM api_keys WHERE name = ? AND revoked = 0", (name,)):
                raise ValueError(f"a live key named {name!r} exists; revoke it first or pick another name")
            key_id = tx.scalar(
                "INSERT INTO api_keys (name, key_hash, channel, created_at, revoked, revoked_at)"
                " VALUES (?, ?, ?, ?, 0, '') RETURNING id",
                (name, hash_key(key), channel, now),
            )
            audit(tx, _who(), "apikey_issue", name, channel=channel, key_id=int(key_id))
        return key, ApiKey(int(key_id), name, channel, now)

    def list(self) -> list[ApiKey]:
        with self.db.transaction(write=False) as tx:
            rows = tx.all("SELECT * FROM api_keys ORDER BY id")
        return [_key(r) for r in rows]

    def revoke(self, name_or_id: str) -> ApiKey:
        """Revoke the live key with this name, or the key with this id.

        Raises KeyError when there is none. Names start with a letter, so an
        all-digit argument is an id.
        """
        with self.db.transaction() as tx:
            if name_or_id.isdigit():
                row = tx.one("SELECT * FROM api_keys WHERE id = ?", (int(name_or_id),))
            else:
                row = tx.one("SELECT * FROM api_keys WHERE name = ? AND revoked = 0", (name_or_id,))
            if row is None:
                raise KeyError(name_or_id)
            if not row["revoked"]:
                row["revoked"], row["revoked_at"] = 1, clock.now_iso()
                tx.execute(
                    "UPDATE api_keys SET revoked = 1, revoked_at = ? WHERE id = ?",
                    (row["revoked_at"], row["id"]),
                )
                audit(tx, _who(), "apikey_revoke", row["name"], key_id=int(row["id"]))
        return _key(row)

    def check(self, key: str) -> ApiKey | None:
        """The live key *key* is, or None (unknown or revoked)."""
        if not key:
            return None
        with self.db.transaction(write=False) as tx:
            row = tx.one("SELECT * FROM api_keys WHERE key_hash = ?", (hash_key(key),))
        if row is None or row["revoked"]:
            return None
        return _key(row)


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        int(row["id"]), row["name"], row["channel"], row["created_at"],
        bool(row["revoked"]), row["revoked_at"] or "",
    )


# --- reference data -------------------------------------------------------------


class ReferenceCache:
    """Categories or departments by code, reloaded when the kind's version in
    the database moves (so every server process agrees)."""

    def __init__(self, db: Database, kind: str):
        self.db = db
        self.kind = kind
        self._cached: tuple[int, dict[str, dict[str, Any]], dict[str, dict[str, Any]]] = (-1, {}, {})

    def _load(self) -> tuple[int, dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        with self.db.transaction(write=False) as tx:
            version = int(tx.scalar(
                "SELECT COALESCE(MAX(version), 0) AS v FROM reference WHERE kind = ?", (self.kind,)
            ))
            if version == self._cached[0]:
                return self._cached
            rows = tx.all("SELECT data FROM reference WHERE kind = ? AND deleted = 0", (self.kind,))
        items = {d["code"]: d for d in (json.loads(r["data"]) for r in rows)}
        active = {code: d for code, d in items.items() if d.get("active", True)}
        self._cached = (version, items, active)
        return self._cached

    def all(self) -> dict[str, dict[str, Any]]:
        """Every item, retired ones too (for names)."""
        return self._load()[1]

    def active(self) -> dict[str, dict[str, Any]]:
        return self._load()[2]


def leaf_categories(categories: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The categories no active category names as its parent: the services."""
    parents = {c.get("parent_code", "") for c in categories.values()}
    return sorted((c for c in categories.values() if c["code"] not in parents), key=lambda c: c["code"])


def name_of(item: dict[str, Any] | None, lang: str) -> str:
    if not item:
        return ""
    return item.get("name_en" if lang == "en" else "name_zh") or item.get("name_zh", "")


# --- requests ------------------------------------------------------------------


@dataclass
class RequestExtras:
    """What a posted request carries that a case has no field for."""

    service_code: str
    description: str
    address_string: str = ""
    address_id: str = ""
    lat: str = ""
    lng: str = ""
    media_url: str = ""
    attributes: dict[str, Any] | None = None
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    locale: str = "zh"


class Open311Requests:
    """The ``open311_requests`` table and the cases it points at."""

    def __init__(self, db: Database):
        self.db = db

    @staticmethod
    def record(tx: Tx, case_no: str, key: ApiKey, extras: RequestExtras) -> str:
        """Insert the extras row for a new case; return its token."""
        token = secrets.token_urlsafe(16)
        tx.execute(
            "INSERT INTO open311_requests (case_no, token, api_key_id, service_code, requested_at,"
            " description, address_string, address_id, lat, lng, media_url, attributes, email,"
            " device_id, account_id, locale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case_no, token, key.id, extras.service_code, clock.now_iso(), extras.description,
                extras.address_string, extras.address_id, extras.lat, extras.lng, extras.media_url,
                json.dumps(extras.attributes or {}, ensure_ascii=False), extras.email,
                extras.device_id, extras.account_id, extras.locale,
            ),
        )
        return token

    def by_ids(self, case_nos: list[str]) -> list[tuple[dict[str, Any], CaseState]]:
        case_nos = [n for n in case_nos if "\x00" not in n]  # PostgreSQL refuses NUL; no id has one
        if not case_nos:
            return []
        marks = ", ".join("?" for _ in case_nos)
        return self._query(f"o.case_no IN ({marks})", case_nos, len(case_nos))

    def search(
        self, start: str, end: str, service_codes: list[str], statuses: list[str], limit: int
    ) -> list[tuple[dict[str, Any], CaseState]]:
        """Requests made in [start, end], newest first, at most *limit*."""
        where, params = ["o.requested_at >= ?", "o.requested_at <= ?"], [start, end]
        if any("\x00" in c for c in service_codes):
            return []
        if service_codes:
            where.append(f"c.category_code IN ({', '.join('?' for _ in service_codes)})")
            params += service_codes
        if statuses:
            where.append(f"c.status IN ({', '.join('?' for _ in statuses)})")
            params += statuses
        return self._query(" AND ".join(where), params, limit)

    def by_token(self, token: str) -> str | None:
        if "\x00" in token:
            return None
        with self.db.transaction(write=False) as tx:
            row = tx.one("SELECT case_no FROM open311_requests WHERE token = ?", (token,))
        return row["case_no"] if row else None

    def _query(self, where: str, params: list[Any], limit: int) -> list[tuple[dict[str, Any], CaseState]]:
        with self.db.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT o.*, c.state FROM open311_requests o JOIN cases c ON c.case_no = o.case_no"
                f" WHERE {where} ORDER BY o.requested_at DESC, o.case_no DESC LIMIT ?",
                [*params, limit],
            )
        return [(r, CaseState.from_dict(json.loads(r.pop("state")))) for r in rows]


def status_of(state: CaseState) -> str:
    return "closed" if state.status in CLOSED_STATUSES else "open"


def status_notes(state: CaseState, lang: str) -> str:
    """Our detailed state in words, with the reported result once there is one
    (one line, cleaned, long digit runs masked, at most RESULT_MAX chars)."""
    zh, en = STATUS_NOTES.get(state.status, ("", ""))
    note = en if lang == "en" else zh
    if state.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED) and state.resolution:
        result = _LONG_DIGITS.sub("***", clean(state.resolution, one_line=True).strip())
        if len(result) > RESULT_MAX:
            result = result[: RESULT_MAX - 1] + "…"
        note += (": " if lang == "en" else "：") + result
    return note
