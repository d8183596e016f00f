"""The case form's fields: choices, defaults, checks and the created payload.

Pure functions (no widgets) so they are easy to test and reuse.
"""

from __future__ import annotations

from typing import Any

from operator_tui.domain import DISTRICTS, Channel, Urgency
from operator_tui.protocol import DESCRIPTION_MAX, SHORT_MAX, TEXT_MAX, normalize_phone
from operator_tui.text import clean
from screens.case_widgets import APPEAL_ORDER

CHANNELS = [("电话 phone", Channel.PHONE), ("网站 web", Channel.WEB), ("App", Channel.APP),
            ("微信 WeChat", Channel.WECHAT), ("微博 Weibo", Channel.WEIBO), ("邮件 e-mail", Channel.EMAIL)]
LANGUAGES = [("中文", "zh"), ("English", "en"), ("日本語", "ja"), ("한국어", "ko"), ("Русский", "ru"),
             ("Français", "fr"), ("Deutsch", "de"), ("Español", "es"), ("العربية", "ar"),
             ("Português", "pt"), ("Italiano", "it")]
URGENCIES = [("紧急 critical · 1 h", Urgency.CRITICAL), ("较急 urgent · 2 h", Urgency.URGENT),
             ("一般 normal · 24 h", Urgency.NORMAL)]
FIELD_ORDER = ("phone", "name", "channel", "language", "appeal_type", "category_code", "district",
               "address", "description", "urgency")
WIDGET_OF = {"appeal_type": "appeal", "category_code": "category"}
DEFAULTS: dict[str, Any] = {
    "phone": "", "name": "", "channel": Channel.PHONE.value, "language": "zh",
    "interpreter": False, "appeal_type": APPEAL_ORDER[0].value, "category_code": "",
    "district": "", "address": "", "description": "", "urgency": Urgency.NORMAL.value,
    "urgency_manual": False, "linked_to": "",
}


def validate(fields: dict[str, Any], *, known_category: Any = None, for_dispatch: bool = False) -> dict[str, str]:
    """Field name -> what is wrong with it (empty when the case can be saved)."""
    errors: dict[str, str] = {}
    phone = fields.get("phone", "").strip()
    if phone:
        try:
            normalize_phone(phone)
        except ValueError as exc:
            errors["phone"] = f"Not a valid number: {exc}"
    elif fields.get("channel") == Channel.PHONE:
        errors["phone"] = "The caller's number is required for a phone call"
    if len(fields.get("name", "")) > SHORT_MAX:
        errors["name"] = f"At most {SHORT_MAX} characters"
    code = fields.get("category_code", "")
    if not code:
        errors["category_code"] = "Pick a category (F4)"
    elif known_category is not None and not known_category(code):
        errors["category_code"] = f"Unknown category {code}; pick another (F4)"
    description = fields.get("description", "").strip()
    if not description:
        errors["description"] = "Describe the appeal"
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX} characters"
    if len(fields.get("address", "")) > TEXT_MAX:
        errors["address"] = f"At most {TEXT_MAX} characters"
    if fields.get("district") and fields["district"] not in DISTRICTS:
        errors["district"] = "Unknown district; pick one (Enter)"
    elif for_dispatch and not fields.get("district"):
        errors["district"] = "A district is needed to dispatch (Enter to pick)"
    return errors


def case_payload(fields: dict[str, Any]) -> dict[str, Any]:
    """The CreatedPayload fields from the form's fields."""
    phone = fields["phone"].strip()
    payload = {k: fields[k] for k in DEFAULTS if k not in ("urgency_manual", "phone")}
    payload["phone"] = normalize_phone(phone) if phone else ""
    return payload


CHOICES: dict[str, set[str]] = {
    "channel": {str(v) for _, v in CHANNELS},
    "language": {v for _, v in LANGUAGES},
    "urgency": {str(v) for _, v in URGENCIES},
    "appeal_type": {str(v) for v in APPEAL_ORDER},
}


def from_draft(stored: dict[str, Any]) -> dict[str, Any]:
    """Form fields from a stored draft: known keys, cleaned text, valid choices
    (a draft from an older version or a damaged row falls back to defaults)."""
    fields = dict(DEFAULTS)
    for key, default in DEFAULTS.items():
        value = stored.get(key, default)
        if type(value) is not type(default):
            continue
        if isinstance(value, str):
            value = clean(value)
            if key in CHOICES and value not in CHOICES[key]:
                continue
        fields[key] = value
    return fields
