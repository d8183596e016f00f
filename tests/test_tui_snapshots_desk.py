"""Snapshot tests of the screens after intake: the department desk's inbox,
the callback list, the supervisor's extension requests and every action form
— Chinese and English text, an injection attempt shown inert. The inbox,
the callback list and the extension requests in both UI languages (``[zh]`` /
``[en]``), the forms in Chinese (the default).

Deterministic: the cache is filled by hand with fixed times and case numbers,
"now" and the time zone are frozen, the seat's sync status is fixed and its
engine never starts (the server URL is never contacted).
Update with ``pytest tests/test_tui_snapshots_desk.py --snapshot-update``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from operator_tui import clock
from operator_tui.app import OperatorApp
from operator_tui.credentials import TokenStore
from operator_tui.seat import Seat, SeatPaths
from operator_tui.sync import SyncStatus
from screens import worklists
from tests.tui_waits import snapshot_ready as settle

URL = "http://127.0.0.1:9"  # never contacted
SIZE = (120, 36)
NOW = datetime(2025, 11, 29, 10, 30, tzinfo=timezone.utc)
DAY = "2025-11-29"
USERS = {
    "department": {"operator_id": "dept-citymgmt", "name": "李建国", "role": "department",
                   "department": "CITYMGMT", "active": True},
    "operator": {"operator_id": "op1", "name": "张晓燕", "role": "operator", "department": None, "active": True},
    "supervisor": {"operator_id": "sup1", "name": "王主任", "role": "supervisor", "department": None, "active": True},
}
CATEGORIES = [
    ("07", "", 1, "城市管理", "City management"),
    ("07.02", "07", 2, "市政设施", "Public facilities"),
    ("07.02.04", "07.02", 3, "路灯不亮", "Street lights out"),
    ("07.02.05", "07.02", 3, "井盖缺失", "Missing manhole cover"),
    ("07.03", "07", 2, "环境卫生", "Sanitation"),
    ("07.03.01", "07.03", 3, "垃圾清运", "Rubbish collection"),
]
DEPARTMENTS = [("CITYMGMT", "市城市管理委", "City Management Commission"),
               ("CHAOYANG", "朝阳区政府", "Chaoyang District Government")]
INJECTION = "[bold]not bold[/bold] [@click=app.quit]not a link[/] \x1b[31m反映：井盖松动"

# case_no, status, category, district, description, dispatched, deadline, extra fields
# (now is Saturday 2025-11-29 10:30 UTC, 18:30 in the centre)
CASES = [
    ("251126-007-0011-7", "signed", "07.02.04", "chaoyang",
     "小区门口路灯连续三晚不亮，老人夜里出门不安全。", "2025-11-26T10:00", "2025-12-11T10:00",
     {"feedback_at": "2025-11-26T11:00:00.000000Z"}),
    ("251128-007-0003-1", "dispatched", "07.02.05", "haidian",
     "Manhole cover missing on Zhongguancun Street near the bus stop; a cyclist almost fell in.",
     "2025-11-29T08:30", "2025-12-02T08:30",
     {"urgency": "urgent", "sign_deadline": "2025-11-29T10:45:00.000000Z",
      "feedback_deadline": "2025-11-29T20:30:00.000000Z"}),
    ("251127-012-0021-1", "signed", "07.03.01", "chaoyang",
     "垃圾桶满了三天没人清运，气味很大。Bins not emptied for three days.",
     "2025-11-27T08:00", "2025-11-29T08:00",
     {"urgency": "urgent", "extension_pending_hours": 48, "feedback_at": "2025-11-28T15:00:00.000000Z"}),
    ("251129-003-0002-1", "dispatched", "07.02.05", "xicheng", INJECTION,
     "2025-11-29T09:00", "2025-12-19T16:00",
     {"lead_department": "CHAOYANG", "co_departments": ["CITYMGMT"],
      "sign_deadline": "2025-11-30T18:00:00.000000Z", "feedback_deadline": "2025-12-01T16:00:00.000000Z"}),
]
# case_no, resolved at, category, resolution, callback attempts, resolve mode
RESOLVED = [
    ("251125-007-0004-6", "2025-11-27T09:10", "07.02.04", "已更换灯泡，路灯恢复正常。Bulb replaced.", 3, "department"),
    ("251126-002-0007-4", "2025-11-28T16:45", "07.03.01", "已安排环卫车每日清运两次。", 0, "department"),
    ("251128-007-0019-8", "2025-11-29T08:05", "07.02.05", "已向来电人解释：井盖归属燃气公司。", 1, "direct"),
]


def _iso(hhmm: str) -> str:
    return f"{hhmm}:00.000000Z"


def _state(case_no: str, status: str, category: str, district: str, description: str, **extra) -> dict:
    return {
        "case_no": case_no, "version": 3, "status": status, "phone": "+8613800138000", "name": "王先生",
        "channel": "phone", "language": "zh", "interpreter": False, "appeal_type": "complaint",
        "category_code": category, "district": district, "address": "朝阳区建国路88号",
        "description": description, "urgency": "normal", "created_by": "op5",
        "created_at": _iso("2025-11-25T08:00"), "client_created_at": _iso("2025-11-25T08:00"),
        "updated_at": _iso("2025-11-29T09:00"), "lead_department": "CITYMGMT", "co_departments": [],
        "dispatched_at": "", "deadline": "", "resolution": "", "resolve_mode": "", "satisfaction": "",
        "callback_attempts": 0, "extension_pending_hours": 0, **extra,
    }


def _event(seq: int, case_no: str, kind: str, version: int, at: str, actor: str, payload: dict) -> dict:
    return {"seq": seq, "event_id": f"ev-{seq:04d}", "case_no": case_no, "type": kind, "version": version,
            "actor_id": actor, "actor_role": "operator", "client_time": _iso(at), "server_time": _iso(at),
            "payload": payload}


class FrozenSeat(Seat):
    """A real seat whose sync status is fixed (the engine never runs)."""

    fixed = SyncStatus(online=True, last_success=_iso("2025-11-29T10:29"), outbox_depth=1,
                       oldest_pending_seconds=40, problems=0)

    def status(self) -> SyncStatus:
        return self.fixed


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(worklists, "local_now", lambda: NOW)
    # the centre's zone (its working days, the times shown), not the machine's
    monkeypatch.setenv(clock.TZ_ENV, "Asia/Shanghai")
    monkeypatch.setattr(OperatorApp, "live_outbox", lambda self, status: status)  # the fixed status
    yield
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


def make_seat(folder: Path, role: str) -> Seat:
    paths = SeatPaths(folder / "cache.db", folder / "tokens.json")
    TokenStore(URL, paths.token_file, use_keyring=False).save(
        {"token": "t", "expires_at": "2099-01-01T00:00:00Z", "operator": USERS[role]})
    seat = FrozenSeat(URL, paths, use_keyring=False)
    seat.cache.set_seat(7, 0)
    seat.cache.set_state("operator_id", USERS[role]["operator_id"])
    cache = seat.cache
    cache.replace_reference("categories", [
        {"key": code, "version": 1, "data": {"code": code, "parent_code": parent, "level": level,
                                             "name_zh": zh, "name_en": en}}
        for code, parent, level, zh, en in CATEGORIES], 1)
    cache.replace_reference("departments", [
        {"key": code, "version": 1, "data": {"code": code, "name_zh": zh, "name_en": en}}
        for code, zh, en in DEPARTMENTS], 1)
    states = [_state(no, status, cat, district, text, dispatched_at=_iso(sent), deadline=_iso(due), **extra)
              for no, status, cat, district, text, sent, due, extra in CASES]
    states += [_state(no, "resolved", cat, "chaoyang", "来电反映的问题 the caller's problem", resolution=result,
                      resolve_mode=mode, callback_attempts=tries, updated_at=_iso(at),
                      lead_department="CITYMGMT" if mode == "department" else "")
               for no, at, cat, result, tries, mode in RESOLVED]
    request = {"seq": 1, "event_id": "ev-0001", "case_no": CASES[2][0], "type": "extended", "version": 3,
               "actor_id": "dept-citymgmt", "actor_role": "department", "client_time": _iso("2025-11-28T15:00"),
               "server_time": _iso("2025-11-28T15:00"),
               "payload": {"action": "request", "hours": 48, "reason": "需协调环卫车辆 trucks to arrange",
                           "new_deadline": ""}}
    shown = CASES[1][0]  # the case opened in the case view snapshot: its whole log is here
    history = [
        _event(2, shown, "created", 1, "2025-11-29T08:10", "op5", {"description": CASES[1][4]}),
        _event(3, shown, "dispatched", 2, "2025-11-29T08:30", "op5",
               {"department": "CITYMGMT", "note": "请尽快处理 please hurry", "deadline": _iso("2025-12-02T08:30")}),
        _event(4, shown, "note", 3, "2025-11-29T09:40", "op5", {"text": "来电人再次催促 caller called again"}),
    ]
    cache.apply_pulled([request, *history], states, "cursor-1")
    if role == "department":  # a return made here, not yet sent
        returned = _state("251129-001-0005-7", "returned", "07.02.04", "fengtai", "属于丰台区 belongs to Fengtai",
                          lead_department="")
        cache.record_local_event(
            {"event_id": "local-0001", "case_no": returned["case_no"], "type": "returned", "base_version": 3,
             "client_time": _iso("2025-11-29T10:20"), "payload": {"reason": "wrong_locality", "text": ""}},
            returned)
    return seat


@pytest.fixture
def desk_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "department")
    yield seat
    seat.cache.close()


@pytest.fixture
def operator_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "operator")
    yield seat
    seat.cache.close()


@pytest.fixture
def supervisor_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "supervisor")
    yield seat
    seat.cache.close()




def keys_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            if len(key) > 1:  # a command key: let the screen it opens load
                await settle(pilot)
        await settle(pilot)

    return run_before


def test_desk_case_view(snap_compare, desk_seat: Seat) -> None:
    keys = keys_then_settle("down", "enter")
    assert snap_compare(OperatorApp(desk_seat), terminal_size=SIZE, run_before=keys)


def test_note_form(snap_compare, desk_seat: Seat) -> None:
    keys = keys_then_settle("n", *"已联系环卫所，周一清运 Monday pickup")
    assert snap_compare(OperatorApp(desk_seat), terminal_size=SIZE, run_before=keys)


LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])


@LANGUAGES
def test_desk_inbox(snap_compare, desk_seat: Seat, language: str) -> None:
    assert snap_compare(OperatorApp(desk_seat, language=language), terminal_size=SIZE, run_before=settle)


def test_return_form(snap_compare, desk_seat: Seat) -> None:
    keys = keys_then_settle("r", "4", *"应由区政府处理 district's job")
    assert snap_compare(OperatorApp(desk_seat), terminal_size=SIZE, run_before=keys)


def test_extension_form(snap_compare, desk_seat: Seat) -> None:
    keys = keys_then_settle("down", "e", "backspace", "backspace", *"72", "enter", "enter")  # no reason: error
    assert snap_compare(OperatorApp(desk_seat), terminal_size=SIZE, run_before=keys)


def test_report_result_form(snap_compare, desk_seat: Seat) -> None:
    keys = keys_then_settle("d", *"已更换灯泡", "enter", *"Bulb replaced, light works again.")
    assert snap_compare(OperatorApp(desk_seat), terminal_size=SIZE, run_before=keys)


@LANGUAGES
def test_callback_list(snap_compare, operator_seat: Seat, language: str) -> None:
    assert snap_compare(OperatorApp(operator_seat, language=language), terminal_size=SIZE,
                        run_before=keys_then_settle("f4"))


def test_callback_unsatisfied_second_step(snap_compare, operator_seat: Seat) -> None:
    keys = keys_then_settle("f4", "6", *"还是不亮 still dark", "enter")
    assert snap_compare(OperatorApp(operator_seat), terminal_size=SIZE, run_before=keys)


def test_callback_satisfied_form(snap_compare, operator_seat: Seat) -> None:
    keys = keys_then_settle("f4", "down", "1", *"很满意")
    assert snap_compare(OperatorApp(operator_seat), terminal_size=SIZE, run_before=keys)


@LANGUAGES
def test_extension_requests(snap_compare, supervisor_seat: Seat, language: str) -> None:
    assert snap_compare(OperatorApp(supervisor_seat, language=language), terminal_size=SIZE,
                        run_before=keys_then_settle("f2"))


def test_refuse_extension_form(snap_compare, supervisor_seat: Seat) -> None:
    keys = keys_then_settle("f2", "x", *"期限内可完成")
    assert snap_compare(OperatorApp(supervisor_seat), terminal_size=SIZE, run_before=keys)
