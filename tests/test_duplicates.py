"""Duplicates and merge: the candidate finder and the callers of a master case
(pure functions over a real LocalCache), then the case form with keys only
against a real central server on loopback — link, merge, a burst of calls
merged into one master, offline — and the master's case view.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local_cache import LocalCache
from operator_tui import clock
from operator_tui import duplicates as dup
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat
from screens.case_form import CaseFormScreen
from screens.case_view import CaseViewScreen
from screens.duplicates_panel import DuplicatesPanel
from screens.merged_callers import MergedCallers
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

WATER = "05.01.01"
OTHER = "14.01.01"

# --- the finder, on a cache of known cases ------------------------------------------------


def ago(hours: float) -> str:
    return clock.iso(clock.now() - timedelta(hours=hours))


def state(case_no: str, hours_ago: float, *, phone: str = "", status: str = "open", category: str = WATER,
          district: str = "chaoyang", address: str = "", merged_into: str = "", **extra: Any) -> dict[str, Any]:
    return {"case_no": case_no, "version": 1, "status": status, "phone": phone, "category_code": category,
            "district": district, "address": address, "created_at": ago(hours_ago),
            "updated_at": ago(hours_ago), "merged_into": merged_into, "name": extra.pop("name", ""),
            "language": "zh", "channel": "phone", **extra}


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = LocalCache.open(tmp_path / "cache.db")
    yield c
    c.close()


NO = {n: f"2511{n:02d}-012-0001-0" for n in range(1, 20)}  # numbers only need to be distinct here


def numbers(found: list[dup.Candidate]) -> list[str]:
    return [c.case_no for c in found]


def test_same_phone_finds_every_open_case_of_the_caller(cache: Any) -> None:
    cache.apply_snapshot([
        state(NO[1], 24 * 20, phone="+8613800138000", category=OTHER, district="haidian"),  # old, other topic
        state(NO[2], 5, phone="+8613800138000"),
        state(NO[3], 3, phone="+8613800138000", status="closed"),
        state(NO[4], 2, phone="+8613800138000", status="merged", merged_into=NO[2]),
        state(NO[5], 1, phone="+8613900139000", category=OTHER, district="haidian"),
    ])
    found = dup.duplicate_candidates(cache, {"phone": "138 0013 8000"})
    assert numbers(found) == [NO[2], NO[1]]  # open ones only, newest first
    assert all(c.reasons == (dup.PHONE,) for c in found)
    assert found[0].describe() == "same caller"
    assert dup.duplicate_candidates(cache, {"phone": "1380013"}) == []  # a number still being typed


def test_same_category_and_district_or_address_within_the_window(cache: Any) -> None:
    cache.apply_snapshot([
        state(NO[1], 10, address="望京西园三区311号楼"),  # same category, same district
        state(NO[2], 30, district="", address="北京市朝阳区望京西园三区 311 号楼"),  # same address
        state(NO[3], 20, district="haidian"),  # other district, other address
        state(NO[4], 5, category=OTHER),  # other category
        state(NO[5], 60),  # outside 48 h
        state(NO[6], 2, status="resolved"),  # not open
        state(NO[7], 1, status="dispatched", district="chaoyang", address="建国路88号"),
    ])
    fields = {"phone": "13700137000", "category_code": WATER, "district": "chaoyang",
              "address": "望京西园三区 311 号楼 2单元"}
    found = dup.duplicate_candidates(cache, fields)
    assert numbers(found) == [NO[1], NO[2], NO[7]]  # address matches first, then the district's
    assert found[0].reasons == (dup.ADDRESS,) and found[2].reasons == (dup.DISTRICT,)
    assert found[2].describe() == "same category + district"
    # not outside the window; a wider (configured) window reaches further back
    assert NO[5] not in numbers(found)
    assert NO[5] in numbers(dup.duplicate_candidates(cache, fields, window_hours=72))
    assert numbers(dup.duplicate_candidates(cache, fields, window_hours=4)) == [NO[7]]
    # the new case itself is never its own duplicate; no category, no place rule
    assert NO[1] not in numbers(dup.duplicate_candidates(cache, fields, exclude={NO[1]}))
    assert dup.duplicate_candidates(cache, {**fields, "category_code": ""}) == []


def test_phone_and_place_together_rank_first(cache: Any) -> None:
    cache.apply_snapshot([state(NO[1], 3), state(NO[2], 6, phone="+8613800138000")])
    found = dup.duplicate_candidates(cache, {"phone": "13800138000", "category_code": WATER,
                                             "district": "chaoyang"})
    assert numbers(found) == [NO[2], NO[1]]
    assert found[0].reasons == (dup.PHONE, dup.DISTRICT)
    assert found[0].describe() == "same caller, same category + district"


def test_addresses_compare_without_city_district_spaces_or_punctuation() -> None:
    assert dup.same_address("北京市朝阳区望京西园三区 311号楼", "望京西园三区311号楼", "chaoyang")
    assert dup.same_address("Wangjing West 3-311", "wangjing west 3 311")
    assert dup.same_address("望京西园三区311号楼2单元", "望京西园三区311号楼")  # one contains the other
    assert not dup.same_address("311", "望京西园三区311号楼")  # too short to count
    assert not dup.same_address("", "望京西园三区311号楼")


def test_window_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("duplicate_window_hours = 72\n", encoding="utf-8")
    monkeypatch.setenv("OPERATOR_TUI_CONFIG", str(config))
    assert dup.window_hours() == 72.0
    monkeypatch.setenv("OPERATOR_TUI_DUPLICATE_WINDOW_HOURS", "12")
    assert dup.window_hours() == 12.0
    monkeypatch.setenv("OPERATOR_TUI_DUPLICATE_WINDOW_HOURS", "nonsense")
    assert dup.window_hours() == dup.DEFAULT_WINDOW_HOURS


def test_the_older_case_is_the_master() -> None:
    old, new = state(NO[1], 5), state(NO[2], 1)
    assert dup.choose_master(new, old) == (old, new)
    assert dup.choose_master(old, new) == (old, new)


def test_callers_of_a_master_follow_chained_merges(cache: Any) -> None:
    cache.apply_snapshot([
        state(NO[1], 10, phone="+8613800138000", name="master"),
        state(NO[2], 9, phone="+8613900139000", status="merged", merged_into=NO[1]),
        state(NO[3], 8, phone="+8613800138000", status="merged", merged_into=NO[1]),  # same phone again
        state(NO[4], 7, phone="", status="merged", merged_into=NO[1], channel="web"),  # no phone
        state(NO[5], 6, phone="+8613700137000", status="merged", merged_into=NO[6]),  # chain below NO[6]
        state(NO[6], 8.5, phone="+8613600136000", status="merged", merged_into=NO[1]),
        state(NO[7], 5, phone="+8613500135000", status="merged", merged_into=NO[8]),  # another master
        state(NO[8], 9, phone="+8613500135001"),
    ])
    group = dup.callers_of(cache, NO[1])
    assert group.master == NO[1] and group.status == "open"
    assert group.case_nos == [NO[1], NO[2], NO[6], NO[3], NO[4], NO[5]]  # master, then by time per level
    assert group.phones == ["+8613800138000", "+8613900139000", "+8613600136000", "+8613700137000"]
    assert [c.case_no for c in group.merged] == group.case_nos[1:]
    # asked about a merged case, the group of its master comes back
    assert dup.callers_of(cache, NO[5]).master == NO[1]
    assert dup.merge_target(cache, NO[5]) == NO[1]
    assert dup.callers_of(cache, NO[8]).case_nos == [NO[8], NO[7]]
    assert dup.callers_of(cache, "unknown").callers == ()


def test_the_lookups_use_indexes(cache: Any) -> None:
    """A centre's cache holds ~65,000 cases a day: no lookup may scan the table."""
    cache.apply_snapshot([state(NO[1], 5), state(NO[2], 4, status="merged", merged_into=NO[1])])
    conn, ran = cache._conn(), []
    conn.set_trace_callback(ran.append)  # the statements with their values
    try:
        dup.duplicate_candidates(cache, {"phone": "13800138000", "category_code": WATER, "district": "chaoyang"})
        dup.callers_of(cache, NO[1])
    finally:
        conn.set_trace_callback(None)
    plans = {sql: str(conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()) for sql in ran}
    assert len(plans) >= 4, plans  # phone, category, the master, the merged cases
    for sql, plan in plans.items():
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (sql, plan)
    assert any("cases_category" in p for p in plans.values())
    assert any("cases_merged_into" in p for p in plans.values())


