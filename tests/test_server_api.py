"""The central server's API at its edges: malformed input is a 4xx with a JSON
``{"error": ...}`` body (never a 500), reference data by version, users, and
caller lookup; over HTTP against a real server on both backends."""

from __future__ import annotations

import json

import pytest

from operator_tui.case_numbers import make_case_no
from operator_tui.protocol import DESCRIPTION_MAX, MAX_PUSH_EVENTS
pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import (
    PASSWORD,
    PHONE,
    PHONE_E164,
    client,
    created,
    error_of,
    event,
    login,
    login_response,
    note,
    query,
)

# shared_server (one server per backend for the whole session) lives there
pytest_plugins = ["tests.server_helpers"]

EIGHT_MB = 8 * 1024 * 1024


@pytest.fixture(scope="module")
def op(shared_server):
    """op1 on a seat of its own, shared by this module's malformed-input tests."""
    return login(shared_server.url, "op1")


@pytest.fixture(scope="module")
def admin(shared_server):
    return login(shared_server.url, "admin")


def post_raw(session, body: bytes, content_type: str = "application/json", path: str = "/v1/events"):
    return session.http.post(path, content=body, headers={"Content-Type": content_type})


# --- malformed bodies -----------------------------------------------------------


def test_invalid_json(op) -> None:
    assert "JSON" in error_of(post_raw(op, b'{"events": [}'), 422)
    error_of(post_raw(op, b""), 422)
    error_of(post_raw(op, b"null"), 422)


@pytest.mark.parametrize("body", [
    {"events": "not a list"},
    {"events": [42]},
    {"events": [{"event_id": 1234567890, "case_no": "x", "type": "note"}]},
    {"events": []},
    {"protocol": 2, "events": [{}]},
], ids=["events-str", "event-int", "field-types", "empty", "protocol-2"])
def test_wrong_types(op, body) -> None:
    error_of(op.http.post("/v1/events", json=body), 422)


def test_wrong_field_types_in_an_event(op) -> None:
    ev = created(op.next_case_no())
    for field, value in [("base_version", "one"), ("base_version", -1), ("client_time", "yesterday"),
                         ("type", "teleported"), ("payload", [])]:
        message = error_of(op.http.post("/v1/events", json={"events": [{**ev, field: value}]}), 422)
        assert field in message or "payload" in message, (field, message)
    bad_payload = {**ev, "payload": {**ev["payload"], "urgency": "yesterday", "interpreter": "maybe"}}
    error_of(op.http.post("/v1/events", json={"events": [bad_payload]}), 422)


def test_unknown_fields_are_refused(op) -> None:
    ev = created(op.next_case_no())
    for body in ({"events": [ev], "sneaky": 1},
                 {"events": [{**ev, "server_time": "2020-01-01T00:00:00Z"}]},
                 {"events": [{**ev, "payload": {**ev["payload"], "status": "closed"}}]}):
        message = error_of(op.http.post("/v1/events", json=body), 422)
        assert any(word in message for word in ("sneaky", "server_time", "status")), message
    message = error_of(op.http.post("/v1/events", json={"events": [
        event(ev["case_no"], "edited", {"fields": {"created_by": "me"}}, 1)]}), 422)
    assert "created_by" in message
    error_of(client(op.base_url).post("/v1/auth/login", json={
        "operator_id": "op1", "password": PASSWORD, "role": "admin"}), 422)


def test_oversized_body_is_413(op) -> None:
    body = b'{"events": [' + b" " * (EIGHT_MB + 10) + b"]}"
    assert "larger than" in error_of(post_raw(op, body), 413)


def test_oversized_chunked_body_is_413(op) -> None:
    """No Content-Length: the limit still holds while the body streams in."""
    def chunks():
        yield b'{"events": ['
        for _ in range(9):
            yield b" " * (1024 * 1024)
        yield b"]}"

    response = op.http.post("/v1/events", content=chunks(), headers={"Content-Type": "application/json"})
    assert "larger than" in error_of(response, 413)


