"""The whole life of an appeal over real HTTP, and the rules of each step.

A real server process per backend; operators, a supervisor and departments
push events as seats do, and every step is checked in the server's case
state and in the change feed (the hotline's, and each department's):

    dispatch -> return -> re-dispatch -> sign -> resolve -> callback unsatisfied
    -> rework -> sign -> resolve -> callback satisfied -> closed
"""

from __future__ import annotations

from datetime import timedelta

import pytest

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from central_server import data
from operator_tui import clock, workdays
from tests.server_helpers import (
    BACKEND_PARAMS,
    CATEGORIES,
    callback,
    created,
    dispatched,
    error_of,
    event,
    feed_head,
    login,
    merged,
    note,
    prepared,
    read_feed,
    resolved,
    returned,
    signed,
)

pytest_plugins = ["tests.server_helpers"]

WATER = next(c for c in CATEGORIES if c["code"] == "utilities.water")
CALENDAR = workdays.Calendar.from_items(data.holidays(2026))


@pytest.fixture(params=BACKEND_PARAMS)
def server(request: pytest.FixtureRequest, server_factory):
    srv = prepared(server_factory, request.param)
    admin = login(srv.url, "admin", seat=False)
    response = admin.http.post("/v1/reference/holidays", json={"items": data.holidays(2026)})
    assert response.status_code == 200, response.text
    return srv


def expected_deadlines(case: dict, category: dict | None = WATER) -> dict[str, str]:
    start = clock.parse(case["dispatched_at"])
    return workdays.dispatch_deadlines(start, category, case["urgency"], CALENDAR).as_payload()


def deadlines_of(case: dict) -> dict[str, str]:
    return {k: case[k] for k in ("sign_deadline", "feedback_deadline", "deadline")}


def types(events: list[dict], case_no: str) -> list[str]:
    return [e["type"] for e in events if e["case_no"] == case_no]


