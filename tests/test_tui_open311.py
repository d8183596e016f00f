"""An Open311 round trip driven through the app (issue #6): a citizen's portal
posts a request the way Open311 clients do (URL-encoded form, attribute[code]
and attribute[code][], a ``.json`` suffix) with a key issued by the CLI; the
operator's seat syncs and finds it in the dispatch queue (F10), confirms its
category and dispatches it with the keyboard; the department signs and
resolves it on its desk; the citizen reads the status back through Open311
in JSON and XML.

A real server (in this process, on loopback) on a copy of a seeded demo
database; real seats (cache, sync engine, token file) synced with
``sync_once``; every action in the app is a Pilot key press.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from typer.testing import CliRunner

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import clock
from operator_tui.apikeys_cli import apikeys_app
from operator_tui.app import OperatorApp
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat, SeatPaths
from screens.case_view import CaseViewScreen
from screens.category_picker import CategoryPicker
from screens.department_desk import DeskScreen
from screens.dispatch import DispatchScreen
from screens.dispatch_queue import DispatchQueueScreen
from screens.home import HomeScreen
from tests.intake_support import seed_demo_db, server  # noqa: F401 - fixtures
from tests.tui_waits import workers_done

SIZE = (120, 40)
BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
HOSTILE = "[b]井盖[/b] [@click=app.quit]x[/] \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_demo_db(tmp_path_factory, 40)


@pytest.fixture
def seats(server: EmbeddedServer, tmp_path: Path) -> Iterator:
    opened: list[Seat] = []

    def make(user: str) -> Seat:
        where = tmp_path / "seats" / user
        seat = Seat(server.url, SeatPaths(where / "cache.db", where / "tokens.json"), use_keyring=False)
        seat.login(user, DEMO_PASSWORD)
        assert seat.engine.sync_once().online
        opened.append(seat)
        return seat

    yield make
    for seat in opened:
        seat.close()


def issue_key(database_url: str, channel: str = "web") -> str:
    result = CliRunner().invoke(apikeys_app, ["issue", f"portal-{uuid.uuid4().hex[:6]}", "--channel", channel,
                                              "--database", database_url])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout.strip()


def fast_service(http: httpx.Client, op: Seat) -> tuple[str, str]:
    """A service with metadata (attributes) that the routing sends somewhere
    in Chaoyang; and that department."""
    for service in http.get(f"{BASE}/services.json").json():
        if service["metadata"]:
            dept = op.propose_department(service["service_code"], "chaoyang")
            if dept:
                return service["service_code"], dept
    raise AssertionError("the demo has a routed service with attributes")


async def wait_idle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


async def select(pilot, screen, case_no: str) -> None:
    """Put the list's cursor on *case_no* with the arrow keys."""
    await wait_idle(pilot)
    keys = [key for key, _ in screen.rows]
    assert case_no in keys, (case_no, keys)
    screen.pane.table.focus()
    await pilot.press("ctrl+home")
    for _ in range(keys.index(case_no)):
        await pilot.press("down")
    assert screen.pane.selected_key() == case_no


def read_back(http: httpx.Client, case_no: str) -> tuple[dict, ET.Element]:
    as_json = http.get(f"{BASE}/requests/{case_no}.json", params={"locale": "en"})
    as_xml = http.get(f"{BASE}/requests/{case_no}.xml", params={"locale": "en"})
    assert as_json.status_code == 200 and as_xml.status_code == 200, (as_json.text, as_xml.text)
    [request] = as_json.json()
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    for name in ("status", "status_notes", "agency_responsible", "expected_datetime", "service_code"):
        assert root.findtext(f"request/{name}") == (request[name] or ""), name
    return request, root


