"""Pushing events: exactly once, state-machine rejections with reasons, and
conflicting edits, over HTTP against a real server on both backends."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import (
    BACKEND_PARAMS,
    callback,
    categorized,
    created,
    dispatched,
    edited,
    event,
    feed_head,
    login,
    merged,
    note,
    prepared,
    query,
    read_feed,
    resolved,
    returned,
    signed,
)

# shared_server (one server per backend for the whole session) lives there
pytest_plugins = ["tests.server_helpers"]

# --- exactly once -----------------------------------------------------------------


def test_the_same_batch_three_times_is_applied_once(shared_server) -> None:
    op = login(shared_server.url, "op1")
    start = feed_head(op.http)
    case_no = op.next_case_no()
    batch = [created(case_no), edited(case_no, 1, address="朝阳路 1 号"), note(case_no)]
    first = op.apply(*batch)
    assert [r["version"] for r in first] == [1, 2, 3]
    seqs = [r["seq"] for r in first]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    for _ in range(2):
        again = op.push(*batch)
        assert [r["status"] for r in again] == ["duplicate"] * 3
        assert [(r["seq"], r["version"]) for r in again] == [(r["seq"], r["version"]) for r in first]
    case = op.case(case_no)
    assert case["version"] == 3 and case["address"] == "朝阳路 1 号"
    events, _ = read_feed(op.http, start)
    mine = [e["event_id"] for e in events if e["case_no"] == case_no]
    assert mine == [e["event_id"] for e in batch]
    stored = query(shared_server.database_url,
                   "SELECT COUNT(*) AS n FROM events WHERE case_no = ?", (case_no,))
    assert stored[0]["n"] == 3


def test_duplicates_within_one_batch(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.next_case_no()
    create, remark = created(case_no), note(case_no)
    results = op.push(create, create, remark, remark, create)
    assert [r["status"] for r in results] == ["applied", "duplicate", "applied", "duplicate", "duplicate"]
    assert results[0]["seq"] == results[1]["seq"] == results[4]["seq"]
    assert results[2]["seq"] == results[3]["seq"] == results[0]["seq"] + 1
    assert op.case(case_no)["version"] == 2


def test_a_rejected_event_repeated_in_a_batch_is_rejected_alike(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    bad = dispatched(case_no, "water")  # no category yet
    results = op.push(bad, bad)
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["reason"] == results[1]["reason"]
    assert "category" in results[0]["reason"]


def test_an_event_id_is_kept_whatever_the_content(shared_server) -> None:
    """A resent id is a duplicate even if the seat garbled the rest."""
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    first = note(case_no, "one")
    [applied] = op.apply(first)
    [again] = op.push({**first, "payload": {"text": "two"}})
    assert again["status"] == "duplicate" and again["seq"] == applied["seq"]
    assert op.case(case_no)["version"] == 2


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_resend_after_a_server_restart_is_still_a_duplicate(server_factory, backend) -> None:
    srv = prepared(server_factory, backend)
    op = login(srv.url, "op1", seat_key="restart-seat")
    case_no = op.next_case_no()
    batch = [created(case_no, category_code="utilities.water"), dispatched(case_no, "water")]
    first = op.apply(*batch)
    srv.kill()  # a crash, not a clean stop
    srv.start()
    again = op.push(*batch)  # the token and the ids outlive the process
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [r["seq"] for r in again] == [r["seq"] for r in first]
    srv.restart()
    assert [r["status"] for r in op.push(*batch)] == ["duplicate", "duplicate"]
    events, _ = read_feed(op.http)
    assert [e["seq"] for e in events] == [1, 2]


# --- state machine ------------------------------------------------------------------


def test_resolve_by_department_needs_a_signature(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.dispatched_case("water")
    dept = login(shared_server.url, "dept.water")
    result = dept.reject(resolved(case_no, "department"), "must be signed for")
    assert result["server_case"]["status"] == "dispatched"
    dept.apply(signed(case_no), resolved(case_no, "department", "pipe fixed"))
    assert op.case(case_no)["status"] == "resolved"


def test_resolve_by_department_of_an_undispatched_case(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    login(shared_server.url, "dept.water").reject(
        resolved(case_no, "department"), "not dispatched to your department")


def test_dispatch_a_closed_case(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case(category_code="utilities.water")
    op.apply(resolved(case_no), callback(case_no, "satisfied"))
    assert op.case(case_no)["status"] == "closed"
    op.reject(dispatched(case_no, "water"), "a case that is closed cannot be dispatched")


def test_dispatch_without_category(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    op.reject(dispatched(case_no, "water"), "needs a category before dispatch")
    op.apply(categorized(case_no, "utilities.water", 1), dispatched(case_no, "water"))
    case = op.case(case_no)
    assert case["status"] == "dispatched" and case["deadline"] > case["dispatched_at"]


@pytest.mark.parametrize("department, reason", [
    ("nowhere", "unknown or retired department 'nowhere'"),
    ("retired", "unknown or retired department 'retired'"),
])
def test_dispatch_to_an_unknown_department(shared_server, department, reason) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case(category_code="utilities.water")
    op.reject(dispatched(case_no, department), reason)
    op.reject(dispatched(case_no, "water", co_departments=["power", department]), reason)
    op.reject(dispatched(case_no, "water", co_departments=["water"]), "cannot also be a co-handler")


def test_unknown_category(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.next_case_no()
    op.reject(created(case_no, category_code="no.such"), "unknown or retired category 'no.such'")
    op.apply(created(case_no))
    op.reject(categorized(case_no, "no.such", 1), "unknown or retired category 'no.such'")


def test_merge_into_a_case_that_does_not_exist(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no, ghost = op.new_case(), op.next_case_no()
    op.reject(merged(case_no, ghost), f"case {ghost} does not exist")
    op.reject(merged(case_no, case_no), "cannot be merged into itself")


def test_a_merged_case_cannot_be_dispatched_nor_be_a_master(shared_server) -> None:
    op = login(shared_server.url, "op1")
    master = op.new_case()
    duplicate = op.new_case(category_code="utilities.water")
    op.apply(merged(duplicate, master))
    op.reject(dispatched(duplicate, "water"), f"was merged into {master}")
    op.reject(edited(duplicate, 2, name="x"), "was merged")
    third = op.new_case()
    op.reject(merged(third, duplicate), "is itself merged")
    op.apply(note(duplicate))  # notes are still allowed


def test_create_with_another_seats_case_number(shared_server) -> None:
    mine, other = login(shared_server.url, "op1"), login(shared_server.url, "op2")
    theirs = other.next_case_no()
    mine.reject(created(theirs), f"belongs to seat {other.seat_no}, you are seat {mine.seat_no}")
    other.apply(created(theirs))


def test_a_case_number_is_created_once(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    op.reject(created(case_no), "already exists")


def test_events_for_a_case_that_does_not_exist(shared_server) -> None:
    op = login(shared_server.url, "op1")
    ghost = op.next_case_no()
    for ev in (note(ghost), edited(ghost, 0, name="x"), dispatched(ghost, "water")):
        op.reject(ev, "does not exist")


def test_the_full_happy_path_and_return(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.dispatched_case("water")
    water = login(shared_server.url, "dept.water")
    water.apply(returned(case_no, "wrong_locality"))
    case = op.case(case_no)
    assert case["status"] == "returned" and case["lead_department"] == ""
    water.reject(signed(case_no), "not dispatched to your department")
    op.apply(dispatched(case_no, "power"))
    power = login(shared_server.url, "dept.power")
    power.apply(signed(case_no), resolved(case_no, "department", "done"))
    op.apply(callback(case_no, "unsatisfied"),
             event(case_no, "reopened", {"mode": "rework", "reason": "still broken"}))
    assert op.case(case_no)["status"] == "dispatched"
    seen = [e["type"] for e in op.http.get(f"/v1/cases/{case_no}").json()["events"]]
    assert seen == ["created", "dispatched", "returned", "dispatched", "signed",
                    "resolved", "callback", "reopened"]


# --- conflicts -----------------------------------------------------------------


def _two_seats(server) -> tuple:
    first = login(server.url, "op1")
    second = login(server.url, "op2")
    assert first.seat_no != second.seat_no
    return first, second


def test_same_field_from_the_same_base_conflicts(shared_server) -> None:
    first, second = _two_seats(shared_server)
    case_no = first.new_case(address="old")
    first.apply(edited(case_no, 1, address="first"))
    [clash] = second.push(edited(case_no, 1, address="second", name="ok?"))
    assert clash["status"] == "conflict"
    assert clash["conflict_fields"] == ["address"]
    assert "address" in clash["reason"]
    assert clash["version"] == 2 and clash["seq"] is None
    server_case = clash["server_case"]
    assert server_case["address"] == "first" and server_case["version"] == 2
    case = first.case(case_no)
    assert case["address"] == "first" and case["name"] == "" and case["version"] == 2
    # resolved by a person: an edit from the version the server showed applies
    second.apply(edited(case_no, 2, address="second"))
    assert first.case(case_no)["address"] == "second"


def test_category_conflicts_like_a_field(shared_server) -> None:
    first, second = _two_seats(shared_server)
    case_no = first.new_case()
    first.apply(categorized(case_no, "utilities.water", 1))
    [clash] = second.push(categorized(case_no, "utilities.power", 1))
    assert clash["status"] == "conflict" and clash["conflict_fields"] == ["category_code"]


def test_different_fields_from_the_same_base_both_apply(shared_server) -> None:
    first, second = _two_seats(shared_server)
    case_no = first.new_case()
    first.apply(edited(case_no, 1, address="东城区 1 号"))
    second.apply(edited(case_no, 1, name="王先生"))
    case = first.case(case_no)
    assert (case["address"], case["name"], case["version"]) == ("东城区 1 号", "王先生", 3)


def test_a_seats_own_queued_edits_do_not_conflict(shared_server) -> None:
    """Edits typed offline one after another all carry the version the seat knew."""
    op = login(shared_server.url, "op1")
    case_no = op.new_case()
    op.apply(edited(case_no, 1, address="a"))
    op.apply(edited(case_no, 1, address="b"), edited(case_no, 1, address="c", urgency="urgent"))
    case = op.case(case_no)
    assert case["address"] == "c" and case["urgency"] == "urgent" and case["version"] == 4
    # but the same operator on another seat is another writer
    elsewhere = login(shared_server.url, "op1")
    [clash] = elsewhere.push(edited(case_no, 1, address="d"))
    assert clash["status"] == "conflict"


def test_conflict_answers_are_not_stored(shared_server) -> None:
    first, second = _two_seats(shared_server)
    case_no = first.new_case()
    first.apply(edited(case_no, 1, phone="13912345678"))
    clash = edited(case_no, 1, phone="13700137000")
    assert second.push(clash)[0]["status"] == "conflict"
    assert second.push(clash)[0]["status"] == "conflict"  # asked again, same answer
    assert first.case(case_no)["phone"] == "+8613912345678"
