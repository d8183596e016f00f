"""The Seat facade against a real central server on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from central_server.demo_data import DEMO_PASSWORD
from operator_tui import case_numbers, clock
from operator_tui.domain import EventType, Rejected
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.seat import Seat
from tests.intake_support import make_seat, seat, seeded_db, server, server_case  # noqa: F401

WATER_OUTAGE = "05.01.01"
PHONE = "13911112222"


def new_case(seat: Seat, **extra: object) -> str:
    draft_id, case_no = seat.new_draft()
    fields = {"phone": "+86" + PHONE, "category_code": WATER_OUTAGE, "district": "chaoyang",
              "description": "小区停水了", "urgency": "urgent", "appeal_type": "report", **extra}
    seat.create_case(case_no, fields, draft_id=draft_id,
                     started_at=seat.draft(draft_id)["started_at"])
    return case_no


def test_new_draft_fixes_the_case_number_and_start_time(seat: Seat) -> None:
    draft_id, case_no = seat.new_draft()
    assert case_numbers.is_valid_case_no(case_no)
    draft = seat.draft(draft_id)
    assert draft["case_no"] == case_no and draft["started_at"]
    seat.save_draft(draft_id, {"phone": "139", "description": "半句"}, case_no)
    again = seat.draft(draft_id)
    assert again["case_no"] == case_no and again["started_at"] == draft["started_at"]
    assert again["fields"]["description"] == "半句"
    assert any(d["draft_id"] == draft_id for d in seat.drafts())
    _, other = seat.new_draft()
    assert other != case_no  # the next number, never the same
    assert seat.discard_draft(draft_id) and seat.draft(draft_id) is None


def test_login_on_a_reinstalled_seat_continues_the_days_numbers(
        seat: Seat, server: EmbeddedServer, tmp_path: Path) -> None:
    first = new_case(seat)
    assert seat.engine.sync_once().outbox_depth == 0
    # Same seat key, empty cache (a reinstall): the server says which number was last.
    again = make_seat(server.url, tmp_path / "reinstalled")
    again.cache.set_state("seat_key", seat.cache.get_state("seat_key"))
    again.login("op1", DEMO_PASSWORD)
    _, case_no = again.new_draft()
    _, seat_a, seq_a = case_numbers.parse_case_no(first)
    _, seat_b, seq_b = case_numbers.parse_case_no(case_no)
    assert seat_b == seat_a and seq_b == seq_a + 1
    again.close()


def test_create_case_records_handle_time_and_reaches_the_server(seat: Seat) -> None:
    draft_id, case_no = seat.new_draft()
    started = clock.iso(clock.now() - timedelta(seconds=95))
    state = seat.create_case(case_no, {"phone": "+86" + PHONE, "category_code": WATER_OUTAGE,
                                       "description": "停水"}, draft_id=draft_id, started_at=started)
    assert 95 <= state.handle_seconds <= 100
    assert seat.draft(draft_id) is None  # gone with the created event, one transaction
    assert seat.cache.outbox_depth() == 1
    assert seat.engine.sync_once().outbox_depth == 0
    on_server = server_case(seat, case_no)
    assert on_server["handle_seconds"] == state.handle_seconds
    assert on_server["client_created_at"]


def test_resolve_direct_and_dispatch(seat: Seat) -> None:
    answered = new_case(seat)
    state = seat.resolve_direct(answered, "拨打96116询问", kb_article_id="kb-0001-zh")
    assert state.status == "resolved" and state.resolve_mode == "direct"
    with pytest.raises(Rejected):
        seat.resolve_direct(answered, "again")

    sent = new_case(seat)
    lead = seat.propose_department(WATER_OUTAGE, "chaoyang")
    assert lead
    before = seat.deadline_for(WATER_OUTAGE, "urgent")
    state = seat.dispatch(sent, lead, [lead, "CHAOYANG", "CHAOYANG"], "请尽快")
    assert state.status == "dispatched" and state.lead_department == lead
    assert state.co_departments == ["CHAOYANG"]
    assert before <= state.deadline <= seat.deadline_for(WATER_OUTAGE, "urgent")

    assert seat.engine.sync_once().outbox_depth == 0
    assert server_case(seat, answered)["kb_article_id"] == "kb-0001-zh"
    assert server_case(seat, sent)["lead_department"] == lead


def test_category_usage_puts_recent_leaves_first(seat: Seat) -> None:
    assert seat.category_usage() == {}
    seat.note_category_use("06.01.01")
    seat.note_category_use(WATER_OUTAGE)
    seat.note_category_use(WATER_OUTAGE)
    usage = seat.category_usage()
    assert usage[WATER_OUTAGE][0] == 2 and usage["06.01.01"][0] == 1
    first = [m.leaf.code for m in seat.search_categories("", 5)]
    assert first[:2] == [WATER_OUTAGE, "06.01.01"]
    new_case(seat, category_code="05.01.02")  # recording a case counts too
    assert seat.category_usage()["05.01.02"][0] == 1


def test_category_search_by_pinyin(seat: Seat) -> None:
    assert seat.search_categories("tingshui")[0].leaf.code == WATER_OUTAGE
    assert seat.search_categories("停水")[0].leaf.code == WATER_OUTAGE
    assert seat.search_categories("tftd")[0].leaf.name_zh == "突发停电"
    assert WATER_OUTAGE in [m.leaf.code for m in seat.search_categories("ts")]


def test_kb_search_prefers_the_cases_category_and_finds_translations(seat: Seat) -> None:
    hits = seat.search_kb("停水", category_code=WATER_OUTAGE)
    assert hits and WATER_OUTAGE in hits[0].article["category_codes"]
    pairs = [(h.article, seat.kb_translations(h.article)) for h in hits]
    zh, others = next((a, o) for a, o in pairs if o)
    assert all(o["group_id"] == zh["group_id"] and o["id"] != zh["id"] for o in others)
    assert {o["language"] for o in others} == {"en"}
    assert seat.kb_translations({"id": "x", "group_id": ""}) == []
    filed = seat.kb_for_category(WATER_OUTAGE, "en")
    assert filed and all(a["language"].startswith("en") for a in filed)


def test_caller_history_lists_open_cases_first(seat: Seat) -> None:
    closed = new_case(seat)
    seat.resolve_direct(closed, "已答复")
    still_open = new_case(seat)
    found = seat.caller_history(PHONE)
    assert [c["case_no"] for c in found][:2] == [still_open, closed]
    assert seat.caller_history("139") == []  # an incomplete number: nothing, no error
