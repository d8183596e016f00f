"""Authentication and roles on the central server, over HTTP, on both backends.

Every endpoint but /health and /v1/auth/login refuses a missing, malformed,
expired or revoked token; role checks refuse the wrong role; a department
sees and acts on only the cases dispatched to it.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
import pytest

from central_server.accounts import MAX_FAILED_PER_IP, MAX_FAILED_PER_OPERATOR, hash_token
from operator_tui import clock
from operator_tui.case_numbers import make_case_no
from operator_tui.domain import Role
pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import (
    PASSWORD,
    PHONE,
    add_user,
    client,
    created,
    disable_user,
    dispatched,
    error_of,
    login,
    login_response,
    mint_token,
    open_db,
    prepare_database,
    query,
    read_feed,
    resolved,
    returned,
    signed,
)

# shared_server (one server per backend for the whole session) lives there
pytest_plugins = ["tests.server_helpers"]
from tests.servers import ServerProcess, sqlite_url

CASE_NO = make_case_no(date(2025, 1, 1), 999, 1)  # whether it exists does not matter
EVENT = {
    "event_id": "evt-auth-0001",
    "case_no": CASE_NO,
    "type": "note",
    "client_time": "2025-01-01T08:00:00Z",
    "payload": {"text": "x"},
}
# (method, path, params, JSON body): every endpoint that needs a token
ENDPOINTS = [
    ("POST", "/v1/auth/logout", None, None),
    ("GET", "/v1/auth/me", None, None),
    ("POST", "/v1/events", None, {"events": [EVENT]}),
    ("GET", "/v1/changes", {"cursor": ""}, None),
    ("GET", "/v1/snapshot", None, None),
    ("GET", f"/v1/cases/{CASE_NO}", None, None),
    ("GET", "/v1/cases", {"phone": PHONE}, None),
    ("POST", "/v1/cases/by-phone", None, {"phone": PHONE}),
    ("GET", "/v1/reference/categories", None, None),
    ("POST", "/v1/reference/departments", None, {"items": []}),
    ("GET", "/v1/users", None, None),
    ("POST", "/v1/users", None, {"operator_id": "nobody", "name": "N", "role": "operator",
                                 "password": "long-enough-1"}),
    ("POST", "/v1/users/op3/disable", None, None),
    ("GET", "/v1/board", None, None),
    ("GET", "/v1/board/cases", {"metric": "volume"}, None),
    ("GET", f"/v1/cases/{CASE_NO}/callers", None, None),
    ("GET", "/v1/audit", None, None),
    ("GET", "/v1/audit/changes", None, None),
    ("GET", "/v1/export/cases.csv", {"from": "2026-11-01"}, None),
]
PUBLIC = {("POST", "/v1/auth/login")}
ENDPOINT_IDS = [f"{m} {p}" for m, p, _, _ in ENDPOINTS]


def call(http: httpx.Client, endpoint: tuple, headers: dict[str, str] | None = None) -> httpx.Response:
    method, path, params, body = endpoint
    return http.request(method, path, params=params, json=body, headers=headers)


def test_the_endpoint_list_covers_the_api(shared_server) -> None:
    with client(shared_server.url) as http:
        spec = http.get("/openapi.json").json()
    routes = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/v1/")}
    listed = {(m, p.replace(CASE_NO, "{case_no}").replace("op3", "{operator_id}")
               .replace("/categories", "/{kind}").replace("/departments", "/{kind}"))
              for m, p, _, _ in ENDPOINTS}
    assert routes - PUBLIC == listed


# --- tokens -----------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def bad_tokens(shared_server) -> dict[str, dict[str, str]]:
    """Authorization headers that must all be refused, by kind."""
    url = shared_server.database_url
    expired = mint_token(url, "op1", expires_in=-timedelta(seconds=1))
    logged_out = login(shared_server.url, "op1")
    assert logged_out.http.post("/v1/auth/logout").status_code == 204
    victim = add_user(url, prefix="gone")
    disabled = login(shared_server.url, victim)
    assert disabled.http.get("/v1/auth/me").status_code == 200
    disable_user(url, victim)
    return {
        "missing": {},
        "empty": {"Authorization": ""},
        "no-token": {"Authorization": "Bearer"},
        "basic": {"Authorization": "Basic b3AxOmhvdGxpbmUtcGFzcy0x"},
        "garbage": bearer("not-a-token"),
        "hash-of-a-token": bearer(hash_token(logged_out.token)),
        "expired": bearer(expired),
        "logged-out": bearer(logged_out.token),
        "disabled-user": bearer(disabled.token),
    }


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=ENDPOINT_IDS)
def test_every_endpoint_refuses_bad_tokens(shared_server, bad_tokens, endpoint) -> None:
    with client(shared_server.url) as http:
        for kind, headers in bad_tokens.items():
            response = call(http, endpoint, headers)
            message = error_of(response, 401)
            assert response.headers.get("www-authenticate") == "Bearer", kind
            if kind == "expired":
                assert "expired" in message
            if kind in ("logged-out", "disabled-user"):
                assert "revoked" in message


def test_a_valid_token_opens_the_endpoints(shared_server) -> None:
    admin = login(shared_server.url, "admin")
    for endpoint in ENDPOINTS:
        if endpoint[1].startswith(("/v1/auth/logout", "/v1/users")) and endpoint[0] == "POST":
            continue  # would end the session / change users; covered elsewhere
        response = call(admin.http, endpoint)
        assert response.status_code in (200, 404), (endpoint, response.text[:300])


def test_expiry_from_token_hours(tmp_path) -> None:
    """``serve --token-hours`` sets the lifetime: a 2-second token stops working."""
    url = prepare_database(sqlite_url(tmp_path / "c.db"))
    with ServerProcess(url, extra_args=["--token-hours", str(2 / 3600)], workdir=tmp_path) as srv:
        session = login(srv.url, "op1")
        assert session.http.get("/v1/auth/me").status_code == 200
        [row] = query(url, "SELECT expires_at FROM tokens WHERE token_hash = ?",
                      (hash_token(session.token),))
        expires = clock.parse(row["expires_at"])
        assert expires - clock.now() < timedelta(seconds=3)
        time.sleep(max(0.0, (expires - clock.now()).total_seconds()) + 0.2)
        assert "expired" in error_of(session.http.get("/v1/auth/me"), 401)


def test_logout_revokes_only_that_token(shared_server) -> None:
    first, second = login(shared_server.url, "op2"), login(shared_server.url, "op2")
    assert first.http.post("/v1/auth/logout").status_code == 204
    error_of(first.http.get("/v1/auth/me"), 401)
    assert second.http.get("/v1/auth/me").json()["operator_id"] == "op2"


def test_tokens_are_stored_hashed(shared_server) -> None:
    session = login(shared_server.url, "op1")
    url = shared_server.database_url
    rows = query(url, "SELECT * FROM tokens")
    assert rows
    for row in rows:
        assert all(session.token not in str(value) for value in row.values())
    assert [r for r in rows if r["token_hash"] == hash_token(session.token)]
    for table in ("audit_log", "login_attempts", "operators"):
        for row in query(url, f"SELECT * FROM {table}"):
            text = " ".join(str(v) for v in row.values())
            assert session.token not in text and PASSWORD not in text, table


# --- login ------------------------------------------------------------------


def test_login_answers_who_and_which_seat(shared_server) -> None:
    first = login(shared_server.url, "op1", seat_key="desk-17")
    again = login(shared_server.url, "op2", seat_key="desk-17")
    other = login(shared_server.url, "op1", seat_key="desk-18")
    assert first.seat_no == again.seat_no != other.seat_no
    assert first.operator == {"operator_id": "op1", "name": "op1", "role": "operator",
                              "department": None, "active": True}
    assert login(shared_server.url, "op1", seat=False).seat_no is None


def test_login_wrong_password_and_unknown_operator(shared_server) -> None:
    user = add_user(shared_server.database_url, prefix="typo")
    wrong = error_of(login_response(shared_server.url, user, "wrong-password"), 401)
    unknown = error_of(login_response(shared_server.url, "nobody-at-all", "wrong-password"), 401)
    assert wrong == unknown  # no hint which of the two was wrong


def test_login_of_a_disabled_operator(shared_server) -> None:
    victim = add_user(shared_server.database_url, prefix="off")
    disable_user(shared_server.database_url, victim)
    assert "disabled" in error_of(login_response(shared_server.url, victim), 403)
    # a wrong password still says only 'wrong' (no hint that the account exists)
    error_of(login_response(shared_server.url, victim, "wrong-password"), 401)


def test_login_is_throttled_per_operator(shared_server) -> None:
    victim = add_user(shared_server.database_url, prefix="guess")
    for _ in range(MAX_FAILED_PER_OPERATOR):
        error_of(login_response(shared_server.url, victim, "guess-guess"), 401)
    response = login_response(shared_server.url, victim)  # even the right password
    assert "too many" in error_of(response, 429)
    assert int(response.headers["retry-after"]) > 0
    assert login_response(shared_server.url, "op1").status_code == 200  # others go on


def test_login_is_throttled_per_address(shared_server) -> None:
    url, now = shared_server.database_url, clock.now_iso()
    with open_db(url) as db, db.transaction() as tx:
        tx.executemany(
            "INSERT INTO login_attempts (operator_id, client_ip, ok, at) VALUES (?, ?, 0, ?)",
            [(f"spray-{i}", "127.0.0.1", now) for i in range(MAX_FAILED_PER_IP)],
        )
    try:
        error_of(login_response(shared_server.url, "op1"), 429)
    finally:
        with open_db(url) as db, db.transaction() as tx:
            tx.execute("DELETE FROM login_attempts WHERE operator_id LIKE 'spray-%'")
    assert login_response(shared_server.url, "op1").status_code == 200


# --- roles --------------------------------------------------------------------

ADMIN_ONLY = [e for e in ENDPOINTS if e[1].startswith(("/v1/users", "/v1/audit"))] + [
    ("POST", "/v1/reference/categories", None, {"items": []}),
]


@pytest.mark.parametrize("operator_id", ["op1", "sup", "dept.water"])
@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _, _ in ADMIN_ONLY])
def test_admin_only_endpoints_refuse_other_roles(shared_server, operator_id, endpoint) -> None:
    session = login(shared_server.url, operator_id)
    message = error_of(call(session.http, endpoint), 403)
    assert USERS_ROLE[operator_id] in message
    assert query(shared_server.database_url,
                 "SELECT active FROM operators WHERE operator_id = 'op3'")[0]["active"]
    assert not query(shared_server.database_url,
                     "SELECT 1 AS x FROM operators WHERE operator_id = 'nobody'")


USERS_ROLE = {"op1": "operator", "sup": "supervisor", "dept.water": "department"}


def test_department_cannot_look_up_callers(shared_server) -> None:
    dept = login(shared_server.url, "dept.water")
    assert "look up callers" in error_of(dept.http.post("/v1/cases/by-phone", json={"phone": PHONE}), 403)
    assert "look up callers" in error_of(dept.http.get("/v1/cases", params={"phone": PHONE}), 403)
    for hotline in ("op1", "sup", "admin"):
        http = login(shared_server.url, hotline).http
        assert http.post("/v1/cases/by-phone", json={"phone": PHONE}).status_code == 200
        assert http.get("/v1/cases", params={"phone": PHONE}).status_code == 200


def test_department_sees_only_its_cases(shared_server) -> None:
    op = login(shared_server.url, "op1")
    water, power = op.dispatched_case("water"), op.dispatched_case("power", "utilities.power")
    never = op.new_case()
    dept = login(shared_server.url, "dept.water")

    assert dept.case(water)["lead_department"] == "water"
    for hidden in (power, never):
        error_of(dept.http.get(f"/v1/cases/{hidden}"), 404)

    events, _ = read_feed(dept.http)
    seen = {e["case_no"] for e in events}
    assert water in seen and not seen & {power, never}
    body = dept.http.get("/v1/changes", params={"limit": 1000}).json()
    assert {c["lead_department"] for c in body["cases"]} <= {"water"}

    snapshot = dept.http.get("/v1/snapshot", params={"limit": 5000}).json()
    numbers = {c["case_no"] for c in snapshot["cases"]}
    assert water in numbers and not numbers & {power, never}
    assert all(c["lead_department"] == "water" or "water" in c["co_departments"]
               for c in snapshot["cases"])


def test_department_cannot_act_on_another_departments_case(shared_server) -> None:
    op = login(shared_server.url, "op1")
    power = op.dispatched_case("power", "utilities.power")
    water = login(shared_server.url, "dept.water")
    for ev in (signed(power), returned(power), resolved(power, "department")):
        water.reject(ev, "not dispatched to your department")
    login(shared_server.url, "dept.power").apply(signed(power), resolved(power, "department"))


def test_department_cannot_create_or_dispatch(shared_server) -> None:
    dept = login(shared_server.url, "dept.water")
    op = login(shared_server.url, "op1")
    dept.reject(created(dept.next_case_no()), "only hotline staff")
    own = op.dispatched_case("water")
    dept.apply(signed(own))
    dept.reject(dispatched(own, "power"), "only hotline staff")


def test_operator_cannot_act_as_a_department(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.dispatched_case("water")
    op.reject(signed(case_no), "only the lead department")
    op.reject(returned(case_no), "only the lead department")
    op.reject(resolved(case_no, "department"), "only the lead department")
    sup = login(shared_server.url, "sup")
    sup.reject(signed(case_no), "only the lead department")
    assert op.case(case_no)["status"] == "dispatched"


def test_role_of_a_department_user_is_checked_against_the_database(shared_server) -> None:
    """A token carries no role: the server reads the operator's current row."""
    url = shared_server.database_url
    user = add_user(url, Role.DEPARTMENT, "water", prefix="d")
    session = login(shared_server.url, user)
    assert session.http.get("/v1/auth/me").json()["department"] == "water"
    with open_db(url) as db, db.transaction() as tx:
        tx.execute("UPDATE operators SET department = 'power' WHERE operator_id = ?", (user,))
    assert session.http.get("/v1/auth/me").json()["department"] == "power"