def test_the_lifecycle_of_one_appeal(server) -> None:
    op, op2 = login(server.url, "op1"), login(server.url, "op2")
    water, power = login(server.url, "dept.water", seat=False), login(server.url, "dept.power", seat=False)
    sup = login(server.url, "sup", seat=False)
    cursors = {who: feed_head(who.http) for who in (op, water, power)}

    # 1. intake and dispatch to the wrong department
    case_no = op.next_case_no()
    op.apply(created(case_no, category_code="utilities.water", urgency="normal"),
             dispatched(case_no, "power"))
    case = op.case(case_no)
    assert case["status"] == "dispatched" and case["lead_department"] == "power"
    assert deadlines_of(case) == expected_deadlines(case)  # the seat sent none: the server's rules
    assert case["sign_deadline"] < case["feedback_deadline"] < case["deadline"]
    events, cursors[power] = read_feed(power.http, cursors[power])
    assert types(events, case_no) == ["created", "dispatched"]
    assert types(read_feed(water.http, cursors[water])[0], case_no) == []

    # 2. the department sends it back
    power.apply(returned(case_no, "unclear_ownership"))
    case = op.case(case_no)
    assert case["status"] == "returned" and case["lead_department"] == ""
    assert power.http.get(f"/v1/cases/{case_no}").status_code == 404  # no longer theirs

    # 3. another operator re-dispatches it to the right one
    op2.apply(dispatched(case_no, "water", note="属供水问题"))
    case = op.case(case_no)
    assert (case["status"], case["lead_department"]) == ("dispatched", "water")
    assert deadlines_of(case) == expected_deadlines(case)
    events, cursors[water] = read_feed(water.http, cursors[water])
    assert types(events, case_no) == ["created", "dispatched", "returned", "dispatched"]

    # 4. the department signs, gives its first feedback, and reports a result
    water.apply(signed(case_no))
    assert op.case(case_no)["status"] == "signed" and op.case(case_no)["feedback_at"] == ""
    water.apply(note(case_no, "已联系来电人，明日上门维修"))
    first_feedback = op.case(case_no)["feedback_at"]
    assert first_feedback
    water.apply(resolved(case_no, "department", "已更换阀门"))
    case = op.case(case_no)
    assert case["status"] == "resolved" and case["resolve_mode"] == "department"
    assert case["resolved_at"] == case["updated_at"] and case["feedback_at"] == first_feedback

    # 5. the citizen is not satisfied: rework with the same department, fresh deadlines
    op.apply(callback(case_no, "unsatisfied"))
    case = op.case(case_no)
    assert case["status"] == "resolved" and case["satisfaction"] == "unsatisfied"
    op.apply(event(case_no, "reopened", {"mode": "rework", "reason": "水压仍然不足"}))
    reworked = op.case(case_no)
    assert (reworked["status"], reworked["lead_department"]) == ("dispatched", "water")
    assert reworked["dispatched_at"] > case["dispatched_at"] and reworked["feedback_at"] == ""
    assert reworked["satisfaction"] == reworked["resolution"] == reworked["resolved_at"] == ""
    assert deadlines_of(reworked) == expected_deadlines(reworked)

    # 6. signed and resolved again; the second callback closes it
    water.apply(signed(case_no), resolved(case_no, "department", "已加装增压泵"))
    assert op.case(case_no)["status"] == "resolved"
    op.apply(callback(case_no, "satisfied"))
    case = op.case(case_no)
    assert case["status"] == "closed" and case["satisfaction"] == "satisfied"
    assert case["callback_attempts"] == 2

    # the hotline's feed has every step in order; the log is the same
    flow = ["created", "dispatched", "returned", "dispatched", "signed", "note", "resolved",
            "callback", "reopened", "signed", "resolved", "callback"]
    events, _ = read_feed(op.http, cursors[op])
    assert types(events, case_no) == flow
    mine = [e for e in events if e["case_no"] == case_no]
    assert [e["version"] for e in mine] == list(range(1, len(flow) + 1))
    assert [e["seq"] for e in mine] == sorted(e["seq"] for e in mine)
    log = op.http.get(f"/v1/cases/{case_no}").json()["events"]
    assert [e["type"] for e in log] == flow
    assert log[1]["payload"]["sign_deadline"]  # what the server filled in is in the log
    events, _ = read_feed(water.http, cursors[water])
    assert types(events, case_no) == flow[4:]
    assert types(read_feed(power.http, cursors[power])[0], case_no) == []  # returned: out of its feed

    # the board counted both callbacks
    board = sup.http.get("/v1/board", params={"at": clock.now_iso()}).json()
    outcomes = board["rates"]["satisfaction"]["outcomes"]
    assert outcomes["satisfied"]["count"] >= 1 and outcomes["unsatisfied"]["count"] >= 1


def test_a_department_cannot_resolve_a_case_not_dispatched_to_it(server) -> None:
    op = login(server.url, "op1")
    water, power = login(server.url, "dept.water", seat=False), login(server.url, "dept.power", seat=False)
    case_no = op.next_case_no()
    op.apply(created(case_no, category_code="utilities.water"), dispatched(case_no, "water", co_departments=["power"]))
    power.reject(resolved(case_no, "department"), "not dispatched to department power")  # a co-handler
    power.reject(signed(case_no), "not dispatched to department power")
    other = op.next_case_no()
    op.apply(created(other, category_code="utilities.water"), dispatched(other, "water"))
    power.reject(resolved(other, "department"), "not dispatched to your department")
    water.reject(resolved(other, "department"), "must be signed for")
    water.apply(signed(other))
    op.reject(resolved(other, "department"), "only the lead department")
    water.apply(resolved(other, "department"))
    assert op.case(other)["status"] == "resolved"
    assert op.case(case_no)["status"] == "dispatched"


def extension(case_no: str, action: str, **payload) -> dict:
    return event(case_no, "extended", {"action": action, **payload})


