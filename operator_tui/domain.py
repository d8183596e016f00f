"""The hotline's domain: enumerations, the case state and its state machine.

A case's history is an append-only list of events; its current state is the
fold of :func:`apply_event` over them. The same rules run on the central server
(which decides) and on the seat (which shows the local, optimistic state), so
they live here, free of Textual, HTTP and storage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    DEPARTMENT = "department"
    ADMIN = "admin"


HOTLINE_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    WEIBO = "weibo"
    EMAIL = "email"


class AppealType(StrEnum):
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"
    REPORT = "report"
    HELP = "help"
    SUGGESTION = "suggestion"
    PRAISE = "praise"


class Urgency(StrEnum):
    CRITICAL = "critical"  # emergency / safety: dispatch within 1 h
    URGENT = "urgent"  # water, power, gas, heating: dispatch within 2 h
    NORMAL = "normal"  # general: dispatch within 24 h


DISPATCH_HOURS = {Urgency.CRITICAL: 1, Urgency.URGENT: 2, Urgency.NORMAL: 24}
# Resolution deadline when a category names none (15 days for general cases).
DEFAULT_RESOLVE_HOURS = {Urgency.CRITICAL: 24, Urgency.URGENT: 72, Urgency.NORMAL: 360}


class CaseStatus(StrEnum):
    OPEN = "open"  # with the hotline, not yet dispatched or answered
    DISPATCHED = "dispatched"  # sent to a department, not signed for
    SIGNED = "signed"  # the lead department accepted it
    RETURNED = "returned"  # the department sent it back for re-dispatch
    RESOLVED = "resolved"  # answered (directly or by the department), awaiting callback
    CLOSED = "closed"  # callback done, citizen satisfied or basically satisfied
    ESCALATED = "escalated"  # unsatisfied and sent to supervision
    MERGED = "merged"  # folded into a master case


# Cases someone still has to act on (the hotline or a department): a seat keeps
# them cached whatever their age, so a repeat caller's overdue case is never
# missing from the caller history; resolved, closed and merged ones only while
# recent (the seat's cache window).
UNFINISHED_STATUSES = (
    CaseStatus.OPEN, CaseStatus.DISPATCHED, CaseStatus.SIGNED, CaseStatus.RETURNED,
    CaseStatus.ESCALATED,
)


class EventType(StrEnum):
    CREATED = "created"
    EDITED = "edited"
    CATEGORIZED = "categorized"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    RETURNED = "returned"
    EXTENDED = "extended"
    RESOLVED = "resolved"
    CALLBACK = "callback"
    REOPENED = "reopened"
    MERGED = "merged"
    NOTE = "note"
    PHONE_REVEALED = "phone_revealed"  # someone saw the full number: changes no field


class ReturnReason(StrEnum):
    WRONG_LOCALITY = "wrong_locality"
    UNCLEAR_OWNERSHIP = "unclear_ownership"
    OVERLAPPING_DUTIES = "overlapping_duties"
    OTHER = "other"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    NO_ANSWER = "no_answer"


class ResolveMode(StrEnum):
    DIRECT = "direct"  # answered by the operator, e.g. from the KB
    DEPARTMENT = "department"  # result reported by the lead department


class ReopenMode(StrEnum):
    REWORK = "rework"  # back to the same lead department
    ESCALATE = "escalate"  # to supervision


class ExtensionAction(StrEnum):
    REQUEST = "request"
    APPROVE = "approve"
    REFUSE = "refuse"


DISTRICTS: dict[str, tuple[str, str]] = {
    "dongcheng": ("东城区", "Dongcheng"),
    "xicheng": ("西城区", "Xicheng"),
    "chaoyang": ("朝阳区", "Chaoyang"),
    "haidian": ("海淀区", "Haidian"),
    "fengtai": ("丰台区", "Fengtai"),
    "shijingshan": ("石景山区", "Shijingshan"),
    "mentougou": ("门头沟区", "Mentougou"),
    "fangshan": ("房山区", "Fangshan"),
    "tongzhou": ("通州区", "Tongzhou"),
    "shunyi": ("顺义区", "Shunyi"),
    "changping": ("昌平区", "Changping"),
    "daxing": ("大兴区", "Daxing"),
    "huairou": ("怀柔区", "Huairou"),
    "pinggu": ("平谷区", "Pinggu"),
    "miyun": ("密云区", "Miyun"),
    "yanqing": ("延庆区", "Yanqing"),
}

# Fields an `edited` event may change; `category_code` changes by `categorized`.
EDITABLE_FIELDS = (
    "phone",
    "name",
    "channel",
    "language",
    "interpreter",
    "appeal_type",
    "district",
    "address",
    "description",
    "urgency",
)


class Rejected(Exception):
    """An event that the state machine or the actor's rights do not allow."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Actor:
    """Who is applying an event: an operator id, a role, and (for a
    department user) the department they act for."""

    operator_id: str
    role: Role
    department: str | None = None
    seat_no: int | None = None

    @property
    def writer(self) -> str:
        """Who wrote a field, for telling someone else's edit from our own."""
        return f"seat:{self.seat_no}" if self.seat_no else f"op:{self.operator_id}"


