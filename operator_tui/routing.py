"""Who handles a case, and by when: routing rules and deadlines.

Pure functions over reference data (dicts shaped like protocol.RoutingRule,
protocol.Category), shared by the seat's dispatch screen and the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .domain import DEFAULT_RESOLVE_HOURS, Urgency


def propose_department(
    category_code: str,
    district: str,
    rules: list[dict[str, Any]],
    categories: dict[str, dict[str, Any]],
) -> str:
    """The department for a category in a district ('' when nothing fits).

    The most specific rule wins: the longest category prefix, then a rule for
    the district over a city-wide one, then the higher priority. Without a
    matching rule, the category's (or its nearest ancestor's) default
    department.
    """
    best: tuple[int, int, int] | None = None
    chosen = ""
    for rule in rules:
        prefix = rule.get("category_prefix", "")
        if not _covers(prefix, category_code):
            continue
        if rule.get("district") and rule["district"] != district:
            continue
        key = (len(prefix), 1 if rule.get("district") else 0, int(rule.get("priority", 0)))
        if best is None or key > best:
            best, chosen = key, rule["department"]
    if chosen:
        return chosen
    code = category_code
    while code:
        cat = categories.get(code)
        if cat is None:
            break
        if cat.get("default_department"):
            return cat["default_department"]
        code = cat.get("parent_code", "")
    return ""


def _covers(prefix: str, code: str) -> bool:
    return code == prefix or code.startswith(prefix + ".") or prefix == ""


def resolve_hours(category: dict[str, Any] | None, urgency: str) -> int:
    """Hours to resolve a case of *category* at *urgency*."""
    default = DEFAULT_RESOLVE_HOURS[Urgency(urgency)]
    if not category:
        return default
    return int(category.get("deadline_hours", {}).get(urgency, default))


def deadline(
    start: datetime, category: dict[str, Any] | None, urgency: str, calendar: Any = None
) -> datetime:
    """The resolution deadline of a case dispatched at *start*: clock hours for
    critical/urgent cases, working days for normal ones (see
    :mod:`operator_tui.workdays`; *calendar* is a ``workdays.Calendar``, by
    default weekends only, without the year's holidays)."""
    from . import workdays

    return workdays.resolution_span(category, urgency).end(start, calendar or workdays.Calendar())
