"""The versioned JSON wire format between seats and the central server.

Everything that crosses the wire is a pydantic model here, validated at the
boundary: unknown fields are refused, text is cleaned of control characters,
sizes are bounded. The server (FastAPI) and the seat (httpx) both use these
models; this module imports neither.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import functools
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from . import case_numbers
from .domain import (
    EDITABLE_FIELDS,
    DISTRICTS,
    AppealType,
    CaseState,
    Channel,
    EventType,
    ExtensionAction,
    ReopenMode,
    ResolveMode,
    ReturnReason,
    Role,
    Satisfaction,
    Urgency,
)
from .text import clean_field

PROTOCOL_VERSION = 1
MAX_PUSH_EVENTS = 500
MAX_PULL_LIMIT = 1000
DESCRIPTION_MAX = 10_000
TEXT_MAX = 2_000
SHORT_MAX = 200
EXTENSION_HOURS_MAX = 24 * 90  # the most one extension request may ask for


@functools.lru_cache(maxsize=8192)
def normalize_phone(value: str, region: str = "CN") -> str:
    """Return *value* as E.164, or raise ValueError with a message for people.

    Cached: parsing costs ~45 us and an event is validated several times on
    its way (outbox, push body, server), always with the same number.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {exc}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number for its region")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_or_empty(value: str) -> str:
    return normalize_phone(value) if value else ""


def _case_no(value: str) -> str:
    if not case_numbers.is_valid_case_no(value):
        raise ValueError("not a valid case number (YYMMDD-SSS-NNNN-C with a matching check digit)")
    return value


def _district(value: str) -> str:
    if value and value not in DISTRICTS:
        raise ValueError(f"unknown district {value!r}")
    return value


def _moment_or_empty(value: str) -> str:
    """'' or an ISO 8601 time with its zone (a deadline), kept as sent."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 time (e.g. 2026-11-30T18:00:00+08:00)") from None
    if moment.tzinfo is None:
        raise ValueError("a time needs its zone (e.g. +08:00)")
    if not 2000 <= moment.year <= 2100:
        raise ValueError("a time between the years 2000 and 2100")
    return value


def _text(max_length: int) -> Any:
    return Annotated[
        str, StringConstraints(max_length=max_length), AfterValidator(clean_field)
    ]


ShortText = _text(SHORT_MAX)
LongText = _text(TEXT_MAX)
Description = _text(DESCRIPTION_MAX)
Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(_phone_or_empty)]
CaseNo = Annotated[str, StringConstraints(max_length=24), AfterValidator(_case_no)]
District = Annotated[str, StringConstraints(max_length=40), AfterValidator(_district)]
Deadline = Annotated[str, StringConstraints(max_length=40), AfterValidator(_moment_or_empty)]
DEADLINE_HORIZON = timedelta(days=400)  # the farthest a deadline may lie from its event's time
Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
ClientId = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Language = Annotated[str, StringConstraints(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)?$")]


class Strict(BaseModel):
    """Base for wire models: unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


# --- event payloads, one model per event type -------------------------------


class CaseFields(Strict):
    phone: Phone = ""
    name: ShortText = ""
    channel: Channel = Channel.PHONE
    language: Language = "zh"
    interpreter: bool = False
    appeal_type: AppealType = AppealType.ENQUIRY
    district: District = ""
    address: LongText = ""
    description: Description = ""
    urgency: Urgency = Urgency.NORMAL


class CreatedPayload(CaseFields):
    category_code: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")] = ""
    handle_seconds: Annotated[int, Field(ge=0, le=86_400)] | None = None
    linked_to: Annotated[str, StringConstraints(max_length=24)] = ""
    client_created_at: Annotated[str, StringConstraints(max_length=40)] = ""


class EditedPayload(Strict):
    fields: dict[str, Any] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(EDITABLE_FIELDS))
        if unknown:
            raise ValueError(f"fields that cannot be edited: {', '.join(unknown)}")
        checked = CaseFields.model_validate(value)
        return {k: getattr(checked, k) for k in value}


class CategorizedPayload(Strict):
    category_code: Code


class DispatchedPayload(Strict):
    department: Code
    co_departments: list[Code] = Field(default_factory=list, max_length=10)
    deadline: Deadline = ""
    note: LongText = ""
    # The server fills the deadlines a seat leaves empty (operator_tui.workdays).
    sign_deadline: Deadline = ""
    feedback_deadline: Deadline = ""


class SignedPayload(Strict):
    note: LongText = ""


class ReturnedPayload(Strict):
    reason: ReturnReason
    text: LongText = ""

    @model_validator(mode="after")
    def _other_needs_text(self) -> "ReturnedPayload":
        if self.reason == ReturnReason.OTHER and not self.text:
            raise ValueError("reason 'other' needs a text")
        return self


