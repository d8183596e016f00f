"""Snapshot tests of issue 5's operator screens: the supervisor's board (live
and offline), the cases behind a board number, and the duplicates panel
beside the case form. The board and the drill-down list in both UI languages
(``[zh]`` / ``[en]``), the rest in Chinese (the default).

Deterministic: the board screen is fed a fixed /v1/board answer (no server,
no timer), the drill-down list a fixed page; the seat holds fixed reference
data (tests.intake_support.fixed_seat), the clock is frozen at FIXED_NOW,
the machine's time zone is UTC and the centre's Asia/Shanghai. Update with
``pytest tests/test_tui_snapshots_board.py --snapshot-update``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import local_cache.search
from local_cache._rows import utc_key
from operator_tui import clock
from operator_tui.seat import Seat
from screens import board_rows
from screens.board import BoardScreen
from screens.board_cases import BoardCasesScreen
from screens.case_form import CaseFormScreen
from screens.duplicates_panel import DuplicatesPanel
from screens.worklists import Names
from tests.intake_support import FIXED_CASE_NO, FIXED_NOW, SIZE, ScreenApp, fixed_draft, fixed_seat
from tests.tui_waits import snapshot_ready as settle
from tests.tui_waits import workers_done

AT = "2025-11-29T02:30:00.000000Z"  # 10:30 in Beijing
NASTY = "[bold]not bold[/bold] \x1b[31mred\x1b[0m"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    old_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    # the centre's zone, as the fixed board names it; the machine's is UTC
    monkeypatch.setenv(clock.TZ_ENV, "Asia/Shanghai")
    monkeypatch.setattr(local_cache.search, "days_ago_key",
                        lambda days: utc_key(FIXED_NOW - timedelta(days=days)))
    yield
    if old_tz is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old_tz
    time.tzset()


@pytest.fixture
def seat(tmp_path: Path) -> Iterator[Seat]:
    s = fixed_seat(tmp_path)
    yield s
    s.cache.close()


def d(metric: str, **key: Any) -> dict[str, str]:
    return {"metric": metric, "key": ",".join(f"{k}={v}" for k, v in key.items())}


def fixed_board() -> dict[str, Any]:
    """A board of a busy morning with a water outage in Chaoyang (what /v1/board answers)."""
    hours = [(0, {"phone": 9}), (1, {"phone": 5}), (2, {"phone": 3}), (3, {"phone": 2}), (4, {"phone": 2}),
             (5, {"phone": 4}), (6, {"phone": 11, "app": 2}), (7, {"phone": 30, "wechat": 6, "app": 4}),
             (8, {"phone": 61, "wechat": 12, "web": 5, "app": 8}),
             (9, {"phone": 88, "wechat": 17, "web": 9, "app": 10, "weibo": 2}),
             (10, {"phone": 41, "wechat": 8, "web": 3, "app": 5, "email": 1})]
    totals: dict[str, int] = {}
    for _, per in hours:
        for channel, n in per.items():
            totals[channel] = totals.get(channel, 0) + n

    def rate(n: int, of: int, metric: str, outcome: str) -> dict[str, Any]:
        return {"numerator": n, "denominator": of, "rate": round(n / of, 4) if of else None,
                "drill": d(metric, outcome=outcome), "drill_denominator": {"metric": metric, "key": ""}}

    return {
        "protocol": 1, "at": AT, "timezone": "Asia/Shanghai", "day": "2025-11-29", "near_fraction": 0.8,
        "volume": {
            "total": sum(totals.values()), "drill": {"metric": "volume", "key": ""},
            "by_channel": [{"channel": c, "count": n, "drill": d("volume", channel=c)}
                           for c, n in sorted(totals.items(), key=lambda x: -x[1])],
            "by_hour": [{"hour": h, "count": sum(per.values()), "drill": d("volume", hour=h),
                         "by_channel": [{"channel": c, "count": n, "drill": d("volume", hour=h, channel=c)}
                                        for c, n in sorted(per.items())]} for h, per in hours],
        },
        "top_categories": [
            {"category": code, "today": today, "last_week": last, "change": today - last,
             "change_pct": round(100.0 * (today - last) / last, 1) if last else None,
             "drill": d("category", category=code), "drill_last_week": d("category", category=code, window="last_week")}
            for code, today, last in [("05.01.01", 96, 11), ("06.01.01", 41, 38), ("14.01.01", 30, 36),
                                      ("05.01.02", 12, 0), ("", 7, 9)]
        ],
        "hot_spots": [
            {"category": code, "district": district, "today": today, "baseline": base,
             "ratio": round(today / base, 2) if base else None, "flagged": flagged,
             "drill": d("hotspot", category=code, district=district),
             "drill_baseline": d("hotspot", category=code, district=district, window="baseline")}
            for code, district, today, base, flagged in [
                ("05.01.01", "chaoyang", 71, 2.25, True), ("05.01.02", "chaoyang", 9, 0.0, True),
                ("06.01.01", "haidian", 14, 10.5, False), ("14.01.01", "xicheng", 6, 5.75, False)]
        ],
        "deadlines": {
            "open": 214, "near": 17, "overdue": 3,
            "drill_near": d("deadline", flag="near"), "drill_overdue": d("deadline", flag="overdue"),
            "by_department": [
                {"department": code, "open": o, "near": n, "overdue": late,
                 "overdue_by_kind": {"sign": late, "feedback": 0, "resolution": 0},
                 "drill_open": d("deadline", department=code, flag="open"),
                 "drill_near": d("deadline", department=code, flag="near"),
                 "drill_overdue": d("deadline", department=code, flag="overdue")}
                for code, o, n, late in [("WATERCO", 88, 12, 2), ("CHAOYANG", 31, 3, 1), ("POWER", 52, 2, 0),
                                         ("HOUSING", 25, 0, 0), ("GOVSVC", 18, 0, 0)]
            ],
        },
        "rates": {
            "days": 1, "from": "2025-11-28T16:00:00.000000Z", "to": AT, "cases": 345,
            "response": rate(331, 340, "response", "ok"), "direct": rate(118, 345, "direct", "direct"),
            "resolution": rate(40, 57, "resolution", "resolved"),
            "satisfaction": {
                **rate(92, 97, "satisfaction", "happy"),
                "outcomes": {o: {"count": n, "drill": d("satisfaction", outcome=o)}
                             for o, n in (("satisfied", 81), ("basic", 11), ("unsatisfied", 5), ("no_answer", 6))},
            },
        },
    }




LANGUAGES = pytest.mark.parametrize("language", ["zh", "en"])


def board_app(seat: Seat, language: str = "zh") -> ScreenApp:
    return ScreenApp(seat, lambda s: BoardScreen(s, poll=None, data=fixed_board(), fetched_at=AT), language=language)


@LANGUAGES
def test_board(snap_compare, seat: Seat, language: str) -> None:
    assert snap_compare(board_app(seat, language), terminal_size=SIZE, run_before=settle)


def test_board_offline(snap_compare, seat: Seat) -> None:
    async def offline(pilot) -> None:
        screen = pilot.app.screen
        screen.problem = "offline"
        screen.show_title()
        await pilot.press("3", "down")  # the cursor on the second top category
        await settle(pilot)

    assert snap_compare(board_app(seat), terminal_size=SIZE, run_before=offline)


@LANGUAGES
def test_board_cases(snap_compare, seat: Seat, language: str) -> None:
    cases = [
        {**c, "case_no": f"251129-0{i + 10}-00{i + 10}-0", "created_at": f"2025-11-29T0{i % 3}:1{i}:00.000000Z",
         "status": "dispatched" if i % 2 else "open", "category_code": "05.01.01", "district": "chaoyang",
         "description": f"楼里停水 no water in building {i} " + (NASTY if i == 1 else "")}
        for i, c in enumerate([dict(seat.cache.case("251120-012-0007-9"))] * 4)
    ]
    page = {"protocol": 1, "metric": "hotspot", "key": "category=05.01.01,district=chaoyang", "at": AT,
            "total": 4, "cases": cases, "has_more": False, "next_after": cases[-1]["case_no"]}
    hot_spot = board_rows.hotspots_table(fixed_board(), Names()).rows[0]
    drill, title = hot_spot.drill_at(3)  # "停水 in 朝阳区: today", as the board gives it
    app = ScreenApp(seat, lambda s: BoardCasesScreen(s, drill, title, at=AT, zone="Asia/Shanghai",
                                                     fetch=lambda after: page), language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_duplicates_panel(snap_compare, seat: Seat) -> None:
    """Two earlier calls about the same outage within 48 h: one at the same address."""
    def ago(hours: float) -> str:
        return clock.iso(FIXED_NOW - timedelta(hours=hours))

    base = {"version": 1, "category_code": "05.01.01", "district": "chaoyang", "appeal_type": "report",
            "urgency": "urgent", "channel": "phone", "language": "zh"}
    seat.cache.apply_snapshot([
        {**base, "case_no": "251129-003-0011-5", "status": "dispatched", "phone": "+8613700137000",
         "address": "北京市朝阳区望京西园三区311号楼", "created_at": ago(2), "updated_at": ago(1),
         "description": "整栋楼停水"},
        {**base, "case_no": "251128-007-0032-1", "status": "open", "phone": "+8613600136000",
         "address": "望京西园四区 " + NASTY, "created_at": ago(20), "updated_at": ago(20),
         "description": "小区停水"},
        {**base, "case_no": "251125-007-0002-4", "status": "open", "phone": "+8613500135000",
         "address": "望京", "created_at": ago(24 * 4), "updated_at": ago(24 * 4)},  # outside the window
    ])
    draft_id = fixed_draft(seat, {"phone": "13900139000", "name": "李女士", "category_code": "05.01.01",
                                  "district": "chaoyang", "address": "望京西园三区 311 号楼",
                                  "description": "家里停水了", "appeal_type": "report"})

    async def ready(pilot) -> None:
        panel = pilot.app.screen.query_one(DuplicatesPanel)
        for _ in range(50):
            await pilot.pause(0.05)
            await workers_done(pilot.app)
            if panel.settled:
                break
        await settle(pilot)

    app = ScreenApp(seat, lambda s: CaseFormScreen(s, draft_id))
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
    assert FIXED_CASE_NO  # the draft's number, fixed
