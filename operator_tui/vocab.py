"""The hotline's words in the UI language: statuses, event types, channels,
appeal types, urgencies, callback outcomes... (the stored values stay the
English enum values; only what is shown is translated).

``label(kind, value)`` gives the word for an enum value, or the value itself
when it is unknown (data from a newer server must still show);
``label_in(language, kind, value)`` the same in a given language, whatever
the UI language is (the central server's CSV export, one request in Chinese
beside another in English).
"""

from __future__ import annotations

from operator_tui.i18n import NP_, N_, _, pgettext, translations

STATUS = {
    "open": NP_("status", "open"),
    "dispatched": NP_("status", "dispatched"),
    "signed": NP_("status", "signed"),
    "returned": NP_("status", "returned"),
    "resolved": NP_("status", "resolved"),
    "closed": NP_("status", "closed"),
    "escalated": NP_("status", "escalated"),
    "merged": NP_("status", "merged"),
}
EVENT = {
    "created": NP_("event", "created"),
    "edited": NP_("event", "edited"),
    "categorized": NP_("event", "categorized"),
    "dispatched": NP_("event", "dispatched"),
    "signed": NP_("event", "signed"),
    "returned": NP_("event", "returned"),
    "extended": NP_("event", "extended"),
    "resolved": NP_("event", "resolved"),
    "callback": NP_("event", "callback"),
    "reopened": NP_("event", "reopened"),
    "merged": NP_("event", "merged"),
    "note": NP_("event", "note"),
    "phone_revealed": NP_("event", "viewed the phone number"),
}
CHANNEL = {
    "phone": N_("phone"),
    "web": N_("web"),
    "app": N_("app"),
    "wechat": N_("WeChat"),
    "weibo": N_("Weibo"),
    "email": N_("e-mail"),
}
APPEAL_TYPE = {
    "enquiry": N_("enquiry"),
    "complaint": N_("complaint"),
    "report": N_("report"),
    "help": N_("help request"),
    "suggestion": N_("suggestion"),
    "praise": N_("praise"),
}
URGENCY = {
    "critical": N_("critical"),
    "urgent": N_("urgent"),
    "normal": N_("normal"),
}
SATISFACTION = {
    "satisfied": N_("satisfied"),
    "basic": N_("basically satisfied"),
    "unsatisfied": N_("unsatisfied"),
    "no_answer": N_("no answer"),
}
RESOLVE_MODE = {
    "direct": N_("answered directly"),
    "department": N_("by the department"),
}
REOPEN_MODE = {
    "rework": N_("rework"),
    "escalate": N_("escalated to supervision"),
}
RETURN_REASON = {
    "wrong_locality": N_("wrong locality"),
    "unclear_ownership": N_("unclear ownership"),
    "overlapping_duties": N_("overlapping duties"),
    "other": N_("other reason"),
}
EXTENSION_ACTION = {
    "request": N_("extension requested"),
    "approve": N_("extension approved"),
    "refuse": N_("extension refused"),
}
SYNC_STATE = {
    "synced": NP_("sync", "synced"),
    "pending": NP_("sync", "pending"),
    "rejected": NP_("sync", "rejected"),
    "conflict": NP_("sync", "conflict"),
    "held": NP_("sync", "held"),
}
FIELD = {
    "phone": N_("Phone"),
    "name": N_("Name"),
    "channel": N_("Channel"),
    "language": N_("Language"),
    "interpreter": N_("Interpreter"),
    "appeal_type": N_("Appeal type"),
    "category_code": N_("Category"),
    "district": N_("District"),
    "address": N_("Address"),
    "description": N_("Description"),
    "urgency": N_("Urgency"),
}
KINDS: dict[str, dict] = {
    "status": STATUS, "event": EVENT, "channel": CHANNEL, "appeal_type": APPEAL_TYPE, "urgency": URGENCY,
    "satisfaction": SATISFACTION, "resolve_mode": RESOLVE_MODE, "reopen_mode": REOPEN_MODE,
    "return_reason": RETURN_REASON, "extension_action": EXTENSION_ACTION, "sync": SYNC_STATE,
    "field": FIELD,
}


def label(kind: str, value: object) -> str:
    """The word for *value* of *kind* (a key of KINDS) in the UI language."""
    text = "" if value is None else str(value)
    message = KINDS[kind].get(text)
    if message is None:
        return text
    if isinstance(message, tuple):
        return pgettext(*message)
    return _(message)


def label_in(language: str, kind: str, value: object) -> str:
    """The word for *value* of *kind* in *language* ("zh" or "en")."""
    text = "" if value is None else str(value)
    message = KINDS[kind].get(text)
    if message is None:
        return text
    catalog = translations(language)
    return catalog.pgettext(*message) if isinstance(message, tuple) else catalog.gettext(message)


def status(value: object) -> str:
    return label("status", value)


def event(value: object) -> str:
    return label("event", value)
