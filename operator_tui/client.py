"""The seat's HTTP client for the central server (httpx, synchronous).

Every answer is validated against the wire models; anything else — a refused
connection, a timeout, a 5xx, a truncated or corrupt body — becomes
:class:`ServerUnavailable`, so the caller treats it as "offline, try later"
and never as data. So do the 4xx that mean "not now" (408, 425, 429) and a
4xx answer that is not the server's JSON error (a proxy's page, a wrong URL):
they say nothing about the request itself. A 401 is :class:`LoginRequired`;
the server's other 4xx are :class:`RequestRefused` with its message.

:meth:`ServerClient.abort` may be called from another thread: it shuts down
the client's sockets, so a request in flight (a long poll) ends at once.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import weakref
from typing import Any, Literal, TypeVar

import httpcore
import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

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
    describe_validation_error,
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


class BoardAnswer(BaseModel):
    """GET /v1/board: the parts the seat shows (the server's full model is
    central_server.board_api.BoardResponse; fields it adds are kept)."""

    model_config = ConfigDict(extra="allow")
    protocol: Literal[1] = 1
    at: str
    day: str = ""
    volume: dict[str, Any]
    top_categories: list[dict[str, Any]]
    hot_spots: list[dict[str, Any]]
    deadlines: dict[str, Any]
    rates: dict[str, Any]


class BoardCasesAnswer(BaseModel):
    """GET /v1/board/cases: one page of the cases behind a board number."""

    model_config = ConfigDict(extra="allow")
    protocol: Literal[1] = 1
    metric: str
    key: str
    at: str
    total: int
    cases: list[dict[str, Any]]
    has_more: bool
    next_after: str


# 4xx answers that mean "try again later", not "this request is wrong".
TRANSIENT_4XX = frozenset({408, 425, 429})


class _AbortableBackend(httpcore.NetworkBackend):
    """httpcore's blocking backend, remembering its sockets so that another
    thread can shut them down (which wakes a blocked read at once)."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.aborted = False

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> Any:
        if self.aborted:
            raise httpcore.ConnectError("the client was stopped")
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        self._track(stream)
        return stream

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> Any:  # pragma: no cover - not used
        if self.aborted:
            raise httpcore.ConnectError("the client was stopped")
        stream = self._inner.connect_unix_socket(path, timeout, socket_options)
        self._track(stream)
        return stream

    def sleep(self, seconds: float) -> None:  # pragma: no cover - retries are off
        self._inner.sleep(seconds)

    def _track(self, stream: Any) -> None:
        sock = stream.get_extra_info("socket")
        if sock is None:  # pragma: no cover
            return
        with self._lock:
            self._sockets.add(sock)
        if self.aborted:
            _shutdown(sock)

    def abort(self) -> None:
        self.aborted = True
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> Any:
    """httpx's default TLS context, made once: loading the CA bundle costs
    ~30 ms, and the engine makes a client per thread and per sync_once."""
    return httpx.create_ssl_context()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class ServerClient:
    """Talks to one central server; thread-confined (one per thread), except
    :meth:`abort`, which any thread may call."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 10.0, transport: Any = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._backend: _AbortableBackend | None = None
        if transport is None:
            transport = httpx.HTTPTransport(verify=_ssl_context(), retries=0)
            pool = getattr(transport, "_pool", None)
            if isinstance(pool, httpcore.ConnectionPool) and hasattr(pool, "_network_backend"):
                # httpx offers no public hook for the network backend; without
                # it abort() is a no-op and stop() waits for the request instead.
                self._backend = _AbortableBackend()
                pool._network_backend = self._backend
        self._http = httpx.Client(
            base_url=self.base_url, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    @property
    def abortable(self) -> bool:
        return self._backend is not None

    def abort(self) -> None:
        """End every request in flight and refuse new ones (thread-safe)."""
        if self._backend is not None:
            self._backend.abort()

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
            detail = str(exc) or type(exc).__name__
            raise ServerUnavailable(f"cannot reach {self.base_url}: {type(exc).__name__}: {detail}") from None
        except OSError as exc:  # pragma: no cover - httpx maps these, but be sure
            raise ServerUnavailable(f"cannot reach {self.base_url}: {exc}") from None
        status = response.status_code
        if status == 401:
            raise LoginRequired(_message(response))
        if 400 <= status < 500:
            message = _server_error(response)
            if status in TRANSIENT_4XX or message is None:
                raise ServerUnavailable(f"{self.base_url} answered {status} {response.reason_phrase}")
            raise RequestRefused(status, message)
        if status != 200:
            raise ServerUnavailable(f"server answered {status} {response.reason_phrase}".rstrip())
        try:
            return model.model_validate(response.json())
        except ValidationError as exc:
            raise ServerUnavailable(
                f"unusable answer from the server ({path}): {describe_validation_error(exc)[:200]}"
            ) from None
        except ValueError:  # not JSON, not UTF-8
            raise ServerUnavailable(f"unusable answer from the server ({path}): not JSON") from None

    def login(self, operator_id: str, password: str, seat_key: str) -> LoginResponse:
        body = LoginRequest(operator_id=operator_id, password=password, seat_key=seat_key)
        answer = self._request("POST", "/v1/auth/login", LoginResponse, json=body.model_dump())
        self.token = answer.token
        return answer

    def logout(self) -> None:
        """Revoke this client's token on the server (POST /v1/auth/logout answers 204)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = self._http.post("/v1/auth/logout", headers=headers)
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}") from None
        if response.status_code == 401:
            raise LoginRequired(_message(response))
        if response.status_code != 204:
            raise ServerUnavailable(f"{self.base_url} answered {response.status_code} {response.reason_phrase}")

    def push(self, events: list[Any]) -> PushResponse:
        """Send *events* (EventIn models, or dicts that are validated here)."""
        body = PushRequest(events=[e if isinstance(e, EventIn) else EventIn.model_validate(e) for e in events])
        answer = self._request(
            "POST", "/v1/events", PushResponse,
            content=body.model_dump_json(), extra_headers={"Content-Type": "application/json"},
        )
        sent = {e.event_id for e in body.events}
        if {r.event_id for r in answer.results} != sent:
            raise ServerUnavailable("the server's push answer does not match the events sent")
        return answer

    def push_wire(self, events: list[tuple[str, str]]) -> PushResponse:
        """Send (event_id, wire JSON text) pairs as stored in the outbox, without
        parsing and re-serialising them (they were validated when recorded; the
        server validates them again). A 422 says some event is not valid."""
        body = '{"protocol":1,"events":[' + ",".join(text for _, text in events) + "]}"
        answer = self._request(
            "POST", "/v1/events", PushResponse,
            content=body.encode(), extra_headers={"Content-Type": "application/json"},
        )
        if {r.event_id for r in answer.results} != {event_id for event_id, _ in events}:
            raise ServerUnavailable("the server's push answer does not match the events sent")
        return answer

    def changes(self, cursor: str, limit: int = 500, wait: float = 0) -> ChangesResponse:
        params = {"cursor": cursor, "limit": limit, "wait": wait}
        return self._request("GET", "/v1/changes", ChangesResponse, params=params, timeout=wait + self.timeout)

    def snapshot(self, days: int, after: str = "", limit: int = 2000) -> SnapshotResponse:
        params = {"days": days, "after": after, "limit": limit}
        return self._request("GET", "/v1/snapshot", SnapshotResponse, params=params,
                             timeout=self.timeout * 3)

    def reference(
        self, kind: str, since_version: int, limit: int | None = None, after_key: str = ""
    ) -> ReferenceResponse:
        """A page of *kind*'s items after *since_version* (and, within it, after *after_key*)."""
        params: dict[str, Any] = {"since_version": since_version}
        if limit is not None:
            params["limit"] = limit
        if after_key:
            params["after_key"] = after_key
        return self._request("GET", f"/v1/reference/{kind}", ReferenceResponse, params=params,
                             timeout=self.timeout * 3)

    def case(self, case_no: str) -> CaseResponse:
        return self._request("GET", f"/v1/cases/{case_no}", CaseResponse)

    def board(self, at: str = "", days: int = 1) -> dict[str, Any]:
        """The supervisor's board as of *at* (default now); supervisors and admins only."""
        params: dict[str, Any] = {"days": days, **({"at": at} if at else {})}
        return self._request("GET", "/v1/board", BoardAnswer, params=params).model_dump()

    def board_cases(self, metric: str, key: str = "", *, at: str = "", days: int = 1, after: str = "",
                    limit: int = 100) -> dict[str, Any]:
        """A page of the cases behind one board number (its ``drill``), by case number."""
        params: dict[str, Any] = {"metric": metric, "key": key, "days": days, "after": after, "limit": limit,
                                  **({"at": at} if at else {})}
        return self._request("GET", "/v1/board/cases", BoardCasesAnswer, params=params).model_dump()


def _server_error(response: httpx.Response) -> str | None:
    """The message of the central server's JSON error body; None if the body
    is not one (an HTML page from a proxy, another service on a wrong URL)."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    message = body.get("error") or body.get("detail")
    if isinstance(message, str) and message:
        return message
    return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("error") or body.get("detail") or response.reason_phrase)
    except (ValueError, AttributeError, json.JSONDecodeError):
        return response.reason_phrase or f"HTTP {response.status_code}"