def test_a_megabyte_description_names_the_limit(op) -> None:
    ev = created(op.next_case_no(), description="投诉" * 500_000)
    response = op.http.post("/v1/events", json={"events": [ev]})
    message = error_of(response, 422)
    assert str(DESCRIPTION_MAX) in message and "description" in message
    assert len(response.content) < 20_000  # the input is not echoed back


def test_deeply_nested_json(op) -> None:
    depth = 100_000
    error_of(post_raw(op, b"[" * depth + b"]" * depth), (400, 422))
    nested = b'{"events": [{"payload": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b"}]}"
    error_of(post_raw(op, nested), (400, 422))


def test_non_utf8_bytes(op) -> None:
    error_of(post_raw(op, b'{"events": ["\xff\xfe\xc3\x28"]}'), (400, 422))
    error_of(post_raw(op, '{"events": []}'.encode("utf-16")), (400, 422))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml"])
def test_wrong_content_type(op, content_type) -> None:
    body = json.dumps({"events": [created(op.next_case_no())]}).encode()
    error_of(post_raw(op, body, content_type), (415, 422))


def test_too_many_events_in_one_push(op) -> None:
    case_no = op.next_case_no()
    events = [note(case_no) for _ in range(MAX_PUSH_EVENTS + 1)]
    message = error_of(op.http.post("/v1/events", json={"events": events}), 422)
    assert str(MAX_PUSH_EVENTS) in message
    ok = op.push(*events[:MAX_PUSH_EVENTS])  # the limit itself is fine
    assert {r["status"] for r in ok} == {"rejected"}  # (the case does not exist)


def test_bad_case_number_check_digit(op) -> None:
    good = op.next_case_no()
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    message = error_of(op.http.post("/v1/events", json={"events": [created(wrong)]}), 422)
    assert "check digit" in message
    swapped = good[:7] + good[8] + good[7] + good[9:]  # two neighbours swapped
    if swapped != good:
        error_of(op.http.post("/v1/events", json={"events": [created(swapped)]}), 422)
    for bad in ("", "12345", "2501-01-001-0001-0", "２５０１０１-001-0001-0"):
        error_of(op.http.post("/v1/events", json={"events": [created(bad)]}), 422)
    [result] = op.push(created(good))
    assert result["status"] == "applied"


def test_bad_event_ids(op) -> None:
    for event_id in ("short", "x" * 65, "has space!", ""):
        ev = {**created(op.next_case_no()), "event_id": event_id}
        error_of(op.http.post("/v1/events", json={"events": [ev]}), 422)


def test_bad_phone_and_district_in_a_case(op) -> None:
    message = error_of(op.http.post("/v1/events", json={"events": [
        created(op.next_case_no(), phone="not a phone")]}), 422)
    assert "phone" in message
    message = error_of(op.http.post("/v1/events", json={"events": [
        created(op.next_case_no(), district="atlantis")]}), 422)
    assert "atlantis" in message


def test_control_characters_are_stripped(op) -> None:
    case_no = op.next_case_no()
    op.apply(created(case_no, description="pipe\x1b[31m burst\u202e\x9b", name="  王\x00先生 "))
    case = op.case(case_no)
    assert case["description"] == "pipe[31m burst" and case["name"] == "王先生"


def test_errors_outside_the_api_are_json(op) -> None:
    error_of(op.http.get("/v1/nowhere"), 404)
    error_of(op.http.delete("/v1/events"), 405)
    error_of(op.http.get("/v1/snapshot", params={"days": "many"}), 422)


def test_nul_characters_are_refused_not_a_500(shared_server, op, admin) -> None:
    """PostgreSQL cannot store NUL in text; both backends refuse it with a 4xx."""
    anonymous = client(shared_server.url)
    case_no = op.new_case(category_code="utilities.water")
    requests = [
        op.http.get("/v1/cases/%00"),
        op.http.get("/v1/cases/250101-001-0001%000"),
        op.http.get("/v1/snapshot", params={"after": "\x00"}),
        op.http.get("/v1/cases", params={"phone": "138\x0000138000"}),
        anonymous.post("/v1/auth/login", json={"operator_id": "op1\x00", "password": PASSWORD}),
        anonymous.post("/v1/auth/login", json={"operator_id": "nul-test", "password": "\x00"}),
        admin.http.post("/v1/users/op3%00/disable"),
        admin.http.post("/v1/reference/departments", json={"delete": ["\x00"]}),
        op.http.post("/v1/events", json={"events": [
            event(case_no, "dispatched", {"department": "water", "deadline": "\x00"})]}),
    ]
    for response in requests:
        error_of(response, (400, 401, 404, 422))
    # text fields are cleaned instead
    op.apply(note(case_no, "before\x00after"))
    assert op.http.get(f"/v1/cases/{case_no}").json()["events"][-1]["payload"]["text"] == "beforeafter"