class ExtendedPayload(Strict):
    action: ExtensionAction
    hours: Annotated[int, Field(ge=1, le=EXTENSION_HOURS_MAX)] = 24
    reason: LongText = ""
    new_deadline: Deadline = ""


class ResolvedPayload(Strict):
    mode: ResolveMode
    result: Annotated[str, StringConstraints(min_length=1, max_length=DESCRIPTION_MAX), AfterValidator(clean_field)]
    kb_article_id: Annotated[str, StringConstraints(max_length=64)] = ""


class CallbackPayload(Strict):
    satisfaction: Satisfaction
    resolved: bool = False
    note: LongText = ""


class ReopenedPayload(Strict):
    mode: ReopenMode
    reason: LongText = ""
    deadline: Deadline = ""  # rework: the new deadline
    sign_deadline: Deadline = ""  # rework: filled by the server
    feedback_deadline: Deadline = ""


class MergedPayload(Strict):
    into: CaseNo


class NotePayload(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX), AfterValidator(clean_field)]


class PhoneRevealedPayload(Strict):
    """Someone was shown the case's full phone number (nothing else is sent:
    the server records the masked number in its audit log itself)."""


PAYLOADS: dict[EventType, type[Strict]] = {
    EventType.CREATED: CreatedPayload,
    EventType.EDITED: EditedPayload,
    EventType.CATEGORIZED: CategorizedPayload,
    EventType.DISPATCHED: DispatchedPayload,
    EventType.SIGNED: SignedPayload,
    EventType.RETURNED: ReturnedPayload,
    EventType.EXTENDED: ExtendedPayload,
    EventType.RESOLVED: ResolvedPayload,
    EventType.CALLBACK: CallbackPayload,
    EventType.REOPENED: ReopenedPayload,
    EventType.MERGED: MergedPayload,
    EventType.NOTE: NotePayload,
    EventType.PHONE_REVEALED: PhoneRevealedPayload,
}


# --- events ------------------------------------------------------------------


class EventIn(Strict):
    """One change made on a seat, with the id the seat gave it."""

    event_id: ClientId
    case_no: CaseNo
    type: EventType
    base_version: Annotated[int, Field(ge=0)] = 0
    client_time: AwareDatetime
    payload: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _validate_payload(self) -> "EventIn":
        model = PAYLOADS[self.type]
        try:
            checked = model.model_validate(self.payload)
        except ValidationError as exc:
            raise ValueError(f"invalid payload for '{self.type}': {_brief(exc)}") from None
        self.payload = checked.model_dump(mode="json")
        for name, value in self.payload.items():
            if name.endswith("deadline") and value:
                moment = datetime.fromisoformat(value)
                if abs(moment - self.client_time) > DEADLINE_HORIZON:  # past is possible: granted late
                    raise ValueError(f"invalid payload for '{self.type}': {name} {value} is more than "
                                     f"{DEADLINE_HORIZON.days} days from the event's time")
        return self


class EventOut(Strict):
    """An applied event as the server recorded it."""

    seq: int
    event_id: str
    case_no: str
    type: EventType
    version: int
    actor_id: str
    actor_role: Role
    client_time: str
    server_time: str
    payload: dict[str, Any]