def w3(iso: str) -> str:
    return clock.parse(iso).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_open311_request_is_dispatched_and_resolved_in_the_app(server: EmbeddedServer, seats) -> None:
    key = issue_key(server.database_url)
    op = seats("op1")
    http = httpx.Client(base_url=server.url, timeout=10)
    service, dept = fast_service(http, op)
    body = urlencode([
        ("api_key", key), ("jurisdiction_id", "beijing.12345"), ("service_code", service),
        ("address_string", "朝阳区建国路88号"), ("lat", ""), ("long", ""), ("zipcode", ""),
        ("first_name", "小明"), ("last_name", "王"), ("phone", "138-0013-8000"),
        ("description", HOSTILE), ("attribute[hazard]", "property"),
        ("attribute[affected][]", "residents"), ("attribute[affected][]", "pedestrians"),
    ])
    posted = http.post(f"{BASE}/requests.json", content=body.encode(), headers={"Content-Type": FORM})
    assert posted.status_code == 200, posted.text
    [answer] = posted.json()
    case_no = answer["service_request_id"]
    assert case_no in answer["service_notice"]
    first, _ = read_back(http, case_no)
    assert first["status"] == "open" and first["agency_responsible"] is None

    assert op.engine.sync_once().outbox_depth == 0
    arrived = op.cache.case(case_no)
    assert arrived["status"] == "open" and arrived["channel"] == "web" and arrived["urgency"] == "urgent"

    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f10")
        await wait_idle(pilot)
        queue = app.screen
        assert isinstance(queue, DispatchQueueScreen)
        row = dict(queue.rows)[case_no]
        assert row[2] == "web" and row[3] == "open" and row[5] == "urgent"
        assert row[7].startswith("[b]井盖[/b] [@click=app.quit]x[/]")  # shown as typed: inert
        assert "\x1b" not in row[7]
        await select(pilot, queue, case_no)
        await pilot.press("enter")  # the whole case first
        await wait_idle(pilot)
        assert isinstance(app.screen, CaseViewScreen) and app.screen.case_no == case_no
        await pilot.press("escape")
        assert app.screen is queue

        await pilot.press("c")  # the citizen's category, proposed: Enter confirms it
        assert isinstance(app.screen, CategoryPicker)
        await pilot.press("enter")
        await wait_idle(pilot)
        assert app.screen is queue
        assert op.cache.case_events(case_no)[-1]["type"] == "categorized"
        assert op.cache.case(case_no)["category_code"] == service

        await pilot.press("d")
        assert isinstance(app.screen, DispatchScreen)
        assert app.screen.lead == dept  # proposed by the routing rules
        await pilot.press("enter")
        await wait_idle(pilot)
        assert app.screen is queue and case_no not in dict(queue.rows)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
    assert op.engine.sync_once().outbox_depth == 0
    assert op.cache.problems() == []
    deadline = op.cache.server_case(case_no)["deadline"]

    request, _ = read_back(http, case_no)
    assert request["status"] == "open" and request["status_notes"] == "Forwarded to the responsible department"
    department = next(d for d in op.departments() if d["code"] == dept)
    assert request["agency_responsible"] == department["name_en"]
    assert request["expected_datetime"] == w3(deadline)

    desk = seats(f"dept-{dept.lower()}")
    app = OperatorApp(desk, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        home = app.screen
        assert isinstance(home, DeskScreen)
        await select(pilot, home, case_no)
        await pilot.press("s")
        await wait_idle(pilot)
        await pilot.press("d", *"已更换井盖 cover replaced", "ctrl+s")
        await wait_idle(pilot)
        assert app.screen is home
    assert desk.engine.sync_once().outbox_depth == 0
    assert desk.cache.problems() == []

    done, root = read_back(http, case_no)
    assert done["status"] == "closed" and root.findtext("request/status") == "closed"
    assert done["status_notes"] == "Resolved; a follow-up call is pending: 已更换井盖 cover replaced"
    assert done["agency_responsible"] == department["name_en"]
    assert done["expected_datetime"] == w3(deadline)
    assert done["service_code"] == service and done["updated_datetime"] >= request["updated_datetime"]
    listed = http.get(f"{BASE}/requests.json", params={"status": "closed", "service_code": service}).json()
    assert case_no in [r["service_request_id"] for r in listed]
    http.close()


async def test_returned_cases_wait_in_the_queue_and_phone_cases_do_not(server: EmbeddedServer, seats) -> None:
    """A case a department sends back is listed again for re-dispatch; a phone
    case the operator saved is not (it is on that operator's own list)."""
    from operator_tui.domain import EventType

    op = seats("op1")
    code, dept = next((c["code"], op.propose_department(c["code"], "chaoyang"))
                      for c in sorted(op.cache.categories(), key=lambda c: c["code"])
                      if c.get("level") == 3 and op.propose_department(c["code"], "chaoyang"))
    cases = []
    for text in ("退回 returned", "电话 phone only"):
        draft_id, case_no = op.new_draft()
        op.create_case(case_no, {"phone": "13800138000", "description": text, "category_code": code,
                                 "district": "chaoyang", "address": "朝阳区建国路88号"},
                       draft_id=draft_id, started_at=clock.now_iso())
        cases.append(case_no)
    returned, phone_only = cases
    op.dispatch(returned, dept)
    assert op.engine.sync_once().outbox_depth == 0
    desk = seats(f"dept-{dept.lower()}")
    desk.record(returned, EventType.RETURNED, {"reason": "wrong_locality", "text": ""})
    assert desk.engine.sync_once().outbox_depth == 0
    op.engine.sync_once()

    app = OperatorApp(op, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("f10")
        await wait_idle(pilot)
        queue = app.screen
        assert isinstance(queue, DispatchQueueScreen)
        listed = dict(queue.rows)
        assert listed[returned][3] == "returned" and phone_only not in listed
        assert "returned by" in str(queue.query_one("#list-legend").render())
        await select(pilot, queue, returned)
        await pilot.press("d", "enter")
        await wait_idle(pilot)
        assert returned not in dict(queue.rows)
    assert op.engine.sync_once().outbox_depth == 0
    assert op.cache.server_case(returned)["status"] == "dispatched"


async def test_departments_have_no_dispatch_queue(server: EmbeddedServer, seats) -> None:
    op = seats("op1")
    dept = next(d["code"] for d in op.departments())
    app = OperatorApp(seats(f"dept-{dept.lower()}"), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        assert app.check_action("dispatch_queue", ()) is False
        await pilot.press("f10")
        assert isinstance(app.screen, DeskScreen)