def test_the_server_never_says_500_to_odd_urls(op) -> None:
    for path in ("/v1/cases/" + "9" * 5000, "/v1/reference/" + "k" * 3000,
                 "/v1/users/%ff%fe/disable", "/v1/cases/..%2f..%2fetc%2fpasswd"):
        response = op.http.request("POST" if path.endswith("disable") else "GET", path)
        assert 400 <= response.status_code < 500, (path, response.status_code)


def test_login_body_is_validated(shared_server) -> None:
    with client(shared_server.url) as http:
        error_of(http.post("/v1/auth/login", json={"operator_id": "op1"}), 422)
        error_of(http.post("/v1/auth/login", json={"operator_id": "", "password": "x"}), 422)
        error_of(http.post("/v1/auth/login", json={"operator_id": "op1", "password": "x" * 300}), 422)
        error_of(http.post("/v1/auth/login", json={"operator_id": "op1", "password": PASSWORD,
                                                  "seat_key": "no spaces allowed"}), 422)
        error_of(http.post("/v1/auth/login", content=b"operator_id=op1",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 422)


# --- reference data ------------------------------------------------------------


def test_reference_since_version_returns_only_changes(shared_server, admin) -> None:
    op = login(shared_server.url, "op1", seat=False)
    full = op.http.get("/v1/reference/departments").json()
    assert {"water", "power", "roads"} <= {i["key"] for i in full["items"]}
    # versions are numbered across kinds; a kind's version is its newest change
    before = max(full["version"], op.http.get("/v1/reference/categories").json()["version"])

    def upload(items=(), delete=()) -> int:
        response = admin.http.post("/v1/reference/departments",
                                   json={"items": list(items), "delete": list(delete)})
        assert response.status_code == 200, response.text
        return response.json()["version"]

    first = upload([{"code": "parks", "name_zh": "园林绿化局", "name_en": "Parks"}])
    second = upload([{"code": "parks", "name_zh": "园林绿化局", "name_en": "Parks Bureau"},
                     {"code": "housing", "name_zh": "住建委", "name_en": "Housing"}], delete=["roads"])
    assert before < first < second

    since_before = op.http.get("/v1/reference/departments", params={"since_version": before}).json()
    assert since_before["version"] == second
    assert sorted(i["key"] for i in since_before["items"]) == ["housing", "parks", "roads"]
    since_first = op.http.get("/v1/reference/departments", params={"since_version": first}).json()
    items = {i["key"]: i for i in since_first["items"]}
    assert set(items) == {"parks", "housing", "roads"}
    assert items["parks"]["data"]["name_en"] == "Parks Bureau" and items["parks"]["version"] == second
    assert items["roads"]["deleted"] and not items["parks"]["deleted"]
    nothing = op.http.get("/v1/reference/departments", params={"since_version": second}).json()
    assert nothing["items"] == [] and nothing["version"] == second

    # other kinds are not touched by a departments upload
    cats = op.http.get("/v1/reference/categories", params={"since_version": before}).json()
    assert cats["items"] == []
    # the deleted department can no longer be dispatched to
    seat = login(shared_server.url, "op1")
    case_no = seat.new_case(category_code="roads.potholes")
    seat.reject(event(case_no, "dispatched", {"department": "roads"}), "unknown or retired department")
    upload([{"code": "roads", "name_zh": "交通委", "name_en": "Transport Commission"}])
    seat.apply(event(case_no, "dispatched", {"department": "roads"}))


def test_reference_paging(shared_server, admin) -> None:
    op = login(shared_server.url, "op1", seat=False)
    page = op.http.get("/v1/reference/categories", params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["has_more"]


def test_unknown_reference_kind(shared_server, admin) -> None:
    op = login(shared_server.url, "op1", seat=False)
    assert "unknown reference kind" in error_of(op.http.get("/v1/reference/weather"), 404)
    error_of(admin.http.post("/v1/reference/weather", json={"items": []}), (404, 422))


def test_invalid_reference_items(admin) -> None:
    message = error_of(admin.http.post("/v1/reference/categories", json={"items": [
        {"code": "ok.one", "level": 1, "name_zh": "好", "name_en": "ok"},
        {"code": "bad code!", "level": 9, "name_zh": "坏", "name_en": "bad"},
    ]}), 422)
    assert "item 1" in message
    error_of(admin.http.post("/v1/reference/categories", json={"items": "all"}), 422)
    error_of(admin.http.post("/v1/reference/kb", json={"items": [{"id": "kb-1"}]}), 422)
    # nothing of a refused upload is stored
    got = admin.http.get("/v1/reference/categories").json()
    assert "ok.one" not in {i["key"] for i in got["items"]}


def test_reference_since_version_must_be_a_version(shared_server) -> None:
    op = login(shared_server.url, "op1", seat=False)
    error_of(op.http.get("/v1/reference/kb", params={"since_version": -1}), 422)
    error_of(op.http.get("/v1/reference/kb", params={"since_version": "new"}), 422)


# --- users ------------------------------------------------------------------------


def test_users_list_add_disable(shared_server, admin) -> None:
    users = {u["operator_id"]: u for u in admin.http.get("/v1/users").json()["users"]}
    assert users["dept.water"] == {"operator_id": "dept.water", "name": "dept.water",
                                   "role": "department", "department": "water", "active": True}
    new = {"operator_id": "newbie", "name": "新人", "role": "operator", "password": "long-enough-1"}
    response = admin.http.post("/v1/users", json=new)
    assert response.status_code == 201, response.text
    assert response.json()["operator_id"] == "newbie"
    assert "already exists" in error_of(admin.http.post("/v1/users", json=new), 409)

    newbie = login(shared_server.url, "newbie", "long-enough-1")
    assert newbie.http.get("/v1/auth/me").json()["name"] == "新人"
    assert admin.http.post("/v1/users/newbie/disable").status_code == 204
    error_of(newbie.http.get("/v1/auth/me"), 401)
    error_of(login_response(shared_server.url, "newbie", "long-enough-1"), 403)
    listed = {u["operator_id"]: u for u in admin.http.get("/v1/users").json()["users"]}
    assert listed["newbie"]["active"] is False
    assert "no operator" in error_of(admin.http.post("/v1/users/nobody-here/disable"), 404)
    actions = [r["action"] for r in query(shared_server.database_url,
               "SELECT action FROM audit_log WHERE target = 'newbie' ORDER BY id")]
    assert actions == ["user_add", "user_disable"]


@pytest.mark.parametrize("body", [
    {"operator_id": "d1", "name": "D", "role": "department", "password": "long-enough-1"},
    {"operator_id": "o1", "name": "O", "role": "operator", "password": "long-enough-1",
     "department": "water"},
    {"operator_id": "o2", "name": "O", "role": "operator", "password": "short"},
    {"operator_id": "o 3", "name": "O", "role": "operator", "password": "long-enough-1"},
    {"operator_id": "o4", "name": "O", "role": "root", "password": "long-enough-1"},
    {"operator_id": "o5", "name": "O", "role": "operator", "password": "long-enough-1", "active": False},
], ids=["dept-without-department", "operator-with-department", "short-password", "bad-id",
        "unknown-role", "unknown-field"])
def test_invalid_users(admin, body) -> None:
    error_of(admin.http.post("/v1/users", json=body), 422)


# --- caller lookup ----------------------------------------------------------------


def caller_lookups(database_url: str, operator_id: str, after: int = 0) -> tuple[int, list[str]]:
    """The last audit id, and the targets of *operator_id*'s caller_lookup entries after id *after*."""
    rows = query(database_url, "SELECT id, operator_id, action, target FROM audit_log WHERE id > ? ORDER BY id",
                 (after,))
    last = max([r["id"] for r in rows], default=after)
    return last, [r["target"] for r in rows if r["operator_id"] == operator_id and r["action"] == "caller_lookup"]


def test_caller_history_by_phone(shared_server) -> None:
    op = login(shared_server.url, "op2")
    before, _ = caller_lookups(shared_server.database_url, "op2")
    caller = "13700137000"
    first = op.new_case(phone=caller)
    second = op.new_case(phone="+86 137 0013 7000")
    found = op.http.post("/v1/cases/by-phone", json={"phone": caller}).json()
    assert [c["case_no"] for c in found] == [second, first]  # newest first
    assert all(c["phone"] == "+8613700137000" for c in found)
    limited = op.http.post("/v1/cases/by-phone", json={"phone": caller, "limit": 1, "days": 1}).json()
    assert [c["case_no"] for c in limited] == [second]
    assert "phone" in error_of(op.http.post("/v1/cases/by-phone", json={"phone": "12345x"}), 400)
    _, logged = caller_lookups(shared_server.database_url, "op2", before)
    assert logged == ["137****7000", "137****7000"]  # the failed lookup is not one
    assert all(caller not in t and "+8613700137000" not in t for t in logged)


@pytest.mark.parametrize(("body", "said"), [
    (b'{"phone": "13700137000"', "JSON"),
    (b"", "body"),
    (b"null", "body"),
    (b'{"days": 30}', "body.phone: Field required"),
    (b'{"phone": 13700137000}', "body.phone"),
    (b'{"phone": "1"}', "body.phone"),
    (b'{"phone": "' + b"1" * 41 + b'"}', "body.phone"),
    (b'{"phone": "13700137000", "days": 0}', "body.days"),
    (b'{"phone": "13700137000", "days": 3661}', "body.days"),
    (b'{"phone": "13700137000", "limit": 501}', "body.limit"),
    (b'{"phone": "13700137000", "limit": "many"}', "body.limit"),
    (b'{"phone": "13700137000", "name": "Lin"}', "body.name"),
], ids=["truncated", "empty", "null", "no-phone", "phone-not-text", "phone-short", "phone-long", "days-0",
        "days-over", "limit-over", "limit-not-int", "unknown-field"])
def test_caller_lookup_rejects_malformed_bodies(op, body, said) -> None:
    message = error_of(post_raw(op, body, path="/v1/cases/by-phone"), 422)
    assert message.startswith("invalid request") and said in message, message
    assert "13700137000" not in message  # the input is not echoed


def test_deprecated_caller_lookup_by_query_still_answers(shared_server) -> None:
    op = login(shared_server.url, "op3")
    before, _ = caller_lookups(shared_server.database_url, "op3")
    caller = "13600136000"
    case_no = op.new_case(phone=caller)
    found = op.http.get("/v1/cases", params={"phone": caller}).json()
    assert [c["case_no"] for c in found] == [case_no]
    assert found == op.http.post("/v1/cases/by-phone", json={"phone": caller}).json()
    assert op.http.get("/v1/cases", params={"phone": caller, "limit": 1}).json()[0]["case_no"] == case_no
    assert "phone" in error_of(op.http.get("/v1/cases", params={"phone": "12345x"}), 400)
    error_of(op.http.get("/v1/cases", params={"phone": "1"}), 422)
    error_of(op.http.get("/v1/cases"), 422)
    assert caller_lookups(shared_server.database_url, "op3", before)[1] == ["136****6000"] * 3
    operation = op.http.get("/openapi.json").json()["paths"]["/v1/cases"]["get"]
    assert operation["deprecated"] is True
    assert "POST /v1/cases/by-phone" in operation["description"] and "logs" in operation["description"]


def test_case_numbers_of_other_days_and_seats_are_fine(shared_server) -> None:
    op = login(shared_server.url, "op3")
    from datetime import date

    old = make_case_no(date(2024, 2, 29), op.seat_no, 9999)
    op.apply(created(old, phone=PHONE))
    assert op.case(old)["case_no"] == old
