"""Deadlines a seat sends are checked: an ISO 8601 time with its zone, not
absurdly far from the event's time (the server fills the ones left empty)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from operator_tui.protocol import EventIn

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=8)))


def dispatch(**deadlines: str) -> EventIn:
    return EventIn.model_validate({
        "event_id": "0b7e1f9a-2c3d-4e5f-8a9b-0c1d2e3f4a5b", "case_no": "261130-001-0001-6",
        "type": "dispatched", "client_time": NOW.isoformat(),
        "payload": {"department": "water", **deadlines},
    })


def test_a_real_deadline_passes_as_sent() -> None:
    sent = (NOW + timedelta(days=3)).isoformat()
    assert dispatch(deadline=sent, sign_deadline="2026-11-30T10:00:00Z").payload["deadline"] == sent
    assert dispatch().payload["deadline"] == ""  # the server fills it
    assert dispatch(deadline=(NOW - timedelta(days=2)).isoformat())  # already overdue is possible


@pytest.mark.parametrize(("value", "message"), [
    ("tomorrow", "not an ISO 8601 time"),
    ("2026-12-01T09:00:00", "needs its zone"),
    ("1970-01-01T00:00:00Z", "between the years 2000 and 2100"),
    ("2099-01-01T00:00:00+08:00", "more than 400 days from the event's time"),
    ("2024-01-01T00:00:00+08:00", "more than 400 days from the event's time"),
])
def test_a_deadline_nobody_means_is_refused_clearly(value: str, message: str) -> None:
    for name in ("deadline", "sign_deadline", "feedback_deadline"):
        with pytest.raises(ValidationError, match=message):
            dispatch(**{name: value})