# --- the form, with keys, against a real server ----------------------------------------------

ADDRESS = "Wangjing West 3-311"


def master_case(seat: Seat, phone: str = "13700001111") -> str:
    """An open water-outage case in Chaoyang at ADDRESS, on the server."""
    draft_id, case_no = seat.new_draft()
    seat.create_case(case_no, {"phone": phone, "category_code": WATER, "district": "chaoyang",
                               "address": ADDRESS, "description": "整栋楼停水 no water in the building",
                               "appeal_type": "report", "urgency": "urgent"},
                     draft_id=draft_id, started_at=clock.now_iso())
    assert seat.engine.sync_once().outbox_depth == 0
    return case_no


async def fill(pilot, phone: str) -> None:
    """Phone, category (pinyin), district, address, description: a second caller of the outage."""
    await pilot.press(*phone)
    await pilot.press("f4", *"tingshui", "enter")
    await pilot.press(*"cy", "enter")
    await pilot.press(*ADDRESS, "tab")
    await pilot.press(*"楼里也停水了")
    await settled(pilot)


async def settled(pilot) -> None:
    panel = pilot.app.screen.query_one(DuplicatesPanel)
    for _ in range(50):
        await pilot.pause(0.05)
        await workers_done(pilot.app)
        if panel.settled:
            return
    raise AssertionError("the duplicates panel did not answer")


async def choose(pilot, case_no: str) -> None:
    """Highlight *case_no* in the panel with ctrl+down."""
    panel = pilot.app.screen.query_one(DuplicatesPanel)
    assert case_no in [c.case_no for c in panel.candidates]
    while panel.selected.case_no != case_no:
        await pilot.press("ctrl+down")


