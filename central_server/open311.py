"""Open311 GeoReport v2 under ``/open311/v2`` (http://wiki.open311.org/GeoReport_v2).

Web portals, apps, WeChat and other channels post service requests with an
API key; each becomes a case in the operators' queue (channel of the key,
status open, category = the service code, for operators to confirm), with a
case number the server makes in the seats' format. Anyone may list services
and follow the requests posted here, without personal data.

Every resource answers XML or JSON by its suffix (``services.xml``,
``requests/{id}.json``); errors are the specification's ``errors`` document
with HTTP 400 (bad or missing parameters), 403 (api_key) or 404 (unknown
jurisdiction, service, request or token). Names are Chinese, or English with
``locale=en`` or ``Accept-Language: en``. Optional parameters sent empty are
treated as absent. Settings (environment): ``OPERATOR_TUI_OPEN311_JURISDICTION``
(default ``beijing.12345``), ``OPERATOR_TUI_OPEN311_CONTACT``. A case number's
date is the centre's (``OPERATOR_TUI_CENTRE_TZ``, as on the seats).
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from operator_tui import clock
from operator_tui.domain import DISPATCH_HOURS, Actor, Role, Urgency

from .cases import CaseStore
from .db import Database
from .open311_schema import (POST_BODY, Discovery, Format, RequestCreated, Service,
                             ServiceDefinition, ServiceRequest, TokenAnswer, responses)
from .open311_intake import request_fields
from .open311_services import definition, is_service, services
from .open311_store import (CLOSED_STATUSES, OPEN_STATUSES, ApiKey, ApiKeys, Open311Requests,
                            ReferenceCache, name_of, status_notes, status_of)
from .open311_xml import Open311Error, parse_body, render, render_error, split_params

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00Z"  # when this endpoint's behaviour last changed
SEAT_KEY = "@open311"  # '@' keeps any seat login (seat keys are [A-Za-z0-9_-]) off this seat
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
_LANG = re.compile(r"^[a-z]{2,3}$")
Jurisdiction = Annotated[str | None, Query(description="optional; this endpoint serves one jurisdiction (see discovery)")]
Locale = Annotated[str | None, Query(description="zh (default) or en; else Accept-Language")]


@dataclass(frozen=True)
class Open311Config:
    jurisdiction_id: str
    contact: str

    @classmethod
    def from_env(cls) -> "Open311Config":
        return cls(
            jurisdiction_id=os.environ.get("OPERATOR_TUI_OPEN311_JURISDICTION", "beijing.12345"),
            contact=os.environ.get("OPERATOR_TUI_OPEN311_CONTACT", "12345 citizen service hotline"),
        )


def languages(locale: str | None, accept_language: str | None) -> list[str]:
    """The caller's languages (primary subtags), best first: ``locale`` if
    given, else Accept-Language by its q values; ["zh"] when neither says."""
    if locale:
        primary = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
        return [primary] if _LANG.match(primary) else ["zh"]
    ranked = []
    for n, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-", 1)[0]
        if q > 0 and _LANG.match(primary):
            ranked.append((-q, n, primary))
    return [primary for _, _, primary in sorted(ranked)] or ["zh"]


def names_lang(langs: list[str]) -> str:
    """zh or en, whichever the caller prefers (zh when it names neither)."""
    return next((lang for lang in langs if lang in ("zh", "en")), "zh")


def w3(stamp: str) -> str | None:
    """A stored time as W3C date-time in UTC, whole seconds."""
    if not stamp:
        return None
    return clock.parse(stamp).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open311_router(db: Database) -> APIRouter:
    """The Open311 GeoReport v2 routes over *db*."""
    cfg = Open311Config.from_env()
    keys, requests, cases = ApiKeys(db), Open311Requests(db), CaseStore(db)
    categories, departments = ReferenceCache(db, "categories"), ReferenceCache(db, "departments")
    router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])

    def check_jurisdiction(value: str | None) -> None:
        if value and value.strip() and value.strip() != cfg.jurisdiction_id:
            raise Open311Error(404, f"jurisdiction_id {_shown(value)} was not found; this endpoint serves {cfg.jurisdiction_id!r}")

    def answer(fmt: str, request: Request, locale: str | None, jurisdiction: str | None,
               build: Callable[[str], tuple[str, str | None, Any]]) -> Response:
        lang = names_lang(languages(locale, request.headers.get("accept-language")))
        try:
            check_jurisdiction(jurisdiction)
            root, item, body = build(lang)
        except Open311Error as exc:
            return render_error(fmt, exc)
        except ValueError as exc:  # e.g. db.InvalidText: a value no backend can store
            return render_error(fmt, Open311Error(400, f"invalid request: {exc}"))
        return render(fmt, root, item, body, headers={"Content-Language": lang, "Vary": "Accept-Language"})

    @router.get("/discovery.{fmt}", responses=responses(Discovery, "where and how to use this API", ()),
                summary="Service discovery")
    def discovery(fmt: Format, request: Request) -> Response:
        url = str(request.base_url).rstrip("/") + "/open311/v2"
        body = {
            "changeset": CHANGESET,
            "contact": cfg.contact,
            "key_service": "API keys are issued by the hotline centre's administrator (operator-tui apikeys issue)",
            "endpoints": [{
                "specification": SPECIFICATION, "url": url, "changeset": CHANGESET,
                "type": "production", "formats": ["text/xml", "application/json"],
            }],
        }
        return answer(fmt, request, None, None, lambda _: ("discovery", None, body))

    @router.get("/services.{fmt}", responses=responses(list[Service], "the services (leaf categories)"),
                summary="GET Service List")
    def service_list(fmt: Format, request: Request, jurisdiction_id: Jurisdiction = None,
                     locale: Locale = None) -> Response:
        return answer(fmt, request, locale, jurisdiction_id,
                      lambda lang: ("services", "service", services(categories.active(), lang)))

    @router.get("/services/{service_code}.{fmt}",
                responses=responses(ServiceDefinition, "the attributes of a service"),
                summary="GET Service Definition")
    def service_definition(service_code: str, fmt: Format, request: Request,
                           jurisdiction_id: Jurisdiction = None, locale: Locale = None) -> Response:
        def build(lang: str) -> tuple[str, str | None, Any]:
            active = categories.active()
            if not is_service(service_code, active):
                raise Open311Error(404, f"service_code {_shown(service_code)} was not found")
            return "service_definition", None, definition(active[service_code], lang)
        return answer(fmt, request, locale, jurisdiction_id, build)

    @router.post("/requests.{fmt}", openapi_extra=POST_BODY, summary="POST Service Request",
                 responses=responses(list[RequestCreated], "the case made", (400, 403, 404)))
    async def post_request(fmt: Format, request: Request) -> Response:
        body = await request.body()

        def work() -> Response:
            try:
                pairs = list(request.query_params.multi_items())
                pairs += parse_body(request.headers.get("content-type", ""), body)
            except Open311Error as exc:
                return render_error(fmt, exc)
            plain, attributes = split_params(pairs)
            return answer(fmt, request, plain.get("locale"), None, lambda _: create(plain, attributes, request))
        return await run_in_threadpool(work)

    def create(p: dict[str, str], attributes: dict[str, list[str]], request: Request) -> tuple[str, str, Any]:
        key = _api_key(keys, p.get("api_key", ""))  # 403 before anything else
        check_jurisdiction(p.get("jurisdiction_id"))
        langs = languages(p.get("locale"), request.headers.get("accept-language"))
        code = p.get("service_code", "")
        if not code:
            raise Open311Error(400, "service_code was not provided")
        active = categories.active()
        if not is_service(code, active):
            raise Open311Error(404, f"service_code {_shown(code)} was not found")
        extras, payload = request_fields(p, attributes, active[code], langs[0], key.channel)
        idem = request.headers.get("idempotency-key", "").strip()
        event_id = "o311-" + (hashlib.sha256(f"{key.id}:{idem}".encode()).hexdigest()[:40] if idem else uuid.uuid4().hex)
        case_no, result = cases.create_from_channel(
            Actor(f"open311:{key.name}", Role.OPERATOR), SEAT_KEY, clock.centre_today(),
            event_id, payload, lambda tx, no: requests.record(tx, no, key, extras),
        )
        if result.status not in ("applied", "duplicate"):
            raise Open311Error(400, f"the request cannot be taken: {result.reason}")
        hours = DISPATCH_HOURS[Urgency(payload["urgency"])]
        if names_lang(langs) == "en":
            notice = (f"Your request has been received as case {case_no}. The hotline will review it and forward it"
                      f" to the responsible department within {hours} hours; quote the case number to follow it.")
        else:
            notice = f"您的诉求已受理，工单号 {case_no}。12345热线将在{hours}小时内审核并转交承办单位办理，可凭工单号查询进度。"
        return "service_requests", "request", [
            {"service_request_id": case_no, "service_notice": notice, "account_id": extras.account_id or None}
        ]

    @router.get("/requests.{fmt}", responses=responses(list[ServiceRequest], "requests posted through Open311"),
                summary="GET Service Requests")
    def list_requests(
        fmt: Format, request: Request,
        service_request_id: Annotated[str | None, Query(description="comma list; overrides the others")] = None,
        service_code: Annotated[str | None, Query(description="comma list")] = None,
        start_date: Annotated[str | None, Query(description="W3C date-time, e.g. 2024-05-01T00:00:00Z")] = None,
        end_date: Annotated[str | None, Query(description="W3C date-time; at most 90 days after start_date")] = None,
        status: Annotated[str | None, Query(description="open, closed, or both comma separated")] = None,
        jurisdiction_id: Jurisdiction = None, locale: Locale = None,
    ) -> Response:
        def build(lang: str) -> tuple[str, str | None, Any]:
            ids = _csv(service_request_id)
            if ids:
                if len(ids) > MAX_RESULTS:
                    raise Open311Error(400, f"at most {MAX_RESULTS} service_request_id values")
                found = requests.by_ids(ids)
            else:
                start, end = _date_range(start_date, end_date)
                found = requests.search(start, end, _csv(service_code), _statuses(status), MAX_RESULTS)
            return "service_requests", "request", [_request_out(r, s, lang) for r, s in found]
        return answer(fmt, request, locale, jurisdiction_id, build)

    @router.get("/requests/{service_request_id}.{fmt}", summary="GET Service Request",
                responses=responses(list[ServiceRequest], "one request posted through Open311"))
    def one_request(service_request_id: str, fmt: Format, request: Request,
                    jurisdiction_id: Jurisdiction = None, locale: Locale = None) -> Response:
        def build(lang: str) -> tuple[str, str | None, Any]:
            found = requests.by_ids([service_request_id])
            if not found:
                raise Open311Error(404, f"service_request_id {_shown(service_request_id)} was not found")
            return "service_requests", "request", [_request_out(r, s, lang) for r, s in found]
        return answer(fmt, request, locale, jurisdiction_id, build)

    @router.get("/tokens/{token}.{fmt}", summary="GET service_request_id from a token",
                responses=responses(list[TokenAnswer], "the request a token stands for"))
    def token_request(token: str, fmt: Format, request: Request,
                      jurisdiction_id: Jurisdiction = None) -> Response:
        def build(_: str) -> tuple[str, str | None, Any]:
            case_no = requests.by_token(token)
            if case_no is None:
                raise Open311Error(404, f"token {_shown(token)} was not found")
            return "service_requests", "request", [{"service_request_id": case_no, "token": token}]
        return answer(fmt, request, None, jurisdiction_id, build)

    @router.get("/{path:path}", include_in_schema=False)
    def unknown(path: str) -> Response:
        """Anything else under /open311/v2 (an id with a '/', a typo): the
        specification's 404 document, in the format the path asks for."""
        fmt = "json" if path.endswith(".json") else "xml"
        return render_error(fmt, Open311Error(404, f"there is no resource {_shown(path)} under /open311/v2"
                                                   " (discovery.json lists them)"))

    def _request_out(row: dict[str, Any], state: Any, lang: str) -> dict[str, Any]:
        return {
            "service_request_id": state.case_no,
            "status": status_of(state),
            "status_notes": status_notes(state, lang) or None,
            "service_name": name_of(categories.all().get(state.category_code), lang) or None,
            "service_code": state.category_code or row["service_code"],
            "description": row["description"] or None,
            "agency_responsible": name_of(departments.all().get(state.lead_department), lang) or None,
            "service_notice": None,
            "requested_datetime": w3(row["requested_at"]),
            "updated_datetime": w3(state.updated_at),
            "expected_datetime": w3(state.deadline),
            "address": row["address_string"] or None,
            "address_id": row["address_id"] or None,
            "zipcode": None,
            "lat": float(row["lat"]) if row["lat"] else None,
            "long": float(row["lng"]) if row["lng"] else None,
            "media_url": row["media_url"] or None,
        }

    return router


