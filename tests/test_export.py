"""The supervisor's CSV export (issue #8), over HTTP against a real server on
both backends: roles (supervisor, admin, a department its own cases only,
operators and bad tokens refused), filters and their errors, one audit row
per export, phone numbers masked unless asked for, hostile text inert in
every cell (markup, action links, ESC/OSC 8, C1, bidi, zero-width, formula
injection), the ``operator-tui export cases`` command, and the board
drill-down list's export key in the app."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from operator_tui import clock
from operator_tui.cli import app as cli_app
from operator_tui.privacy import mask_phone
from tests.server_helpers import (BACKEND_PARAMS, PASSWORD, PHONE, client, created, dispatched, drop_database,
                                  login, mint_token, new_database, open_db, prepare_database, query)
from tests.servers import ServerProcess
from tests.tui_waits import workers_done

URL = "/v1/export/cases.csv"
HOSTILE_DB = {  # written straight into the database: any source, even one that skipped the protocol
    "description": "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \x1b[31mred\x9b0m \u202eevil\u202c z\u200bw",
    "address": "=HYPERLINK(\"http://evil.example\",\"x\")",
    "resolution": "\t=1+1",
}
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069]")


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    url = prepare_database(new_database(request.param, request, tmp_path_factory, "export"))
    server = ServerProcess(url, workdir=tmp_path_factory.mktemp("export-server"))
    try:
        yield server.start()
    finally:
        server.stop()
        drop_database(request, url)


@pytest.fixture(scope="module")
def cases(srv) -> dict[str, str]:
    """Four cases of today: water (dispatched, overdue), power, an open
    pothole with hostile text, and one that looks like formulas."""
    op = login(srv.url, "op1")
    water, power, pothole, formula = (op.next_case_no() for _ in range(4))
    past = clock.iso(clock.now() - timedelta(hours=2))
    op.apply(created(water, category_code="utilities.water"), dispatched(water, "water", deadline=past),
             created(power, category_code="utilities.power", district="haidian", phone="010-6512-3456"),
             dispatched(power, "power", co_departments=["water"]),
             created(pothole, category_code="roads.potholes", description="[b]坑[/b] [@click=app.quit]x[/]"),
             created(formula, category_code="roads.potholes", description="@SUM(A1:A9)", name="-2+3",
                     address="+86 cmd|' /C calc'!A0"))
    op.close()
    with open_db(srv.database_url) as db, db.transaction() as tx:
        row = tx.one("SELECT state FROM cases WHERE case_no = ?", (pothole,))
        state = {**json.loads(row["state"]), **HOSTILE_DB}
        tx.execute("UPDATE cases SET state = ? WHERE case_no = ?", (json.dumps(state), pothole))
    return {"water": water, "power": power, "pothole": pothole, "formula": formula}


@pytest.fixture(scope="module")
def sup(srv):
    session = login(srv.url, "sup", seat=False)
    yield session
    session.close()


def export(http: httpx.Client, **params) -> httpx.Response:
    return http.get(URL, params={"from": clock.now().date().isoformat(), **params})


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 by the BOM
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text
    found = list(csv.DictReader(io.StringIO(text, newline="")))
    assert response.headers["x-export-rows"] == str(len(found))
    return found


def numbers(found: list[dict[str, str]], column: str = "工单号") -> set[str]:
    return {r[column] for r in found}


def audits(srv, operator: str) -> list[dict]:
    lines = query(srv.database_url, "SELECT * FROM audit_log WHERE action = 'export' AND operator_id = ? "
                                    "ORDER BY id", (operator,))
    return [{**line, "detail": json.loads(line["detail"])} for line in lines]


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text[:300])
    return response.json()["error"]


# --- filters -------------------------------------------------------------------------------


def test_a_day_in_chinese_with_names_and_masked_phones(sup, cases) -> None:
    found = {r["工单号"]: r for r in rows(export(sup.http))}
    assert set(cases.values()) <= set(found)
    water = found[cases["water"]]
    assert water["分类"] == "供水" and water["承办单位"] == "自来水集团" and water["状态"] == "已派单"
    # QA: the Chinese file had English codes in these columns (phone, suggestion, normal, dispatched)
    assert (water["渠道"], water["诉求类型"], water["紧急程度"]) == ("电话", "咨询", "一般"), water
    assert water["电话"] == "138****8000" and PHONE not in json.dumps(found, ensure_ascii=False)
    assert water["超期"] == "是" and water["区"] == "朝阳区" and water["受理时间"].startswith(str(clock.now().year))
    power = found[cases["power"]]
    assert power["协办单位"] == "自来水集团" and power["电话"].endswith("3456") and "6512" not in power["电话"]
    assert power["电话"] == mask_phone("+861065123456")  # the seats' one rule: two masks never add up
    english = {r["Case no"]: r for r in rows(export(sup.http, lang="en"))}
    assert english[cases["water"]]["Lead department"] == "Water Group"
    assert english[cases["water"]]["Overdue"] == "yes" and english[cases["power"]]["Overdue"] == ""
    assert (english[cases["water"]]["Status"], english[cases["water"]]["Channel"]) == ("dispatched", "phone")


@pytest.mark.parametrize("params, expected", [
    ({"status": "dispatched"}, {"water", "power"}),
    ({"status": "open,dispatched"}, {"water", "power", "pothole", "formula"}),
    ({"department": "water"}, {"water"}),
    ({"category": "utilities"}, {"water", "power"}),
    ({"category": "roads.potholes", "status": "open"}, {"pothole", "formula"}),
    ({"district": "haidian"}, {"power"}),
    ({"overdue": "true"}, {"water"}),
    ({"overdue": "false", "category": "utilities"}, {"power"}),
    ({"channel": "web"}, set()),
    ({"metric": "deadline", "key": "flag=overdue", "from": ""}, {"water"}),
])
def test_filters(sup, cases, params, expected) -> None:
    mine = {cases[name] for name in cases}
    assert numbers(rows(export(sup.http, **params))) & mine == {cases[name] for name in expected}


def test_a_range_of_days_and_iso_times(sup, cases) -> None:
    yesterday = (clock.now() - timedelta(days=1)).date().isoformat()
    assert not numbers(rows(export(sup.http, **{"from": "2020-01-01", "to": "2020-01-31"})))
    assert set(cases.values()) <= numbers(rows(export(sup.http, **{"from": yesterday})))
    since = clock.iso(clock.now() - timedelta(hours=6))
    assert set(cases.values()) <= numbers(rows(export(sup.http, **{"from": since, "to": clock.now_iso()})))


@pytest.mark.parametrize("params, words", [
    ({"from": ""}, "from is required"),
    ({"from": "yesterday"}, "not a day"),
    ({"from": "2026-02-30"}, "not a day"),
    ({"from": "2026-11-29", "to": "2026-11-01"}, "before"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "366 days"),
    ({"from": "1999-12-31"}, "2000"),
    ({"status": "pending"}, "status 'pending'"),
    ({"channel": "fax"}, "channel 'fax'"),
    ({"department": "nope"}, "no department"),
    ({"category": "no.such"}, "no category"),
    ({"district": "atlantis"}, "no district"),
    ({"metric": "weather", "from": ""}, "unknown metric"),
    ({"metric": "deadline", "key": "flag=soon", "from": ""}, "flag"),
    ({"metric": "deadline", "key": "flag=overdue"}, "not both"),
    ({"metric": "volume", "at": "0001-01-01T00:00+01:00", "from": ""}, "2000"),  # would overflow in UTC
    ({"metric": "volume", "at": "soon", "from": ""}, "not an ISO 8601 time"),
])
def test_bad_filters_are_a_clear_400(sup, params, words) -> None:
    assert words in error(export(sup.http, **params), 400)


def test_wrong_types_are_a_clear_422(sup) -> None:
    for params in ({"lang": "fr"}, {"overdue": "maybe"}, {"days": "0"}, {"include_phone": "please"}):
        response = export(sup.http, **params)
        assert response.status_code == 422 and response.json()["error"], params


# --- who may export ------------------------------------------------------------------------


def test_roles(srv, sup, cases) -> None:
    op = login(srv.url, "op1", seat=False)
    assert "may not export" in error(export(op.http), 403)
    with client(srv.url) as anonymous:
        assert export(anonymous).status_code == 401
    expired = mint_token(srv.database_url, "sup", expires_in=timedelta(seconds=-5))
    with client(srv.url, expired) as http:
        assert export(http).status_code == 401
    with client(srv.url, "not-a-token") as http:
        assert export(http).status_code == 401
    admin = login(srv.url, "admin", seat=False)
    assert set(cases.values()) <= numbers(rows(export(admin.http)))

    dept = login(srv.url, "dept.water", seat=False)
    mine = numbers(rows(export(dept.http)))
    assert cases["water"] in mine and cases["power"] in mine  # lead, and co-handler of the power case
    assert not {cases["pothole"], cases["formula"]} & mine
    assert numbers(rows(export(dept.http, department="water"))) & set(cases.values()) == {cases["water"]}
    assert "its own" in error(export(dept.http, department="power"), 403)
    assert "phone" in error(export(dept.http, include_phone="true"), 403)
    assert "supervisors" in error(export(dept.http, metric="deadline", key="flag=overdue", **{"from": ""}), 403)
    power = login(srv.url, "dept.power", seat=False)
    assert numbers(rows(export(power.http))) & set(cases.values()) == {cases["power"]}
    for session in (op, admin, dept, power):
        session.close()


def test_every_export_is_audited_and_phones_only_when_asked(srv, sup, cases) -> None:
    before = len(audits(srv, "sup"))
    masked = rows(export(sup.http, department="water"))
    full = {r["工单号"]: r for r in rows(export(sup.http, include_phone="true", status="dispatched"))}
    assert full[cases["water"]]["电话"] == PHONE and full[cases["power"]]["电话"] == "01065123456"
    assert error(export(sup.http, status="bogus"), 400)  # refused: not an export
    lines = audits(srv, "sup")[before:]
    assert [(a["target"], a["detail"]["rows"], a["detail"]["include_phone"]) for a in lines] == [
        ("cases", len(masked), False), ("cases", len(full), True)]
    assert lines[0]["detail"]["filters"] == {"date_from": clock.now().date().isoformat(), "department": "water"}
    assert lines[1]["detail"]["filters"]["status"] == "dispatched" and lines[1]["client_ip"]
    raw = json.dumps(query(srv.database_url, "SELECT * FROM audit_log"), ensure_ascii=False)
    assert PHONE not in raw and sup.token not in raw


# --- hostile text ----------------------------------------------------------------------------


def test_hostile_text_is_inert_in_every_cell(sup, cases) -> None:
    found = {r["Case no"]: r for r in rows(export(sup.http, lang="en", include_phone="true"))}
    for row in found.values():
        for value in row.values():
            assert not _CONTROLS.search(value), repr(value)
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), repr(value)
    pothole = found[cases["pothole"]]
    assert pothole["Description"] == "]8;;http://evil.example\\click]8;;\\ [31mred0m evil zw"
    assert pothole["Address"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert pothole["Resolution"] == "'\t=1+1"
    formula = found[cases["formula"]]
    assert formula["Description"] == "'@SUM(A1:A9)" and formula["Address"] == "'+86 cmd|' /C calc'!A0"
    assert formula["Phone"] == "13800138000"
    markup = rows(export(sup.http, category="roads.potholes"))
    assert any(r["诉求内容"].startswith("'@SUM") for r in markup)


def test_markup_is_kept_as_text(sup, cases, srv) -> None:
    op = login(srv.url, "op2")
    case_no = op.next_case_no()
    op.apply(created(case_no, category_code="roads.potholes", description="[b]坑[/b] [@click=app.quit]x[/]"))
    op.close()
    found = {r["工单号"]: r for r in rows(export(sup.http))}
    assert found[case_no]["诉求内容"] == "[b]坑[/b] [@click=app.quit]x[/]"  # CSV has no markup: kept as typed


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {"OPERATOR_TUI_CONFIG": str(tmp_path / "no-config.toml"), "OPERATOR_TUI_DATA_DIR": str(tmp_path / "data"),
            "OPERATOR_TUI_PASSWORD": PASSWORD, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}


def test_cli_exports_to_a_private_file(srv, cases, cli_env, tmp_path: Path) -> None:
    out = tmp_path / "november.csv"
    runner = CliRunner()
    result = runner.invoke(cli_app, ["export", "cases", "--server", srv.url, "--user", "sup", "--from",
                                        clock.now().date().isoformat(), "--status", "dispatched", "--lang", "en",
                                        "--out", str(out)], env=cli_env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "cases written to" in result.stdout and "masked" in result.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = out.read_bytes().decode("utf-8-sig")
    found = {r["Case no"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert {cases["water"], cases["power"]} <= set(found) and cases["pothole"] not in found
    assert found[cases["water"]]["Phone"] == "138****8000"
    assert not list(tmp_path.glob(".*.part"))
    sessions = audits(srv, "sup")
    assert sessions[-1]["detail"]["filters"]["status"] == "dispatched"


def test_cli_uses_the_seats_own_login_without_user(srv, sup, cases, cli_env, tmp_path: Path) -> None:
    from operator_tui.credentials import TokenStore
    from operator_tui.seat import SeatPaths

    paths = SeatPaths.for_server(Path(cli_env["OPERATOR_TUI_DATA_DIR"]), srv.url)
    TokenStore(srv.url, paths.token_file, use_keyring=False).save({"token": sup.token})
    out = tmp_path / "seat.csv"
    result = CliRunner().invoke(cli_app, ["export", "cases", "--server", srv.url, "--out", str(out),
                                          "--from", clock.now().date().isoformat()],
                                env={**cli_env, "OPERATOR_TUI_PASSWORD": ""})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert cases["water"] in out.read_bytes().decode("utf-8-sig")
    assert open_tokens(srv) and sup.http.get("/v1/auth/me").status_code == 200  # the seat's login stays


def open_tokens(srv) -> int:
    return query(srv.database_url, "SELECT COUNT(*) AS n FROM tokens WHERE revoked = 0")[0]["n"]


def test_cli_errors_are_one_line_and_write_nothing(srv, cli_env, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    runner = CliRunner()
    base = ["cases", "--server", srv.url, "--out", str(out)]
    before = open_tokens(srv)
    refused = runner.invoke(cli_app, ["export", *base, "--user", "op1", "--from", "2026-11-01"], env=cli_env)
    assert refused.exit_code == 1 and "403" in refused.stderr and "may not export" in refused.stderr
    bad = runner.invoke(cli_app, ["export", *base, "--user", "sup", "--from", "2026-11-01", "--status", "nope"], env=cli_env)
    assert bad.exit_code == 1 and "status 'nope'" in bad.stderr
    anonymous = runner.invoke(cli_app, ["export", *base, "--from", "2026-11-01"], env=cli_env)
    assert anonymous.exit_code == 1 and "--user" in anonymous.stderr
    wrong = runner.invoke(cli_app, ["export", *base, "--user", "sup", "--from", "2026-11-01"],
                          env={**cli_env, "OPERATOR_TUI_PASSWORD": "wrong-password"})
    assert wrong.exit_code == 1 and "login refused" in wrong.stderr
    down = runner.invoke(cli_app, ["export", "cases", "--server", "http://127.0.0.1:9", "--user", "sup",
                                      "--from", "2026-11-01", "--out", str(out)], env=cli_env)
    assert down.exit_code == 1 and "cannot reach" in down.stderr
    for result in (refused, bad, anonymous, wrong, down):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert open_tokens(srv) == before  # the refused commands' own sessions were logged out again
    assert not out.exists() and not list(tmp_path.glob(".*.part"))


# --- the board's drill-down list in the app --------------------------------------------------


async def test_board_list_exports_to_downloads(srv, cases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from operator_tui.app import OperatorApp
    from operator_tui.seat import Seat, SeatPaths
    from screens.board_cases import BoardCasesScreen

    monkeypatch.setenv("OPERATOR_TUI_DATA_DIR", str(tmp_path / "data"))
    seat = Seat(srv.url, SeatPaths(tmp_path / "seat" / "cache.db", tmp_path / "seat" / "tokens.json"),
                use_keyring=False)
    seat.login("sup", PASSWORD)
    try:
        app = OperatorApp(seat, language="en")
        async with app.run_test(size=(120, 40)) as pilot:
            for _attempt in range(200):  # a supervisor's first screen is the board, opened once the app is ready
                if type(app.screen).__name__ == "BoardScreen":
                    break
                await pilot.pause(0.01)
            await workers_done(app)
            screen = BoardCasesScreen(seat, {"metric": "deadline", "key": "flag=overdue"}, "Overdue")
            await app.push_screen(screen)
            await workers_done(app)
            await pilot.pause()
            assert cases["water"] in [c["case_no"] for c in screen.cases]
            said: list[str] = []
            monkeypatch.setattr(app, "notify", lambda message, **kw: said.append(message))
            await pilot.press("x")
            await workers_done(app)
            await pilot.pause()
        [path] = (tmp_path / "data" / "downloads").glob("cases-board-deadline-*.csv")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        found = list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
        assert said == [f"{len(found)} case{'s' if len(found) != 1 else ''} exported to {path}"]
        assert cases["water"] in {r["Case no"] for r in found}
        last = audits(srv, "sup")[-1]["detail"]
        assert last["filters"] == {"metric": "deadline", "key": "flag=overdue", "days": 1} and not last["include_phone"]
    finally:
        seat.close()
