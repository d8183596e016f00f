"""The supervisor's board over real HTTP, against a set of cases with known counts.

The cases are written with the server times of their events chosen
(CaseStore.import_history), around Wednesday 11 March 2026 in Beijing, and
the board is read "as of" 15:30 that day. Every number is checked, and so is
the list of cases behind it. Then the deadline flags are checked across a
plain weekend and across the Spring Festival's make-up work day.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from central_server import data
from central_server.cases import BOARD_COLUMNS, CaseStore, backfill_board_columns
from operator_tui import clock
from operator_tui.case_numbers import make_case_no
from operator_tui.domain import Actor, Role
from operator_tui.protocol import EventIn
from tests.server_helpers import BACKEND_PARAMS, error_of, login, open_db, prepare_database, prepared
from tests.servers import sqlite_url

pytest_plugins = ["tests.server_helpers"]

BJ = timezone(timedelta(hours=8))
OP = Actor("op1", Role.OPERATOR)
SUP = Actor("sup", Role.SUPERVISOR)
WATER, POWER = "utilities.water", "utilities.power"
POTHOLES = "roads.potholes"
AT = "2026-03-11T15:30:00+08:00"


def bj(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BJ)


def dept(code: str) -> Actor:
    return Actor(f"dept.{code}", Role.DEPARTMENT, code)


class Seeder:
    """Cases with chosen server times, written straight into the server's database."""

    def __init__(self) -> None:
        self.items: list[tuple[Actor, EventIn, str]] = []
        self.numbers = itertools.count(1)
        self.names: dict[str, str] = {}

    def case(self, name: str, at: datetime, category: str, district: str, *steps: tuple,
             channel: str = "phone", urgency: str = "normal") -> str:
        case_no = make_case_no(at.date(), 901, next(self.numbers))
        self.names[case_no] = name
        self.add(OP, case_no, "created", at, {
            "phone": f"1380013{len(self.names):04d}", "district": district, "category_code": category,
            "urgency": urgency, "channel": channel, "description": f"case {name}"})
        for actor, kind, when, payload in steps:
            self.add(actor, case_no, kind, when, payload)
        return case_no

    def add(self, actor: Actor, case_no: str, kind: str, at: datetime, payload: dict) -> None:
        ev = EventIn(event_id=uuid.uuid4().hex, case_no=case_no, type=kind, client_time=at, payload=payload)
        self.items.append((actor, ev, clock.iso(at)))

    def write(self, url: str) -> None:
        self.items.sort(key=lambda item: item[2])
        with open_db(url) as db:
            results = CaseStore(db).import_history(self.items)
        assert all(r.status == "applied" for r in results), [r for r in results if r.status != "applied"]

    def by_name(self, *names: str) -> set[str]:
        wanted = set(names)
        return {no for no, name in self.names.items() if name in wanted}


def dispatch(to: str, at: datetime) -> tuple:
    return (OP, "dispatched", at, {"department": to})


def sign(to: str, at: datetime) -> tuple:
    return (dept(to), "signed", at, {})


def word(to: str, at: datetime) -> tuple:
    return (dept(to), "note", at, {"text": "已联系来电人"})


def result(to: str, at: datetime) -> tuple:
    return (dept(to), "resolved", at, {"mode": "department", "result": "已处理"})


def call_back(outcome: str, at: datetime) -> tuple:
    return (OP, "callback", at, {"satisfaction": outcome, "resolved": outcome != "unsatisfied"})