def test_an_extension_needs_a_supervisors_approval(server) -> None:
    op, sup = login(server.url, "op1"), login(server.url, "sup", seat=False)
    water = login(server.url, "dept.water", seat=False)
    case_no = op.next_case_no()
    op.apply(created(case_no, category_code="utilities.water", urgency="normal"), dispatched(case_no, "water"))
    water.apply(signed(case_no))
    before = op.case(case_no)
    sup.reject(extension(case_no, "approve"), "no extension is pending")
    absurd = water.http.post("/v1/events", json={"events": [
        extension(case_no, "request", hours=48, new_deadline="2099-01-01T00:00:00Z")]})
    assert absurd.status_code == 422 and "more than 400 days from" in absurd.text  # nobody means that
    wished = clock.iso(clock.now() + timedelta(days=300))
    water.apply(extension(case_no, "request", hours=48, reason="需协调施工单位", new_deadline=wished))
    asked = op.case(case_no)
    assert asked["extension_pending_hours"] == 48
    assert asked["deadline"] == before["deadline"]  # asking moves nothing
    assert asked["feedback_at"]  # asking is the department's word on the case
    water.reject(extension(case_no, "request", hours=24), "already pending")
    water.reject(extension(case_no, "approve"), "only a supervisor")
    op.reject(extension(case_no, "approve"), "only a supervisor")
    sup.apply(extension(case_no, "approve"))
    approved = op.case(case_no)
    # 48 hours of a normal case are two working days
    moved = workdays.extend(clock.parse(before["deadline"]), 48, "normal", CALENDAR)
    assert clock.parse(approved["deadline"]) == moved
    assert approved["extension_pending_hours"] == 0
    log = op.http.get(f"/v1/cases/{case_no}").json()["events"]
    assert log[-1]["payload"]["hours"] == 48 and log[-1]["payload"]["new_deadline"] == approved["deadline"]
    # a refusal leaves the deadline where it is
    water.apply(extension(case_no, "request", hours=24))
    sup.apply(extension(case_no, "refuse", reason="不符合延期条件"))
    refused = op.case(case_no)
    assert refused["deadline"] == approved["deadline"] and refused["extension_pending_hours"] == 0
    # an urgent case's extension runs on the clock
    urgent = op.next_case_no()
    op.apply(created(urgent, category_code="utilities.water", urgency="urgent"), dispatched(urgent, "water"))
    start = op.case(urgent)["deadline"]
    water.apply(extension(urgent, "request", hours=12))
    sup.apply(extension(urgent, "approve"))
    assert clock.parse(op.case(urgent)["deadline"]) == workdays.extend(clock.parse(start), 12, "urgent", CALENDAR)


def test_merged_cases_and_the_callers_of_a_master(server) -> None:
    op, sup = login(server.url, "op1"), login(server.url, "sup", seat=False)
    water, power = login(server.url, "dept.water", seat=False), login(server.url, "dept.power", seat=False)
    master, first, second, third = (op.next_case_no() for _ in range(4))
    op.apply(created(master, category_code="utilities.water", phone="13800000001", name="甲"),
             created(first, category_code="utilities.water", phone="13800000002", name="乙"),
             created(second, category_code="utilities.water", phone="13800000003", language="en"),
             created(third, category_code="utilities.water", phone="13800000002"),  # calls again
             merged(second, first), merged(first, master), merged(third, master))
    op.reject(dispatched(first, "water"), f"was merged into {master}")
    op.reject(merged(master, second), "is itself merged")
    op.apply(note(first, "同一停水事件"))  # notes are still allowed
    op.apply(dispatched(master, "water"))

    answer = op.http.get(f"/v1/cases/{master}/callers")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["master"] == master and body["status"] == "dispatched"
    assert [c["case_no"] for c in body["callers"]] == [master, first, third, second]
    assert body["phones"] == ["+8613800000001", "+8613800000002", "+8613800000003"]
    assert body["callers"][3]["language"] == "en" and body["callers"][3]["merged_into"] == first
    # from any case of the group, the same group
    assert op.http.get(f"/v1/cases/{second}/callers").json()["master"] == master
    assert water.http.get(f"/v1/cases/{master}/callers").json()["phones"] == body["phones"]
    error_of(power.http.get(f"/v1/cases/{master}/callers"), 404)
    error_of(op.http.get("/v1/cases/260101-999-0001-0/callers"), 404)
    # the whole group is answered by one callback on the master
    water.apply(signed(master), resolved(master, "department", "已恢复供水"))
    assert sup.http.get(f"/v1/cases/{master}/callers").json()["status"] == "resolved"
