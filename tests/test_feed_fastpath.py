"""The long polls' short way (central_server/feed_fastpath.py): a well-formed
poll is answered like the route would; anything else is left to the route,
so every refusal keeps its status and message."""

from __future__ import annotations

import pytest

from central_server.feed_fastpath import bearer_token, poll_params
from operator_tui.protocol import ChangesResponse, encode_cursor

pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import client, created, error_of, feed_head, login  # noqa: E402

pytest_plugins = ["tests.server_helpers"]


def test_plain_parameters_are_taken_and_anything_else_left_to_the_route() -> None:
    assert poll_params(b"") == ("", 500, 0.0)
    assert poll_params(b"cursor=abc&limit=10&wait=20") == ("abc", 10, 20.0)
    assert poll_params(b"wait=0.5&other=x") == ("", 500, 0.5)
    for bad in (b"limit=0", b"limit=100000000", b"limit=-1", b"limit=5e2", b"wait=31", b"wait=-1",
                b"wait=nan", b"wait=inf", b"limit=1&limit=2", b"cursor=" + b"x" * 65, b"wait=%FF"):
        assert poll_params(bad) is None, bad


def test_only_one_plain_bearer_header_is_taken() -> None:
    def scope(*values: bytes) -> dict:
        return {"headers": [(b"authorization", v) for v in values]}

    assert bearer_token(scope(b"Bearer abc")) == "abc"
    assert bearer_token(scope(b"bearer  abc ")) == "abc"
    for bad in (scope(), scope(b"Basic abc"), scope(b"Bearer "), scope(b"Bearer a", b"Bearer b")):
        assert bearer_token(bad) is None


def test_a_poll_is_answered_and_refusals_are_the_routes(shared_server) -> None:
    op = login(shared_server.url, "op1")
    start = feed_head(op.http)
    [applied] = op.apply(created(op.next_case_no()))
    page = ChangesResponse.model_validate(op.http.get("/v1/changes", params={"cursor": start}).json())
    assert [e.event_id for e in page.events] == [applied["event_id"]] and not page.has_more
    again = op.http.get("/v1/changes", params={"cursor": page.cursor, "wait": 0.2})
    assert again.status_code == 200 and again.headers["content-type"] == "application/json"
    assert again.json()["events"] == [] and again.json()["cursor"] == page.cursor

    with client(shared_server.url) as anonymous:
        assert "bearer" in error_of(anonymous.get("/v1/changes"), 401)
    with client(shared_server.url, "not-a-token") as stranger:
        error_of(stranger.get("/v1/changes", params={"cursor": start}), 401)
    error_of(op.http.get("/v1/changes", params={"limit": 0}), 422)
    error_of(op.http.get("/v1/changes", params={"wait": 99}), 422)
    ahead = encode_cursor(10**9)
    assert "snapshot" in error_of(op.http.get("/v1/changes", params={"cursor": ahead}), 400)
    op.close()
