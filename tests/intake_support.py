"""Shared by the intake tests: a seeded central server, a logged-in seat, a
tiny app to mount one screen, and a fixed, server-less seat for snapshots.

Fixtures (import them into a test module to use them):
    seeded_db   module    a demo database seeded once (200 cases; a module may
                          define its own with seed_demo_db for another size)
    server      function  an EmbeddedServer on a copy of the module's seeded_db
    seat        function  Seat logged in as op1, synced once (threads not started)
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.app import App
from textual.screen import Screen

from central_server.demo_data import DEMO_PASSWORD
from central_server.seed import seed_demo
from operator_tui import clock
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat, SeatPaths

SIZE = (120, 40)


def seed_demo_db(tmp_path_factory: pytest.TempPathFactory, n_cases: int) -> Path:
    """A demo central database with *n_cases* cases, in a folder of its own."""
    path = tmp_path_factory.mktemp("seeded") / "central.db"
    seed_demo(f"sqlite:///{path}", n_cases=n_cases)
    return path


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_demo_db(tmp_path_factory, 200)


def copy_db(seeded: Path, folder: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        src = seeded.with_name(seeded.name + suffix)
        if src.exists():
            shutil.copy(src, folder / ("central.db" + suffix))
    return folder / "central.db"


@pytest.fixture
def server(seeded_db: Path, tmp_path: Path) -> Iterator[EmbeddedServer]:
    """A server of our own on a copy of the seeded database."""
    srv = EmbeddedServer(f"sqlite:///{copy_db(seeded_db, tmp_path)}").start()
    yield srv
    srv.stop()


def make_seat(url: str, folder: Path) -> Seat:
    return Seat(url, SeatPaths(folder / "seat" / "cache.db", folder / "tokens.json"), use_keyring=False)


@pytest.fixture
def seat(server: EmbeddedServer, tmp_path: Path) -> Iterator[Seat]:
    s = make_seat(server.url, tmp_path)
    s.login("op1", DEMO_PASSWORD)
    status = s.engine.sync_once()
    assert status.online and s.cache.case_count() > 0, status
    yield s
    s.close()


def server_case(seat: Seat, case_no: str) -> dict[str, Any] | None:
    """The case as the central server has it (GET /v1/cases/{no} with the seat's token)."""
    token = (seat.tokens.load() or {})["token"]
    answer = httpx.get(f"{seat.server_url}/v1/cases/{case_no}",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    return answer.json()["case"]


class ScreenApp(App[None]):
    """Mounts one screen for a test; ``results`` collects what it dismissed with.

    *language* is the UI language for the test (set now: the process has one)."""

    def __init__(self, seat: Seat, make: Callable[[Seat], Screen], language: str = "zh") -> None:
        from operator_tui import i18n

        super().__init__()
        self.ui_language = i18n.set_language(language)
        self.seat = seat
        self.make = make
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make(self.seat), self.results.append)


# --- a seat without a server, on fixed data (snapshots) -------------------------

FIXED_NOW = datetime(2025, 11, 29, 2, 30, 0, tzinfo=UTC)  # 10:30 in Beijing
FIXED_CASE_NO = "251129-012-0042-8"

CATEGORIES = [
    {"code": "05", "level": 1, "name_zh": "供水排水", "name_en": "Water supply and drainage",
     "default_department": "WATERCO", "deadline_hours": {"critical": 4, "urgent": 24, "normal": 72}},
    {"code": "05.01", "parent_code": "05", "level": 2, "name_zh": "供水", "name_en": "Water supply"},
    {"code": "05.01.01", "parent_code": "05.01", "level": 3, "name_zh": "停水", "name_en": "Water outage",
     "keywords": ["停水", "没水", "断水", "water outage", "no water"],
     "deadline_hours": {"critical": 4, "urgent": 24, "normal": 72}},
    {"code": "05.01.02", "parent_code": "05.01", "level": 3, "name_zh": "水压低",
     "name_en": "Low water pressure", "keywords": ["水压小", "low water pressure"]},
    {"code": "06", "level": 1, "name_zh": "电力", "name_en": "Electricity", "default_department": "POWER"},
    {"code": "06.01", "parent_code": "06", "level": 2, "name_zh": "停电", "name_en": "Power cuts"},
    {"code": "06.01.01", "parent_code": "06.01", "level": 3, "name_zh": "突发停电",
     "name_en": "Unplanned power cut", "keywords": ["停电", "没电", "power outage"]},
    {"code": "06.01.02", "parent_code": "06.01", "level": 3, "name_zh": "计划停电",
     "name_en": "Planned outage", "keywords": ["计划停电", "planned outage"]},
    {"code": "14", "level": 1, "name_zh": "政务服务", "name_en": "Government services",
     "default_department": "GOVSVC"},
    {"code": "14.01", "parent_code": "14", "level": 2, "name_zh": "证照办理", "name_en": "Licences"},
    {"code": "14.01.01", "parent_code": "14.01", "level": 3, "name_zh": "身份证办理",
     "name_en": "ID cards", "keywords": ["身份证", "ID card"]},
]
DEPARTMENTS = [
    {"code": "WATERCO", "name_zh": "自来水集团", "name_en": "Beijing Waterworks", "kind": "utility"},
    {"code": "POWER", "name_zh": "供电公司", "name_en": "Power Supply Company", "kind": "utility"},
    {"code": "GOVSVC", "name_zh": "政务服务局", "name_en": "Government Services Bureau"},
    {"code": "CHAOYANG", "name_zh": "朝阳区政府", "name_en": "Chaoyang District Government",
     "kind": "district", "district": "chaoyang"},
    {"code": "HOUSING", "name_zh": "住房和城乡建设委员会", "name_en": "Housing Commission"},
]
ROUTING = [
    {"id": "r1", "category_prefix": "05.01", "district": "", "department": "WATERCO", "priority": 0},
]
KB = [
    {"id": "kb-0001-zh", "group_id": "kbg-0001", "title": "突发停水怎么办", "language": "zh",
     "body": "1. 先确认是否只有您家停水。\n2. 整栋楼停水请拨打自来水集团 96116 询问。\n3. 停水超过24小时且无送水的，热线按较急派单。",
     "tags": ["停水", "96116"], "category_codes": ["05.01.01"], "updated_at": "2025-04-05T13:31:53+00:00"},
    {"id": "kb-0001-en", "group_id": "kbg-0001", "title": "What to do in a sudden water outage",
     "language": "en",
     "body": "1. Check whether only your flat is affected.\n2. If the building is affected, call Beijing Waterworks on 96116.\n3. Outages over 24 hours without water delivery are dispatched as urgent.",
     "tags": ["water", "96116"], "category_codes": ["05.01.01"], "updated_at": "2025-04-05T13:31:53+00:00"},
    {"id": "kb-0002-zh", "group_id": "kbg-0002", "title": "计划停水通知查询", "language": "zh",
     "body": "计划停水一般提前24小时在小区公告栏张贴通知，也可在自来水集团网站查询。[bold]不是标记[/bold]",
     "tags": ["停水", "通知"], "category_codes": ["05.01"], "updated_at": "2025-03-01T09:00:00+00:00"},
    {"id": "kb-0003-zh", "group_id": "", "title": "身份证办理流程", "language": "zh",
     "body": "携带户口簿到户籍所在地派出所办理，工本费20元。", "tags": ["身份证"],
     "category_codes": ["14.01.01"], "updated_at": "2025-01-10T09:00:00+00:00"},
]
HISTORY = [
    {"case_no": "251120-012-0007-9", "status": "dispatched", "phone": "+8613800138000", "name": "王建国",
     "category_code": "05.01.01", "district": "chaoyang", "address": "朝阳区望京西园三区 311 号楼",
     "description": "小区停水一天，没有通知。", "urgency": "urgent", "appeal_type": "report",
     "created_at": "2025-11-20T01:12:00Z", "updated_at": "2025-11-20T01:20:00Z", "version": 2,
     "lead_department": "WATERCO"},
    {"case_no": "251002-012-0003-0", "status": "closed", "phone": "+8613800138000", "name": "王建国",
     "category_code": "14.01.01", "district": "chaoyang", "address": "",
     "description": "咨询身份证补办。", "urgency": "normal", "appeal_type": "enquiry",
     "created_at": "2025-10-02T03:00:00Z", "updated_at": "2025-10-09T03:00:00Z", "version": 5},
]


def fixed_seat(folder: Path) -> Seat:
    """A seat on fixed reference data and caller history (no server needed).

    Seat number 12, logged-in operator op1 (a token file without a server);
    call with ``clock.now`` patched to FIXED_NOW for fixed times.
    """
    s = make_seat("http://127.0.0.1:9", folder)
    s.tokens.save({"token": "t", "expires_at": "2099-01-01T00:00:00Z",
                   "operator": {"operator_id": "op1", "name": "张晓燕", "role": "operator"}})
    s = make_seat("http://127.0.0.1:9", folder)  # reads the operator back
    s.cache.set_seat(12, 0)
    s.cache.set_state("operator_id", "op1")
    s.cache.set_state("role", "operator")
    for kind, items, key in (("categories", CATEGORIES, "code"), ("departments", DEPARTMENTS, "code"),
                             ("routing", ROUTING, "id"), ("kb", KB, "id")):
        s.cache.replace_reference(kind, [{"key": i[key], "version": 1, "data": i} for i in items], 1)
    s.cache.apply_snapshot(HISTORY)
    return s


def fixed_draft(s: Seat, fields: dict[str, Any] | None = None) -> str:
    """A draft with the fixed case number, started at FIXED_NOW."""
    draft_id = "d" * 32
    s.cache.save_draft(draft_id, {**(fields or {}), "case_no": FIXED_CASE_NO},
                       started_at=clock.iso(FIXED_NOW), case_no=FIXED_CASE_NO)
    return draft_id
