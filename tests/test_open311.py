"""Open311 GeoReport v2 under /open311/v2, over HTTP against a real server on
both backends: every resource in JSON and XML, requests shaped the way
Open311 clients send them (URL-encoded and multipart forms, attribute[code]
and attribute[code][], empty optional parameters), the specification's
error bodies and status codes, API keys through the CLI module, and a
request's way through the operators' queue and a department back to the
citizen's view of it."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote, urlencode

import httpx
import pytest
from typer.testing import CliRunner

from operator_tui import clock
from operator_tui.apikeys_cli import apikeys_app
from operator_tui.case_numbers import is_valid_case_no, parse_case_no
from central_server.reference import ReferenceStore
from tests.server_helpers import (
    BACKEND_PARAMS,
    PHONE,
    PHONE_E164,
    callback,
    categorized,
    client,
    dispatched,
    drop_database,
    event,
    feed_head,
    login,
    new_database,
    open_db,
    prepare_database,
    query,
    read_feed,
    resolved,
    signed,
)
from tests.servers import ServerProcess, sqlite_url

BASE = "/open311/v2"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
# A service that must be handled fast: it has metadata (attributes).
GAS_LEAK = {
    "code": "utilities.gas", "parent_code": "utilities", "level": 2, "name_zh": "燃气泄漏",
    "name_en": "Gas leak", "keywords": ["煤气味", "gas smell"], "default_department": "power",
    "deadline_hours": {"critical": 2, "urgent": 4, "normal": 24},
}
runner = CliRunner()


def cli(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(apikeys_app, [*args, "--database", url])
    return result.exit_code, result.stdout, result.stderr


def issue_key(url: str, channel: str = "web", name: str | None = None) -> str:
    code, out, err = cli(url, "issue", name or f"portal-{uuid.uuid4().hex[:8]}", "--channel", channel)
    assert code == 0, (out, err)
    return out.strip()


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server of this module's own (it adds a category and counts requests)."""
    url = prepare_database(new_database(request.param, request, tmp_path_factory, "open311"))
    with open_db(url) as db:
        ReferenceStore(db).put("categories", [GAS_LEAK])
    server = ServerProcess(url, workdir=tmp_path_factory.mktemp("open311-server"))
    try:
        yield server.start()
    finally:
        server.stop()
        drop_database(request, url)


@pytest.fixture(scope="module")
def key(srv) -> str:
    return issue_key(srv.database_url)


@pytest.fixture(scope="module")
def http(srv):
    with client(srv.url) as c:
        yield c


@pytest.fixture(scope="module")
def op(srv):
    session = login(srv.url, "op1")
    yield session
    session.close()


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8", response.headers
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def as_json(response: httpx.Response) -> object:
    assert response.headers["content-type"] == "application/json; charset=utf-8", response.headers
    return response.json()


