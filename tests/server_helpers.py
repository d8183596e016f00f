"""Helpers for the central server tests: accounts, reference data, logins and
events, against a real server over loopback.

    url = prepare_database(sqlite_url(tmp / "c.db"))   # users + reference data
    with ServerProcess(url, workdir=tmp) as srv:        # python -m operator_tui serve
        op = login(srv.url, "op1")                      # a new seat each login
        no = op.next_case_no()
        [res] = op.push(created(no), ...)

``shared_server`` is a session-scoped fixture (one prepared server per backend,
ids "sqlite" and "postgresql") for tests that do not disturb each other; it
is imported into the test modules that use it.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from central_server.accounts import Accounts, hash_token
from central_server.db import Database
from central_server.migrations import migrate
from central_server.reference import ReferenceStore
from operator_tui import clock
from operator_tui.case_numbers import make_case_no
from operator_tui.domain import Role
from tests.pg import database_name, dbname_of
from tests.servers import ServerProcess, sqlite_url

PASSWORD = "hotline-pass-1"
PHONE = "13800138000"
PHONE_E164 = "+8613800138000"

DEPARTMENTS = [
    {"code": "water", "name_zh": "自来水集团", "name_en": "Water Group", "kind": "utility"},
    {"code": "power", "name_zh": "供电公司", "name_en": "Power Company", "kind": "utility"},
    {"code": "roads", "name_zh": "交通委", "name_en": "Transport Commission"},
    {"code": "retired", "name_zh": "旧部门", "name_en": "Old Office", "active": False},
]
CATEGORIES = [
    {"code": "utilities", "level": 1, "name_zh": "公用事业", "name_en": "Utilities"},
    {"code": "utilities.water", "parent_code": "utilities", "level": 2, "name_zh": "供水",
     "name_en": "Water supply", "default_department": "water", "deadline_hours": {"urgent": 48}},
    {"code": "utilities.power", "parent_code": "utilities", "level": 2, "name_zh": "供电",
     "name_en": "Power supply", "default_department": "power"},
    {"code": "roads.potholes", "level": 1, "name_zh": "道路坑洼", "name_en": "Potholes",
     "default_department": "roads"},
]
# operator id -> (role, department)
USERS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "sup": (Role.SUPERVISOR, None),
    "op1": (Role.OPERATOR, None),
    "op2": (Role.OPERATOR, None),
    "op3": (Role.OPERATOR, None),
    "dept.water": (Role.DEPARTMENT, "water"),
    "dept.power": (Role.DEPARTMENT, "power"),
}


# --- the database, directly ---------------------------------------------------


@contextlib.contextmanager
def open_db(url: str) -> Iterator[Database]:
    """The server's database, opened from the test process (closed after)."""
    db = Database(url)
    try:
        yield db
    finally:
        db.close()


# The server verifies with the parameters stored in each hash: test accounts
# get a cheap argon2 hash so that the hundreds of logins here take no time.
FAST_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def _fast_password(db: Database, operator_ids: list[str]) -> None:
    with db.transaction() as tx:
        tx.executemany("UPDATE operators SET password_hash = ? WHERE operator_id = ?",
                       [(FAST_HASH, oid) for oid in operator_ids])


def prepare_database(url: str) -> str:
    """Migrate *url* and add USERS (password PASSWORD) and the reference data."""
    with open_db(url) as db:
        migrate(db)
        Accounts(db).add_operators_bulk(
            [(oid, oid, role, PASSWORD, dept) for oid, (role, dept) in USERS.items()]
        )
        _fast_password(db, list(USERS))
        refs = ReferenceStore(db)
        refs.put("departments", DEPARTMENTS)
        refs.put("categories", CATEGORIES)
    return url


def add_user(url: str, role: Role = Role.OPERATOR, department: str | None = None,
             prefix: str = "user") -> str:
    """A new operator with a unique id (password PASSWORD); returns the id."""
    operator_id = f"{prefix}-{uuid.uuid4().hex[:8]}"
    with open_db(url) as db:
        Accounts(db).add_operator(operator_id, operator_id, role, PASSWORD, department)
        _fast_password(db, [operator_id])
    return operator_id


