"""Case intake with keys only: form, category picker, KB lookup, dispatch.

Real server on loopback (EmbeddedServer on a copy of a seeded demo database)
and a real Seat; the sync engine's threads are not started, tests call
``sync_once`` and then ask the server (GET /v1/cases/{no}) what arrived.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, TextArea

from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat
from screens.caller_history import CallerHistory
from screens.case_form import CaseFormScreen
from screens.case_widgets import AppealTypeBar, ChoiceField
from screens.category_picker import CategoryPicker, DistrictPicker
from screens.filter_picker import PickList
from screens.dispatch import DispatchScreen
from screens.kb_lookup import KbLookupScreen
from tests.intake_support import (  # noqa: F401 - fixtures
    SIZE,
    ScreenApp,
    make_seat,
    seat,
    seeded_db,
    server,
    server_case,
)
from tests.tui_waits import workers_done

WATER_OUTAGE = "05.01.01"
PHONE = "13911112222"
REPO = Path(__file__).resolve().parent.parent


def form_app(seat: Seat, draft_id: str | None = None) -> ScreenApp:
    return ScreenApp(seat, lambda s: CaseFormScreen(s, draft_id))


def keys(text: str) -> list[str]:
    return list(text)


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


async def fill_standard_case(pilot, *, phone: str = PHONE, description: str = "小区停水两天了 没有通知") -> None:
    """Phone, category by pinyin, district by initials, address, description, type report."""
    await pilot.press(*keys(phone))
    await pilot.press("f4", *keys("tingshui"), "enter")  # -> focus moves to district
    await pilot.press(*keys("cy"), "enter")  # -> focus moves to address
    await pilot.press(*keys("Wangjing West 3-311"), "tab")
    await pilot.press(*keys(description))
    await pilot.press("alt+r")
    await pilot.pause()


async def test_form_opens_with_case_number_and_focus_in_phone(seat: Seat) -> None:
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        assert app.focused.id == "phone"
        header = str(form.query_one("#case-header").render())
        assert form.case_no and form.case_no in header
        assert seat.draft(form.draft_id)["case_no"] == form.case_no
        await pilot.press("escape")  # nothing typed: the empty draft goes away
        await pilot.pause()
        assert seat.draft(form.draft_id) is None and app.results == [None]


async def test_handle_clock_waits_for_the_next_key_while_typing(seat: Seat, monkeypatch) -> None:
    """While keys arrive the handle time is painted with the next keystroke,
    not in a frame of its own just before one (which held its echo back);
    after a pause in typing it is painted on the second; under a picker it
    waits for the form to be on top again."""
    import screens.case_form_header as case_form_header  # the handle clock lives there

    now = {"t": 1000.0}  # the form's monotonic clock, driven here (its own 1 s timer runs too)
    monkeypatch.setattr(case_form_header, "monotonic", lambda: now["t"])
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        clock = {"seconds": 0}
        monkeypatch.setattr(form.seat, "handle_seconds", lambda started_at: clock["seconds"])

        def header() -> str:
            return str(form.query_one("#case-header").render())

        await pilot.press("1")  # typing (the change is at t=1000)
        now["t"] += 0.1
        clock["seconds"] = 61
        form._clock_tick()
        assert form._clock_due and "1:01" not in header()
        await pilot.press("3")  # the next key brings the new second with it
        await pilot.pause()
        assert "1:01" in header()
        now["t"] += 5  # a pause in typing
        clock["seconds"] = 62
        form._clock_tick()
        await pilot.pause()
        assert "1:02" in header()
        await pilot.press("f4")  # the category picker on top: the form below keeps still
        await pilot.pause()
        assert isinstance(app.screen, CategoryPicker)
        clock["seconds"] = 63
        form._clock_tick()
        assert form._clock_due and "1:03" not in header()
        await pilot.press("escape")  # back on the form: the clock catches up
        await pilot.pause()
        assert app.screen is form and "1:03" in header()


async def test_the_form_works_in_an_80x24_terminal(seat: Seat) -> None:
    """QA: at 80x24 the side panel kept 46 columns, the type bar and the
    language were cut off and the urgency row could not be reached. Narrow,
    the side panel goes below the form, and the form scrolls to the field
    the focus moves to."""
    app = form_app(seat)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = app.screen
        body, side = form.query_one("#form").region, form.query_one("#side").region
        assert side.y >= body.bottom and body.width >= 78, (body, side)
        appeal = form.query_one(AppealTypeBar).region
        assert body.contains_region(appeal), "the appeal type bar is cut off"
        urgency = form.query_one("#urgency")
        await pilot.press(*keys(PHONE))
        for _ in range(12):  # Tab through every field, as an operator would
            await pilot.press("tab")
            if app.focused is urgency:
                break
        await settle(pilot)
        assert app.focused is urgency
        assert form.query_one("#form").region.contains_region(urgency.region), "the urgency row is out of sight"


async def test_complete_case_with_keys_reaches_the_server(seat: Seat) -> None:
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await fill_standard_case(pilot)
        assert form.query_one(AppealTypeBar).value == "report"
        assert form.query_one("#urgency").value == "urgent"  # suggested from 停水

        def hint() -> str:
            return str(form.query_one("#urgency-hint").render())

        assert "2小时内派单" in hint() and "较急" in hint()  # the dispatch time, not the deadline
        form.query_one("#urgency").value = "critical"
        await pilot.pause()
        assert "1小时内派单" in hint() and "较急" in hint() and form.fields["urgency_manual"]
        form.query_one("#urgency").value = "urgent"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.saved and not form.shown_errors
        case_no = form.case_no
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [case_no]
    assert seat.draft(form.draft_id) is None
    assert seat.engine.sync_once().outbox_depth == 0
    case = server_case(seat, case_no)
    assert case["phone"] == "+86" + PHONE
    assert case["category_code"] == WATER_OUTAGE and case["district"] == "chaoyang"
    assert case["address"] == "Wangjing West 3-311"
    assert case["description"] == "小区停水两天了 没有通知"
    assert case["appeal_type"] == "report" and case["urgency"] == "urgent"
    assert case["status"] == "open" and case["channel"] == "phone"
    assert case["handle_seconds"] is not None and 0 <= case["handle_seconds"] < 120


async def test_inline_errors_block_saving(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: CaseFormScreen(s), language="en")  # asserts on the English text
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not form.saved
        assert set(form.shown_errors) == {"phone", "category_code", "description"}
        assert app.focused.id == "phone"  # the first wrong field
        await pilot.press(*keys("12345"), "enter")
        await pilot.pause()
        assert "valid" in form.shown_errors["phone"].lower()
        await pilot.press("shift+tab", "end", *["backspace"] * 5, *keys("010-6512 3456"))
        await pilot.pause()
        assert "phone" not in form.shown_errors  # errors follow the fixes
        await pilot.press("f4", *keys("tingshui"), "enter")
        await pilot.pause()
        assert "category_code" not in form.shown_errors
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not form.saved and set(form.shown_errors) == {"description"}
        assert app.focused.id == "description"
        await pilot.press("f5")  # dispatch needs a district too
        await pilot.pause()
        assert "district" in form.shown_errors and not form.saved
        assert app.focused.id == "district"
        assert seat.case(form.case_no) is None and seat.cache.outbox_depth() == 0
        await pilot.press("tab", "tab", *keys("停水"), "ctrl+s")
        await pilot.pause()
        assert form.saved and seat.case(form.case_no)["phone"] == "+861065123456"


async def test_answer_directly_from_the_kb(seat: Seat) -> None:
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await fill_standard_case(pilot, description="停水了什么时候来水")
        await pilot.press("alt+e")  # an enquiry after all
        await pilot.press("f6")
        await settle(pilot)
        kb = app.screen
        assert isinstance(kb, KbLookupScreen) and kb.case_no == form.case_no
        assert kb.query_one("#kb-query", Input).value == "停水"  # from the category
        assert kb.rows and WATER_OUTAGE in kb.rows[0].article["category_codes"]
        await pilot.press("down")
        await pilot.pause()
        article = kb.shown
        await pilot.press("f6")  # insert the answer and resolve
        await pilot.pause()
        assert app.screen is not form and app.results == [form.case_no]
    local = seat.case(form.case_no)
    assert local["status"] == "resolved" and local["kb_article_id"] == article["id"]
    assert seat.engine.sync_once().outbox_depth == 0
    case = server_case(seat, form.case_no)
    assert case["status"] == "resolved" and case["resolve_mode"] == "direct"
    assert case["kb_article_id"] == article["id"]
    assert case["resolution"].startswith(article["title"])
    assert case["appeal_type"] == "enquiry"


async def test_dispatch_with_co_handler_and_note(seat: Seat) -> None:
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await fill_standard_case(pilot)
        await pilot.press("f5")  # save + dispatch
        await pilot.pause()
        dispatch = app.screen
        assert isinstance(dispatch, DispatchScreen) and form.saved
        proposed = seat.propose_department(WATER_OUTAGE, "chaoyang")
        assert dispatch.proposed == proposed and dispatch.lead == proposed
        await pilot.press(*keys("chaoyang"))  # the district government as co-handler
        await pilot.pause()
        co = dispatch.highlighted_code
        assert co and co != proposed and dispatch.lead == proposed  # filtering does not change the lead
        await pilot.press("ctrl+o")  # adds it and clears the filter for the next one
        await pilot.pause()
        assert dispatch.co == [co] and dispatch.lead == proposed
        assert dispatch.query_one("#dept-filter").value == ""
        await pilot.press("tab", *keys("请先送水"), "enter")
        await pilot.pause()
        assert app.results == [form.case_no]
    assert seat.case(form.case_no)["status"] == "dispatched"
    assert seat.engine.sync_once().outbox_depth == 0
    case = server_case(seat, form.case_no)
    assert case["status"] == "dispatched" and case["lead_department"] == proposed
    assert case["co_departments"] == [co] and case["deadline"]


async def test_dispatch_lead_changes_only_when_the_operator_says_so(seat: Seat) -> None:
    """QA: filtering to pick a co-handler and pressing ctrl+s sent the co-handler
    as the lead and dropped it as co-handler. The lead is the routing rules'
    proposal until Enter on another department makes that one the lead."""
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await fill_standard_case(pilot)
        await pilot.press("f5")
        await pilot.pause()
        dispatch = app.screen
        proposed = dispatch.proposed
        await pilot.press(*keys("haidian"))
        await pilot.pause()
        haidian = dispatch.highlighted_code
        assert haidian and dispatch.lead == proposed
        await pilot.press("ctrl+o", *keys("haidian"), "ctrl+o")  # twice: added, then taken off again
        await pilot.pause()
        assert dispatch.co == [] and dispatch.lead == proposed
        await pilot.press(*keys("haidian"), "ctrl+o")  # on again
        await pilot.pause()
        assert dispatch.co == [haidian]
        assert dispatch.highlighted_code == proposed  # the filter is empty again: the lead is highlighted
        await pilot.press("ctrl+o")  # the lead cannot also co-handle
        await pilot.pause()
        assert dispatch.co == [haidian] and dispatch.lead == proposed
        await pilot.press(*keys("haidain"), "enter")  # a typo matches nothing: Enter sends nothing
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen) and dispatch.lead == proposed
        await pilot.press("ctrl+a", "ctrl+k", *keys("haidian"), "enter")  # Enter on a co-handler: now the lead
        await pilot.pause()
        assert isinstance(app.screen, DispatchScreen)
        assert dispatch.lead == haidian and dispatch.co == []
        await pilot.press("ctrl+a", "ctrl+k", *keys("haidian"), "ctrl+o")  # the lead: not a co-handler too
        await pilot.pause()
        assert dispatch.co == []
        await pilot.press("ctrl+a", "ctrl+k", *keys(proposed.lower()), "ctrl+o")  # the proposal as co-handler
        await pilot.pause()
        assert dispatch.co == [proposed]
        await pilot.press(*keys("chaoyang"), "enter")  # Enter on another one: it becomes the lead
        await pilot.pause()
        chaoyang = dispatch.lead
        assert chaoyang not in (proposed, haidian) and isinstance(app.screen, DispatchScreen)
        assert dispatch.co == [proposed]
        assert dispatch._dept_label(chaoyang) in str(dispatch.query_one("#dispatch-lead").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.results == [form.case_no]
    assert seat.engine.sync_once().outbox_depth == 0
    case = server_case(seat, form.case_no)
    assert case["lead_department"] == chaoyang and case["co_departments"] == [proposed]


async def test_dispatch_offline_then_the_server_comes_back(seat: Seat, server: EmbeddedServer) -> None:
    server.stop()
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await fill_standard_case(pilot)
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [form.case_no]
    assert seat.case(form.case_no)["status"] == "dispatched" and seat.case(form.case_no)["local"]
    assert seat.cache.outbox_depth() == 2  # created + dispatched, waiting
    status = seat.engine.sync_once()
    assert not status.online and status.outbox_depth == 2
    again = EmbeddedServer(server.database_url, port=server.port).start()
    try:
        assert seat.engine.sync_once().outbox_depth == 0
        case = server_case(seat, form.case_no)
        assert case["status"] == "dispatched" and case["case_no"] == form.case_no
    finally:
        again.stop()


async def test_caller_history_copy_and_link(seat: Seat) -> None:
    prev = next(c for c in seat.cache.recent_cases(200)
                if c.get("phone") and c.get("address") and c.get("district") and c.get("category_code")
                and seat.category_leaf(c["category_code"]))
    digits = prev["phone"].removeprefix("+86")
    dial = digits if digits.startswith("1") else "0" + digits
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press(*keys(dial))
        await pilot.pause()
        history = form.query_one(CallerHistory)
        assert history.selected["case_no"] == prev["case_no"]
        await pilot.press("f2", "ctrl+l")
        await pilot.pause()
        assert form.query_one("#address", Input).value == prev["address"]
        assert form.query_one("#category", ChoiceField).value == prev["category_code"]
        assert form.query_one("#district", ChoiceField).value == prev["district"]
        assert form.fields["linked_to"] == prev["case_no"]
        await pilot.press("tab")  # to the description? no: focus is where it was
        form.query_one("#description").focus()
        await pilot.press(*keys("又来电催办"), "ctrl+s")
        await pilot.pause()
        assert form.saved
    assert seat.engine.sync_once().outbox_depth == 0
    case = server_case(seat, form.case_no)
    assert case["linked_to"] == prev["case_no"] and case["address"] == prev["address"]


async def test_keys_typed_ahead_of_the_pickers_land_in_order(seat: Seat) -> None:
    """A burst of keys (what a terminal delivers after a stall) reaches the app at
    once, while pickers open and close: every key ends up where it was meant."""
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = app.screen
        burst = [*keys(PHONE), "f4", *keys("tings"), "enter", *keys("cy"), "enter",
                 *keys("Wangjing"), "space", "5", "tab", *keys("楼道漏水"), "alt+c"]
        for key in burst:
            char = " " if key == "space" else (key if len(key) == 1 else None)
            app.post_message(events.Key(key, char))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            await pilot.pause(0.2)
            if form.collect()["appeal_type"] == "complaint" and app.screen is form:
                break
        got = form.collect()
        assert (got["phone"], got["category_code"], got["district"]) == (PHONE, WATER_OUTAGE, "chaoyang")
        assert got["address"] == "Wangjing 5" and got["description"] == "楼道漏水"
        assert got["appeal_type"] == "complaint" and app.focused.id == "description"


async def test_category_picker_filters_by_pinyin(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: CategoryPicker(s))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = app.screen
        for query, expected in (("tingshui", WATER_OUTAGE), ("停水", WATER_OUTAGE),
                                ("water outage", WATER_OUTAGE), ("gsts", WATER_OUTAGE)):
            await pilot.press("ctrl+a", "ctrl+k", *keys(query))
            await pilot.pause()
            assert picker.shown_ids[0] == expected, query
        await pilot.press("ctrl+a", "ctrl+k", *keys("tftd"))  # 突发停电, by initials
        await pilot.pause()
        assert seat.category_leaf(picker.shown_ids[0]).name_zh == "突发停电"
        await pilot.press("ctrl+a", "ctrl+k", *keys("ts"))
        await pilot.pause()
        assert WATER_OUTAGE in picker.shown_ids
        await pilot.press("ctrl+a", "ctrl+k", *keys("tingshui"), "enter")
        await pilot.pause()
    assert app.results == [WATER_OUTAGE]

    seat.note_category_use("06.01.01")  # recently used first when nothing is typed
    app = ScreenApp(seat, lambda s: CategoryPicker(s))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.shown_ids[0] == "06.01.01"
        await pilot.press("down", "escape")
        await pilot.pause()
    assert app.results == [None]


async def test_category_picker_browses_the_tree_with_nothing_typed(seat: Seat) -> None:
    """Every leaf can be reached without knowing its name: the used ones, then
    the top groups; Enter or → opens a group, ← or Backspace goes back up,
    typing searches everything again."""
    from screens.category_picker import GROUP

    seat.note_category_use("06.01.01")
    tops = [g.code for g in seat.category_index.children()]
    app = ScreenApp(seat, lambda s: CategoryPicker(s))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = app.screen
        assert picker.shown_ids == ["06.01.01"] + [GROUP + code for code in tops]
        await pilot.press("down", "down", "down", "down", "down")  # 供水排水, the fifth group
        await pilot.press("right")
        await pilot.pause()
        assert picker.shown_ids == [GROUP + c for c in ("05.01", "05.02", "05.03")]
        assert "供水排水" in str(picker.query_one("#picker-hint").render())
        await pilot.press("enter")  # a group opens; it is never picked
        await pilot.pause()
        assert picker.shown_ids[0] == WATER_OUTAGE and all(i.startswith("05.01.") for i in picker.shown_ids)
        assert "供水排水 / 供水 ·" in str(picker.query_one("#picker-hint").render())
        await pilot.press("left")
        await pilot.pause()
        assert picker.shown_ids[0] == GROUP + "05.01"
        await pilot.press("backspace")
        await pilot.pause()
        assert picker.query_one(PickList).highlighted == picker.shown_ids.index(GROUP + "05")
        await pilot.press("right", "right", *keys("tingshui"))  # typing searches the whole tree
        await pilot.pause()
        assert picker.shown_ids[0] == WATER_OUTAGE
        await pilot.press("ctrl+a", "ctrl+k")  # cleared: back in the group left
        await pilot.pause()
        assert picker.shown_ids[0] == WATER_OUTAGE
        await pilot.press("x", "left", "backspace")  # with text typed the keys edit it
        await pilot.pause()
        assert picker.query_one("#picker-query").value == "x"
        await pilot.press("right", "backspace")
        await pilot.pause()
        assert picker.shown_ids[0] == WATER_OUTAGE and picker.branch == "05.01"
        await pilot.press("down", "enter")
        await pilot.pause()
    assert app.results == ["05.01.02"]

    app = ScreenApp(seat, lambda s: CategoryPicker(s, current="05.01.03"))  # changing a chosen one
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.shown_ids[0] == WATER_OUTAGE
        assert app.screen.query_one(PickList).highlighted == 2
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_enter_typed_ahead_onto_a_group_opens_it_and_the_keys_after_it_follow(seat: Seat) -> None:
    """Review: Enter typed before the picker opened, landing on a top group
    (nothing used yet), looped for ever replaying the keys after it."""
    picker = CategoryPicker(seat)
    picker.typed_ahead("enter", None)
    picker.typed_ahead("enter", None)
    app = ScreenApp(seat, lambda s: picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        top = seat.category_index.children()[0]
        inner = seat.category_index.children(top.code)[0]
        assert picker.branch == inner.code  # each Enter opened the highlighted group, in order
        assert not picker.done and not picker._submit_when_ready and not picker._typed_after_enter
        await pilot.press("down", "enter")  # a leaf now: picked
        await pilot.pause()
    assert app.results == [seat.category_index.children(inner.code)[1].code]


async def test_browse_keys_in_one_burst_land_in_order(seat: Seat) -> None:
    """F4 ↓↓↓↓ → → Enter sent at once reaches 停水. The moves were screen
    bindings, which run after the key went round the filter, so → (the
    filter's own key, handled as it arrived) overtook them and opened the
    wrong group."""
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = app.screen
        for key in ["f4", "down", "down", "down", "down", "right", "right", "enter"]:
            app.post_message(events.Key(key, None))
        for _ in range(50):
            await pilot.pause(0.05)
            if app.screen is form and form.collect()["category_code"]:
                break
        assert form.collect()["category_code"] == WATER_OUTAGE


async def test_the_browse_keys_follow_the_keymap(seat: Seat) -> None:
    """Review: the tree's browse keys were read from the bindings as declared,
    so a keymap did not move them."""
    app = ScreenApp(seat, lambda s: CategoryPicker(s))
    async with app.run_test(size=SIZE) as pilot:
        app.set_keymap({"picker.open_group": "ctrl+g"})
        await pilot.pause()
        picker = app.screen
        await pilot.press("right")  # no longer the key
        await pilot.pause()
        assert picker.branch == ""
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert picker.branch == seat.category_index.children()[0].code


async def test_district_picker_type_to_filter(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: DistrictPicker())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for query, first in (("cy", "chaoyang"), ("朝阳", "chaoyang"), ("haidian", "haidian"),
                             ("Xicheng", "xicheng")):
            await pilot.press("ctrl+a", "ctrl+k", *keys(query))
            await pilot.pause()
            assert app.screen.shown_ids[0] == first
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["xicheng"]


async def test_kb_lookup_highlights_and_switches_language(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: KbLookupScreen(s))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        kb = app.screen
        assert kb.rows == [] and not kb.check_action("answer", ())
        await pilot.press(*keys("停水"))
        await settle(pilot)
        assert kb.rows
        first = kb.query_one(PickList).get_option_at_index(0).prompt
        marked = [first.plain[s.start:s.end] for s in first.spans if "reverse" in str(s.style)]
        assert "停水" in marked
        await pilot.press("ctrl+l")  # 中文 only
        await settle(pilot)
        assert kb.language == "zh" and all(r.article["language"].startswith("zh") for r in kb.rows)
        pair = next(i for i, r in enumerate(kb.rows) if seat.kb_translations(r.article))
        for _ in range(pair):
            await pilot.press("down")
        await pilot.pause()
        group = kb.shown["group_id"]
        await pilot.press("ctrl+t")  # the same answer in English
        await pilot.pause()
        assert kb.shown["group_id"] == group and kb.shown["language"].startswith("en")
        await pilot.press("ctrl+l")  # English only
        await settle(pilot)
        assert all(r.article["language"].startswith("en") for r in kb.rows)
        # An answer for an older query arriving late is dropped.
        shown = list(kb.rows)
        kb.show_rows(kb._generation - 1, [])
        assert kb.rows == shown
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_injection_strings_render_literally(seat: Seat) -> None:
    nasty = "[bold]x[/bold] [@click=app.quit]y[/] $(rm -rf /) "
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press(*keys(PHONE), "tab", *keys("[red]Zhang[/red]"))
        await pilot.press("f4", *keys("tingshui"), "enter", *keys("cy"), "enter")
        await pilot.press(*keys("[link=http://x]addr[/link]"), "tab")
        app.post_message(events.Paste(nasty + "\x1b[31mred\x1b[0m\u202eevil"))  # a terminal paste
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.saved
        case_no = form.case_no
    stored = seat.case(case_no)
    assert stored["description"] == (nasty + "[31mred[0mevil").strip()
    assert stored["name"] == "[red]Zhang[/red]"
    app = form_app(seat)  # the next call from the same number shows it in the history
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*keys(PHONE))
        await pilot.pause()
        olist = app.screen.query_one("#history-list")
        row = olist.get_option_at_index(0).prompt.plain
        assert "[link=http://x]addr[/link]" in row and "\x1b" not in row
    assert seat.engine.sync_once().outbox_depth == 0
    assert server_case(seat, case_no)["description"] == stored["description"]


async def test_draft_resumes_with_its_fields(seat: Seat) -> None:
    app = form_app(seat)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press(*keys(PHONE), "f4", *keys("tingshui"), "enter", "alt+c")
        form.query_one("#description").focus()
        await pilot.press(*keys("楼道漏水"))
        await pilot.pause(0.5)  # the draft is written after a short quiet spell
        draft = seat.draft(form.draft_id)
        assert draft["fields"]["description"] == "楼道漏水"
        assert draft["fields"]["category_code"] == WATER_OUTAGE
        await pilot.press("escape")
        await pilot.pause()
    assert seat.draft(form.draft_id) is not None  # kept: it has content
    app = form_app(seat, form.draft_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        again = app.screen
        assert again.case_no == form.case_no and again.started_at == draft["started_at"]
        assert again.query_one("#phone", Input).value == PHONE
        assert again.query_one(TextArea).text == "楼道漏水"
        assert again.query_one(AppealTypeBar).value == "complaint"
        assert again.query_one("#category", ChoiceField).value == WATER_OUTAGE
        await pilot.press("ctrl+s")  # still incomplete: no district is fine, save works
        await pilot.pause()
        assert again.saved
    assert seat.draft(form.draft_id) is None


CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from textual.app import App
    from operator_tui.seat import Seat, SeatPaths
    from screens.case_form import CaseFormScreen
    from operator_tui import i18n

    i18n.set_language("en")  # the test waits for English text
    seat = Seat({url!r}, SeatPaths(Path({cache!r}), Path({tokens!r})), use_keyring=False)

    class Child(App):
        def on_mount(self):
            self.seat = seat
            self.push_screen(CaseFormScreen(seat))

    Child().run()
""")


