"""Two seats edit the same field of the same case from the same version.

The server keeps the first edit it gets; the other seat gets a conflict in
cache.problems(), shown to a person, never dropped. operator_tui.conflicts
settles it: "keep mine" sends the edit again on top of the server's version,
"take theirs" drops it and notes the decision in the case's log.
"""

from __future__ import annotations

import pytest

from local_cache import NotAProblemError
from operator_tui import conflicts
from operator_tui.domain import Rejected
from tests.server_helpers import client, prepared
from tests.sync_support import SeatSim, assert_delivered_exactly_once, assert_same_view, shown


@pytest.fixture
def two_seats(server_factory, tmp_path):
    """(server, seat A, seat B, a case A made that both have at version 1)."""
    srv = prepared(server_factory, "sqlite")
    a = SeatSim(tmp_path / "a.db").login(srv.url, "op1")
    b = SeatSim(tmp_path / "b.db").login(srv.url, "op2")
    case_no = a.create(description="漏水 leak in the kitchen")
    assert a.engine(srv.url).sync_once().outbox_depth == 0
    b.engine(srv.url).sync_once()
    assert b.cache.server_case(case_no)["version"] == 1
    return srv, a, b, case_no


def _conflict(srv, a: SeatSim, b: SeatSim, case_no: str) -> dict:
    a.edit(case_no, description="A: leak under the sink")
    b.edit(case_no, description="B: leak behind the washing machine")
    assert a.engine(srv.url).sync_once().problems == 0
    status = b.engine(srv.url).sync_once()
    assert status.problems == 1 and status.outbox_depth == 0
    [problem] = b.cache.problems()
    assert problem["state"] == "conflict" and problem["conflict_fields"] == ["description"]
    assert problem["server_case"]["description"] == "A: leak under the sink"
    assert shown(b, case_no)["description"] == "B: leak behind the washing machine"  # B still sees theirs
    return problem


def _log(srv, seat: SeatSim, case_no: str) -> list[dict]:
    with client(srv.url, seat.token) as http:
        response = http.get(f"/v1/cases/{case_no}")
        assert response.status_code == 200
        return response.json()["events"]


def test_keep_mine_sends_the_edit_again_on_the_servers_version(two_seats) -> None:
    srv, a, b, case_no = two_seats
    problem = _conflict(srv, a, b, case_no)

    new = conflicts.keep_mine(b.cache, problem["event_id"], b.actor)
    assert new["base_version"] == 2 and new["event_id"] != problem["event_id"]
    assert b.cache.problems() == []
    status = b.engine(srv.url).sync_once()
    assert (status.problems, status.outbox_depth) == (0, 0)
    a.engine(srv.url).sync_once()

    log = _log(srv, b, case_no)
    assert [(e["type"], e["actor_id"]) for e in log] == [
        ("created", "op1"), ("edited", "op1"), ("edited", "op2")]
    assert log[-1]["event_id"] == new["event_id"]
    assert log[-1]["payload"]["fields"]["description"] == "B: leak behind the washing machine"
    for seat in (a, b):
        assert shown(seat, case_no)["description"] == "B: leak behind the washing machine"
        assert_same_view(seat, srv.database_url)
    counts = assert_delivered_exactly_once([a, b], srv.database_url)
    assert (counts["delivered"], counts["replaced"], counts["conflict"]) == (3, 1, 0)


def test_take_theirs_drops_the_edit_and_notes_it(two_seats) -> None:
    srv, a, b, case_no = two_seats
    problem = _conflict(srv, a, b, case_no)

    note = conflicts.take_theirs(b.cache, problem["event_id"], b.actor)
    assert note is not None and note["type"] == "note"
    assert b.cache.problems() == []
    assert shown(b, case_no)["description"] == "A: leak under the sink"  # at once, before any sync
    status = b.engine(srv.url).sync_once()
    assert (status.problems, status.outbox_depth) == (0, 0)
    a.engine(srv.url).sync_once()

    log = _log(srv, a, case_no)
    assert [(e["type"], e["actor_id"]) for e in log] == [
        ("created", "op1"), ("edited", "op1"), ("note", "op2")]
    text = log[-1]["payload"]["text"]
    assert "took the other version" in text and "description" in text
    assert "B: leak behind the washing machine" in text  # what was given up stays readable
    for seat in (a, b):
        assert shown(seat, case_no)["description"] == "A: leak under the sink"
        assert_same_view(seat, srv.database_url)
    counts = assert_delivered_exactly_once([a, b], srv.database_url)
    assert (counts["delivered"], counts["discarded"]) == (3, 1)


def test_a_rejected_change_is_kept_for_a_person(two_seats) -> None:
    """Seat A closes the case while seat B, offline, edits it: the server
    rejects B's edit; it stays visible until B takes the server's version."""
    srv, a, b, case_no = two_seats
    a.close_case(case_no)
    a.engine(srv.url).sync_once()
    b.edit(case_no, address="朝阳路 1 号")
    b.note(case_no, "caller will send photos")  # same batch: a note is fine on a closed case
    status = b.engine(srv.url).sync_once()
    assert (status.problems, status.outbox_depth) == (1, 0)
    [problem] = b.cache.problems()
    assert problem["state"] == "rejected" and "closed" in problem["reason"]
    b.note(case_no, "photos received")  # made after the problem showed: held behind it
    status = b.engine(srv.url).sync_once()
    assert (status.problems, status.outbox_depth) == (1, 1)

    with pytest.raises(Rejected):  # keeping it cannot work: the case is closed
        conflicts.keep_mine(b.cache, problem["event_id"], b.actor)
    assert len(b.cache.problems()) == 1
    conflicts.take_theirs(b.cache, problem["event_id"], b.actor)
    with pytest.raises(NotAProblemError):
        conflicts.take_theirs(b.cache, problem["event_id"], b.actor)
    status = b.engine(srv.url).sync_once()
    assert (status.problems, status.outbox_depth) == (0, 0)
    log = _log(srv, b, case_no)
    assert [e["type"] for e in log][-3:] == ["note", "note", "note"]
    assert log[-2]["payload"]["text"] == "photos received"  # released, in outbox order
    assert "took the other version" in log[-1]["payload"]["text"]
    assert shown(b, case_no)["status"] == "closed"
    assert_same_view(b, srv.database_url)
    assert_delivered_exactly_once([a, b], srv.database_url)
