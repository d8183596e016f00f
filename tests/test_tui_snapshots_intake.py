"""Snapshot tests of the intake screens: case form (empty, filled in Chinese
and English, with errors), category and district pickers, KB lookup, dispatch;
the filled form, the category picker and the KB lookup in both UI languages
(``[zh]`` / ``[en]``), the others in Chinese (the default).

Deterministic: a seat on fixed reference data (no server), a fixed case
number, the clock frozen at FIXED_NOW and the time zone at UTC.
Update with ``pytest tests/test_tui_snapshots_intake.py --snapshot-update``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import local_cache.search
from local_cache._rows import utc_key

from operator_tui import clock
from operator_tui.seat import Seat
from screens.case_form import CaseFormScreen
from screens.category_picker import CategoryPicker, DistrictPicker
from screens.dispatch import DispatchScreen
from screens.kb_lookup import KbLookupScreen
from tests.intake_support import FIXED_CASE_NO, FIXED_NOW, SIZE, ScreenApp, fixed_draft, fixed_seat
from tests.tui_waits import snapshot_ready as settle

NASTY = "[bold]not bold[/bold] [@click=app.quit]no link[/] \x1b[31mred\x1b[0m"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    # the centre's zone is the machine's here: the times shown are UTC
    monkeypatch.setenv(clock.TZ_ENV, "UTC")
    # the cache's caller-history window ("the last 365 days") from the same now
    monkeypatch.setattr(local_cache.search, "days_ago_key",
                        lambda days: utc_key(FIXED_NOW - timedelta(days=days)))
    yield
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


@pytest.fixture
def seat(tmp_path: Path) -> Iterator[Seat]:
    s = fixed_seat(tmp_path)
    yield s
    s.cache.close()




LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])


def new_form(seat: Seat) -> ScreenApp:
    """A new case whose number is the fixed one."""
    draft_id = fixed_draft(seat)
    seat.new_draft = lambda: (draft_id, FIXED_CASE_NO)  # type: ignore[method-assign]
    return ScreenApp(seat, lambda s: CaseFormScreen(s))


def test_case_form_empty(snap_compare, seat: Seat) -> None:
    assert snap_compare(new_form(seat), terminal_size=SIZE, run_before=settle)


@LANGUAGES
def test_case_form_filled_chinese_and_english(snap_compare, seat: Seat, language: str) -> None:
    draft_id = fixed_draft(seat, {
        "phone": "13800138000", "name": "王建国 Mr Wang", "channel": "phone", "language": "en",
        "interpreter": True, "appeal_type": "report", "category_code": "05.01.01",
        "district": "chaoyang", "address": "望京西园三区 311 号楼 / Wangjing West, Bldg 311",
        "description": "小区从周一起停水，物业说不清原因。\nNo water since Monday; the property "
                       "office gives no reason. " + NASTY,
        "urgency": "urgent", "urgency_manual": False, "linked_to": "251120-012-0007-9",
    })
    app = ScreenApp(seat, lambda s: CaseFormScreen(s, draft_id), language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_case_form_with_errors(snap_compare, seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await pilot.press(*"12345", "tab", *"[b]x[/b]", "ctrl+s")
        await settle(pilot)

    assert snap_compare(new_form(seat), terminal_size=SIZE, run_before=run_before)


@LANGUAGES
def test_category_picker_pinyin(snap_compare, seat: Seat, language: str) -> None:
    seat.note_category_use("06.01.01")
    app = ScreenApp(seat, lambda s: CategoryPicker(s, "ts"), language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_category_picker_recent_first(snap_compare, seat: Seat) -> None:
    seat.note_category_use("14.01.01")
    app = ScreenApp(seat, lambda s: CategoryPicker(s))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_district_picker(snap_compare, seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: DistrictPicker("c"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


@LANGUAGES
def test_kb_lookup_for_a_case(snap_compare, seat: Seat, language: str) -> None:
    app = ScreenApp(seat, lambda s: KbLookupScreen(s, "停水", case_no=FIXED_CASE_NO,
                                                   category_code="05.01.01"), language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_kb_lookup_english_translation(snap_compare, seat: Seat) -> None:
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)

    app = ScreenApp(seat, lambda s: KbLookupScreen(s, "96116"))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dispatch_screen(snap_compare, seat: Seat) -> None:
    seat.cache.apply_snapshot([{
        "case_no": FIXED_CASE_NO, "version": 1, "status": "open", "phone": "+8613800138000",
        "category_code": "05.01.01", "district": "chaoyang", "urgency": "urgent",
        "description": "小区停水 no water", "created_at": clock.iso(FIXED_NOW),
        "updated_at": clock.iso(FIXED_NOW),
    }])

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"chao", "ctrl+o", *["backspace"] * 4, "tab", *"请先送水 bring water")
        await settle(pilot)

    app = ScreenApp(seat, lambda s: DispatchScreen(s, FIXED_CASE_NO))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_kb_lookup_offers_the_callers_language(snap_compare, seat: Seat) -> None:
    """A Chinese operator, an English-speaking caller: the Chinese article is
    listed, the reading pane offers the English version (ctrl+t)."""
    app = ScreenApp(seat, lambda s: KbLookupScreen(s, "停水", case_no=FIXED_CASE_NO, category_code="05.01.01",
                                                   caller_language="en"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_case_form_interpreter_on_the_call(snap_compare, seat: Seat) -> None:
    """ctrl+r, language and interpreter id, Enter: the header shows who is on the call."""
    draft_id = fixed_draft(seat, {"phone": "13800138000", "language": "ja"})

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press(*"I-203", "enter")
        await settle(pilot)

    app = ScreenApp(seat, lambda s: CaseFormScreen(s, draft_id))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