@dataclass
class CaseState:
    """The current state of one case, derived from its events."""

    case_no: str
    version: int = 0
    status: CaseStatus = CaseStatus.OPEN
    phone: str = ""
    name: str = ""
    channel: str = Channel.PHONE
    language: str = "zh"
    interpreter: bool = False
    appeal_type: str = AppealType.ENQUIRY
    category_code: str = ""
    district: str = ""
    address: str = ""
    description: str = ""
    urgency: str = Urgency.NORMAL
    created_by: str = ""
    created_at: str = ""  # server time of the `created` event (ISO 8601)
    client_created_at: str = ""
    updated_at: str = ""
    handle_seconds: int | None = None
    linked_to: str = ""
    lead_department: str = ""
    co_departments: list[str] = field(default_factory=list)
    dispatched_at: str = ""
    deadline: str = ""  # resolution deadline
    sign_deadline: str = ""  # the lead department must sign for it by then
    feedback_deadline: str = ""  # ... and give its first feedback by then
    feedback_at: str = ""  # when it did (a note, an extension request, its result)
    resolved_at: str = ""  # server time of the current resolution
    resolution: str = ""
    resolve_mode: str = ""
    kb_article_id: str = ""
    satisfaction: str = ""
    callback_attempts: int = 0
    extension_pending_hours: int = 0
    merged_into: str = ""
    field_versions: dict[str, int] = field(default_factory=dict)
    field_writers: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives, without its recursive deepcopy (the
        # values are str/int/None; only these three containers need copying):
        # asdict took ~130 us per case, most of the server's cost of a push.
        out = {name: getattr(self, name) for name in _CASE_FIELDS}
        out["co_departments"] = list(self.co_departments)
        out["field_versions"] = dict(self.field_versions)
        out["field_writers"] = dict(self.field_writers)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CaseState":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


_CASE_FIELDS = tuple(f.name for f in fields(CaseState))


@dataclass(frozen=True)
class Event:
    """One event as the state machine sees it (wire details stripped)."""

    type: EventType
    case_no: str
    base_version: int
    payload: dict[str, Any]
    actor: Actor
    server_time: str = ""


def conflicting_fields(state: CaseState, event: Event) -> list[str]:
    """Fields of an edit that someone else changed after the edit's base version.

    A seat's own queued edits do not conflict with each other: a field last
    written by the same writer (seat) is never a conflict.
    """
    if event.type == EventType.EDITED:
        touched = list(event.payload.get("fields", {}))
    elif event.type == EventType.CATEGORIZED:
        touched = ["category_code"]
    else:
        return []
    return [
        f
        for f in touched
        if state.field_versions.get(f, 0) > event.base_version
        and state.field_writers.get(f) != event.actor.writer
    ]


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise Rejected(reason)


def _require_hotline(actor: Actor, what: str) -> None:
    _require(actor.role in HOTLINE_ROLES, f"only hotline staff may {what}")


def _require_lead(state: CaseState, actor: Actor, what: str) -> None:
    _require(actor.role == Role.DEPARTMENT, f"only the lead department may {what}")
    _require(
        actor.department == state.lead_department,
        f"case {state.case_no} is not dispatched to department {actor.department}",
    )


def may_see(state: CaseState, actor: Actor) -> bool:
    """A department sees only cases dispatched to it; hotline staff see all."""
    if actor.role in HOTLINE_ROLES:
        return True
    return bool(actor.department) and (
        actor.department == state.lead_department
        or actor.department in state.co_departments
    )


def apply_event(state: CaseState | None, event: Event) -> CaseState:
    """Return the new state after *event*, or raise :class:`Rejected`.

    Does not check edit conflicts (see :func:`conflicting_fields`); the caller
    decides what a conflict means. *state* is not modified.
    """
    actor, p, t = event.actor, event.payload, event.type
    if t == EventType.CREATED:
        _require(state is None, f"case {event.case_no} already exists")
        _require_hotline(actor, "create cases")
        new = CaseState(case_no=event.case_no)
        for name in EDITABLE_FIELDS + ("category_code", "handle_seconds", "linked_to"):
            if name in p and p[name] is not None:
                setattr(new, name, p[name])
        new.created_by = actor.operator_id
        new.created_at = event.server_time
        new.client_created_at = p.get("client_created_at", "")
        return _bump(new, event, touched=[])
    _require(state is not None, f"case {event.case_no} does not exist")
    assert state is not None
    new = CaseState.from_dict(state.to_dict())
    s = state.status
    if t == EventType.PHONE_REVEALED:
        # Only recorded (history, audit): allowed in any status, merged and
        # closed too, and leaves updated_at alone, so a look at a case does not
        # reset its callback wait or move it in the lists.
        _require(may_see(state, actor), "not your case")
        _require(bool(state.phone), f"case {state.case_no} has no phone number")
        new.version += 1
        return new
    if t != EventType.NOTE:
        _require(s != CaseStatus.MERGED, f"case {state.case_no} was merged into {state.merged_into}")
    if t == EventType.NOTE:
        _require(may_see(state, actor), "not your case")
        _note_feedback(state, new, actor, event)
        return _bump(new, event, touched=[])
    if t == EventType.EDITED:
        _require_hotline(actor, "edit cases")
        _require(s != CaseStatus.CLOSED, "a closed case cannot be edited; reopen it first")
        for name, value in p["fields"].items():
            setattr(new, name, value)
        return _bump(new, event, touched=list(p["fields"]))
    if t == EventType.CATEGORIZED:
        _require_hotline(actor, "categorize cases")
        _require(s != CaseStatus.CLOSED, "a closed case cannot be recategorized")
        new.category_code = p["category_code"]
        return _bump(new, event, touched=["category_code"])
    if t == EventType.DISPATCHED:
        _require_hotline(actor, "dispatch cases")
        _require(
            s in (CaseStatus.OPEN, CaseStatus.RETURNED, CaseStatus.ESCALATED),
            f"a case that is {s} cannot be dispatched",
        )
        _require(bool(new.category_code), "a case needs a category before dispatch")
        new.lead_department = p["department"]
        new.co_departments = list(p.get("co_departments", []))
        new.deadline = p.get("deadline", "")
        new.sign_deadline = p.get("sign_deadline", "")
        new.feedback_deadline = p.get("feedback_deadline", "")
        new.feedback_at = ""
        new.dispatched_at = event.server_time
        new.extension_pending_hours = 0
        new.status = CaseStatus.DISPATCHED
        return _bump(new, event, touched=[])
    if t == EventType.SIGNED:
        _require_lead(state, actor, "sign for a case")
        _require(s == CaseStatus.DISPATCHED, f"a case that is {s} cannot be signed for")
        new.status = CaseStatus.SIGNED
        return _bump(new, event, touched=[])
    if t == EventType.RETURNED:
        _require_lead(state, actor, "return a case")
        _require(
            s in (CaseStatus.DISPATCHED, CaseStatus.SIGNED),
            f"a case that is {s} cannot be returned",
        )
        new.status = CaseStatus.RETURNED
        new.lead_department, new.co_departments = "", []
        new.extension_pending_hours = 0
        return _bump(new, event, touched=[])
    if t == EventType.EXTENDED:
        _require(
            s in (CaseStatus.DISPATCHED, CaseStatus.SIGNED),
            f"a case that is {s} cannot be extended",
        )
        action = p["action"]
        if action == ExtensionAction.REQUEST:
            _require_lead(state, actor, "ask for an extension")
            _require(not state.extension_pending_hours, "an extension is already pending")
            new.extension_pending_hours = p["hours"]
            _note_feedback(state, new, actor, event)
        else:
            _require(
                actor.role in (Role.SUPERVISOR, Role.ADMIN),
                "only a supervisor may decide on an extension",
            )
            _require(bool(state.extension_pending_hours), "no extension is pending")
            if action == ExtensionAction.APPROVE and p.get("new_deadline"):
                new.deadline = p["new_deadline"]
            new.extension_pending_hours = 0
        return _bump(new, event, touched=[])
    if t == EventType.RESOLVED:
        if p["mode"] == ResolveMode.DIRECT:
            _require_hotline(actor, "answer a case directly")
            _require(
                s in (CaseStatus.OPEN, CaseStatus.RETURNED),
                f"a case that is {s} cannot be answered directly",
            )
            new.kb_article_id = p.get("kb_article_id") or ""
        else:
            _require_lead(state, actor, "report a result")
            _require(
                s == CaseStatus.SIGNED,
                "a case must be signed for (accepted) before it can be resolved",
            )
            _note_feedback(state, new, actor, event)
        new.resolution = p["result"]
        new.resolve_mode = p["mode"]
        new.resolved_at = event.server_time
        new.status = CaseStatus.RESOLVED
        return _bump(new, event, touched=[])
    if t == EventType.CALLBACK:
        _require_hotline(actor, "record a callback")
        _require(s == CaseStatus.RESOLVED, f"a case that is {s} is not awaiting a callback")
        new.callback_attempts += 1
        outcome = p["satisfaction"]
        if outcome != Satisfaction.NO_ANSWER:
            new.satisfaction = outcome
        if outcome in (Satisfaction.SATISFIED, Satisfaction.BASIC):
            new.status = CaseStatus.CLOSED
        return _bump(new, event, touched=[])
    if t == EventType.REOPENED:
        _require_hotline(actor, "reopen cases")
        _require(
            s in (CaseStatus.RESOLVED, CaseStatus.CLOSED),
            f"a case that is {s} cannot be reopened",
        )
        if p["mode"] == ReopenMode.REWORK:
            _require(bool(state.lead_department), "rework needs a lead department; dispatch instead")
            new.status = CaseStatus.DISPATCHED
            new.dispatched_at = event.server_time
            new.deadline = p.get("deadline") or new.deadline
            new.sign_deadline = p.get("sign_deadline", "")
            new.feedback_deadline = p.get("feedback_deadline", "")
            new.feedback_at = ""
        else:
            new.status = CaseStatus.ESCALATED
        new.satisfaction, new.resolution, new.resolve_mode, new.resolved_at = "", "", "", ""
        return _bump(new, event, touched=[])
    if t == EventType.MERGED:
        _require_hotline(actor, "merge cases")
        _require(p["into"] != state.case_no, "a case cannot be merged into itself")
        _require(s != CaseStatus.CLOSED, "a closed case cannot be merged")
        new.merged_into = p["into"]
        new.status = CaseStatus.MERGED
        return _bump(new, event, touched=[])
    raise Rejected(f"unknown event type {t!r}")  # pragma: no cover - enum is closed


def _note_feedback(state: CaseState, new: CaseState, actor: Actor, event: Event) -> None:
    """The lead department's first word on a case it holds meets its feedback deadline."""
    if (
        not state.feedback_at
        and state.status in (CaseStatus.DISPATCHED, CaseStatus.SIGNED)
        and actor.role == Role.DEPARTMENT
        and actor.department == state.lead_department
    ):
        new.feedback_at = event.server_time


def _bump(new: CaseState, event: Event, touched: list[str]) -> CaseState:
    new.version += 1
    for name in touched:
        new.field_versions[name] = new.version
        new.field_writers[name] = event.actor.writer
    if event.server_time:
        new.updated_at = event.server_time
    return new
