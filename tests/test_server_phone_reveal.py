"""The ``phone_revealed`` event on the server, both backends: one audit-log row
per reveal in the push's transaction (masked number, never the number itself),
exactly once however often it is resent, only for cases the actor may see,
and never an edit conflict."""

from __future__ import annotations

import json

import pytest

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from operator_tui.privacy import mask_phone  # noqa: E402
from tests.server_helpers import PHONE_E164, created, edited, event, login, merged, query  # noqa: E402

pytest_plugins = ["tests.server_helpers"]


def revealed(case_no: str, base_version: int = 0) -> dict:
    return event(case_no, "phone_revealed", {}, base_version)


def audit_rows(url: str, case_no: str) -> list[dict]:
    rows = query(url, "SELECT operator_id, action, target, client_ip, detail FROM audit_log"
                      " WHERE action = 'phone_reveal' AND target = ? ORDER BY id", (case_no,))
    for row in rows:
        row["detail"] = json.loads(row["detail"])
    return rows


def test_a_reveal_is_logged_once_with_the_number_masked(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case(phone="13812345678")
    reveal = revealed(case_no, 1)
    [first] = op.apply(reveal)
    assert first["version"] == 2
    for _ in range(2):  # resent after a lost answer: the same result, no second row
        [again] = op.push(reveal)
        assert again["status"] == "duplicate" and again["seq"] == first["seq"]
    [row] = audit_rows(shared_server.database_url, case_no)
    assert row["operator_id"] == "op1" and row["client_ip"] == "127.0.0.1"
    assert row["detail"]["phone"] == "138****5678"
    assert row["detail"]["event_id"] == reveal["event_id"] and row["detail"]["seat_no"] == op.seat_no
    everything = query(shared_server.database_url, "SELECT target, detail FROM audit_log")
    assert not any("12345678" in f"{r['target']} {r['detail']}" for r in everything)
    history = op.http.get(f"/v1/cases/{case_no}").json()["events"]
    assert [e["type"] for e in history] == ["created", "phone_revealed"]
    assert history[1]["actor_id"] == "op1" and history[1]["payload"] == {}


def test_every_reveal_is_its_own_row(shared_server) -> None:
    op = login(shared_server.url, "op2")
    case_no = op.new_case()
    op.apply(revealed(case_no), revealed(case_no))
    rows = audit_rows(shared_server.database_url, case_no)
    assert len(rows) == 2 and {r["detail"]["phone"] for r in rows} == {mask_phone(PHONE_E164)}


def test_a_reveal_changes_no_field_and_causes_no_conflict(shared_server) -> None:
    first = login(shared_server.url, "op1")
    second = login(shared_server.url, "op2")
    case_no = first.new_case(address="old")
    before = first.case(case_no)
    first.apply(revealed(case_no, 1))
    after = first.case(case_no)
    assert after["version"] == before["version"] + 1
    assert {k: v for k, v in after.items() if before[k] != v} == {"version": after["version"]}
    second.apply(edited(case_no, 1, address="new"))  # based on the version before the reveal
    assert first.case(case_no)["address"] == "new"


def test_a_merged_callers_number_can_be_revealed(shared_server) -> None:
    op = login(shared_server.url, "op1")
    master = op.new_case()
    other = op.next_case_no()
    op.apply(created(other, phone="13912345678"), merged(other, master))
    op.apply(revealed(other))
    assert audit_rows(shared_server.database_url, other)[0]["detail"]["phone"] == "139****5678"


def test_departments_reveal_only_their_own_cases(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.dispatched_case("water")
    water = login(shared_server.url, "dept.water", seat=False)
    power = login(shared_server.url, "dept.power", seat=False)
    power.reject(revealed(case_no), "not dispatched to your department")
    water.apply(revealed(case_no))
    rows = audit_rows(shared_server.database_url, case_no)
    assert [r["operator_id"] for r in rows] == ["dept.water"]


def test_no_reveal_of_a_case_without_a_number(shared_server) -> None:
    op = login(shared_server.url, "op1")
    case_no = op.new_case(phone="", channel="web")
    op.reject(revealed(case_no), "no phone number")
    assert audit_rows(shared_server.database_url, case_no) == []
