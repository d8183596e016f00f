"""Open311 services from our category tree, and their attributes.

Every leaf category is a service: ``service_code`` is the category code,
``group`` the parent category's name, ``keywords`` the category's keywords
joined, ``type`` realtime (a case number is made at once). Names are
Chinese or English.

Services that must be handled fast (a category whose shortest resolution
deadline is ``FAST_HOURS`` or less: gas leaks, burst mains, outages...) have
metadata: a required ``hazard`` question that sets the case's urgency, and
optional ``affected`` (several values), ``since`` and ``detail`` attributes.
Every other service has none (``metadata`` false).
"""

from __future__ import annotations

import math
from typing import Any

from operator_tui import clock
from operator_tui.domain import Urgency
from operator_tui.text import clean

from .open311_store import leaf_categories, name_of

FAST_HOURS = 4
TEXT_MAX = 2000

# code -> (order, datatype, required, description zh/en, values [(key, zh, en)])
_ATTRIBUTES: dict[str, tuple[int, str, bool, tuple[str, str], list[tuple[str, str, str]]]] = {
    "hazard": (
        1, "singlevaluelist", True,
        ("现场是否有危险？", "Is anyone or anything in danger now?"),
        [
            ("none", "没有危险", "No danger"),
            ("property", "可能造成财产损失", "Property is at risk"),
            ("people", "危及人身安全", "People are at risk"),
        ],
    ),
    "affected": (
        2, "multivaluelist", False,
        ("受影响的有哪些？（可多选）", "Who is affected? (choose any)"),
        [
            ("residents", "居民", "Residents"),
            ("pedestrians", "行人", "Pedestrians"),
            ("vehicles", "车辆", "Vehicles"),
            ("businesses", "商户", "Businesses"),
            ("vulnerable", "老人、儿童或病人", "Elderly people, children or patients"),
        ],
    ),
    "since": (
        3, "datetime", False,
        ("问题从什么时候开始？", "Since when has this been happening?"), [],
    ),
    "detail": (
        4, "text", False,
        ("还有什么需要热线知道的？", "Anything else the hotline should know?"), [],
    ),
}
HAZARD_URGENCY = {"none": Urgency.NORMAL, "property": Urgency.URGENT, "people": Urgency.CRITICAL}
_LABELS = {"hazard": "现场危险", "affected": "受影响", "since": "开始时间", "detail": "补充说明"}


def has_metadata(category: dict[str, Any]) -> bool:
    hours = [int(h) for h in (category.get("deadline_hours") or {}).values()]
    return bool(hours) and min(hours) <= FAST_HOURS


def services(categories: dict[str, dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The GET services list (leaf categories, by code)."""
    out = []
    for cat in leaf_categories(categories):
        parent = categories.get(cat.get("parent_code", ""))
        out.append({
            "service_code": cat["code"],
            "service_name": name_of(cat, lang),
            "description": _path(cat, categories, lang),
            "metadata": has_metadata(cat),
            "type": "realtime",
            "keywords": ", ".join(cat.get("keywords", [])),
            "group": name_of(parent, lang),
        })
    return out


def _path(cat: dict[str, Any], categories: dict[str, dict[str, Any]], lang: str) -> str:
    names, node, seen = [], cat, set()
    while node and node["code"] not in seen:
        seen.add(node["code"])
        names.append(name_of(node, lang))
        node = categories.get(node.get("parent_code", ""))
    return " > ".join(reversed(names))


def is_service(code: str, categories: dict[str, dict[str, Any]]) -> bool:
    return code in categories and not any(c.get("parent_code") == code for c in categories.values())


def definition(cat: dict[str, Any], lang: str) -> dict[str, Any]:
    """The GET service definition of a service (empty attributes without metadata)."""
    attributes = []
    if has_metadata(cat):
        for code, (order, datatype, required, desc, values) in _ATTRIBUTES.items():
            attributes.append({
                "variable": True,
                "code": code,
                "datatype": datatype,
                "required": required,
                "datatype_description": _datatype_description(datatype, lang),
                "order": order,
                "description": desc[1] if lang == "en" else desc[0],
                "values": [{"key": k, "name": en if lang == "en" else zh} for k, zh, en in values],
            })
    return {"service_code": cat["code"], "attributes": attributes}


def _datatype_description(datatype: str, lang: str) -> str | None:
    if datatype == "datetime":
        return "ISO 8601, e.g. 2024-05-01T08:30:00+08:00" if lang == "en" else "ISO 8601 格式，如 2024-05-01T08:30:00+08:00"
    if datatype == "multivaluelist":
        return "attribute[affected][]=... once per value" if lang == "en" else "每个值一个 attribute[affected][]=..."
    return None


def check_attributes(
    cat: dict[str, Any], given: dict[str, list[str]]
) -> tuple[dict[str, Any], str]:
    """Validate the posted attributes of a service.

    Returns (the attributes kept, the case urgency they imply). Raises
    ValueError with a message for the client. Attributes a service does not
    define are ignored, as clients may send extra ones.
    """
    if not has_metadata(cat):
        return {}, Urgency.NORMAL
    kept: dict[str, Any] = {}
    for code, (_, datatype, required, _desc, values) in _ATTRIBUTES.items():
        raw = [v for v in given.get(code, []) if v.strip()]
        if not raw:
            if required:
                keys = ", ".join(k for k, _, _ in values)
                raise ValueError(f"attribute[{code}] is required for service {cat['code']} (one of: {keys})")
            continue
        keys = {k for k, _, _ in values}
        if datatype == "singlevaluelist":
            if len(raw) > 1 or raw[0] not in keys:
                raise ValueError(f"attribute[{code}] takes one of: {', '.join(k for k, _, _ in values)}")
            kept[code] = raw[0]
        elif datatype == "multivaluelist":
            bad = [v for v in raw if v not in keys]
            if bad:
                raise ValueError(f"attribute[{code}] values must be among: {', '.join(k for k, _, _ in values)}")
            kept[code] = list(dict.fromkeys(raw))
        elif datatype == "datetime":
            try:
                moment = clock.parse(raw[-1].strip())
            except ValueError:
                raise ValueError(f"attribute[{code}] is not an ISO 8601 date/time") from None
            kept[code] = clock.iso(moment)
        elif datatype == "number":  # pragma: no cover - no number attribute yet
            try:
                value = float(raw[-1])
            except ValueError:
                raise ValueError(f"attribute[{code}] is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"attribute[{code}] is not a number")
            kept[code] = value
        else:
            text = clean(raw[-1]).strip()
            if len(text) > TEXT_MAX:
                raise ValueError(f"attribute[{code}] is longer than {TEXT_MAX} characters")
            kept[code] = text
    return kept, HAZARD_URGENCY.get(kept.get("hazard", "none"), Urgency.NORMAL)


def describe_attributes(attributes: dict[str, Any]) -> list[str]:
    """The attributes as lines for the operators (Chinese labels)."""
    lines = []
    for code, value in attributes.items():
        _, datatype, _, _, values = _ATTRIBUTES[code]
        names = {k: zh for k, zh, _ in values}
        if isinstance(value, list):
            shown = "、".join(names.get(v, v) for v in value)
        else:
            shown = names.get(value, str(value))
        lines.append(f"{_LABELS.get(code, code)}：{shown}")
    return lines