def open311_error(response: httpx.Response, status: int, fmt: str = "json") -> str:
    """Assert an Open311 error document with *status*; return its description."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        assert root.findtext("error/code") == str(status)
        return root.findtext("error/description")
    [body] = as_json(response)
    assert set(body) == {"code", "description"} and body["code"] == status
    return body["description"]


def post(http: httpx.Client, fields: dict | list | str, fmt: str = "json",
         headers: dict[str, str] | None = None) -> httpx.Response:
    body = fields if isinstance(fields, str) else urlencode(fields)
    return http.post(f"{BASE}/requests.{fmt}", content=body.encode(),
                     headers={"Content-Type": FORM, **(headers or {})})


def new_request(http: httpx.Client, key: str, **fields: str) -> str:
    base = {"api_key": key, "service_code": "utilities.water", "address_string": "朝阳区建国路88号",
            "description": "小区水管爆裂", "phone": PHONE}
    response = post(http, {**base, **fields})
    assert response.status_code == 200, response.text
    [answer] = as_json(response)
    return answer["service_request_id"]


# --- discovery and services -----------------------------------------------------------


def test_discovery(http) -> None:
    body = as_json(http.get(f"{BASE}/discovery.json"))
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(http.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]
    assert root.findtext("key_service") and root.findtext("changeset")


def test_services_are_the_leaf_categories(http) -> None:
    services = {s["service_code"]: s for s in as_json(http.get(f"{BASE}/services.json"))}
    assert set(services) == {"roads.potholes", "utilities.gas", "utilities.power", "utilities.water"}
    gas = services["utilities.gas"]
    assert gas == {
        "service_code": "utilities.gas", "service_name": "燃气泄漏", "description": "公用事业 > 燃气泄漏",
        "metadata": True, "type": "realtime", "keywords": "煤气味, gas smell", "group": "公用事业",
    }
    assert services["utilities.water"]["metadata"] is False
    english = {s["service_code"]: s for s in as_json(http.get(f"{BASE}/services.json", params={"locale": "en"}))}
    assert english["utilities.gas"]["service_name"] == "Gas leak"
    assert english["utilities.gas"]["group"] == "Utilities"
    by_header = http.get(f"{BASE}/services.xml", headers={"Accept-Language": "fr;q=0.9, en-GB;q=0.8, zh;q=0.1"})
    root = xml(by_header)
    assert by_header.headers["content-language"] == "en"
    assert root.tag == "services" and {s.tag for s in root} == {"service"}
    gas_xml = next(s for s in root if s.findtext("service_code") == "utilities.gas")
    assert gas_xml.findtext("service_name") == "Gas leak"
    assert gas_xml.findtext("metadata") == "true" and gas_xml.findtext("type") == "realtime"
    assert [c.tag for c in gas_xml] == ["service_code", "service_name", "description", "metadata",
                                        "type", "keywords", "group"]


def test_service_definitions(http) -> None:
    gas = as_json(http.get(f"{BASE}/services/utilities.gas.json", params={"locale": "en"}))
    assert gas["service_code"] == "utilities.gas"
    attributes = {a["code"]: a for a in gas["attributes"]}
    assert list(attributes) == ["hazard", "affected", "since", "detail"]
    assert attributes["hazard"]["required"] is True and attributes["hazard"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attributes["hazard"]["values"]] == ["none", "property", "people"]
    assert attributes["affected"]["datatype"] == "multivaluelist"
    assert [a["order"] for a in gas["attributes"]] == [1, 2, 3, 4]
    root = xml(http.get(f"{BASE}/services/utilities.gas.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "utilities.gas"
    hazard = root.find("attributes/attribute")
    assert hazard.findtext("code") == "hazard" and hazard.findtext("variable") == "true"
    assert [v.findtext("key") for v in hazard.findall("values/value")] == ["none", "property", "people"]
    assert as_json(http.get(f"{BASE}/services/utilities.water.json")) == {
        "service_code": "utilities.water", "attributes": []}
    for fmt in ("json", "xml"):
        assert "nope" in open311_error(http.get(f"{BASE}/services/nope.{fmt}"), 404, fmt)
        # a category with children is a group, not a service
        open311_error(http.get(f"{BASE}/services/utilities.{fmt}"), 404, fmt)


def test_jurisdiction_id(http) -> None:
    for value in ("beijing.12345", ""):
        assert http.get(f"{BASE}/services.json", params={"jurisdiction_id": value}).status_code == 200
    for fmt in ("json", "xml"):
        message = open311_error(http.get(f"{BASE}/services.{fmt}", params={"jurisdiction_id": "sfgov.org"}), 404, fmt)
        assert "sfgov.org" in message and "beijing.12345" in message
        open311_error(http.get(f"{BASE}/requests.{fmt}", params={"jurisdiction_id": "x"}), 404, fmt)
        open311_error(post(http, {"jurisdiction_id": "sfgov.org", "service_code": "roads.potholes"}, fmt), 403, fmt)


def test_unknown_format_is_refused(http) -> None:
    assert http.get(f"{BASE}/services.yaml").status_code == 422
    assert http.get(f"{BASE}/services").status_code == 404


# --- posting requests --------------------------------------------------------------------


def test_post_as_the_specification_example_sends_it(srv, http, key, op) -> None:
    cursor = feed_head(op.http)
    body = (
        f"api_key={key}&jurisdiction_id=beijing.12345&service_code=utilities.water&lat=39.9087&long=116.3975"
        "&address_string=%E4%B8%9C%E5%9F%8E%E5%8C%BA%E4%B8%9C%E9%95%BF%E5%AE%89%E8%A1%97+1%E5%8F%B7"
        "&email=citizen%40example.cn&device_id=tt222111&account_id=123456&first_name=%E5%B0%8F%E6%98%8E"
        "&last_name=%E7%8E%8B&phone=138-0013-8000&description=%E6%B0%B4%E7%AE%A1%E7%88%86%E8%A3%82%0D%0A%E5%BE%88%E6%80%A5"
        "&media_url=http%3A%2F%2Fphotos.example.cn%2F2212426634.jpg&attribute[WHISPAWN]=123456"
        "&attribute[WHISDORN]=COISL001&zipcode=&address_id="
    )
    response = post(http, body, "xml")
    assert response.status_code == 200, response.text
    root = xml(response)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    case_no = root.findtext("request/service_request_id")
    assert is_valid_case_no(case_no)
    assert case_no in root.findtext("request/service_notice")
    assert root.findtext("request/account_id") == "123456"
    assert root.find("request/token") is None  # realtime: an id, not a token

    case = op.case(case_no)
    assert case["status"] == "open" and case["channel"] == "web" and case["category_code"] == "utilities.water"
    assert case["phone"] == PHONE_E164 and case["name"] == "王小明" and case["language"] == "zh"
    assert case["district"] == "dongcheng" and case["address"] == "东城区东长安街 1号"
    assert case["description"].startswith("水管爆裂\n很急\n\n[Open311]")
    for shown in ("http://photos.example.cn/2212426634.jpg", "39.9087, 116.3975", "citizen@example.cn"):
        assert shown in case["description"]
    assert case["created_by"].startswith("open311:portal-") and case["appeal_type"] == "report"
    events, _ = read_feed(op.http, cursor)
    mine = [e for e in events if e["case_no"] == case_no]
    assert [e["type"] for e in mine] == ["created"] and mine[0]["actor_role"] == "operator"
    [row] = query(srv.database_url, "SELECT * FROM open311_requests WHERE case_no = ?", (case_no,))
    assert row["device_id"] == "tt222111" and row["lat"] == "39.9087" and row["attributes"] == "{}"


def test_post_multipart(http, key, op) -> None:
    fields = {"api_key": key, "service_code": "utilities.gas", "address_string": "Haidian, Zhongguancun St 5",
              "description": "strong gas smell in the stairwell", "first_name": "Anna", "last_name": "Smith",
              "locale": "en-GB", "phone": "", "attribute[hazard]": "people", "attribute[since]": "2024-05-01T08:30:00+08:00"}
    files = [(k, (None, v)) for k, v in fields.items()]
    files += [("attribute[affected][]", (None, "residents")), ("attribute[affected][]", (None, "vulnerable"))]
    response = http.post(f"{BASE}/requests.json", files=files)
    assert response.status_code == 200, response.text
    [answer] = as_json(response)
    assert "Your request has been received" in answer["service_notice"] and answer["account_id"] is None
    case = op.case(answer["service_request_id"])
    assert case["urgency"] == "critical" and case["language"] == "en" and case["name"] == "Anna Smith"
    assert case["district"] == "haidian" and case["phone"] == ""
    assert "现场危险：危及人身安全" in case["description"]
    assert "受影响：居民、老人、儿童或病人" in case["description"]
    assert "开始时间：2024-05-01T00:30:00.000000Z" in case["description"]
    upload = http.post(f"{BASE}/requests.json", data={"api_key": key},
                       files={"media": ("photo.jpg", b"\xff\xd8", "image/jpeg")})
    assert "media_url" in open311_error(upload, 400)


def test_attribute_arrays_and_their_checks(http, key, op) -> None:
    base = f"api_key={key}&service_code=utilities.gas&address_string=x&attribute%5Bhazard%5D=property"
    case_no = as_json(post(http, base + "&attribute[affected][]=vehicles&attribute[affected][]=businesses"
                                        "&attribute[affected][]=vehicles&attribute[detail]=&attribute[unknown]=1"))[0]
    case = op.case(case_no["service_request_id"])
    assert case["urgency"] == "urgent" and "受影响：车辆、商户" in case["description"]
    assert "补充说明" not in case["description"]
    php_style = post(http, base + "&attribute[affected][0]=residents&attribute[affected][1]=pedestrians")
    assert php_style.status_code == 200, php_style.text
    for fmt in ("json", "xml"):
        missing = post(http, f"api_key={key}&service_code=utilities.gas&address_string=x&attribute[hazard]=", fmt)
        assert "attribute[hazard] is required" in open311_error(missing, 400, fmt)
    assert "attribute[hazard]" in open311_error(post(http, base.replace("property", "fire")), 400)
    assert "attribute[affected]" in open311_error(post(http, base + "&attribute[affected][]=cats"), 400)
    assert "attribute[since]" in open311_error(post(http, base + "&attribute[since]=last+tuesday"), 400)
    # a service without metadata ignores attributes
    assert post(http, f"api_key={key}&service_code=roads.potholes&lat=39.9&long=116.4&attribute[hazard]=x").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors(http, key, fmt) -> None:
    ok = {"api_key": key, "service_code": "roads.potholes", "address_string": "长安街"}

    def error(status: int, **changes: str) -> str:
        fields = {k: v for k, v in {**ok, **changes}.items() if v is not None}
        return open311_error(post(http, fields, fmt), status, fmt)

    assert "api_key" in error(403, api_key=None)
    assert "api_key" in error(403, api_key="")
    assert "api_key" in error(403, api_key="o311_not-a-key")
    assert "service_code" in error(400, service_code="")
    assert "service_code" in error(404, service_code="no.such.service")
    assert "location" in error(400, address_string="")
    assert "together" in error(400, address_string="", lat="39.9")
    assert "long" in error(400, lat="39.9", long="east")
    assert "lat" in error(400, lat="91", long="116")
    assert "phone" in error(400, phone="12345")
    assert "phone" in error(400, phone="1" * 41)
    assert "email" in error(400, email="not-an-address")
    assert "media_url" in error(400, media_url="javascript:alert(1)")
    assert "4000" in error(400, description="长" * 4001)
    assert "first_name" in error(400, first_name="x" * 201)
    assert "found" in error(404, jurisdiction_id="elsewhere")
    not_a_form = http.post(f"{BASE}/requests.{fmt}", json=ok)
    assert "x-www-form-urlencoded" in open311_error(not_a_form, 400, fmt)
    latin1 = http.post(f"{BASE}/requests.{fmt}", content="address_string=caf\xe9".encode("latin-1"),
                       headers={"Content-Type": FORM})
    assert "UTF-8" in open311_error(latin1, 400, fmt)


def test_query_string_parameters_and_address_id_only(http, key, op) -> None:
    response = http.post(f"{BASE}/requests.json?api_key={quote(key)}&service_code=roads.potholes",
                         content=b"address_id=545483", headers={"Content-Type": FORM})
    assert response.status_code == 200, response.text
    case = op.case(response.json()[0]["service_request_id"])
    assert case["address"] == "地址编号 545483" and case["district"] == ""


def test_channel_comes_from_the_key(srv, http, op) -> None:
    wechat = issue_key(srv.database_url, "wechat")
    case_no = new_request(http, wechat)
    assert op.case(case_no)["channel"] == "wechat"


def test_idempotency_key_makes_one_case(http, key) -> None:
    fields = {"api_key": key, "service_code": "roads.potholes", "address_string": "retry street"}
    idem = {"Idempotency-Key": uuid.uuid4().hex}
    first, again = (post(http, fields, headers=idem) for _ in range(2))
    assert first.json() and first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert post(http, fields).json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


def test_case_numbers_come_from_the_open311_seat_under_a_lock(srv, key) -> None:
    fields = urlencode({"api_key": key, "service_code": "roads.potholes", "address_string": "x"})

    def one(_: int) -> str:
        with client(srv.url) as c:
            response = c.post(f"{BASE}/requests.json", content=fields.encode(), headers={"Content-Type": FORM})
            assert response.status_code == 200, response.text
            return response.json()[0]["service_request_id"]

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(one, range(24)))
    assert len(set(numbers)) == 24 and all(is_valid_case_no(n) for n in numbers)
    [seat] = query(srv.database_url, "SELECT seat_no FROM seats WHERE seat_key = '@open311'")
    parsed = [parse_case_no(n) for n in numbers]
    assert {seat_no for _, seat_no, _ in parsed} == {seat["seat_no"]}
    daily = sorted(seq for _, _, seq in parsed)
    assert daily == list(range(daily[0], daily[0] + 24))  # no gaps, no repeats


def test_a_full_day_moves_on_to_another_channel_seat(tmp_path) -> None:
    """9,999 numbers a seat a day: the next request takes seat '@open311-2'."""
    from datetime import date

    from central_server.cases import CaseStore
    from central_server.db import Database
    from operator_tui.case_numbers import make_case_no
    from operator_tui.domain import Actor, Role

    url = prepare_database(sqlite_url(tmp_path / "c.db"))
    db, day = Database(url), date(2024, 5, 1)
    store, actor = CaseStore(db), Actor("open311:test", Role.OPERATOR)
    payload = {"address": "x", "category_code": "roads.potholes"}
    first, result = store.create_from_channel(actor, "@open311", day, "o311-first-one", payload)
    assert result.status == "applied" and parse_case_no(first)[2] == 1
    seat_no = parse_case_no(first)[1]
    with db.transaction() as tx:  # the seat's last number of the day, as if 9,998 more had come
        tx.execute("UPDATE cases SET case_no = ? WHERE case_no = ?", (make_case_no(day, seat_no, 9999), first))
    again, result = store.create_from_channel(actor, "@open311", day, "o311-second-one", payload)
    assert result.status == "applied"
    [row] = query(url, "SELECT seat_key FROM seats WHERE seat_no = ?", (parse_case_no(again)[1],))
    assert row["seat_key"] == "@open311-2" and parse_case_no(again)[2] == 1
    duplicate, result = store.create_from_channel(actor, "@open311", day, "o311-second-one", payload)
    assert (duplicate, result.status) == (again, "duplicate")
    db.close()


# --- reading requests ----------------------------------------------------------------------


def test_get_requests_and_filters(http, key, op) -> None:
    water = new_request(http, key, email="me@example.cn", first_name="四", last_name="李")
    potholes = new_request(http, key, service_code="roads.potholes", lat="39.9", long="116.4",
                           media_url="https://photos.example.cn/1.jpg", address_string="")
    listed = as_json(http.get(f"{BASE}/requests.json"))
    ids = [r["service_request_id"] for r in listed]
    assert ids.index(potholes) < ids.index(water)  # newest first
    mine = {r["service_request_id"]: r for r in as_json(
        http.get(f"{BASE}/requests.json", params={"service_request_id": f"{water}, {potholes},261301-001-0001-0"}))}
    assert set(mine) == {water, potholes}
    p = mine[potholes]
    assert (p["lat"], p["long"], p["media_url"], p["address"]) == (39.9, 116.4, "https://photos.example.cn/1.jpg", None)
    w = mine[water]
    assert w["status"] == "open" and w["service_name"] == "供水" and w["description"] == "小区水管爆裂"
    assert w["address"] == "朝阳区建国路88号" and w["agency_responsible"] is None and w["expected_datetime"] is None
    assert w["requested_datetime"].endswith("Z") and len(w["requested_datetime"]) == 20
    text = http.get(f"{BASE}/requests.json").text + http.get(f"{BASE}/requests.xml").text
    for private in (PHONE, PHONE_E164, "李四", "me@example.cn", "tt222111"):
        assert private not in text
    codes = {r["service_code"] for r in as_json(http.get(f"{BASE}/requests.json", params={"service_code": "roads.potholes"}))}
    assert codes == {"roads.potholes"}
    assert as_json(http.get(f"{BASE}/requests.json", params={"status": "closed"})) == []
    assert len(as_json(http.get(f"{BASE}/requests.json", params={"status": "open,closed"}))) == len(listed)
    now = clock.now()
    window = {"start_date": clock.iso(now - timedelta(days=1))[:19] + "Z", "end_date": ""}
    assert len(as_json(http.get(f"{BASE}/requests.json", params=window))) == len(listed)
    old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-03-01T00:00:00+08:00"}
    assert as_json(http.get(f"{BASE}/requests.json", params=old)) == []
    root = xml(http.get(f"{BASE}/requests.xml", params={"service_request_id": potholes}))
    assert root.tag == "service_requests" and root.findtext("request/lat") == "39.9"
    assert root.find("request/zipcode") is not None and root.findtext("request/status") == "open"
    for fmt in ("json", "xml"):
        assert "90 days" in open311_error(http.get(f"{BASE}/requests.{fmt}", params={
            "start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}), 400, fmt)
        assert "start_date" in open311_error(http.get(f"{BASE}/requests.{fmt}", params={"start_date": "soon"}), 400, fmt)
        assert "status" in open311_error(http.get(f"{BASE}/requests.{fmt}", params={"status": "pending"}), 400, fmt)
        assert "was not found" in open311_error(http.get(f"{BASE}/requests/{water}x.{fmt}"), 404, fmt)


def test_phone_cases_are_not_published(http, op) -> None:
    case_no = op.new_case()
    open311_error(http.get(f"{BASE}/requests/{case_no}.json"), 404)
    assert case_no not in http.get(f"{BASE}/requests.json").text


def test_tokens(srv, http, key) -> None:
    case_no = new_request(http, key)
    [row] = query(srv.database_url, "SELECT token FROM open311_requests WHERE case_no = ?", (case_no,))
    token = row["token"]
    assert as_json(http.get(f"{BASE}/tokens/{token}.json")) == [{"service_request_id": case_no, "token": token}]
    root = xml(http.get(f"{BASE}/tokens/{token}.xml"))
    assert root.findtext("request/service_request_id") == case_no and root.findtext("request/token") == token
    for fmt in ("json", "xml"):
        open311_error(http.get(f"{BASE}/tokens/nope.{fmt}"), 404, fmt)


def test_round_trip_through_the_hotline_and_a_department(srv, http, key, op) -> None:
    case_no = new_request(http, key, service_code="roads.potholes", description="路面塌陷")

    def seen(lang: str = "zh") -> dict:
        [request] = as_json(http.get(f"{BASE}/requests/{case_no}.json", params={"locale": lang}))
        return request

    op.apply(categorized(case_no, "utilities.water", base_version=1), dispatched(case_no, "water"))
    deadline = op.case(case_no)["deadline"]
    after_dispatch = seen()
    assert after_dispatch["status"] == "open" and after_dispatch["service_code"] == "utilities.water"
    assert after_dispatch["agency_responsible"] == "自来水集团"
    assert after_dispatch["status_notes"] == "已派发至承办单位"
    assert after_dispatch["expected_datetime"] == clock.parse(deadline).strftime("%Y-%m-%dT%H:%M:%SZ")

    dept = login(srv.url, "dept.water", seat=False)
    dept.apply(signed(case_no))
    assert seen("en")["status_notes"] == "Accepted by the department; being handled"
    dept.apply(resolved(case_no, mode="department", result="已修复。联系人电话 13800138000"))
    done = seen("en")
    assert done["status"] == "closed" and done["agency_responsible"] == "Water Group"
    assert done["status_notes"] == "Resolved; a follow-up call is pending: 已修复。联系人电话 ***"
    assert done["updated_datetime"] >= after_dispatch["updated_datetime"]
    closed_ids = [r["service_request_id"] for r in as_json(http.get(f"{BASE}/requests.json", params={"status": "closed"}))]
    assert case_no in closed_ids

    op.apply(callback(case_no, "unsatisfied"), event(case_no, "reopened", {"mode": "rework", "reason": "not fixed"}))
    assert seen()["status"] == "open" and seen()["status_notes"] == "已派发至承办单位"
    dept.close()


def test_openapi_documents_both_formats(http) -> None:
    spec = http.get("/openapi.json").json()
    for path, method in [("/open311/v2/services.{fmt}", "get"), ("/open311/v2/requests.{fmt}", "post"),
                         ("/open311/v2/requests/{service_request_id}.{fmt}", "get"),
                         ("/open311/v2/tokens/{token}.{fmt}", "get"), ("/open311/v2/discovery.{fmt}", "get")]:
        op = spec["paths"][path][method]
        assert set(op["responses"]["200"]["content"]) == {"application/json", "text/xml"}, path
    post_op = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]
    assert set(post_op["requestBody"]["content"]) == {"application/x-www-form-urlencoded", "multipart/form-data"}
    assert set(post_op["responses"]["403"]["content"]) == {"application/json", "text/xml"}


# --- API keys through the CLI ------------------------------------------------------------


def test_api_keys_issue_list_revoke(srv, http) -> None:
    url = srv.database_url
    name = f"app-{uuid.uuid4().hex[:6]}"
    code, out, err = cli(url, "issue", name, "--channel", "app")
    assert code == 0 and "not shown again" in err
    key = out.strip()
    assert key.startswith("o311_") and len(key) > 40
    assert query(url, "SELECT COUNT(*) AS n FROM api_keys WHERE key_hash = ?", (key,))[0]["n"] == 0  # hashed
    code, listing, _ = cli(url, "list")
    line = next(row for row in listing.splitlines() if name in row)
    assert "app" in line and "live" in line and key not in listing
    assert new_request(http, key)
    assert cli(url, "issue", name)[0] == 1  # a live key has this name
    assert "channel" in cli(url, "issue", "other", "--channel", "phone")[2]
    assert cli(url, "issue", "9lives")[0] == 1  # names start with a letter
    code, out, _ = cli(url, "revoke", name)
    assert code == 0 and name in out
    assert "revoked" in open311_error(post(http, {"api_key": key, "service_code": "roads.potholes", "address_string": "x"}), 403)
    code, listing, _ = cli(url, "list")
    assert "revoked" in next(row for row in listing.splitlines() if name in row)
    assert cli(url, "revoke", name)[0] == 1
    again = issue_key(url, name=name)  # the name is free again
    key_id = next(row for row in cli(url, "list")[1].splitlines() if name in row and "live" in row).split()[0]
    assert cli(url, "revoke", key_id)[0] == 0
    assert open311_error(post(http, {"api_key": again, "service_code": "roads.potholes", "address_string": "x"}), 403)
    assert "no API key with id" in cli(url, "revoke", "999999")[2]


def test_xml_text_is_escaped_and_inert(http, key) -> None:
    case_no = new_request(http, key, description="<b>&amp;</b>\x1b[31m red \x07 ]]>", address_string="A & B <street>")
    root = xml(http.get(f"{BASE}/requests/{case_no}.xml"))
    assert root.findtext("request/description") == "<b>&amp;</b>[31m red  ]]>"
    assert root.findtext("request/address") == "A & B <street>"
    assert json.loads(http.get(f"{BASE}/requests/{case_no}.json").text)[0]["description"] == "<b>&amp;</b>[31m red  ]]>"
