"""The audit log: complete, attributable, readable (GET /v1/audit, the CLI)
and free of secrets, on both backends. One real session against a server
process on loopback (a seat logs in, types and syncs cases, looks callers up, reveals a number,
logs out; logins fail and are throttled; an admin manages users, reference
data and API keys) is run once for the module; the tests read what it left:
the audit log, the change history, the server's stdout/stderr and the seat's
log file (DEBUG, every logger)."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from central_server.accounts import MAX_FAILED_PER_OPERATOR
from central_server.open311_store import ApiKeys
from central_server.reference import ReferenceStore
from operator_tui.cli import app as cli_app
from operator_tui.domain import EventType
from operator_tui.seat import Seat, SeatPaths
from tests.server_helpers import (BACKEND_PARAMS, PASSWORD, add_user, client, drop_database, login,
                                  login_response, new_database, open_db, prepare_database, query)
from tests.servers import ServerProcess

PHONE = "13912348765"
PHONE_E164 = "+86" + PHONE
WRONG_PASSWORD = "Wr0ng-Secret-Guess-77"
PASSWORD_IN_ID = "MyPassw0rd-typed-in-the-id-field"
runner = CliRunner()


class Session:
    """What the module's session made: URLs, secrets, case numbers, files."""

    server: ServerProcess
    case_no: str
    seat_no: int
    secrets: list[str]
    seat_log: Path
    export_landed: bool