def disable_user(url: str, operator_id: str) -> None:
    with open_db(url) as db:
        Accounts(db).set_active(operator_id, False)


def mint_token(url: str, operator_id: str, *, expires_in: timedelta = timedelta(hours=1),
               seat_no: int | None = None) -> str:
    """Write a token row directly (e.g. already expired); return the raw token."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    with open_db(url) as db, db.transaction() as tx:
        tx.execute(
            "INSERT INTO tokens (token_hash, operator_id, seat_no, created_at, expires_at, revoked)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (hash_token(token), operator_id, seat_no, clock.iso(now), clock.iso(now + expires_in)),
        )
    return token


def query(url: str, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    with open_db(url) as db, db.transaction(write=False) as tx:
        return tx.all(sql, params)


# --- servers ------------------------------------------------------------------


def prepared(factory: Any, backend: str, **kw: Any) -> ServerProcess:
    """A server from conftest's ``server_factory`` on a prepared database."""
    srv = factory(backend, start=False, **kw)
    prepare_database(srv.database_url)
    return srv.start()


def new_database(backend: str, request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory, hint: str = "srv") -> str:
    """An empty database URL for *backend* ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        return sqlite_url(tmp_path_factory.mktemp(hint) / "central.db")
    cluster = request.getfixturevalue("pg_cluster")
    if not cluster.running:
        cluster.start()
    return cluster.create_database(database_name(hint))


def drop_database(request: pytest.FixtureRequest, url: str) -> None:
    if url.startswith("postgresql"):
        cluster = request.getfixturevalue("pg_cluster")
        with contextlib.suppress(Exception):
            cluster.drop_database(dbname_of(url))


BACKEND_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def shared_server(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A started server on a prepared database, shared by the test modules
    that import it (their tests use seats and cases of their own)."""
    url = prepare_database(new_database(request.param, request, tmp_path_factory, "shared"))
    srv = ServerProcess(url, workdir=tmp_path_factory.mktemp("server"))
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()
        drop_database(request, url)


# --- HTTP -----------------------------------------------------------------------