def seed_the_day(s: Seeder) -> None:
    """Wednesday 11 March 2026 until 15:30, and the weeks before."""
    d = 11
    s.case("M", bj(d, 0), POTHOLES, "xicheng")
    s.case("J", bj(d, 7, 50), POWER, "haidian", dispatch("power", bj(d, 8)), channel="app")
    s.case("A", bj(d, 9, 10), WATER, "chaoyang", dispatch("water", bj(d, 9, 40)), sign("water", bj(d, 9, 50)),
           result("water", bj(d, 11)), call_back("satisfied", bj(d, 14)), urgency="critical")
    s.case("B", bj(d, 9, 12), WATER, "chaoyang", dispatch("water", bj(d, 11, 30)), sign("water", bj(d, 11, 40)),
           urgency="urgent")
    c = s.case("C", bj(d, 9, 40), WATER, "chaoyang", channel="web")
    s.case("D", bj(d, 10, 5), POWER, "haidian",
           (OP, "resolved", bj(d, 10, 6), {"mode": "direct", "result": "已解答"}),
           call_back("no_answer", bj(d, 13)), call_back("basic", bj(d, 13, 30)))
    s.case("F", bj(d, 10, 20), WATER, "chaoyang", (OP, "merged", bj(d, 10, 25), {"into": c}))
    s.case("R", bj(d, 11), POTHOLES, "xicheng")
    s.case("K", bj(d, 13, 20), WATER, "chaoyang", dispatch("water", bj(d, 13, 30)))
    s.case("E", bj(d, 14), POTHOLES, "xicheng", channel="wechat", urgency="critical")
    s.case("L", bj(d, 15, 45), WATER, "chaoyang")  # after the board's time
    # earlier days
    s.case("G", bj(9, 10), POTHOLES, "xicheng", dispatch("roads", bj(9, 10, 30)), sign("roads", bj(9, 10, 40)),
           word("roads", bj(9, 10, 50)), result("roads", bj(10, 9)), call_back("unsatisfied", bj(d, 11)))
    s.case("I", bj(9, 9), WATER, "dongcheng", dispatch("water", bj(9, 9, 5)))
    s.case("H", bj(4, 9), POWER, "haidian", dispatch("power", bj(4, 9, 30)), sign("power", bj(4, 9, 40)),
           word("power", bj(4, 10)))
    s.case("P1", bj(4, 12), POWER, "haidian")
    s.case("N1", bj(4, 10), WATER, "chaoyang")
    s.case("N2", bj(4, 11), WATER, "chaoyang")
    s.case("N3", bj(4, 16), WATER, "chaoyang")  # later in the day than the board's time
    s.case("Q1", bj(25, 9, month=2), WATER, "chaoyang")
    s.case("Q2", bj(11, 9, month=2), WATER, "chaoyang")
    for name, day, month in [("S1", 25, 2), ("S2", 25, 2), ("S3", 4, 3), ("S4", 11, 2), ("S5", 11, 2), ("S6", 18, 2)]:
        s.case(name, bj(day, 8, month=month), POTHOLES, "xicheng")


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def board_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One server per backend with the day seeded (the tests only read)."""
    from tests.server_helpers import drop_database, new_database, prepare_database
    from tests.servers import ServerProcess

    url = prepare_database(new_database(request.param, request, tmp_path_factory, "board"))
    seeder = Seeder()
    seed_the_day(seeder)
    seeder.write(url)
    srv = ServerProcess(url, workdir=tmp_path_factory.mktemp("board-server"))
    try:
        srv.start()
        sup = login(srv.url, "sup", seat=False)
        yield srv, sup, seeder
        sup.close()
    finally:
        srv.stop()
        drop_database(request, url)


def drill(sup, where: dict, **params) -> tuple[int, set[str]]:
    """(total, case numbers) behind one number, following the pages."""
    found: set[str] = set()
    after = ""
    while True:
        response = sup.http.get("/v1/board/cases", params={"at": AT, **where, "after": after, "limit": 2, **params})
        assert response.status_code == 200, response.text
        body = response.json()
        found |= {c["case_no"] for c in body["cases"]}
        after = body["next_after"]
        if not body["has_more"]:
            assert len(found) == body["total"]
            return body["total"], found


def test_volume_by_hour_and_channel(board_server) -> None:
    _, sup, s = board_server
    board = sup.http.get("/v1/board", params={"at": AT}).json()
    assert board["day"] == "2026-03-11" and board["timezone"] and board["near_fraction"] == 0.8
    volume = board["volume"]
    assert volume["total"] == 10
    assert drill(sup, volume["drill"]) == (10, s.by_name("M", "J", "A", "B", "C", "D", "F", "R", "K", "E"))
    assert {c["channel"]: c["count"] for c in volume["by_channel"]} == {"phone": 7, "app": 1, "web": 1, "wechat": 1}
    hours = {h["hour"]: h["count"] for h in volume["by_hour"]}
    assert list(hours) == list(range(16))  # midnight to the current hour
    assert {h: n for h, n in hours.items() if n} == {0: 1, 7: 1, 9: 3, 10: 2, 11: 1, 13: 1, 14: 1}
    nine = volume["by_hour"][9]
    assert {c["channel"]: c["count"] for c in nine["by_channel"]} == {"phone": 2, "web": 1}
    assert drill(sup, nine["drill"])[1] == s.by_name("A", "B", "C")
    web_at_nine = next(c for c in nine["by_channel"] if c["channel"] == "web")
    assert drill(sup, web_at_nine["drill"])[1] == s.by_name("C")


def test_top_categories_against_last_week(board_server) -> None:
    _, sup, s = board_server
    top = sup.http.get("/v1/board", params={"at": AT}).json()["top_categories"]
    assert [(t["category"], t["today"], t["last_week"], t["change"], t["change_pct"]) for t in top] == [
        (WATER, 5, 2, 3, 150.0), (POTHOLES, 3, 1, 2, 200.0), (POWER, 2, 2, 0, 0.0)]
    assert drill(sup, top[0]["drill"])[1] == s.by_name("A", "B", "C", "F", "K")
    assert drill(sup, top[0]["drill_last_week"])[1] == s.by_name("N1", "N2")
    assert drill(sup, top[2]["drill_last_week"])[1] == s.by_name("H", "P1")
    level1 = sup.http.get("/v1/board", params={"at": AT, "level": 1, "top": 1}).json()["top_categories"]
    assert [(t["category"], t["today"], t["last_week"]) for t in level1] == [("utilities", 7, 4)]
    assert drill(sup, level1[0]["drill"])[0] == 7


def test_hot_spots_against_four_weeks(board_server) -> None:
    _, sup, s = board_server
    spots = sup.http.get("/v1/board", params={"at": AT}).json()["hot_spots"]
    got = {(h["category"], h["district"]): (h["today"], h["baseline"], h["ratio"], h["flagged"]) for h in spots}
    assert got == {
        (WATER, "chaoyang"): (5, 1.0, 5.0, True),  # 4 in four weeks
        (POTHOLES, "xicheng"): (3, 1.5, 2.0, False),  # twice the baseline is not above it
        (POWER, "haidian"): (2, 0.5, 4.0, False),  # too few
    }
    assert spots[0]["category"] == WATER  # flagged first
    assert drill(sup, spots[0]["drill"])[1] == s.by_name("A", "B", "C", "F", "K")
    assert drill(sup, spots[0]["drill_baseline"])[1] == s.by_name("N1", "N2", "Q1", "Q2")


def test_deadlines_by_department(board_server) -> None:
    _, sup, s = board_server
    deadlines = sup.http.get("/v1/board", params={"at": AT}).json()["deadlines"]
    rows = {d["department"]: (d["open"], d["near"], d["overdue"]) for d in deadlines["by_department"]}
    assert rows == {"water": (3, 1, 1), "power": (2, 0, 1)}
    assert (deadlines["open"], deadlines["near"], deadlines["overdue"]) == (5, 1, 2)
    water = next(d for d in deadlines["by_department"] if d["department"] == "water")
    assert water["overdue_by_kind"] == {"sign": 1, "feedback": 0, "resolution": 0}
    assert drill(sup, water["drill_near"])[1] == s.by_name("K")  # due at 15:30 exactly: near, not past
    assert drill(sup, water["drill_overdue"])[1] == s.by_name("I")
    assert drill(sup, water["drill_open"])[1] == s.by_name("B", "K", "I")
    assert drill(sup, deadlines["drill_overdue"])[1] == s.by_name("I", "J")
    # a minute later K's sign deadline has passed too
    later = sup.http.get("/v1/board", params={"at": "2026-03-11T15:31:00+08:00"}).json()["deadlines"]
    assert (later["near"], later["overdue"]) == (0, 3)


def test_the_three_rates_and_direct_answers(board_server) -> None:
    _, sup, s = board_server
    rates = sup.http.get("/v1/board", params={"at": AT}).json()["rates"]
    assert rates["cases"] == 9 and rates["days"] == 1
    assert rates["from"] == "2026-03-10T16:00:00.000000Z"
    n = {k: (rates[k]["numerator"], rates[k]["denominator"]) for k in ("response", "direct", "resolution", "satisfaction")}
    assert n == {"response": (4, 6), "direct": (1, 9), "resolution": (1, 4), "satisfaction": (2, 3)}
    assert rates["response"]["rate"] == round(4 / 6, 4)
    assert drill(sup, rates["response"]["drill"])[1] == s.by_name("J", "A", "D", "K")
    assert drill(sup, rates["response"]["drill_denominator"])[1] == s.by_name("J", "A", "B", "D", "K", "E")
    assert drill(sup, {"metric": "response", "key": "outcome=late"})[1] == s.by_name("B", "E")
    assert drill(sup, rates["direct"]["drill"])[1] == s.by_name("D")
    assert drill(sup, rates["resolution"]["drill"])[1] == s.by_name("A")
    assert drill(sup, rates["resolution"]["drill_denominator"])[1] == s.by_name("J", "A", "B", "K")
    outcomes = {k: v["count"] for k, v in rates["satisfaction"]["outcomes"].items()}
    assert outcomes == {"satisfied": 1, "basic": 1, "unsatisfied": 1, "no_answer": 1}
    assert drill(sup, rates["satisfaction"]["drill"])[1] == s.by_name("A", "D")
    assert drill(sup, rates["satisfaction"]["drill_denominator"])[1] == s.by_name("A", "D", "G")
    assert drill(sup, rates["satisfaction"]["outcomes"]["no_answer"]["drill"])[1] == s.by_name("D")
    # three days back: G and I (Monday) join the cohort
    wider = sup.http.get("/v1/board", params={"at": AT, "days": 3}).json()["rates"]
    assert wider["cases"] == 11 and wider["resolution"]["denominator"] == 6


def test_only_supervisors_see_the_board(board_server) -> None:
    srv, sup, _ = board_server
    for who in ("op1", "dept.water"):
        session = login(srv.url, who, seat=False)
        assert "may not see the board" in error_of(session.http.get("/v1/board"), 403)
        error_of(session.http.get("/v1/board/cases", params={"metric": "volume"}), 403)
    admin = login(srv.url, "admin", seat=False)
    assert admin.http.get("/v1/board").status_code == 200
    for params in ({"metric": "nope"}, {"metric": "volume", "key": "hour=24"}, {"metric": "volume", "key": "x=1"},
                   {"metric": "category"}, {"metric": "hotspot", "key": "category=a"},
                   {"metric": "category", "key": "category=a,window=baseline"},
                   {"metric": "deadline", "key": "flag=late"}, {"metric": "response", "key": "outcome=meh"},
                   {"metric": "volume", "at": "yesterday"}, {"metric": "volume", "at": "1900-01-01T00:00:00Z"}):
        error_of(sup.http.get("/v1/board/cases", params=params), 400)


# --- deadline flags over a weekend and a make-up work day -------------------------------


@pytest.mark.parametrize("backend", BACKEND_PARAMS)
def test_flags_across_a_weekend_and_a_make_up_work_day(server_factory, backend) -> None:
    srv = prepared(server_factory, backend)
    admin = login(srv.url, "admin", seat=False)
    assert admin.http.post("/v1/reference/holidays", json={"items": data.holidays(2026)}).status_code == 200
    s = Seeder()
    # signed on Friday 16:00, no word yet: feedback is due one working day later
    s.case("festival", bj(13, 15, month=2), WATER, "chaoyang",
           dispatch("water", bj(13, 16, month=2)), sign("water", bj(13, 16, 10, month=2)))
    s.case("weekend", bj(13, 15), WATER, "chaoyang", dispatch("water", bj(13, 16)), sign("water", bj(13, 16, 10)))
    s.write(srv.database_url)
    sup = login(srv.url, "sup", seat=False)

    def flags(at: datetime) -> tuple[set[str], set[str]]:
        key = {"metric": "deadline", "at": at.isoformat()}
        near = drill(sup, key, key="flag=near")[1]
        overdue = drill(sup, key, key="flag=overdue")[1]
        board = sup.http.get("/v1/board", params={"at": at.isoformat()}).json()["deadlines"]
        assert (board["near"], board["overdue"]) == (len(near), len(overdue))
        return {s.names[n] for n in near}, {s.names[n] for n in overdue}

    # Saturday 14 February is a make-up work day: its hours count, the clock runs out at 16:00
    assert flags(bj(14, 11, month=2)) == (set(), set())  # 19 of 24 working hours used
    assert flags(bj(14, 12, month=2)) == ({"festival"}, set())  # 20 of 24: 83 %
    assert flags(bj(14, 16, 1, month=2)) == (set(), {"festival"})
    # Saturday 14 March is an ordinary weekend: nothing moves until Monday
    assert flags(bj(15, 23, 59)) == (set(), {"festival"})  # 8 of 24 working hours used
    assert flags(bj(16, 11, 11)) == (set(), {"festival"})
    assert flags(bj(16, 11, 12)) == ({"weekend"}, {"festival"})  # 19.2 of 24: 80 %
    assert flags(bj(16, 16)) == ({"weekend"}, {"festival"})  # due, not yet past
    assert flags(bj(16, 16, 1)) == (set(), {"festival", "weekend"})


def test_migration_3_fills_the_board_columns_of_existing_cases(tmp_path) -> None:
    url = prepare_database(sqlite_url(tmp_path / "old.db"))
    seeder = Seeder()
    seed_the_day(seeder)
    seeder.write(url)
    columns = ", ".join(("case_no", "responded_at", *BOARD_COLUMNS))
    with open_db(url) as db:
        with db.transaction() as tx:
            written = tx.all(f"SELECT {columns} FROM cases ORDER BY case_no")
            outcomes = tx.all("SELECT * FROM callback_outcomes ORDER BY seq")
            # as a database from before migration 3 would have them
            tx.execute("UPDATE cases SET " + ", ".join(f"{c} = ''" for c in ("responded_at", *BOARD_COLUMNS)))
            tx.execute("DELETE FROM callback_outcomes")
            backfill_board_columns(tx)
        with db.transaction(write=False) as tx:
            assert tx.all(f"SELECT {columns} FROM cases ORDER BY case_no") == written
            assert tx.all("SELECT * FROM callback_outcomes ORDER BY seq") == outcomes
    assert sum(1 for row in written if row["due_at"]) == 5 and len(outcomes) == 4
