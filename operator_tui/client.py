"""The seat's HTTP client for the central server (httpx, synchronous).

Every answer is validated against the wire models; anything else — a refused
connection, a timeout, a 5xx, a truncated or corrupt body — becomes
:class:`ServerUnavailable`, so the caller treats it as "offline, try later"
and never as data. A 401 is :class:`LoginRequired`; other 4xx are
:class:`RequestRefused` with the server's message.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from .protocol import (
    CaseResponse,
    ChangesResponse,
    EventIn,
    LoginRequest,
    LoginResponse,
    PushRequest,
    PushResponse,
    ReferenceResponse,
    SnapshotResponse,
)

Model = TypeVar("Model", bound=BaseModel)


class ServerUnavailable(Exception):
    """The server could not be reached or gave no usable answer."""


class LoginRequired(Exception):
    """The token is missing, expired or revoked."""


class RequestRefused(Exception):
    """The server understood the request and refused it (4xx)."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ServerClient:
    """Talks to one central server; thread-confined (one per thread)."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 10.0, transport: Any = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(
            base_url=self.base_url, timeout=httpx.Timeout(timeout, connect=3.0), transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def _request(
        self,
        method: str,
        path: str,
        model: type[Model],
        *,
        timeout: float | None = None,
        extra_headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> Model:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra_headers or {})
        try:
            response = self._http.request(
                method, path, headers=headers, timeout=timeout or httpx.USE_CLIENT_DEFAULT, **kw
            )
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 401:
            raise LoginRequired(_message(response))
        if 400 <= response.status_code < 500:
            raise RequestRefused(response.status_code, _message(response))
        if response.status_code != 200:
            raise ServerUnavailable(f"server answered {response.status_code}")
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise ServerUnavailable(f"unusable answer from the server: {str(exc)[:200]}") from None

    def login(self, operator_id: str, password: str, seat_key: str) -> LoginResponse:
        body = LoginRequest(operator_id=operator_id, password=password, seat_key=seat_key)
        answer = self._request("POST", "/v1/auth/login", LoginResponse, json=body.model_dump())
        self.token = answer.token
        return answer

    def push(self, events: list[dict[str, Any]]) -> PushResponse:
        body = PushRequest(events=[EventIn.model_validate(e) for e in events])
        answer = self._request(
            "POST", "/v1/events", PushResponse,
            content=body.model_dump_json(), extra_headers={"Content-Type": "application/json"},
        )
        sent = {e.event_id for e in body.events}
        if {r.event_id for r in answer.results} != sent:
            raise ServerUnavailable("the server's push answer does not match the events sent")
        return answer

    def changes(self, cursor: str, limit: int = 500, wait: float = 0) -> ChangesResponse:
        params = {"cursor": cursor, "limit": limit, "wait": wait}
        return self._request("GET", "/v1/changes", ChangesResponse, params=params, timeout=wait + 15)

    def snapshot(self, days: int, after: str = "", limit: int = 2000) -> SnapshotResponse:
        params = {"days": days, "after": after, "limit": limit}
        return self._request("GET", "/v1/snapshot", SnapshotResponse, params=params, timeout=60)

    def reference(self, kind: str, since_version: int) -> ReferenceResponse:
        params = {"since_version": since_version}
        return self._request("GET", f"/v1/reference/{kind}", ReferenceResponse, params=params, timeout=60)

    def case(self, case_no: str) -> CaseResponse:
        return self._request("GET", f"/v1/cases/{case_no}", CaseResponse)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("error") or body.get("detail") or response.reason_phrase)
    except (ValueError, AttributeError, json.JSONDecodeError):
        return response.reason_phrase or f"HTTP {response.status_code}"