def callers_on_server(seat: Seat, case_no: str) -> dict[str, Any]:
    token = (seat.tokens.load() or {})["token"]
    answer = httpx.get(f"{seat.server_url}/v1/cases/{case_no}/callers",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


async def test_candidates_show_while_typing_and_link_reaches_the_server(seat: Seat) -> None:
    master = master_case(seat)
    app = ScreenApp(seat, CaseFormScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        panel = form.query_one(DuplicatesPanel)
        await pilot.press(*"13700001111")  # the same caller calls again
        await settled(pilot)
        assert panel.display and master in [c.case_no for c in panel.candidates]
        assert dup.PHONE in next(c for c in panel.candidates if c.case_no == master).reasons
        await pilot.press(*["backspace"] * 11)
        await fill(pilot, "13800002222")  # another caller, same outage
        await choose(pilot, master)
        assert dup.ADDRESS in panel.selected.reasons
        await pilot.press("f7")
        assert form.fields["linked_to"] == master
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert form.saved
        case_no = form.case_no
    assert seat.engine.sync_once().outbox_depth == 0
    assert server_case(seat, case_no)["linked_to"] == master
    assert server_case(seat, case_no)["status"] == "open"


async def test_a_burst_of_calls_merges_into_one_master_with_every_caller(seat: Seat) -> None:
    master = master_case(seat)
    merged = []
    for phone in ("13800002222", "13800003333"):
        app = ScreenApp(seat, CaseFormScreen)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            case_no = app.screen.case_no
            await fill(pilot, phone)
            await choose(pilot, master)
            await pilot.press("f8")  # save + merge: one key
            await pilot.pause()
        assert app.results == [case_no]  # the form closed
        local = seat.case(case_no)
        assert local["status"] == "merged" and local["merged_into"] == master
        merged.append(case_no)
    assert seat.engine.sync_once().outbox_depth == 0
    for case_no in merged:
        assert server_case(seat, case_no)["merged_into"] == master
    group = dup.callers_of(seat.cache, master)
    assert group.case_nos == [master, *merged]
    assert group.phones == ["+8613700001111", "+8613800002222", "+8613800003333"]
    on_server = callers_on_server(seat, master)
    assert [c["case_no"] for c in on_server["callers"]] == group.case_nos
    assert on_server["phones"] == group.phones
    # the master's case view lists its merged callers
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, master))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        shown = app.screen.query_one(MergedCallers)
        assert shown.display
        text = str(shown.render())
        assert all(no in text for no in merged) and "138****3333" in text and "13800003333" not in text
        assert shown.group is not None and shown.group.case_nos == [master, *merged]
        await pilot.press("v")  # the reveal key shows every number the callback must reach
        await workers_done(app)
        await pilot.pause()
        assert all(number in str(shown.render()) for number in ("13800002222", "13800003333"))


async def test_merge_works_offline_and_reaches_the_server_later(seat: Seat, server: EmbeddedServer) -> None:
    master = master_case(seat)
    server.stop()
    app = ScreenApp(seat, CaseFormScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await fill(pilot, "13800004444")
        await choose(pilot, master)
        await pilot.press("f8")
        await pilot.pause()
    [case_no] = app.results
    assert seat.case(case_no)["status"] == "merged" and seat.cache.outbox_depth() == 2
    assert dup.callers_of(seat.cache, master).case_nos == [master, case_no]  # the seat knows at once
    again = EmbeddedServer(server.database_url, port=server.port).start()
    try:
        assert seat.engine.sync_once().outbox_depth == 0
        assert server_case(seat, case_no)["merged_into"] == master
    finally:
        again.stop()


async def test_no_candidates_no_panel_and_no_duplicate_keys(seat: Seat) -> None:
    app = ScreenApp(seat, CaseFormScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.screen
        await pilot.press(*"13600009999")
        await settled(pilot)
        panel = form.query_one(DuplicatesPanel)
        assert not panel.candidates and not panel.display
        assert form.check_action("merge_duplicate", ()) is False
        await pilot.press("f8")  # does nothing, saves nothing
        await pilot.pause()
        assert not form.saved and seat.case(form.case_no) is None


def test_the_callback_list_shows_every_caller_of_a_master(cache: Any) -> None:
    """The callback of a master reaches all of its callers: the list says how many more."""
    from screens.callbacks import _phones

    cache.apply_snapshot([
        state(NO[1], 10, phone="+8613800138000", status="resolved"),
        state(NO[2], 9, phone="+8613900139000", status="merged", merged_into=NO[1]),
        state(NO[3], 8, phone="+8613700137000", status="merged", merged_into=NO[1]),
    ])
    others = [p for p in dup.callers_of(cache, NO[1]).phones if p != "+8613800138000"]
    assert _phones({"phone": "+8613800138000", "other_phones": others}).endswith("+2")
    assert _phones({"phone": "+8613800138000", "other_phones": []}) == "138****8000"  # masked
    assert _phones({"phone": "+8613800138000", "other_phones": []}, True) == "13800138000"  # revealed: as dialled
