"""A long poll woken by a change its page query does not show yet asks the
database again; it never spins on a shared, older answer.

Seen in a fresh-clone CI run: a server stuck at 100 % CPU in
``ChangeFeed.changes``, its long poll's time long past (timeout -409 s). The
head query's time was taken before it waited for a feed thread, so a page
query started a moment later (but run before the commit) counted as fresh
enough to share; each wake-up then reused that empty page, and the loop never
looked at its deadline again.
"""

from __future__ import annotations

import asyncio

from central_server.feed import ChangeFeed
from operator_tui.domain import Actor, Role

OPERATOR = Actor("op1", Role.OPERATOR, None, 1)


class Head:
    """A case store whose head has moved past 200 (only ``head`` is used)."""

    def head(self) -> int:
        return 201


def feed_with_pages(pages: list[tuple[bytes, int, int, str]]) -> tuple[ChangeFeed, list[int]]:
    """A feed whose page queries answer *pages* in turn (the last one for ever)."""
    feed = ChangeFeed(Head(), step=0.05, min_wake=0.0)  # type: ignore[arg-type]
    calls: list[int] = []

    async def query(actor: Actor, after: int, limit: int) -> tuple[bytes, int, int, str]:
        calls.append(after)
        return pages[min(len(calls), len(pages)) - 1]

    feed._query = query  # type: ignore[method-assign]
    return feed, calls


STALE = (b"empty", 200, 0, "c200")


def test_a_page_that_has_not_seen_the_change_is_asked_again() -> None:
    feed, calls = feed_with_pages([STALE, STALE, STALE, (b"found", 201, 1, "c201")])
    body = asyncio.run(asyncio.wait_for(feed.changes(OPERATOR, 200, "c200", 500, wait=5), 10))
    assert body == b"found" and len(calls) == 4


def test_a_long_poll_that_never_sees_the_change_ends_at_its_wait() -> None:
    feed, calls = feed_with_pages([STALE])
    body = asyncio.run(asyncio.wait_for(feed.changes(OPERATOR, 200, "c200", 500, wait=0.5), 10))
    assert b'"events":[]' in body and b"c200" in body  # empty, the cursor where it was
    assert len(calls) <= 0.5 / 0.05 + 3  # one query a step, no spinning
