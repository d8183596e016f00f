"""Reading the audit log and the change history, with filters and pages.

Two sources, one filter:

- ``audit_log``: who did what that is not a case change — logins (ok,
  failed, throttled, refused), logouts, case views of personal data, caller
  lookups, phone reveals, exports, user and API-key management, reference
  uploads, and reads of this log itself;
- ``events``: every case change (append-only), with operator, role, seat,
  the client's time and the server's time.

Times are UTC, ISO 8601 (a value without a zone is taken as UTC). Pages go
by id (or change number) upwards: pass ``next_after`` to get the next one.
No token, password or full phone number is ever written here (accounts.audit).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from operator_tui import clock

from .db import Database

MAX_LIMIT = 1000
# What each action means (for the CLI's --help and the API's description).
ACTIONS = {
    "login": "a login (detail: seat_no)",
    "login_failed": "a wrong id or password (an unknown id is shown as ?hash)",
    "login_throttled": "a login refused for too many failures (per id or per address)",
    "login_refused_disabled": "a disabled operator tried to log in",
    "logout": "a token revoked by logging out",
    "case_view": "a case with personal data read from the server",
    "snapshot": "a seat fetched recent cases with personal data (first sync after login)",
    "caller_lookup": "cases looked up by phone number (number masked)",
    "callers_lookup": "the callers of a master case listed",
    "phone_reveal": "a masked phone number shown in full on a seat",
    "export": "cases exported",
    "user_add": "an operator added", "user_add_bulk": "operators added by seeding",
    "user_disable": "an operator disabled (tokens revoked)", "user_enable": "an operator enabled",
    "reference_put": "reference data uploaded", "apikey_issue": "an Open311 API key issued",
    "apikey_revoke": "an Open311 API key revoked", "audit_read": "this log or the change history read",
}


@dataclass(frozen=True)
class AuditFilter:
    """Which lines: a time range (UTC ISO), operator, action(s), target."""

    since: str = ""
    until: str = ""
    operator: str = ""
    action: str = ""  # one action, or several separated by commas
    target: str = ""

    def checked(self) -> "AuditFilter":
        """The same filter with times in the stored form; ValueError for a bad time."""
        return AuditFilter(_time(self.since, "since"), _time(self.until, "until"),
                           self.operator.strip(), self.action.strip(), self.target.strip())

    def describe(self) -> dict[str, str]:
        """The filters given (for the audit_read row)."""
        return {k: v for k, v in asdict(self).items() if v}


def _time(text: str, name: str) -> str:
    """*text* (ISO 8601, naive = UTC) in the stored UTC form; '' stays ''."""
    text = text.strip()
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return clock.iso(moment)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved into UTC
        raise ValueError(f"{name}: {text[:40]!r} is not an ISO 8601 time (e.g. 2026-11-29 or 2026-11-29T08:00Z)") from None


def _where(f: AuditFilter, time_col: str, operator_col: str, action_col: str,
           target_col: str) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if f.since:
        clauses.append(f"{time_col} >= ?")
        args.append(f.since)
    if f.until:
        clauses.append(f"{time_col} < ?")
        args.append(f.until)
    if f.operator:
        clauses.append(f"{operator_col} = ?")
        args.append(f.operator)
    actions = [a.strip() for a in f.action.split(",") if a.strip()]
    if actions:
        clauses.append(f"{action_col} IN ({', '.join('?' * len(actions))})")
        args.extend(actions)
    if f.target:
        clauses.append(f"{target_col} = ?")
        args.append(f.target)
    return clauses, args


def read_log(db: Database, f: AuditFilter, after: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], bool]:
    """Audit lines matching *f* with id > *after*, oldest first: (lines, has_more)."""
    f = f.checked()
    clauses, args = _where(f, "at", "operator_id", "action", "target")
    clauses.append("id > ?")
    sql = ("SELECT id, at, operator_id, action, target, client_ip, detail FROM audit_log WHERE "
           + " AND ".join(clauses) + " ORDER BY id LIMIT ?")
    with db.transaction(write=False) as tx:
        rows = tx.all(sql, (*args, int(after), _limit(limit) + 1))
    lines = [{**r, "id": int(r["id"]), "detail": _detail(r["detail"])} for r in rows]
    return lines[: _limit(limit)], len(lines) > _limit(limit)


def read_changes(db: Database, f: AuditFilter, after: int = 0,
                 limit: int = 100) -> tuple[list[dict[str, Any]], bool]:
    """Case changes matching *f* (action = event type, target = case number)
    with change number > *after*, oldest first: (changes, has_more). The
    payload is left out (it holds personal data): read the case for it."""
    f = f.checked()
    clauses, args = _where(f, "server_time", "actor_id", "type", "case_no")
    clauses.append("seq > ?")
    sql = ("SELECT seq, event_id, case_no, type, version, actor_id, actor_role, seat_no, client_time,"
           " server_time FROM events WHERE " + " AND ".join(clauses) + " ORDER BY seq LIMIT ?")
    with db.transaction(write=False) as tx:
        rows = tx.all(sql, (*args, int(after), _limit(limit) + 1))
    changes = [{**r, "seq": int(r["seq"])} for r in rows]
    return changes[: _limit(limit)], len(changes) > _limit(limit)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _detail(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {"raw": str(raw)[:500]}
    return value if isinstance(value, dict) else {"value": value}