def test_draft_survives_sigkill(seat: Seat, tmp_path: Path) -> None:
    """A real app in a pty: type, kill -9, and the draft is in the cache."""
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO), url=seat.server_url, cache=str(seat.paths.cache),
                                   tokens=str(seat.paths.token_file)))
    master, slave = pty.openpty()
    import fcntl
    import struct
    import termios
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    proc = subprocess.Popen([sys.executable, str(script)], stdin=slave, stdout=slave, stderr=slave,
                            env=env, start_new_session=True)
    os.close(slave)
    seen = bytearray()

    def reader() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.extend(chunk)

    threading.Thread(target=reader, daemon=True).start()
    try:
        deadline = time.monotonic() + 60
        while b"Caller history" not in seen:
            assert proc.poll() is None and time.monotonic() < deadline, seen[-2000:]
            time.sleep(0.1)
        time.sleep(0.5)
        for chunk in ["1", "3", "9", "1", "1", "1", "1", "2", "2", "2", "2", "\x1bOS"]:  # digits, F4
            os.write(master, chunk.encode())
            time.sleep(0.08)
        time.sleep(1.5)
        for ch in "tingshui":
            os.write(master, ch.encode())
            time.sleep(0.08)
        os.write(master, b"\r")
        time.sleep(1.0)
        for ch in "cy":
            os.write(master, ch.encode())
            time.sleep(0.08)
        os.write(master, b"\r")
        time.sleep(1.0)
        os.write(master, "Wangjing 3-311\t".encode())
        time.sleep(0.5)
        os.write(master, "水管爆了 快来".encode())
        time.sleep(1.5)  # longer than the draft debounce
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        os.close(master)

    again = make_seat(seat.server_url, tmp_path)  # "starting again": a new process view
    drafts = again.drafts()
    assert len(drafts) == 1, drafts
    fields = drafts[0]["fields"]
    assert fields["phone"] == PHONE
    assert fields["category_code"] == WATER_OUTAGE and fields["district"] == "chaoyang"
    assert fields["address"] == "Wangjing 3-311"
    assert fields["description"] == "水管爆了 快来"
    assert drafts[0]["case_no"] and drafts[0]["started_at"]
    again.close()


