"""Snapshot tests of the dispatch queue (F10): cases from the web portal, the
app and WeChat (Open311) and a case a department returned, in Chinese and
English, an injection attempt shown inert.

Deterministic like tests/test_tui_snapshots_desk.py (its seat, frozen clock
and time zone are reused). Update with
``pytest tests/test_tui_snapshots_queue.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from operator_tui.app import OperatorApp
from operator_tui.seat import Seat
from tests.test_tui_snapshots_desk import (INJECTION, SIZE, _iso, _state, frozen_clock,  # noqa: F401 (fixture)
                                           keys_then_settle, make_seat)

# case_no, channel, status, category, district, created, description, extra
QUEUE = [
    ("251129-900-0001-3", "web", "open", "07.02.05", "chaoyang", "2025-11-29T07:55",
     "小区东门井盖缺失，晚上很危险。\n\n[Open311]\n现场危险：可能造成财产损失", {"urgency": "urgent"}),
    ("251129-900-0002-0", "wechat", "open", "07.03.01", "", "2025-11-29T08:40", INJECTION, {}),
    ("251129-900-0003-8", "app", "open", "07.02.04", "haidian", "2025-11-29T09:15",
     "Street light at Zhongguancun St 5 flickers all night.", {"language": "en"}),
    ("251128-007-0008-2", "phone", "returned", "07.02.04", "fengtai", "2025-11-28T16:20",
     "路灯不亮，承办单位称不属其辖区。", {"lead_department": ""}),
    ("251129-007-0004-4", "phone", "open", "07.02.04", "chaoyang", "2025-11-29T10:00",
     "电话受理、尚未派发（不在队列里）", {}),
]


@pytest.fixture
def queue_seat(tmp_path: Path) -> Iterator[Seat]:
    seat = make_seat(tmp_path, "operator")
    states = [_state(no, status, cat, district, text, channel=channel, created_at=_iso(at),
                     client_created_at=_iso(at), created_by="open311:portal" if channel != "phone" else "op5",
                     **{"lead_department": "", **extra})
              for no, channel, status, cat, district, at, text, extra in QUEUE]
    seat.cache.apply_pulled([], states, "cursor-2")
    yield seat
    seat.cache.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_dispatch_queue(snap_compare, queue_seat: Seat, language: str) -> None:
    app = OperatorApp(queue_seat, language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_settle("f10"))