@contextlib.contextmanager
def seat_logging(path: Path):
    """Everything logged in this process at DEBUG into *path* while the seat works."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def _session(tmp: Path, url: str) -> Session:
    s = Session()
    prepare_database(url)
    s.server = srv = ServerProcess(url, workdir=tmp / "srv").start()
    s.seat_log = tmp / "seat.log"
    with seat_logging(s.seat_log):
        seat = Seat(srv.url, SeatPaths.for_server(tmp / "data", srv.url), use_keyring=False)
        seat.login("op1", PASSWORD)
        seat_token = seat.tokens.load()["token"]
        draft_id, s.case_no = seat.new_draft()
        seat.record(s.case_no, EventType.CREATED, {"phone": PHONE, "name": "Lin", "district": "haidian",
                                                     "description": "streetlight out"}, draft_id=draft_id)
        seat.record(s.case_no, EventType.NOTE, {"text": "called back"})
        assert seat.reveal_phone(s.case_no)
        assert seat.engine.sync_once().online and seat.cache.outbox_depth() == 0
        s.seat_no = seat.cache.seat_no

    admin = login(srv.url, "admin")
    assert admin.http.get(f"/v1/cases/{s.case_no}").status_code == 200
    assert admin.http.post("/v1/cases/by-phone", json={"phone": PHONE}).status_code == 200
    assert admin.http.get(f"/v1/cases/{s.case_no}/callers").status_code == 200
    paths = admin.http.get("/openapi.json").json()["paths"]
    s.export_landed = "/v1/export/cases.csv" in paths
    if s.export_landed:
        days = {"from": str(date.today() - timedelta(days=1)), "to": str(date.today() + timedelta(days=1))}
        response = admin.http.get("/v1/export/cases.csv", params={**days, "include_phone": "true"})
        assert response.status_code == 200, response.text[:300]
    assert admin.http.post("/v1/users", json={"operator_id": "newbie", "name": "N", "role": "operator",
                                              "password": "newbie-pass-9"}).status_code == 201
    assert admin.http.post("/v1/users/newbie/disable").status_code == 204
    assert admin.http.post("/v1/reference/departments", json={"items": []}).status_code == 200
    with open_db(url) as db:
        ReferenceStore(db).put("departments", [])  # what the CLI (calendar load, seed) does
        key, _record = ApiKeys(db).issue("portal")
        ApiKeys(db).revoke("portal")
    cli = runner.invoke(cli_app, ["users", "add", "clerk", "--name", "Clerk", "--role", "operator",
                                  "--password", "clerk-pass-12", "--database", url])
    assert cli.exit_code == 0, cli.output
    assert runner.invoke(cli_app, ["users", "disable", "clerk", "--database", url]).exit_code == 0

    assert login_response(srv.url, "op2", WRONG_PASSWORD).status_code == 401
    assert login_response(srv.url, PASSWORD_IN_ID, "x").status_code == 401
    victim = add_user(url, prefix="victim")
    for _ in range(MAX_FAILED_PER_OPERATOR):
        login_response(srv.url, victim, WRONG_PASSWORD)
    assert login_response(srv.url, victim, PASSWORD).status_code == 429
    with seat_logging(s.seat_log):
        seat.logout()
        seat.close()
    s.secrets = [seat_token, admin.token, PASSWORD, WRONG_PASSWORD, PASSWORD_IN_ID, key,
                 "newbie-pass-9", "clerk-pass-12", PHONE, PHONE_E164]
    admin.close()
    return s


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    url = new_database(request.param, request, tmp_path_factory, "audit")
    s = _session(tmp_path_factory.mktemp("audit"), url)
    yield s
    s.server.stop()
    drop_database(request, url)


def admin_get(s: Session, path: str, **params: Any) -> dict[str, Any]:
    with client(s.server.url, login(s.server.url, "admin").token) as http:
        response = http.get(path, params=params)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def all_lines(s: Session, **params: Any) -> list[dict[str, Any]]:
    """Every audit line matching *params*, read in small pages."""
    lines: list[dict[str, Any]] = []
    after = 0
    while True:
        page = admin_get(s, "/v1/audit", after=after, limit=7, **params)
        lines += page["entries"]
        after = page["next_after"]
        if not page["has_more"]:
            return lines


# --- complete and attributable -------------------------------------------------------


def test_every_kind_of_access_is_in_the_audit_log(session: Session) -> None:
    lines = all_lines(session)
    actions = {line["action"] for line in lines}
    expected = {"login", "login_failed", "login_throttled", "logout", "snapshot", "case_view", "caller_lookup",
                "callers_lookup", "phone_reveal", "user_add", "user_disable", "reference_put",
                "apikey_issue", "apikey_revoke"}
    if session.export_landed:
        expected.add("export")
    assert expected <= actions, expected - actions
    by = {(line["operator_id"], line["action"], line["target"]) for line in lines}
    assert ("admin", "user_add", "newbie") in by and ("admin", "user_disable", "newbie") in by
    assert any(op.startswith("cli:") and act == "user_add" and target == "clerk" for op, act, target in by)
    assert any(op.startswith("cli:") and act == "user_disable" and target == "clerk" for op, act, target in by)
    assert ("op1", "phone_reveal", session.case_no) in by and ("admin", "case_view", session.case_no) in by
    assert ("op1", "logout", "") in by
    assert all(line["client_ip"] == "127.0.0.1" for line in lines if not line["operator_id"].startswith("cli"))
    assert [line["id"] for line in lines] == sorted({line["id"] for line in lines})  # pages neither skip nor repeat


def test_every_snapshot_page_is_audited_also_one_asked_for_mid_way(session: Session) -> None:
    """A seat cannot read the recent cases page by page past the audit log."""
    with client(session.server.url, login(session.server.url, "op2").token) as http:
        for after in ("", " ", "000000-000-0000-0"):
            assert http.get("/v1/snapshot", params={"after": after, "limit": 1}).status_code == 200
    pages = [(line["target"], line["detail"]) for line in all_lines(session, operator="op2", action="snapshot")]
    assert [target for target, _ in pages] == ["", " ", "000000-000-0000-0"]
    assert all('"cases": 1' in json.dumps(detail) for _, detail in pages), pages


def test_every_change_keeps_operator_seat_and_both_times(session: Session) -> None:
    changes = admin_get(session, "/v1/audit/changes", target=session.case_no)["changes"]
    assert [c["type"] for c in changes] == ["created", "note", "phone_revealed"]
    for change in changes:
        assert change["actor_id"] == "op1" and change["actor_role"] == "operator"
        assert change["seat_no"] == session.seat_no
        assert change["client_time"] and change["server_time"]
    assert "payload" not in changes[0]  # the history of who and when, not the personal data


def test_filters_and_pages(session: Session) -> None:
    failed = all_lines(session, action="login_failed,login_throttled")
    assert failed and {line["action"] for line in failed} == {"login_failed", "login_throttled"}
    mine = all_lines(session, operator="op1")
    assert mine and {line["operator_id"] for line in mine} == {"op1"}
    target = all_lines(session, target=session.case_no)
    assert {line["action"] for line in target} >= {"case_view", "phone_reveal"}
    first = all_lines(session)[0]["at"]
    assert all_lines(session, until=first) == []
    assert len(all_lines(session, since=first[:10])) >= len(mine)
    page = admin_get(session, "/v1/audit", limit=2)
    assert len(page["entries"]) == 2 and page["has_more"]
    with client(session.server.url, login(session.server.url, "admin").token) as http:
        bad = http.get("/v1/audit", params={"since": "yesterday"})
        assert bad.status_code == 400 and "ISO 8601" in bad.json()["error"]
        for edge in ("0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00"):  # out of range in UTC: 400, not 500
            assert http.get("/v1/audit", params={"until": edge}).status_code == 400
        assert http.get("/v1/audit", params={"limit": 5000}).status_code == 422
    reads = all_lines(session, action="audit_read")
    assert reads and all(line["operator_id"] == "admin" for line in reads)
    assert any(line["detail"].get("filters", {}).get("action") == "login_failed,login_throttled"
               for line in reads)


def test_only_admins_read_it(session: Session) -> None:
    for who in ("op2", "sup", "dept.water"):
        with client(session.server.url, login(session.server.url, who).token) as http:
            response = http.get("/v1/audit")
            assert response.status_code == 403 and "audit log" in response.json()["error"]


def test_cli_prints_the_log_and_the_changes(session: Session) -> None:
    url = session.server.database_url
    out = runner.invoke(cli_app, ["audit", "log", "--action", "logout", "--database", url])
    assert out.exit_code == 0, out.output
    assert "op1" in out.output and "logout" in out.output and "127.0.0.1" in out.output
    out = runner.invoke(cli_app, ["audit", "changes", "--target", session.case_no, "--database", url])
    assert out.exit_code == 0, out.output
    rows = out.output.strip().splitlines()
    assert len(rows) == 3 and all(f"seat {session.seat_no}" in r and "client " in r for r in rows)
    out = runner.invoke(cli_app, ["audit", "log", "--operator", "op1", "--json", "--limit", "2", "--database", url])
    assert out.exit_code == 0 and [json.loads(r)["operator_id"] for r in out.output.splitlines()] == ["op1"] * 2
    out = runner.invoke(cli_app, ["audit", "log", "--since", "last tuesday", "--database", url])
    assert out.exit_code == 1 and "ISO 8601" in out.output
    assert query(url, "SELECT count(*) AS n FROM audit_log WHERE action = 'audit_read'"
                      " AND operator_id LIKE 'cli:%'")[0]["n"] >= 3
    assert "phone_reveal" in runner.invoke(cli_app, ["audit", "actions"]).output


def test_hostile_text_in_the_log_is_printed_inert(session: Session) -> None:
    from central_server.accounts import audit

    url = session.server.database_url
    with open_db(url) as db, db.transaction() as tx:  # as any writer might, some day
        audit(tx, "evil\x1b[2J", "hostile_test", "\x1b]8;;http://x\x1b\\t\x1b]8;;\x1b\\\x9b31m\u202e", note="\x07\n")
    out = runner.invoke(cli_app, ["audit", "log", "--action", "hostile_test", "--database", url])
    assert out.exit_code == 0 and "hostile_test" in out.output
    assert not any(ch in out.output for ch in "\x1b\x9b\x07\u202e") and out.output.count("\n") == 1
    as_json = runner.invoke(cli_app, ["audit", "log", "--action", "hostile_test", "--json", "--database", url])
    assert as_json.exit_code == 0 and not any(ch in as_json.output for ch in "\x1b\x9b\x07\u202e")
    [line] = as_json.output.splitlines()  # escaped, not lost
    assert json.loads(line)["target"] == "\x1b]8;;http://x\x1b\\t\x1b]8;;\x1b\\\x9b31m\u202e"


# --- no secrets anywhere --------------------------------------------------------------


def test_no_token_password_or_full_phone_in_any_log(session: Session) -> None:
    url = session.server.database_url
    audit_text = json.dumps(query(url, "SELECT * FROM audit_log"), ensure_ascii=False)
    attempts = json.dumps(query(url, "SELECT * FROM login_attempts"), ensure_ascii=False)
    server_log = session.server.log_text()
    seat_log = session.seat_log.read_text(encoding="utf-8", errors="replace")
    assert "sync" in seat_log or "HTTP Request" in seat_log  # the seat's log did record the session
    for secret in session.secrets:
        assert secret not in audit_text, secret
        assert secret not in attempts, secret
        assert secret not in server_log, secret
        assert secret not in seat_log, secret
    assert "139****8765" in audit_text  # masked, by one rule everywhere