async def test_keystrokes_for_a_standard_dispatched_case(seat: Seat) -> None:
    """From the work list to a dispatched case in the real app, counting every
    key except the phone digits, the address text and the description text."""
    from operator_tui.app import OperatorApp
    from screens.home import HomeScreen

    counted: list[str] = []

    async def press(pilot, *pressed: str) -> None:
        counted.extend(pressed)
        await pilot.press(*pressed)

    app = OperatorApp(seat)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "ctrl+n")  # new case: the focus is in the phone field
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        await pilot.press(*keys(PHONE))  # phone digits: not counted
        await press(pilot, "f4", *keys("tings"), "enter")  # category: 停水 is the only match
        await press(pilot, *keys("cy"), "enter")  # district; the focus moves on to the address
        await pilot.press(*keys("Wangjing West 3-311"))  # address text: not counted
        await press(pilot, "tab")  # to the description
        await pilot.press(*keys("停水两天了"))  # description: not counted
        await press(pilot, "alt+r")  # appeal type: report (the suggested urgency stands)
        await press(pilot, "f5")  # save, and dispatch to the proposed department...
        await pilot.pause()
        await press(pilot, "enter")  # ...confirmed
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert seat.case(form.case_no)["status"] == "dispatched"
    # ctrl+n, f4 t-i-n-g-s enter, c-y enter, tab, alt+r, f5, enter
    assert len(counted) == 15, counted