def _api_key(keys: ApiKeys, value: str) -> ApiKey:
    if not value:
        raise Open311Error(403, "api_key was not provided; ask the hotline centre for a key")
    key = keys.check(value)
    if key is None:
        raise Open311Error(403, "api_key is invalid or revoked -- can't proceed with create_request")
    return key


def _shown(value: str, limit: int = 80) -> str:
    """A client's value quoted in an error message (cut short)."""
    value = value.strip()
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _statuses(value: str | None) -> list[str]:
    wanted = _csv(value)
    bad = [v for v in wanted if v not in ("open", "closed")]
    if bad:
        raise Open311Error(400, f"status must be open and/or closed, not {bad[0]!r}")
    if len(set(wanted)) != 1:
        return []  # both, or none given: every status
    return [str(s) for s in (OPEN_STATUSES if wanted[0] == "open" else CLOSED_STATUSES)]


def _moment(value: str, name: str) -> datetime:
    try:
        moment = clock.parse(value)
        if not 2000 <= moment.year <= 9000:
            raise ValueError
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{name} is not a W3C date-time (e.g. 2024-05-01T00:00:00Z)") from None


def _date_range(start_date: str | None, end_date: str | None) -> tuple[str, str]:
    """[start, end] as stored times; the span defaults to (and may not exceed) 90 days."""
    span = timedelta(days=DEFAULT_DAYS)
    start = _moment(start_date, "start_date") if start_date and start_date.strip() else None
    end = _moment(end_date, "end_date") if end_date and end_date.strip() else None
    if start is None and end is None:
        end = clock.now()
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > span:
        raise Open311Error(400, f"start_date and end_date may not span more than {DEFAULT_DAYS} days")
    return clock.iso(start), clock.iso(end)
