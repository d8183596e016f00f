"""Snapshot tests of the shell's screens: login, home (empty / full), case
view, problems, help — with Chinese and English text; login, home and case
view in both UI languages (``[zh]`` / ``[en]``), the others in Chinese (the
default).

Deterministic: the cache is filled by hand with fixed times and case numbers,
"today" and the time zone are frozen, the seat's sync status is fixed and its
engine never starts (the server URL is never contacted).
Update with ``pytest tests/test_tui_snapshots_shell.py --snapshot-update``.
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
from operator_tui.i18n import N_
from operator_tui.seat import Seat, SeatPaths
from operator_tui.sync import SyncStatus
from screens import worklists
from screens.case_view import CaseViewScreen
from tests.tui_waits import snapshot_ready as settle

URL = "http://127.0.0.1:9"  # never contacted
SIZE = (120, 36)
NOW = datetime(2025, 11, 29, 10, 30, tzinfo=timezone.utc)
DAY = "2025-11-29"
OPERATOR = {"operator_id": "op1", "name": "张晓燕", "role": "operator", "department": None, "active": True}

CATEGORIES = [
    ("01", "", 1, "市场监管", "Market regulation"),
    ("01.03", "01", 2, "消费纠纷", "Consumer disputes"),
    ("01.03.01", "01.03", 3, "商品质量问题", "Defective goods"),
    ("07", "", 1, "城市管理", "City management"),
    ("07.02", "07", 2, "市政设施", "Public facilities"),
    ("07.02.04", "07.02", 3, "路灯不亮", "Street lights out"),
    ("07.02.05", "07.02", 3, "井盖缺失", "Missing manhole cover"),
]
DEPARTMENTS = [("MARKET", "市市场监管局", "Market Regulation Bureau"), ("CITYMGMT", "市城市管理委", "City Management Commission")]

# case_no, hh:mm created, status, phone, category, district, description, created_by
CASES = [
    ("251129-007-0001-7", "02:05", "open", "+8613800138000", "07.02.04", "chaoyang",
     "小区门口路灯连续三晚不亮，老人夜里出门不安全。", "op1"),
    ("251129-007-0002-5", "02:41", "dispatched", "+8613912345678", "07.02.05", "haidian",
     "Manhole cover missing on Zhongguancun Street near the bus stop; a cyclist almost fell in.", "op1"),
    ("251129-007-0003-0", "03:12", "resolved", "+861065123456", "01.03.01", "dongcheng",
     "买的电热水壶用了一周就坏了，商家拒绝退换。Kettle broke after a week.", "op1"),
    ("251129-007-0004-9", "04:20", "open", "+8615011112222", "01.03.01", "xicheng",
     "[bold]not bold[/bold] [@click=app.quit]not a link[/] 反映：外卖有异物", "op1"),
    ("251128-012-0009-4", "09:00", "closed", "+8613800138000", "07.02.04", "chaoyang",
     "上周反映的路灯问题，已修好。", "op5"),
]


def _iso(day: str, hhmm: str) -> str:
    return f"{day}T{hhmm}:00.000000Z"


def _state(case_no, hhmm, status, phone, category, district, description, created_by, *, day=DAY, version=1):
    return {
        "case_no": case_no, "version": version, "status": status, "phone": phone, "name": "王先生",
        "channel": "phone", "language": "zh", "interpreter": False, "appeal_type": "complaint",
        "category_code": category, "district": district, "address": "朝阳区建国路88号" if district else "",
        "description": description, "urgency": "normal", "created_by": created_by,
        "created_at": _iso(day, hhmm), "client_created_at": _iso(day, hhmm), "updated_at": _iso(day, hhmm),
        "lead_department": "CITYMGMT" if status != "open" else "", "co_departments": [],
        "resolution": "已联系商家退货 refunded" if status == "resolved" else "",
    }


def _event(seq, case_no, kind, version, hhmm, payload, day=DAY):
    return {
        "seq": seq, "event_id": f"ev-{seq:04d}", "case_no": case_no, "type": kind, "version": version,
        "actor_id": "op1", "actor_role": "operator", "client_time": _iso(day, hhmm),
        "server_time": _iso(day, hhmm), "payload": payload,
    }


class FrozenSeat(Seat):
    """A real seat whose sync status is fixed (the engine never runs)."""

    fixed = SyncStatus(online=True, last_success=_iso(DAY, "10:29"), outbox_depth=1,
                       oldest_pending_seconds=125, problems=1)

    def status(self) -> SyncStatus:
        return self.fixed


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(worklists, "local_now", lambda: NOW)
    # the centre's zone is the machine's here: the times shown are UTC
    monkeypatch.setenv(clock.TZ_ENV, "UTC")
    monkeypatch.setattr(OperatorApp, "live_outbox", lambda self, status: status)  # the fixed status
    yield
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


def make_seat(folder: Path, *, logged_in: bool = True, status: SyncStatus | None = None) -> Seat:
    paths = SeatPaths(folder / "cache.db", folder / "tokens.json")
    if logged_in:
        TokenStore(URL, paths.token_file, use_keyring=False).save(
            {"token": "t", "expires_at": "2099-01-01T00:00:00Z", "operator": OPERATOR})
    seat = FrozenSeat(URL, paths, use_keyring=False)
    if status is not None:
        seat.fixed = status
    if logged_in:
        seat.cache.set_seat(7, 0)
        seat.cache.set_state("operator_id", "op1")
    return seat


def fill(seat: Seat) -> None:
    """Reference data, cases with their events, a draft, a pending change and a conflict."""
    cache = seat.cache
    cache.replace_reference("categories", [
        {"key": code, "version": 1, "data": {"code": code, "parent_code": parent, "level": level,
                                             "name_zh": zh, "name_en": en}}
        for code, parent, level, zh, en in CATEGORIES], 1)
    cache.replace_reference("departments", [
        {"key": code, "version": 1, "data": {"code": code, "name_zh": zh, "name_en": en}}
        for code, zh, en in DEPARTMENTS], 1)
    states = [_state(*c) for c in CASES[:4]] + [_state(*CASES[4], day="2025-11-28")]
    events, seq = [], 0
    for state in states:
        seq += 1
        events.append(_event(seq, state["case_no"], "created", 1, state["created_at"][11:16],
                             {"category_code": state["category_code"], "description": state["description"]},
                             day=state["created_at"][:10]))
        if state["status"] != "open":
            seq += 1
            state["version"] = 2
            events.append(_event(seq, state["case_no"], "dispatched", 2, "05:00",
                                 {"department": "CITYMGMT", "note": "请尽快处理 please hurry"}))
    cache.apply_pulled(events, states, "cursor-1")
    # a change made here and not yet sent
    first = dict(states[0])
    cache.record_local_event(
        {"event_id": "local-0001", "case_no": first["case_no"], "type": "note", "base_version": 1,
         "client_time": _iso(DAY, "10:15"), "payload": {"text": "来电人再次催促 caller called again"}},
        {**first, "version": 2})
    # an edit that conflicted with someone else's
    second = dict(states[1])
    cache.record_local_event(
        {"event_id": "local-0002", "case_no": second["case_no"], "type": "edited", "base_version": 1,
         "client_time": _iso(DAY, "10:20"), "payload": {"fields": {"address": "海淀区中关村大街1号"}}},
        {**second, "version": 3, "address": "海淀区中关村大街1号"})
    cache.mark_results([{"event_id": "local-0002", "status": "conflict",
                         "reason": "address was changed by seat:12 after version 1",
                         "conflict_fields": ["address"],
                         "server_case": {**second, "version": 3, "address": "Haidian, Zhongguancun St. 2"}}])
    # a draft being typed
    cache.save_draft("draft-1", {"phone": "13700001111", "description": "还没录完的工单 half-typed case"},
                     started_at=_iso(DAY, "10:25"), case_no="251129-007-0005-8")
    cache.db.execute("UPDATE drafts SET updated_at = ?", (_iso(DAY, "10:28"),))


@pytest.fixture
def empty_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, status=SyncStatus(online=True))
    yield seat
    seat.cache.close()


@pytest.fixture
def full_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path)
    fill(seat)
    yield seat
    seat.cache.close()




LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])


@LANGUAGES
def test_login_screen(snap_compare, tmp_path: Path, language: str) -> None:
    seat = make_seat(tmp_path, logged_in=False, status=SyncStatus(login_required=True))
    try:
        assert snap_compare(OperatorApp(seat, language=language), terminal_size=SIZE, run_before=settle)
    finally:
        seat.cache.close()


def test_login_screen_wrong_password(snap_compare, tmp_path: Path) -> None:
    seat = make_seat(tmp_path, logged_in=False, status=SyncStatus(login_required=True))

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.screen.query_one("#operator-id").value = "op1"
        pilot.app.screen.show_error(N_("Wrong operator id or password."))

    try:
        assert snap_compare(OperatorApp(seat), terminal_size=SIZE, run_before=run_before)
    finally:
        seat.cache.close()


def test_home_empty(snap_compare, empty_seat: Seat) -> None:
    assert snap_compare(OperatorApp(empty_seat), terminal_size=SIZE, run_before=settle)


@LANGUAGES
def test_home_full_chinese_and_english(snap_compare, full_seat: Seat, language: str) -> None:
    assert snap_compare(OperatorApp(full_seat, language=language), terminal_size=SIZE, run_before=settle)


def test_home_problems(snap_compare, full_seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)

    assert snap_compare(OperatorApp(full_seat), terminal_size=SIZE, run_before=run_before)


def test_home_search(snap_compare, full_seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"13800138000")
        await settle(pilot)

    assert snap_compare(OperatorApp(full_seat), terminal_size=SIZE, run_before=run_before)


@LANGUAGES
def test_case_view(snap_compare, full_seat: Seat, language: str) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(CaseViewScreen(full_seat, "251129-007-0001-7"))
        await settle(pilot)

    assert snap_compare(OperatorApp(full_seat, language=language), terminal_size=SIZE, run_before=run_before)


def test_case_view_untrusted_text(snap_compare, full_seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(CaseViewScreen(full_seat, "251129-007-0004-9"))
        await settle(pilot)

    assert snap_compare(OperatorApp(full_seat), terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare, full_seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(OperatorApp(full_seat), terminal_size=SIZE, run_before=run_before)
