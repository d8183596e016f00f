"""Time as the project writes it and as it shows it.

Stored: timezone-aware UTC, one ISO 8601 format. Every stored timestamp uses
:func:`iso`, so text comparison orders them.

Shown: the centre's time zone (``OPERATOR_TUI_CENTRE_TZ``, default
Asia/Shanghai), never the machine's. A seat shows the time, the date and the
case number's date of the centre, whatever zone its machine is set to, so a
case number's ``YYMMDD``, the times in the lists and the supervisor's board and
CSV export all agree. Convert with :func:`to_centre`; "now" and "today" are
:func:`centre_now` and :func:`centre_today`. ``zoneinfo`` is imported on the
first conversion, not with this module (the status bar imports it before the
first frame).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache

DEFAULT_CENTRE_TZ = "Asia/Shanghai"
TZ_ENV = "OPERATOR_TUI_CENTRE_TZ"


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """*moment* as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso() -> str:
    """The current time in the stored format."""
    return iso(now())


def parse(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def centre_timezone(name: str | None = None) -> tzinfo:
    """The centre's timezone: *name*, else ``OPERATOR_TUI_CENTRE_TZ``, else
    Asia/Shanghai (a fixed UTC+8 when the system has no tz database);
    ValueError for an unknown name."""
    return _zone(name or os.environ.get(TZ_ENV) or DEFAULT_CENTRE_TZ)


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_CENTRE_TZ:
            return timezone(timedelta(hours=8), "CST")
        raise ValueError(f"unknown timezone {name!r} (e.g. Asia/Shanghai)") from None


def to_centre(moment: datetime) -> datetime:
    """*moment* in the centre's time zone (naive means UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(centre_timezone())


def centre_now() -> datetime:
    """Now, in the centre's time zone."""
    return to_centre(now())


def centre_today() -> date:
    """The centre's date now (the date of a case number made now)."""
    return centre_now().date()
