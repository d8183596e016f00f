"""A short way through the server for the change feed's long polls.

Each of 700 seats holds a ``GET /v1/changes`` long poll, and every change
that wakes them costs 700 answers and 700 new polls. Through FastAPI each
of those walks the whole request machinery (middleware, routing, dependency
solving, parameter validation, the answer back out through every layer):
most of the event loop's time at a centre's peak, with the pushes waiting
behind it. This ASGI middleware answers a well-formed poll itself — the
same token check, the same cursor check, the same page (feed.py) — and
hands anything else (a missing or bad parameter, a refused token, a cursor
from another history, any other path) to the FastAPI route unchanged, so
every error is answered exactly as before and the route stays in the API
description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from operator_tui.protocol import MAX_PULL_LIMIT, cursor_mark, decode_cursor, encode_cursor

from .accounts import AuthError
from .feed import ChangeFeed

PATH = "/v1/changes"
MAX_CURSOR = 64  # the route's max_length
MAX_WAIT = 30.0  # the route's LONG_POLL_MAX_SECONDS
_INT = re.compile(r"[0-9]{1,6}")
_NUMBER = re.compile(r"[0-9]{1,3}(\.[0-9]{1,6})?")


def register_fast_changes(app: Any, feed: ChangeFeed, session: Callable[[str], Any],
                          check_cursor: Callable[[int, str], None]) -> None:
    """Put the short way in front of *app*'s ``/v1/changes`` route.

    *session* maps a bearer token to the session (AuthError if refused),
    *check_cursor* raises ValueError for a cursor outside this history.
    """
    app.add_middleware(FastChanges, feed=feed, session=session, check_cursor=check_cursor)


def poll_params(query_string: bytes) -> tuple[str, int, float] | None:
    """(cursor, limit, wait) of a plain, valid query string; None for anything
    the route should judge (repeated, malformed or out-of-range values)."""
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    values: dict[str, str] = {}
    for key, value in pairs:
        if key in values:
            return None
        values[key] = value
    cursor = values.get("cursor", "")
    limit_text, wait_text = values.get("limit", "500"), values.get("wait", "0")
    if len(cursor) > MAX_CURSOR or not _INT.fullmatch(limit_text) or not _NUMBER.fullmatch(wait_text):
        return None
    limit, wait = int(limit_text), float(wait_text)
    if not 1 <= limit <= MAX_PULL_LIMIT or wait > MAX_WAIT:
        return None
    return cursor, limit, wait


def bearer_token(scope: Scope) -> str | None:
    """The token of a single ``Authorization: Bearer ...`` header, else None."""
    found = [v for k, v in scope.get("headers") or [] if k == b"authorization"]
    if len(found) != 1:
        return None
    scheme, _, token = found[0].decode("latin-1").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class FastChanges:
    """ASGI middleware: well-formed long polls answered without FastAPI."""

    def __init__(self, app: ASGIApp, *, feed: ChangeFeed, session: Callable[[str], Any],
                 check_cursor: Callable[[int, str], None]) -> None:
        self.app = app
        self.feed = feed
        self.session = session
        self.check_cursor = check_cursor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        params = poll_params(scope.get("query_string", b""))
        token = bearer_token(scope)
        if params is None or token is None:
            await self.app(scope, receive, send)
            return
        cursor, limit, wait = params
        try:
            who = await self.feed.in_thread(self.session, token)
            after = decode_cursor(cursor)
            if not self.feed.recently_answered(cursor):
                await self.feed.in_thread(self.check_cursor, after, cursor_mark(cursor))
        except (AuthError, ValueError):  # the route says why, as always
            await self.app(scope, receive, send)
            return
        body = await self.feed.changes(who.actor, after, cursor or encode_cursor(0), limit, wait)
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"),
        ]})
        await send({"type": "http.response.body", "body": body})
