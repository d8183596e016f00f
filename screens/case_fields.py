"""The case form's fields: choices, defaults, checks and the created payload.

Pure functions (no widgets) so they are easy to test and reuse.
"""

from __future__ import annotations

from typing import Any

from operator_tui import i18n, vocab
from operator_tui.domain import DISPATCH_HOURS, DISTRICTS, Channel, Urgency
from operator_tui.i18n import _
from operator_tui.interpreter import parse_note
from operator_tui.protocol import DESCRIPTION_MAX, SHORT_MAX, TEXT_MAX, normalize_phone
from operator_tui.text import clean
from screens.case_widgets import APPEAL_ORDER

# The choices' values; their labels are made in the UI language by *_options().
CHANNEL_VALUES = [Channel.PHONE, Channel.WEB, Channel.APP, Channel.WECHAT, Channel.WEIBO, Channel.EMAIL]
LANGUAGE_VALUES = ["zh", "en", "ja", "ko", "ru", "fr", "de", "es", "ar", "pt", "it"]
URGENCY_VALUES = [Urgency.CRITICAL, Urgency.URGENT, Urgency.NORMAL]


def channel_options() -> list[tuple[str, str]]:
    """(label, value) for the channel Select, in the UI language."""
    return [(vocab.label("channel", c), c.value) for c in CHANNEL_VALUES]


def language_label(code: str) -> str:
    """``日语 日本語`` / ``Japanese 日本語``: the name in the UI language, and in
    itself when that differs (so the caller's own word is there too)."""
    name = i18n.language_name(code)
    own = i18n.endonym(code)
    return name if own == name else f"{name} {own}"


def language_options(exclude: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(label, code) for the caller's language, in the UI language."""
    return [(language_label(code), code) for code in LANGUAGE_VALUES if code not in exclude]


def urgency_options() -> list[tuple[str, str]]:
    """``紧急`` / ``critical``: the urgencies (the hint beside says what each means)."""
    return [(vocab.label("urgency", u), u.value) for u in URGENCY_VALUES]


def dispatch_time(urgency: str) -> str:
    """``1小时内派单`` / ``dispatch within 1 h``: the time an urgency gives to
    dispatch (not to resolve: that deadline comes with the category)."""
    return _("dispatch within {n} h").format(n=DISPATCH_HOURS[Urgency(urgency)])

FIELD_ORDER = ("phone", "name", "channel", "language", "appeal_type", "category_code", "district",
               "address", "description", "urgency")
WIDGET_OF = {"appeal_type": "appeal", "category_code": "category"}
DEFAULTS: dict[str, Any] = {
    "phone": "", "name": "", "channel": Channel.PHONE.value, "language": "zh",
    "interpreter": False, "appeal_type": APPEAL_ORDER[0].value, "category_code": "",
    "district": "", "address": "", "description": "", "urgency": Urgency.NORMAL.value,
    "urgency_manual": False, "linked_to": "",
    "interpreter_log": [],  # interpreter marks made before the case is saved (note texts)
}


def validate(fields: dict[str, Any], *, known_category: Any = None, for_dispatch: bool = False) -> dict[str, str]:
    """Field name -> what is wrong with it (empty when the case can be saved)."""
    errors: dict[str, str] = {}
    phone = fields.get("phone", "").strip()
    if phone:
        try:
            normalize_phone(phone)
        except ValueError as exc:
            errors["phone"] = _("Not a valid number: {reason}").format(reason=_phone_reason(exc))
    elif fields.get("channel") == Channel.PHONE:
        errors["phone"] = _("The caller's number is required for a phone call")
    if len(fields.get("name", "")) > SHORT_MAX:
        errors["name"] = _("At most {n} characters").format(n=SHORT_MAX)
    code = fields.get("category_code", "")
    if not code:
        errors["category_code"] = _("Pick a category (F4)")
    elif known_category is not None and not known_category(code):
        errors["category_code"] = _("Unknown category {code}; pick another (F4)").format(code=code)
    description = fields.get("description", "").strip()
    if not description:
        errors["description"] = _("Describe the appeal")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most {n} characters").format(n=DESCRIPTION_MAX)
    if len(fields.get("address", "")) > TEXT_MAX:
        errors["address"] = _("At most {n} characters").format(n=TEXT_MAX)
    if fields.get("district") and fields["district"] not in DISTRICTS:
        errors["district"] = _("Unknown district; pick one (Enter)")
    elif for_dispatch and not fields.get("district"):
        errors["district"] = _("A district is needed to dispatch (Enter to pick)")
    return errors


def _phone_reason(exc: Exception) -> str:
    """normalize_phone's reason in the UI language (the two it gives, else as is)."""
    text = str(exc)
    if text.startswith("not a valid phone number"):
        return _("not a valid phone number for its region")
    if text.startswith("not a phone number"):
        return _("not a phone number")
    return text


def case_payload(fields: dict[str, Any]) -> dict[str, Any]:
    """The CreatedPayload fields from the form's fields."""
    phone = fields["phone"].strip()
    payload = {k: fields[k] for k in DEFAULTS if k not in ("urgency_manual", "phone", "interpreter_log")}
    payload["phone"] = normalize_phone(phone) if phone else ""
    return payload


CHOICES: dict[str, set[str]] = {
    "channel": {str(v) for v in CHANNEL_VALUES},
    "language": set(LANGUAGE_VALUES),
    "urgency": {str(v) for v in URGENCY_VALUES},
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
        if key == "interpreter_log":
            value = [clean(t) for t in value if isinstance(t, str) and parse_note(clean(t))]
        fields[key] = value
    return fields
