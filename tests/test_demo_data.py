"""The demo data generator: reference data, staff and historic cases."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from central_server.demo_data import BEIJING, DEMO_PASSWORD, build_demo, route
from operator_tui import domain, protocol
from operator_tui.case_numbers import is_valid_case_no, parse_case_no

NOW = datetime(2025, 3, 1, 4, 30, tzinfo=UTC)
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@pytest.fixture(scope="module")
def demo():
    return build_demo(seed=12345, now=NOW)


@pytest.fixture(scope="module")
def replayed(demo):
    """Every case replayed through the wire model and the real state machine:
    a list of (final state, [(DemoEvent, validated EventIn, state before)])."""
    out = []
    for events in demo.cases:
        state = None
        steps = []
        for ev in events:
            checked = protocol.EventIn.model_validate(ev.event)
            assert checked.base_version == (state.version if state else 0), ev.event
            before = state
            state = domain.apply_event(state, domain.Event(
                type=checked.type,
                case_no=checked.case_no,
                base_version=checked.base_version,
                payload=checked.payload,
                actor=ev.actor,
                server_time=ev.server_time.isoformat(),
            ))
            steps.append((ev, checked, before))
        out.append((state, steps))
    return out


def _leaves(demo):
    parents = {c["parent_code"] for c in demo.categories}
    return [c for c in demo.categories if c["code"] not in parents]


# --- reference data ------------------------------------------------------------


def test_category_tree_has_three_levels_and_300_leaves(demo):
    by_code = {c["code"]: c for c in demo.categories}
    assert len(by_code) == len(demo.categories)
    leaves = _leaves(demo)
    assert len(leaves) >= 300
    assert all(c["level"] == 3 for c in leaves)
    assert {c["level"] for c in demo.categories} == {1, 2, 3}
    departments = {d["code"] for d in demo.departments}
    for c in demo.categories:
        assert c["level"] == c["code"].count(".") + 1
        if c["level"] > 1:
            assert c["parent_code"] == c["code"].rpartition(".")[0]
            assert c["parent_code"] in by_code
        assert c["name_zh"] and c["name_en"]
        assert c["default_department"] in departments
        hours = c["deadline_hours"]
        assert set(hours) == {"critical", "urgent", "normal"}
        assert 0 < hours["critical"] <= hours["urgent"] <= hours["normal"]
    for leaf in leaves:
        assert any(not k.isascii() for k in leaf["keywords"]), leaf["code"]
        assert any(k.isascii() for k in leaf["keywords"]), leaf["code"]


def test_water_outage_leaf_has_synonyms(demo):
    outage = next(c for c in demo.categories if c["name_zh"] == "停水")
    assert {"没水", "断水", "water outage", "no water"} <= set(outage["keywords"])
    assert outage["default_department"] == "WATERCO"


def test_departments_include_bureaus_utilities_and_all_districts(demo):
    codes = [d["code"] for d in demo.departments]
    assert len(codes) == len(set(codes)) >= 40
    districts = {d["district"] for d in demo.departments if d["kind"] == "district"}
    assert districts == set(domain.DISTRICTS)
    kinds = Counter(d["kind"] for d in demo.departments)
    assert kinds["bureau"] >= 20 and kinds["utility"] >= 4
    names = {d["name_zh"] for d in demo.departments}
    for name in ("市市场监管局", "市水务局", "国网北京市电力公司", "北京燃气集团", "北京热力集团", "市人力资源社会保障局"):
        assert name in names


def test_every_leaf_routes_to_an_existing_department(demo):
    departments = {d["code"] for d in demo.departments}
    codes = {c["code"] for c in demo.categories}
    for rule in demo.routing:
        assert rule["department"] in departments
        assert rule["category_prefix"] in codes
    for leaf in _leaves(demo):
        for district in ["", *domain.DISTRICTS]:
            assert route(leaf["code"], district, demo.routing, leaf["default_department"]) in departments
            assert route(leaf["code"], district, demo.routing) in departments, (leaf["code"], district)


def test_routing_prefers_the_more_specific_rule(demo):
    rules = demo.routing
    fee = next(c["code"] for c in demo.categories if c["name_zh"] == "物业费争议")
    trapped = next(c["code"] for c in demo.categories if c["name_zh"] == "电梯困人")
    outage = next(c["code"] for c in demo.categories if c["name_zh"] == "停水")
    assert route(fee, "chaoyang", rules) == "CHAOYANG"
    assert route(fee, "haidian", rules) == "HAIDIAN"
    assert route(trapped, "chaoyang", rules) == "MARKET"
    assert route(outage, "chaoyang", rules) == "WATERCO"
    assert route(outage, "", rules) == "WATERCO"


def test_reference_data_validates_with_the_wire_models(demo):
    for kind, model in protocol.REFERENCE_KINDS.items():
        items = getattr(demo, kind)
        assert items
        for item in items:
            model.model_validate(item)


def test_knowledge_base_in_two_languages(demo):
    kb = demo.kb
    assert len(kb) >= 500
    ids = [a["id"] for a in kb]
    assert len(ids) == len(set(ids))
    languages = Counter(a["language"] for a in kb)
    assert languages["zh"] >= 300 and languages["en"] >= 200
    groups = defaultdict(set)
    for a in kb:
        groups[a["group_id"]].add(a["language"])
    assert all("zh" in langs for langs in groups.values())
    assert any(langs == {"zh"} for langs in groups.values())
    assert sum(1 for langs in groups.values() if langs == {"zh", "en"}) >= 200
    codes = {c["code"] for c in demo.categories}
    titles = Counter((a["title"], a["language"]) for a in kb)
    assert max(titles.values()) == 1
    for a in kb:
        assert a["category_codes"] and set(a["category_codes"]) <= codes
        assert a["tags"]
        assert len(a["body"]) > 80
        assert datetime.fromisoformat(a["updated_at"]) <= NOW
    covered = {code for a in kb for code in a["category_codes"]}
    assert {c["code"] for c in _leaves(demo)} <= covered


def test_operators_for_every_role(demo):
    ops = {o["operator_id"]: o for o in demo.operators}
    assert len(ops) == len(demo.operators)
    for i in range(1, 21):
        assert ops[f"op{i}"]["role"] == "operator"
    assert ops["sup1"]["role"] == ops["sup2"]["role"] == "supervisor"
    assert ops["admin"]["role"] == "admin"
    for dept in demo.departments:
        user = ops[f"dept-{dept['code'].lower()}"]
        assert user["role"] == "department" and user["department"] == dept["code"]
    for o in demo.operators:
        assert o["password"] == DEMO_PASSWORD
        assert re.search(r"[\u4e00-\u9fff]{2,}", o["name"])
        protocol.UserCreate.model_validate({k: v for k, v in o.items()})


# --- historic cases ------------------------------------------------------------


def test_cases_pass_the_state_machine(demo, replayed):
    assert len(replayed) == 3000
    operators = {o["operator_id"]: o for o in demo.operators}
    for state, steps in replayed:
        assert steps[0][0].event["type"] == "created"
        for ev, checked, before in steps:
            actor = operators[ev.actor.operator_id]
            assert actor["role"] == ev.actor.role
            assert actor["department"] == ev.actor.department
            if checked.type == domain.EventType.EXTENDED and checked.payload["action"] != "request":
                assert ev.actor.role == domain.Role.SUPERVISOR
            if checked.type in (domain.EventType.SIGNED, domain.EventType.RETURNED):
                assert ev.actor.operator_id == f"dept-{before.lead_department.lower()}"


def test_every_status_appears(replayed):
    statuses = Counter(state.status for state, _ in replayed)
    assert set(statuses) == set(domain.CaseStatus)
    finished = Counter(state.resolve_mode for state, _ in replayed
                       if state.status in (domain.CaseStatus.RESOLVED, domain.CaseStatus.CLOSED))
    assert finished["direct"] > 0 and finished["department"] > 0


def test_cases_show_the_whole_workflow(demo, replayed):
    types = Counter(ev.event["type"] for events in demo.cases for ev in events)
    assert set(types) == {t.value for t in domain.EventType}
    actions = Counter(ev.event["payload"]["action"] for events in demo.cases for ev in events
                      if ev.event["type"] == "extended")
    assert actions["request"] and actions["approve"] and actions["refuse"]
    outcomes = Counter(ev.event["payload"]["satisfaction"] for events in demo.cases for ev in events
                       if ev.event["type"] == "callback")
    assert set(outcomes) == {s.value for s in domain.Satisfaction}
    phones = Counter(state.phone for state, _ in replayed if state.phone)
    assert sum(1 for n in phones.values() if n >= 3) >= 20
    languages = Counter(state.language for state, _ in replayed)
    assert languages["zh"] > 2000 and languages["en"] > 0 and len(languages) >= 4
    assert any(state.interpreter for state, _ in replayed)
    assert all(state.category_code for state, _ in replayed if state.status != domain.CaseStatus.OPEN
               and state.status != domain.CaseStatus.MERGED)


def test_merged_cases_point_at_an_earlier_case_of_the_same_caller(replayed):
    by_no = {state.case_no: state for state, _ in replayed}
    merged = [state for state, _ in replayed if state.status == domain.CaseStatus.MERGED]
    assert merged
    for state in merged:
        master = by_no[state.merged_into]
        assert master.phone == state.phone
        assert master.created_at < state.created_at
        assert master.status != domain.CaseStatus.MERGED


def test_dispatch_uses_routing_and_category_deadlines(demo, replayed):
    categories = {c["code"]: c for c in demo.categories}
    for state, steps in replayed:
        dispatches = [(ev, before) for ev, checked, before in steps if checked.type == domain.EventType.DISPATCHED]
        for i, (ev, before) in enumerate(dispatches):
            payload = ev.event["payload"]
            category = categories[before.category_code]
            hours = category["deadline_hours"][before.urgency]
            deadline = datetime.fromisoformat(payload["deadline"])
            assert abs(deadline - (ev.server_time + timedelta(hours=hours))) < timedelta(seconds=1)
            if i == 0:
                expected = route(before.category_code, before.district, demo.routing,
                                 category["default_department"])
                assert payload["department"] == expected
            assert payload["department"] not in payload["co_departments"]


def test_times_are_utc_increasing_and_within_90_days(demo):
    start = NOW - timedelta(days=90)
    for events in demo.cases:
        previous = None
        for ev in events:
            t = ev.server_time
            assert t.utcoffset() == timedelta(0)
            assert start <= t <= NOW
            assert previous is None or t > previous
            previous = t
            client = datetime.fromisoformat(ev.event["client_time"])
            assert client.tzinfo is not None and abs(client - t) < timedelta(seconds=10)


def test_daily_volume_peaks_in_office_hours(demo):
    hours = Counter(events[0].server_time.astimezone(BEIJING).hour for events in demo.cases)
    morning = hours[9] + hours[10]
    afternoon = hours[14] + hours[15]
    night = hours[2] + hours[3]
    assert morning > 5 * night and afternoon > 5 * night
    assert morning > hours[12] + hours[13]
    days = Counter(events[0].server_time.astimezone(BEIJING).date() for events in demo.cases)
    assert len(days) >= 89


def test_case_numbers_and_event_ids_are_unique(demo):
    case_nos = [events[0].event["case_no"] for events in demo.cases]
    assert len(case_nos) == len(set(case_nos))
    ids = [ev.event["event_id"] for events in demo.cases for ev in events]
    assert len(ids) == len(set(ids))
    assert all(CLIENT_ID.match(i) for i in ids)
    per_seat_day = defaultdict(list)
    for events in demo.cases:
        case_no = events[0].event["case_no"]
        assert is_valid_case_no(case_no)
        assert all(ev.event["case_no"] == case_no for ev in events)
        day, seat, seq = parse_case_no(case_no)
        assert 1 <= seat <= 60
        assert day == events[0].server_time.astimezone(BEIJING).date()
        per_seat_day[(day, seat)].append(seq)
    for seqs in per_seat_day.values():
        assert seqs == list(range(1, len(seqs) + 1))


def test_phone_numbers_are_normalised(replayed):
    kinds = Counter()
    for state, _ in replayed:
        if state.phone:
            assert protocol.normalize_phone(state.phone) == state.phone
            kinds["landline" if state.phone.startswith("+8610") else "mobile"] += 1
    assert kinds["mobile"] > kinds["landline"] > 0


def test_build_is_deterministic(demo):
    again = build_demo(seed=12345, now=NOW)
    assert again == demo
    other = build_demo(seed=7, now=NOW, n_cases=300)
    assert other.cases != demo.cases[:300]
    assert other.categories == demo.categories


def test_other_seeds_and_default_now():
    before = datetime.now(UTC)
    data = build_demo(seed=99, n_cases=400)
    after = datetime.now(UTC)
    times = [ev.server_time for events in data.cases for ev in events]
    assert len(data.cases) == 400
    assert min(times) >= before - timedelta(days=90)
    assert max(times) <= after
    assert build_demo(n_cases=0).cases == []
