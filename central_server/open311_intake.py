"""Checking a POST Service Request and turning it into a case.

The case gets what the operators need to act (phone, name, address and
district, the description with an ``[Open311]`` block listing attributes,
media URL, coordinates, address id and e-mail); the ``open311_requests`` row
keeps the request as published (see open311_store).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from operator_tui import clock
from operator_tui.domain import DISTRICTS, AppealType
from operator_tui.protocol import CreatedPayload, describe_validation_error, normalize_phone
from operator_tui.text import clean

from .open311_services import check_attributes, describe_attributes
from .open311_store import RequestExtras
from .open311_xml import Open311Error

DESCRIPTION_MAX = 4000  # the specification's limit
FIELD_MAX = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def _district(address: str) -> str:
    """The district an address names (the first one named), or ''."""
    best, where = "", len(address) + 1
    lowered = address.lower()
    for code, (zh, en) in DISTRICTS.items():
        for found in (address.find(zh), _word(lowered, en.lower())):
            if 0 <= found < where:
                best, where = code, found
    return best


def _word(text: str, word: str) -> int:
    match = re.search(rf"\b{re.escape(word)}\b", text)
    return match.start() if match else -1


def request_fields(
    p: dict[str, str], attributes: dict[str, list[str]], category: dict[str, Any], lang: str, channel: str
) -> tuple[RequestExtras, dict[str, Any]]:
    """Check a POST's fields; return the extras row and the ``created`` payload."""
    lat, lng = p.get("lat", ""), p.get("long", "")
    if bool(lat) != bool(lng):
        raise Open311Error(400, "lat and long must be sent together")
    if lat:
        lat, lng = _coordinate(lat, "lat", 90), _coordinate(lng, "long", 180)
    address, address_id = p.get("address_string", ""), p.get("address_id", "")
    if not (lat or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    for name in ("address_id", "device_id", "account_id", "first_name", "last_name"):
        if len(p.get(name, "")) > FIELD_MAX:
            raise Open311Error(400, f"{name} is longer than {FIELD_MAX} characters")
    description = p.get("description", "")
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, f"description is limited to {DESCRIPTION_MAX} characters")
    email, media_url = p.get("email", ""), p.get("media_url", "")
    if email and (len(email) > 254 or not _EMAIL.match(email) or clean(email, one_line=True) != email):
        raise Open311Error(400, "email is not an e-mail address")
    if media_url and (len(media_url) > 2000 or not _URL.match(media_url) or clean(media_url, one_line=True) != media_url):
        raise Open311Error(400, "media_url must be an http:// or https:// URL")
    phone = p.get("phone", "")
    if len(phone) > 40:
        raise Open311Error(400, "phone is too long to be a phone number")
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValueError as exc:
            raise Open311Error(400, f"phone {phone!r} cannot be used: {exc}") from None
    try:
        kept, urgency = check_attributes(category, attributes)
    except ValueError as exc:
        raise Open311Error(400, str(exc)) from None
    extras = RequestExtras(
        service_code=category["code"], description=clean(description).strip(),
        address_string=clean(address, one_line=True).strip(), address_id=clean(address_id, one_line=True),
        lat=lat, lng=lng, media_url=media_url, attributes=kept, email=email,
        device_id=clean(p.get("device_id", ""), one_line=True),
        account_id=clean(p.get("account_id", ""), one_line=True), locale=lang,
    )
    lines = describe_attributes(kept)
    lines += [f"媒体：{media_url}"] if media_url else []
    lines += [f"坐标：{lat}, {lng}"] if lat else []
    lines += [f"地址编号：{address_id}"] if address_id else []
    lines += [f"电子邮箱：{email}"] if email else []
    block = "\n".join(["[Open311]", *lines]) if lines else ""
    first, last = p.get("first_name", ""), p.get("last_name", "")
    cjk = re.search(r"[\u3400-\u9fff]", first + last)
    payload = {
        "phone": phone,
        "name": (last + first) if cjk else " ".join(x for x in (first, last) if x),
        "channel": channel,
        "language": lang,
        "appeal_type": AppealType.REPORT,
        "district": _district(address),
        "address": address or (f"地址编号 {address_id}" if address_id else f"坐标 {lat}, {lng}"),
        "description": "\n\n".join(x for x in (description, block) if x),
        "urgency": urgency,
        "category_code": category["code"],
        "client_created_at": clock.now_iso(),
    }
    try:
        payload = CreatedPayload.model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        raise Open311Error(400, f"the request cannot be taken: {describe_validation_error(exc)}") from None
    return extras, payload


def _coordinate(value: str, name: str, limit: float) -> str:
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not -limit <= number <= limit:  # NaN fails this too
        raise Open311Error(400, f"{name} must be between -{limit:g} and {limit:g}")
    return repr(number)
