"""Stopping the central server ends the seats' long polls at once.

QA: after the server was stopped, the seats still showed "online" for over
ten seconds: uvicorn's graceful shutdown waited for every open long poll
(up to its full wait), which then answered normally. ``operator-tui serve``
now gives open requests two seconds, then closes them, so every seat's
poll fails and it shows offline within seconds.
"""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import feed_head, login, prepared  # noqa: E402


def test_a_stop_ends_the_open_long_polls(server_factory) -> None:
    srv = prepared(server_factory, "sqlite")
    reader = login(srv.url, "sup", seat=False)
    cursor = feed_head(reader.http)
    outcome: dict[str, object] = {}

    def poll() -> None:
        try:
            outcome["answer"] = reader.http.get("/v1/changes", params={"cursor": cursor, "wait": 30}).status_code
        except httpx.HTTPError as exc:
            outcome["answer"] = type(exc).__name__

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1.0)  # the poll is waiting on the server
    # SIGTERM, as a service manager stops it; ServerProcess kills it if it has
    # not ended within its stop_timeout (15 s), well inside the poll's 30 s
    returncode = srv.stop()
    poller.join(60)
    # it ends on the SIGTERM (uvicorn exits with it: -15), not on the SIGKILL after the stop timeout
    assert returncode != -signal.SIGKILL, "the server had to be killed: its open long polls held the stop"
    assert outcome["answer"] != 200, outcome  # the poll was closed, not answered after its wait