class PushRequest(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    events: list[EventIn] = Field(min_length=1, max_length=MAX_PUSH_EVENTS)


PushStatus = Literal["applied", "duplicate", "rejected", "conflict"]


class PushResult(Strict):
    event_id: str
    status: PushStatus
    reason: str = ""
    seq: int | None = None
    version: int | None = None
    conflict_fields: list[str] = Field(default_factory=list)
    server_case: dict[str, Any] | None = None


class PushResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    results: list[PushResult]


class ChangesResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    events: list[EventOut]
    cases: list[dict[str, Any]]  # current state of every case named in `events`
    cursor: str
    has_more: bool


class CaseResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    case: dict[str, Any]
    events: list[EventOut]


class CallerLookup(Strict):
    """POST /v1/cases/by-phone: a caller's earlier cases. The number travels in
    the body, not the URL, where access logs, proxies and history keep it."""

    phone: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    days: Annotated[int, Field(ge=1, le=3660)] = 365
    limit: Annotated[int, Field(ge=1, le=500)] = 50


# --- cursors -----------------------------------------------------------------


def encode_cursor(seq: int, mark: str = "") -> str:
    """The opaque cursor for 'everything after change number *seq*'.

    *mark* (see :func:`event_mark`) names the change at *seq*, so a server
    whose history differs — a database restored from an older backup that has
    since handed out the same numbers again — can tell the cursor is not its.
    """
    raw = f"c2:{seq}:{mark}" if mark else f"c1:{seq}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def event_mark(event_id: str) -> str:
    """A short fingerprint of the event a cursor points at."""
    return hashlib.sha256(event_id.encode()).hexdigest()[:12]


def _split_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, rest = raw.split(":", 1)
        seq_text, _, mark = rest.partition(":")
        value = int(seq_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("malformed cursor") from None
    if (version, bool(mark)) not in (("c1", False), ("c2", True)) or value < 0:
        raise ValueError("malformed cursor")
    if mark and not all(ch in "0123456789abcdef" for ch in mark):
        raise ValueError("malformed cursor")
    return value, mark


def decode_cursor(cursor: str | None) -> int:
    """The change number behind a cursor; '' or None is the beginning."""
    return _split_cursor(cursor)[0] if cursor else 0


def cursor_mark(cursor: str | None) -> str:
    """The event mark a cursor carries ('' for the beginning or an old cursor)."""
    return _split_cursor(cursor)[1] if cursor else ""


# --- auth and users ----------------------------------------------------------


class LoginRequest(Strict):
    operator_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    seat_key: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")] = ""


class OperatorInfo(Strict):
    operator_id: str
    name: str
    role: Role
    department: str | None = None
    active: bool = True


class LoginResponse(Strict):
    token: str
    expires_at: str
    operator: OperatorInfo
    seat_no: int | None = None
    last_case_no: str = ""  # newest case number this seat made, per the server


class UserCreate(Strict):
    operator_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
    name: ShortText
    role: Role
    password: Annotated[str, StringConstraints(min_length=8, max_length=256)]
    department: Code | None = None

    @model_validator(mode="after")
    def _department_role(self) -> "UserCreate":
        if (self.role == Role.DEPARTMENT) != bool(self.department):
            raise ValueError("a department user needs a department, and only they have one")
        return self


# --- reference data ----------------------------------------------------------


class Category(Strict):
    code: Code
    parent_code: str = ""
    level: Annotated[int, Field(ge=1, le=5)]
    name_zh: ShortText
    name_en: ShortText
    keywords: list[str] = Field(default_factory=list)
    default_department: str = ""
    deadline_hours: dict[Urgency, int] = Field(default_factory=dict)
    active: bool = True


class Department(Strict):
    code: Code
    name_zh: ShortText
    name_en: ShortText
    kind: Literal["bureau", "district", "utility", "other"] = "bureau"
    district: District = ""
    active: bool = True


class RoutingRule(Strict):
    id: Code
    category_prefix: Annotated[str, StringConstraints(max_length=64)]
    district: District = ""
    department: Code
    priority: int = 0


class HolidayDay(Strict):
    """One date of the centre's calendar: a public holiday, or a make-up
    working day on a weekend (调休). Other dates: Monday-Friday work."""

    date: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    kind: Literal["holiday", "workday"]
    name: ShortText = ""

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        from datetime import date

        date.fromisoformat(value)
        return value


class KbArticle(Strict):
    id: Code
    group_id: str = ""  # the same answer in other languages shares a group
    title: ShortText
    body: Description
    language: Language
    tags: list[str] = Field(default_factory=list)
    category_codes: list[str] = Field(default_factory=list)
    updated_at: str


REFERENCE_KINDS: dict[str, type[Strict]] = {
    "categories": Category,
    "departments": Department,
    "routing": RoutingRule,
    "kb": KbArticle,
    "holidays": HolidayDay,  # keyed by date
}


class ReferenceItem(Strict):
    key: str
    version: int
    deleted: bool = False
    data: dict[str, Any]


class ReferenceResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    kind: str
    version: int  # the kind's current version; pass it back as since_version
    items: list[ReferenceItem]
    has_more: bool = False


class ErrorBody(Strict):
    error: str
    detail: Any = None


def case_summary(state: CaseState) -> dict[str, Any]:
    """The case state as sent on the wire."""
    return state.to_dict()


def _brief(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def describe_validation_error(exc: ValidationError) -> str:
    """A one-line, human-readable summary of a pydantic validation error."""
    return _brief(exc)


class HealthResponse(Strict):
    status: Literal["ok"]
    protocol: int
    version: str
    database: str


class SnapshotResponse(Strict):
    protocol: Literal[1] = PROTOCOL_VERSION
    cases: list[dict[str, Any]]
    has_more: bool
    next_after: str  # pass as `after` for the next page
    cursor: str  # the change feed position to follow from after the snapshot


class ReferenceUpload(Strict):
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=20_000)
    delete: list[str] = Field(default_factory=list, max_length=20_000)


class UserList(Strict):
    users: list[OperatorInfo]
