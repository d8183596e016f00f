"""The seat learns the centre's holiday calendar and counts deadlines with it."""

from __future__ import annotations

from datetime import date

from operator_tui.seat import Seat
from tests.intake_support import make_seat, seat, seeded_db, server  # noqa: F401


def test_holidays_reach_the_seat_and_its_calendar(seat: Seat) -> None:
    items = seat.cache.reference_items("holidays")
    assert items, "the demo seed loads the 2026 calendar; sync must bring it"
    calendar = seat.calendar()
    assert not calendar.is_workday(date(2026, 10, 1))  # National Day
    assert calendar.is_workday(date(2026, 10, 10))  # a Saturday made a work day
