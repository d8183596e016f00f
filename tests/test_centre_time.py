"""One clock: every time, date and case-number date a seat shows is the
centre's (OPERATOR_TUI_CENTRE_TZ), whatever zone the machine is set to.

The machine runs in UTC here and the centre is Asia/Shanghai (UTC+8), as in
the QA run that found a seat showing "260913-045-0001-8  9月12日 23:46": a
case made at 07:46 on 13 September in the centre, listed at the machine's
23:46 of the day before.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from operator_tui import clock, i18n
from operator_tui.apikeys_cli import apikeys_app
from operator_tui.case_numbers import parse_case_no
from operator_tui.embedded_server import EmbeddedServer
from operator_tui.interpreter import JOINED, InterpreterMark
from operator_tui.seat import Seat
from screens import dispatch, interpreter, rows, status_bar
from screens import worklists as wl
from screens.case_view import CaseViewScreen, interpreter_line
from tests.intake_support import HISTORY, SIZE, ScreenApp, fixed_seat
from tests.server_helpers import prepare_database
from tests.servers import sqlite_url
from tests.tui_waits import workers_done

# 2026-09-12 23:46 UTC is 07:46 on 13 September in the centre; now is 08:10 there
CREATED = "2026-09-12T23:46:00.000000Z"
NOW = datetime(2026, 9, 13, 0, 10, tzinfo=UTC)
CASE_NO = "260913-045-0001-8"


@pytest.fixture(autouse=True)
def machine_in_utc_centre_in_shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz, language = os.environ.get("TZ"), i18n.current_language()
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setenv(clock.TZ_ENV, "Asia/Shanghai")
    monkeypatch.setattr(clock, "now", lambda: NOW)
    i18n.set_language("zh")
    yield
    i18n.set_language(language)
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


@pytest.fixture
def seat(tmp_path: Path) -> Iterator[Seat]:
    s = fixed_seat(tmp_path)
    yield s
    s.close()


def a_case(**extra: object) -> dict:
    return {**HISTORY[0], "case_no": CASE_NO, "created_at": CREATED, "client_created_at": CREATED,
            "updated_at": CREATED, **extra}


def test_clock_converts_to_the_centre_not_the_machine() -> None:
    moment = clock.to_centre(clock.parse(CREATED))
    assert (moment.date(), moment.hour, moment.minute) == (date(2026, 9, 13), 7, 46)
    assert moment.utcoffset() == timedelta(hours=8)
    assert clock.to_centre(datetime(2026, 9, 12, 23, 46)) == moment  # naive is UTC
    assert clock.centre_now().hour == 8 and clock.centre_today() == date(2026, 9, 13)
    assert datetime.now().astimezone().utcoffset() == timedelta(0)  # the machine's zone differs


def test_list_rows_show_the_centre_date_and_time() -> None:
    names = wl.Names("zh")
    assert rows.case_row(a_case(), names, today=True)[1].plain == "07:46"
    assert rows.case_row(a_case(), names)[1].plain == "9月13日 07:46"
    yesterday = a_case(created_at="2026-09-12T15:59:00Z")  # 23:59 on the 12th in the centre
    assert rows.case_row(yesterday, names, today=True)[1].plain == "9月12日 23:59"
    draft = {"case_no": CASE_NO, "started_at": CREATED, "updated_at": CREATED, "fields": {}}
    assert [c.plain for c in rows.draft_row(draft)[1:3]] == ["07:46", "07:46"]


def test_the_other_screens_show_the_centre_time() -> None:
    assert status_bar.local_hhmm(CREATED) == "07:46"
    assert dispatch.local_time(CREATED) == "2026年9月13日 07:46"
    mark = InterpreterMark(JOINED, "ja", "I-203", clock.parse(CREATED))
    assert "07:46" in interpreter_line(mark) and "07:46" in wl.interpreter_summary(mark.text)
    assert interpreter.now().utcoffset() == timedelta(hours=8)  # the note records the centre's time


async def test_case_view_shows_the_centre_date_and_time(seat: Seat) -> None:
    seat.cache.apply_snapshot([a_case(dispatched_at="2026-09-13T00:05:00Z")])
    app = ScreenApp(seat, lambda s: CaseViewScreen(s, CASE_NO))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await workers_done(app)
        await pilot.pause()
        fields = app.screen.query_one("#fields-left").content.plain
        fields += app.screen.query_one("#fields-right").content.plain
    assert "9月13日 07:46" in fields and "9月13日 08:05" in fields
    assert "9月12日" not in fields and "23:46" not in fields


def test_case_number_takes_the_centre_date(seat: Seat, monkeypatch: pytest.MonkeyPatch) -> None:
    # 05:31 on 30 November in the centre, still the 29th on the machine
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 29, 21, 31, tzinfo=UTC))
    _, case_no = seat.new_draft()
    assert parse_case_no(case_no)[0] == date(2026, 11, 30)
    assert case_no.startswith("261130-012-")
    assert wl.centre_today() == date(2026, 11, 30)  # "my cases today" reads this date's numbers


def test_seat_counter_floor_defaults_to_the_centre_date(seat: Seat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 29, 21, 31, tzinfo=UTC))
    seat.cache.set_seat(12, 41)  # the server says: 41 numbers used today
    assert parse_case_no(seat.cache.next_case_no(date(2026, 11, 30)))[2] == 42


def test_open311_case_number_takes_the_centre_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kiritimati (UTC+14) is already on the 16th while UTC and Shanghai are
    on the 15th: the number follows the centre's zone setting."""
    from typer.testing import CliRunner

    monkeypatch.setenv(clock.TZ_ENV, "Pacific/Kiritimati")
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 3, 15, 12, 30, tzinfo=UTC))
    url = prepare_database(sqlite_url(tmp_path / "c.db"))
    issued = CliRunner().invoke(apikeys_app, ["issue", "portal", "--channel", "web", "--database", url])
    assert issued.exit_code == 0, issued.output
    with EmbeddedServer(url) as server:
        import httpx

        answer = httpx.post(
            f"{server.url}/open311/v2/requests.json",
            content=urlencode({"api_key": issued.stdout.strip(), "service_code": "roads.potholes",
                               "address_string": "x"}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert parse_case_no(answer.json()[0]["service_request_id"])[0] == date(2025, 3, 16)
