"""Property: whatever the interleaving of local writes, outages and syncs on
three seats, after recovery every change is on the server exactly once or
visibly rejected/conflicting, and every seat sees what the server has.

A hypothesis state machine drives three seats (own caches, own seat numbers,
operators op1..op3) against one real server process behind a FaultProxy.
Steps: create a case; edit a shared case (same fields on purpose, so seats
collide); close a case (answer + satisfied callback, so later edits from
other seats are rejected); sync one seat, possibly through a fault (refused
connection, answer dropped after the commit, reset, garbage, 500, truncated
body); settle a problem with keep-mine or take-theirs. At the end the proxy
passes, every seat syncs until quiet, and the checks run.

sync_once (not the background threads) keeps each example deterministic.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from operator_tui import conflicts
from operator_tui.domain import Rejected
from tests.faultproxy import FaultProxy
from tests.server_helpers import prepare_database
from tests.servers import ServerProcess, sqlite_url
from tests.sync_support import SeatSim, assert_delivered_exactly_once, assert_same_view

N_SEATS = 3
MAX_CASES = 6
FIELDS = ("description", "address", "name", "urgency")
FAULTS = (None, None, None, "refuse", "drop", "reset", "garbage", "error500", "truncate", "close")
TOTALS: Counter = Counter()


class SeatsAndServer(RuleBasedStateMachine):
    server: ServerProcess
    proxy: FaultProxy
    workdir = None

    def __init__(self) -> None:
        super().__init__()
        TOTALS["examples"] += 1
        run = uuid.uuid4().hex[:8]
        first_seat = 100 + TOTALS["examples"] * N_SEATS  # never reused on this server
        self.seats = [
            SeatSim(self.workdir / f"{run}-{i}.db").adopt(self.server.database_url, f"op{i + 1}",
                                                          first_seat + i)
            for i in range(N_SEATS)
        ]
        self.engines = [seat.engine(self.proxy.url, timeout=2.0) for seat in self.seats]
        self.cases: list[str] = []
        self.values = itertools.count()

    @initialize()
    def first_cases(self) -> None:
        """Two cases every seat has seen, so that edits can collide at once."""
        for _ in range(2):
            self.create(0)
        self.sync_all()

    def _visible(self, s: int, data: st.DataObject) -> tuple[str, dict] | None:
        case_no = data.draw(st.sampled_from(self.cases), label="case")
        shown = self.seats[s].cache.case(case_no)
        return (case_no, shown) if shown else None

    @precondition(lambda self: len(self.cases) < MAX_CASES)
    @rule(s=st.integers(0, N_SEATS - 1))
    def create(self, s: int) -> None:
        self.cases.append(self.seats[s].create(description=f"case text {next(self.values)}"))
        TOTALS["creates"] += 1

    @precondition(lambda self: self.cases)
    @rule(s=st.integers(0, N_SEATS - 1), field=st.sampled_from(FIELDS), data=st.data())
    def edit(self, s: int, field: str, data: st.DataObject) -> None:
        found = self._visible(s, data)
        if found is None:
            TOTALS["edit: case not seen"] += 1
            return  # this seat has not seen the case yet
        n = next(self.values)
        value = ("critical", "urgent", "normal")[n % 3] if field == "urgency" else f"{field} {n}"
        try:
            self.seats[s].edit(found[0], **{field: value})
            TOTALS["edits"] += 1
        except Rejected:
            TOTALS["edit: refused locally"] += 1  # e.g. the case is closed: nothing written

    @precondition(lambda self: self.cases)
    @rule(pair=st.permutations(range(N_SEATS)), field=st.sampled_from(FIELDS), data=st.data())
    def collide(self, pair: list[int], field: str, data: st.DataObject) -> None:
        """Two seats edit the same field of the same case, each from what it has."""
        for s in pair[:2]:
            self.edit(s, field, data)

    @precondition(lambda self: self.cases)
    @rule(s=st.integers(0, N_SEATS - 1), data=st.data())
    def close(self, s: int, data: st.DataObject) -> None:
        found = self._visible(s, data)
        if found is None or found[1]["status"] != "open":
            return
        self.seats[s].close_case(found[0])
        TOTALS["closes"] += 1

    @rule(s=st.integers(0, N_SEATS - 1), fault=st.sampled_from(FAULTS))
    def sync(self, s: int, fault: str | None) -> None:
        if fault:
            self.proxy.set_mode(fault)
            TOTALS["faulty syncs"] += 1
        try:
            status = self.engines[s].sync_once()
        finally:
            self.proxy.set_mode("pass")
        if fault:
            assert not status.online and status.last_error, (fault, status)
        else:
            assert status.online and not status.last_error, status
        assert status.outbox_depth == self.seats[s].cache.outbox_depth()
        assert status.problems == len(self.seats[s].cache.problems())

    @rule()
    def sync_all(self) -> None:
        for s in range(N_SEATS):
            self.sync(s, None)

    @rule(s=st.integers(0, N_SEATS - 1), keep=st.booleans())
    def settle(self, s: int, keep: bool) -> None:
        seat = self.seats[s]
        problems = seat.cache.problems()
        if not problems:
            return
        event_id = problems[0]["event_id"]
        if keep:
            try:
                conflicts.keep_mine(seat.cache, event_id, seat.actor)
                TOTALS["kept mine"] += 1
                return
            except Rejected:
                pass  # cannot be kept (e.g. the case was closed): take theirs
        conflicts.take_theirs(seat.cache, event_id, seat.actor)
        TOTALS["took theirs"] += 1

    def _sync_everyone(self) -> None:
        for _ in range(2):  # everyone sends, then everyone hears everything
            for engine in self.engines:
                status = engine.sync_once()
                assert status.online, status

    def teardown(self) -> None:
        try:
            self.proxy.set_mode("pass")
            self._sync_everyone()
            # What is left is visible; check that much first.
            counts = assert_delivered_exactly_once(self.seats, self.server.database_url)
            for seat in self.seats:
                assert_same_view(seat, self.server.database_url)
            TOTALS.update({f"outbox {k}": v for k, v in counts.items()})
            # Then people settle every problem (keep mine / take theirs in turn) until
            # none is left: a kept change may collide again with another seat's kept one.
            turn = itertools.count()
            for _ in range(5):
                if not any(seat.cache.problems() for seat in self.seats):
                    break
                for s, seat in enumerate(self.seats):
                    for _problem in seat.cache.problems():
                        self.settle(s, keep=next(turn) % 2 == 0)
                self._sync_everyone()
            for seat in self.seats:
                assert seat.cache.problems() == [] and seat.cache.outbox_depth() == 0
                assert_same_view(seat, self.server.database_url)
            assert_delivered_exactly_once(self.seats, self.server.database_url)
        finally:
            for seat in self.seats:
                seat.close()


@pytest.mark.slow
def test_any_interleaving_of_writes_outages_and_syncs(tmp_path_factory) -> None:
    url = prepare_database(sqlite_url(tmp_path_factory.mktemp("central") / "central.db"))
    server = ServerProcess(url, workdir=tmp_path_factory.mktemp("server"))
    server.start()
    TOTALS.clear()
    try:
        with FaultProxy(server.url) as proxy:
            SeatsAndServer.server, SeatsAndServer.proxy = server, proxy
            SeatsAndServer.workdir = tmp_path_factory.mktemp("seats")
            run_state_machine_as_test(
                SeatsAndServer,
                settings=settings(max_examples=15, stateful_step_count=30, deadline=None,
                                  suppress_health_check=list(HealthCheck)),
            )
    finally:
        server.stop()
    print("\nproperty run:", dict(TOTALS))
    assert TOTALS["outbox delivered"] > 0
