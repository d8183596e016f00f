"""Operators, passwords, bearer tokens, seats, login throttling and the audit log.

Passwords are argon2 hashes; tokens are random, handed out once and stored
only as their SHA-256. Everything lives in the database, so any number of
server processes behind a load balancer agree on it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from operator_tui import clock
from operator_tui.domain import Actor, Role

from .db import Database, Tx

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# A hash to verify against when the operator does not exist, so that a wrong
# id takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MAX_FAILED_PER_OPERATOR = 5
MAX_FAILED_PER_IP = 50
FAILED_WINDOW = timedelta(minutes=10)
# login_attempts only serve the limits above (the audit log keeps its own
# record of logins): rows older than PRUNE_AFTER go, the oldest PRUNE_BATCH at
# a time, whenever an attempt's id is a multiple of PRUNE_EVERY (ids come from
# the database, so this holds across server processes).
PRUNE_AFTER = max(FAILED_WINDOW, timedelta(days=1))
PRUNE_EVERY = 100
PRUNE_BATCH = 10_000
_PRUNE_LOCK = (7344, 0)  # PostgreSQL advisory lock: one pruner at a time


class AuthError(Exception):
    """Login or token refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True)
class Session:
    """A valid token's owner."""

    operator_id: str
    name: str
    role: Role
    department: str | None
    seat_no: int | None
    expires_at: str

    @property
    def actor(self) -> Actor:
        return Actor(self.operator_id, self.role, self.department, self.seat_no)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cli_actor() -> str:
    """Who acts from the command line on the server's machine: ``cli:<user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name on this system
        return "cli"


def audit(tx: Tx, operator_id: str, action: str, target: str = "", ip: str = "", **detail: Any) -> None:
    """Append one line to the audit log (never a token or a password).

    Actions are listed in central_server/audit_log.py (ACTIONS).
    """
    tx.execute(
        "INSERT INTO audit_log (at, operator_id, action, target, client_ip, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (clock.now_iso(), operator_id, action, target, ip, json.dumps(detail, ensure_ascii=False)),
    )


class Accounts:
    """Operator accounts and sessions stored in *db*."""

    def __init__(self, db: Database, token_hours: float = 12.0):
        self.db = db
        self.token_lifetime = timedelta(hours=token_hours)

    # --- operators -------------------------------------------------------

    def add_operator(
        self, operator_id: str, name: str, role: Role, password: str, department: str | None = None,
        *, by: str = "", ip: str = "",
    ) -> None:
        """Create an operator (audited as done *by*, default the CLI's user);
        raises ValueError if the id is taken."""
        with self.db.transaction() as tx:
            if tx.one("SELECT 1 AS x FROM operators WHERE operator_id = ?", (operator_id,)):
                raise ValueError(f"operator {operator_id!r} already exists")
            tx.execute(
                "INSERT INTO operators (operator_id, name, role, department, password_hash, active, created_at)"
                " VALUES (?, ?, ?, ?, ?, 1, ?)",
                (operator_id, name, str(role), department, _hasher.hash(password), clock.now_iso()),
            )
            audit(tx, by or cli_actor(), "user_add", operator_id, ip, role=str(role), department=department)

    def add_operators_bulk(self, rows: list[tuple[str, str, Role, str, str | None]]) -> int:
        """Create many operators at once (seeding); existing ids are skipped.

        Rows sharing a password share one hash computation.
        """
        hashes: dict[str, str] = {}
        now = clock.now_iso()
        with self.db.transaction() as tx:
            existing = {r["operator_id"] for r in tx.all("SELECT operator_id FROM operators")}
            new = [r for r in rows if r[0] not in existing]
            for _, _, _, password, _ in new:
                if password not in hashes:
                    hashes[password] = _hasher.hash(password)
            tx.executemany(
                "INSERT INTO operators (operator_id, name, role, department, password_hash, active, created_at)"
                " VALUES (?, ?, ?, ?, ?, 1, ?)",
                [(oid, name, str(role), dept, hashes[pw], now) for oid, name, role, pw, dept in new],
            )
            if new:
                audit(tx, cli_actor(), "user_add_bulk", "", count=len(new))
        return len(new)

    def list_operators(self) -> list[dict[str, Any]]:
        with self.db.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT operator_id, name, role, department, active FROM operators ORDER BY operator_id"
            )
        return [{**r, "active": bool(r["active"])} for r in rows]

    def set_active(self, operator_id: str, active: bool, *, by: str = "", ip: str = "") -> None:
        """Enable or disable an operator (audited); disabling revokes their tokens."""
        with self.db.transaction() as tx:
            changed = tx.execute(
                "UPDATE operators SET active = ? WHERE operator_id = ?", (int(active), operator_id)
            )
            if not changed:
                raise KeyError(operator_id)
            revoked = 0
            if not active:
                revoked = tx.execute(
                    "UPDATE tokens SET revoked = 1 WHERE operator_id = ? AND revoked = 0", (operator_id,)
                )
            audit(tx, by or cli_actor(), "user_enable" if active else "user_disable", operator_id, ip,
                  tokens_revoked=revoked)

    # --- login and tokens -------------------------------------------------

    def login(self, operator_id: str, password: str, seat_key: str, ip: str) -> tuple[str, Session, str]:
        """Check a password and open a session.

        Returns (token, session, the newest case number this seat made as
        far as the server knows, so a seat with a lost cache never reuses a
        number). Raises AuthError(401/403/429).

        Throttling holds across server processes: the failed attempts are
        counted in the database, and each attempt is written (as failed)
        before the slow password check, under a lock per operator id and per
        address, so a burst of parallel guesses cannot all pass the count. An
        id that is no operator is recorded only as a hash (a password typed
        into the id field must not land in a log).
        """
        since = clock.iso(clock.now() - FAILED_WINDOW)
        with self.db.transaction() as tx:
            row = tx.one("SELECT * FROM operators WHERE operator_id = ?", (operator_id,))
            who = operator_id if row else _unknown_id(operator_id)
            _lock_attempts(tx, who, ip)
            failed_op = tx.scalar(
                "SELECT COUNT(*) AS n FROM login_attempts WHERE operator_id = ? AND ok = 0 AND at > ?",
                (who, since),
            )
            failed_ip = tx.scalar(
                "SELECT COUNT(*) AS n FROM login_attempts WHERE client_ip = ? AND ok = 0 AND at > ?",
                (ip, since),
            )
            throttled = failed_op >= MAX_FAILED_PER_OPERATOR or failed_ip >= MAX_FAILED_PER_IP
            if throttled:
                audit(tx, who, "login_throttled", ip=ip, operator_limit=failed_op >= MAX_FAILED_PER_OPERATOR,
                      address_limit=failed_ip >= MAX_FAILED_PER_IP)
                attempt = None
            else:
                attempt = tx.scalar(
                    "INSERT INTO login_attempts (operator_id, client_ip, ok, at) VALUES (?, ?, 0, ?) RETURNING id",
                    (who, ip, clock.now_iso()),
                )
        if throttled:
            raise AuthError(429, "too many failed logins; wait a few minutes", retry_after=60)
        ok = _verify(row["password_hash"] if row else _DUMMY_HASH, password) and row is not None
        with self.db.transaction() as tx:
            if ok:
                tx.execute("UPDATE login_attempts SET ok = 1 WHERE id = ?", (attempt,))
            if not ok:
                audit(tx, who, "login_failed", ip=ip)
                refusal = AuthError(401, "wrong operator id or password")
            elif not row["active"]:
                audit(tx, operator_id, "login_refused_disabled", ip=ip)
                refusal = AuthError(403, "this operator is disabled")
            else:
                refusal = None
                seat_no = _seat_for(tx, seat_key) if seat_key else None
                token = secrets.token_urlsafe(32)
                expires = clock.iso(clock.now() + self.token_lifetime)
                tx.execute(
                    "INSERT INTO tokens (token_hash, operator_id, seat_no, created_at, expires_at, revoked)"
                    " VALUES (?, ?, ?, ?, ?, 0)",
                    (hash_token(token), operator_id, seat_no, clock.now_iso(), expires),
                )
                last_case_no = _last_case_no(tx, seat_no) if seat_no else ""
                audit(tx, operator_id, "login", ip=ip, seat_no=seat_no)
        if attempt % PRUNE_EVERY == 0:
            try:
                self.prune_login_attempts()
            except Exception:  # housekeeping (a busy database): the login stands, the next prune goes on
                log.warning("login: could not prune old login attempts", exc_info=True)
        if refusal is not None:  # raised after the commit, so the attempt is recorded
            raise refusal
        session = Session(
            operator_id, row["name"], Role(row["role"]), row["department"], seat_no, expires
        )
        return token, session, last_case_no

    def prune_login_attempts(self) -> int:
        """Delete the oldest login attempts older than PRUNE_AFTER (at most
        PRUNE_BATCH); return how many went.

        Only the last FAILED_WINDOW is ever counted, so without this the table
        grows with every guess of a password-guessing attack. On PostgreSQL a
        process that finds another one pruning skips it instead of waiting
        (two deletes of the same rows could also deadlock).
        """
        before = clock.iso(clock.now() - PRUNE_AFTER)
        with self.db.transaction() as tx:
            if tx.dialect == "postgresql" and not tx.scalar(
                "SELECT pg_try_advisory_xact_lock(?, ?) AS locked", _PRUNE_LOCK
            ):
                return 0
            return tx.execute(
                "DELETE FROM login_attempts WHERE id IN"
                " (SELECT id FROM login_attempts WHERE at < ? ORDER BY at LIMIT ?)",
                (before, PRUNE_BATCH),
            )

    def session(self, token: str) -> Session:
        """The session behind a bearer token, or AuthError(401)."""
        with self.db.transaction(write=False) as tx:
            row = tx.one(
                "SELECT t.seat_no, t.expires_at, t.revoked, o.operator_id, o.name, o.role,"
                " o.department, o.active FROM tokens t JOIN operators o ON o.operator_id = t.operator_id"
                " WHERE t.token_hash = ?",
                (hash_token(token),),
            )
        if row is None:
            raise AuthError(401, "unknown token; log in again")
        if row["revoked"] or not row["active"]:
            raise AuthError(401, "token revoked; log in again")
        if row["expires_at"] <= clock.now_iso():
            raise AuthError(401, "token expired; log in again")
        return Session(
            row["operator_id"], row["name"], Role(row["role"]), row["department"],
            row["seat_no"], row["expires_at"],
        )

    def logout(self, token: str, ip: str = "") -> bool:
        """Revoke *token* (audited); False if it was unknown or already revoked."""
        with self.db.transaction() as tx:
            row = tx.one("SELECT operator_id, seat_no, revoked FROM tokens WHERE token_hash = ?",
                         (hash_token(token),))
            if row is None or row["revoked"]:
                return False
            tx.execute("UPDATE tokens SET revoked = 1 WHERE token_hash = ?", (hash_token(token),))
            audit(tx, row["operator_id"], "logout", ip=ip, seat_no=row["seat_no"])
        return True


def _unknown_id(operator_id: str) -> str:
    """How an id that is no operator is recorded: a short hash, never the text."""
    return "?" + hashlib.sha256(operator_id.encode("utf-8", "replace")).hexdigest()[:12]


def _lock_attempts(tx: Tx, operator_id: str, ip: str) -> None:
    """Serialise counting-and-recording of attempts for one id and one address.

    SQLite write transactions are already serial (BEGIN IMMEDIATE); on
    PostgreSQL two transaction-scoped advisory locks, always taken in the same
    order (id, then address), so they cannot deadlock.
    """
    if tx.dialect != "postgresql":
        return
    for space, key in ((7342, operator_id), (7343, ip)):
        digest = hashlib.sha256(key.encode("utf-8", "replace")).digest()
        tx.execute("SELECT pg_advisory_xact_lock(?, ?)", (space, int.from_bytes(digest[:4], "big", signed=True)))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _seat_for(tx: Tx, seat_key: str) -> int:
    """The seat number registered for an installation key (assigned once)."""
    row = tx.one("SELECT seat_no FROM seats WHERE seat_key = ?", (seat_key,))
    if row:
        return int(row["seat_no"])
    seat_no = tx.lock_counter("seat_no") + 1
    tx.set_counter("seat_no", seat_no)
    tx.execute(
        "INSERT INTO seats (seat_no, seat_key, registered_at) VALUES (?, ?, ?)",
        (seat_no, seat_key, clock.now_iso()),
    )
    return seat_no


def _last_case_no(tx: Tx, seat_no: int) -> str:
    """The newest case number the seat has made, as far as the server knows."""
    row = tx.one(
        "SELECT case_no FROM cases WHERE seat_no = ? ORDER BY case_no DESC LIMIT 1", (seat_no,)
    )
    return row["case_no"] if row else ""