def client(base_url: str, token: str | None = None, **kw: Any) -> httpx.Client:
    """An httpx client for *base_url* (no proxies from the environment)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, trust_env=False,
                        timeout=kw.pop("timeout", 30), **kw)


def error_of(response: httpx.Response, status: int | tuple[int, ...]) -> str:
    """Assert *response* is the JSON error with *status*; return its message."""
    wanted = (status,) if isinstance(status, int) else status
    assert response.status_code in wanted, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    return body["error"]


class Login:
    """One logged-in session: its token, seat number and an httpx client."""

    def __init__(self, base_url: str, answer: dict[str, Any]):
        self.base_url = base_url
        self.token: str = answer["token"]
        self.seat_no: int | None = answer["seat_no"]
        self.operator: dict[str, Any] = answer["operator"]
        self.last_case_no: str = answer["last_case_no"]
        self.http = client(base_url, self.token)
        self._daily = itertools.count(1)

    @property
    def operator_id(self) -> str:
        return self.operator["operator_id"]

    def next_case_no(self) -> str:
        """The next case number this seat would make today."""
        assert self.seat_no, "log in with a seat_key to make case numbers"
        return make_case_no(date.today(), self.seat_no, next(self._daily))

    def push(self, *events: dict[str, Any]) -> list[dict[str, Any]]:
        """Push *events* in one batch; the per-event results."""
        response = self.http.post("/v1/events", json={"events": list(events)})
        assert response.status_code == 200, response.text[:500]
        results = response.json()["results"]
        assert [r["event_id"] for r in results] == [e["event_id"] for e in events]
        return results

    def apply(self, *events: dict[str, Any]) -> list[dict[str, Any]]:
        """Push *events* and assert every one was applied."""
        results = self.push(*events)
        assert all(r["status"] == "applied" for r in results), results
        return results

    def reject(self, event: dict[str, Any], reason: str) -> dict[str, Any]:
        """Push one event and assert it is rejected with *reason* in the reason."""
        [result] = self.push(event)
        assert result["status"] == "rejected", result
        assert reason in result["reason"], result["reason"]
        return result

    def case(self, case_no: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/cases/{case_no}")
        assert response.status_code == 200, response.text[:500]
        return response.json()["case"]

    def new_case(self, **fields: Any) -> str:
        """Create a case (applied); return its number."""
        case_no = self.next_case_no()
        self.apply(created(case_no, **fields))
        return case_no

    def dispatched_case(self, department: str, category: str = "utilities.water") -> str:
        """A categorized case dispatched to *department*; returns its number."""
        case_no = self.next_case_no()
        self.apply(created(case_no, category_code=category), dispatched(case_no, department))
        return case_no

    def close(self) -> None:
        self.http.close()


def login_response(base_url: str, operator_id: str, password: str = PASSWORD,
                   seat_key: str | None = None) -> httpx.Response:
    body = {"operator_id": operator_id, "password": password}
    if seat_key:
        body["seat_key"] = seat_key
    with client(base_url) as http:
        return http.post("/v1/auth/login", json=body)


def login(base_url: str, operator_id: str, password: str = PASSWORD,
          seat_key: str | None = None, *, seat: bool = True) -> Login:
    """Log in; with *seat* and no *seat_key*, as a new seat of its own."""
    if seat and seat_key is None:
        seat_key = "seat-" + uuid.uuid4().hex[:12]
    response = login_response(base_url, operator_id, password, seat_key if seat else None)
    assert response.status_code == 200, response.text[:500]
    return Login(base_url, response.json())


# --- events -----------------------------------------------------------------------


def event(case_no: str, type_: str, payload: dict[str, Any] | None = None,
          base_version: int = 0, event_id: str | None = None) -> dict[str, Any]:
    """One wire event with a fresh client-made id."""
    return {
        "event_id": event_id or uuid.uuid4().hex,
        "case_no": case_no,
        "type": type_,
        "base_version": base_version,
        "client_time": clock.now_iso(),
        "payload": payload or {},
    }


def created(case_no: str, **fields: Any) -> dict[str, Any]:
    payload = {"phone": PHONE, "description": "水管爆裂 burst pipe", "district": "chaoyang"}
    return event(case_no, "created", {**payload, **fields})


def edited(case_no: str, base_version: int, **fields: Any) -> dict[str, Any]:
    return event(case_no, "edited", {"fields": fields}, base_version)


def categorized(case_no: str, code: str, base_version: int = 0) -> dict[str, Any]:
    return event(case_no, "categorized", {"category_code": code}, base_version)


def dispatched(case_no: str, department: str, **extra: Any) -> dict[str, Any]:
    return event(case_no, "dispatched", {"department": department, **extra})


def signed(case_no: str) -> dict[str, Any]:
    return event(case_no, "signed", {})


def returned(case_no: str, reason: str = "wrong_locality") -> dict[str, Any]:
    return event(case_no, "returned", {"reason": reason})


def resolved(case_no: str, mode: str = "direct", result: str = "answered") -> dict[str, Any]:
    return event(case_no, "resolved", {"mode": mode, "result": result})


def callback(case_no: str, satisfaction: str = "satisfied") -> dict[str, Any]:
    return event(case_no, "callback", {"satisfaction": satisfaction, "resolved": True})


def merged(case_no: str, into: str) -> dict[str, Any]:
    return event(case_no, "merged", {"into": into})


def note(case_no: str, text: str = "called back, no answer") -> dict[str, Any]:
    return event(case_no, "note", {"text": text})


def feed_head(http: httpx.Client) -> str:
    """The change feed cursor after everything committed so far."""
    cursor = ""
    while True:
        body = http.get("/v1/changes", params={"cursor": cursor, "limit": 1000}).json()
        cursor = body["cursor"]
        if not body["has_more"]:
            return cursor


def read_feed(http: httpx.Client, cursor: str = "", limit: int = 1000) -> tuple[list[dict], str]:
    """Every event after *cursor* (following has_more); (events, new cursor)."""
    events: list[dict] = []
    while True:
        response = http.get("/v1/changes", params={"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.text[:500]
        body = response.json()
        events += body["events"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return events, cursor
