"""Long polls of the change feed, shared within one server process.

Every seat holds a long poll (``GET /v1/changes?wait=20``). Asking the
database for each of them every step (700 seats × 4 a second) cost more
than the centre's real work and queued pushes behind polls in the thread
pool. Here one task per process reads the feed's head (one tiny query a
step) while anyone waits, and wakes the waiters whose cursor it passed — at
most once a second, so that under load a second's changes reach every seat
in one answer, and a chunk of waiters at a time, so that pushes are not
queued behind 700 answers; waiters woken together and holding the same
cursor share one database query and one serialized answer.

Nothing is kept that another process would not see: the head is read from
the database, and every answer is a page the database gave. A plain read
(no wait) shares only a query that started after it came, so a push followed
by a pull still sees the push; a long poll may join a query that started
after the watcher's last look, which is as fresh as the wake-up it waits for.
A change never goes missing: cursors only move to what a query returned.

The database work of polls (the token lookup, the cursor check, the shared
page queries, the head) runs on a few threads of its own (``POLL_THREADS``),
so that after a wake-up 700 re-polls do not queue the pushes behind them in
the server's common thread pool. A cursor that this process itself handed
out (from a page query) within the last ``VERIFY_SECONDS`` needs no check
against the database's history again: that answer was a database read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

from operator_tui.domain import HOTLINE_ROLES, Actor
from operator_tui.protocol import ChangesResponse

from .cases import CaseStore

log = logging.getLogger(__name__)

T = TypeVar("T")
POLL_THREADS = 8  # threads for the database work of long polls (the pushes keep the common pool)
VERIFY_SECONDS = 5.0  # a cursor this process answered is taken as checked for this long

# (department scope or None for hotline staff, after, limit)
_Key = tuple[str | None, int, int]


class ChangeFeed:
    """Answers ``/v1/changes`` for one process, long polls included."""

    def __init__(self, cases: CaseStore, step: float = 0.25, min_wake: float = 1.0,
                 wake_chunk: int = 50, wake_gap: float = 0.025):
        self.cases = cases
        self.step = step  # how often the head is read while anyone waits
        self.min_wake = min_wake  # waiters are woken at most this often
        # ... and *wake_chunk* at a time, *wake_gap* seconds apart, so that a push
        # is not queued behind the answers and new polls of every seat at once.
        self.wake_chunk, self.wake_gap = wake_chunk, wake_gap
        self._woken = 0  # waiters woken so far by the latest wake-up
        self._head: int | None = None  # newest change number the watcher saw
        self._seen_at = 0.0  # loop time the head query that saw it returned
        self._changed: asyncio.Event | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._waiters = 0
        # key -> (loop time its query started, the query: (body, seq, number of events))
        self._flights: dict[_Key, tuple[float, asyncio.Future[tuple[bytes, int, int, str]]]] = {}
        self.queries = 0  # page queries made (the rest were shared)
        self._limiter: anyio.CapacityLimiter | None = None
        self._answered: dict[str, float] = {}  # cursor -> loop time a page query returned it

    async def in_thread(self, work: Callable[..., T], *args: Any) -> T:
        """Run *work* on one of the feed's own threads (not the common pool)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(POLL_THREADS)
        return await anyio.to_thread.run_sync(work, *args, limiter=self._limiter)

    def recently_answered(self, cursor: str) -> bool:
        """True if a page query of this process returned *cursor* lately (so
        it is in the database's history: no need to check it again)."""
        at = self._answered.get(cursor)
        return at is not None and asyncio.get_running_loop().time() - at < VERIFY_SECONDS

    def _note_answered(self, cursor: str) -> None:
        now = asyncio.get_running_loop().time()
        if len(self._answered) > 256:
            self._answered = {c: t for c, t in self._answered.items() if now - t < VERIFY_SECONDS}
        self._answered[cursor] = now

    async def changes(self, actor: Actor, after: int, cursor: str, limit: int, wait: float) -> bytes:
        """The JSON of a ChangesResponse: changes after *after* (the number
        behind *cursor*), waiting up to *wait* seconds for one to come."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + wait
        scope = None if actor.role in HOTLINE_ROLES else (actor.department or "")
        watched = wait > 0 and self._watching and self._head is not None
        if not (watched and self._head <= after):  # else nothing new as of the last step: wait
            # A plain read sees everything committed before it came; a long
            # poll is as fresh as the watcher, like the waiters it joins.
            not_before = self._seen_at if watched else loop.time()
            body, seq, count, moved = await self._page(actor, scope, after, limit, not_before)
            if count or wait <= 0:
                return body
            if seq > after:  # the cursor moves past changes this actor may not see
                after, cursor = seq, moved
        again = False
        while True:
            left = give_up - loop.time()
            woken_at = await self._wait_beyond(after, left) if left > 0 else None
            if woken_at is None:  # nothing new in time: the cursor stays where it is
                return _empty(cursor)
            if again:  # woken, yet the page had nothing: ask the database afresh, a step later
                await asyncio.sleep(min(self.step, max(0.0, give_up - loop.time())))
                woken_at = loop.time()
            body, seq, count, moved = await self._page(actor, scope, after, limit, woken_at)
            if count:
                return body
            if seq > after:
                after, cursor = seq, moved
            again = seq <= after

    # --- the shared query --------------------------------------------------------

    async def _page(self, actor: Actor, scope: str | None, after: int, limit: int,
                    not_before: float) -> tuple[bytes, int, int, str]:
        """One page, from a query that started at or after *not_before*
        (one already running for the same page is shared)."""
        key = (scope, after, limit)
        flight = self._flights.get(key)
        if flight is None or flight[0] < not_before:
            loop = asyncio.get_running_loop()
            if len(self._flights) > 64:
                self._prune(loop.time())
            task = asyncio.ensure_future(self._query(actor, after, limit))
            task.add_done_callback(_retrieve)
            flight = self._flights[key] = (loop.time(), task)
        return await asyncio.shield(flight[1])

    async def _query(self, actor: Actor, after: int, limit: int) -> tuple[bytes, int, int, str]:
        self.queries += 1
        events, states, seq, cursor, more = await self.in_thread(self.cases.changes, actor, after, limit)
        body = ChangesResponse(events=events, cases=states, cursor=cursor, has_more=more)
        self._note_answered(cursor)
        return body.model_dump_json().encode(), seq, len(events), cursor

    def _prune(self, now: float) -> None:
        for key, (started, future) in list(self._flights.items()):
            if future.done() and now - started > self.step * 4:
                del self._flights[key]

    # --- waiting for the head to move ---------------------------------------------

    @property
    def _watching(self) -> bool:
        return self._watcher is not None and not self._watcher.done()

    async def _wait_beyond(self, after: int, timeout: float) -> float | None:
        """Wait until the head passes *after*: the loop time of the head
        query that saw it, or None after *timeout* seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiters += 1
        try:
            if not self._watching:
                self._head, self._changed = None, asyncio.Event()
                self._watcher = asyncio.create_task(self._watch(), name="change-feed-watcher")
            while True:
                changed = self._changed
                assert changed is not None
                if self._head is not None and self._head > after:
                    return self._seen_at
                left = deadline - loop.time()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(changed.wait(), left)
                except TimeoutError:
                    return None
                rank, self._woken = self._woken, self._woken + 1
                if rank >= self.wake_chunk:  # later chunks of this wake-up: a little later
                    await asyncio.sleep(min(rank // self.wake_chunk * self.wake_gap,
                                            max(0.0, deadline - loop.time())))
        finally:
            self._waiters -= 1

    async def _watch(self) -> None:
        """Read the head every step while anyone waits; wake them when it has
        moved, at most once per ``min_wake`` seconds: under load the changes
        of that second go out together, so the cost of waking every seat no
        longer grows with the rate of changes."""
        loop = asyncio.get_running_loop()
        first = True
        last_wake = -self.min_wake
        while self._waiters > 0:
            if not first:
                await asyncio.sleep(max(self.step, last_wake + self.min_wake - loop.time()))
            first = False
            started = loop.time()
            try:
                head = await self.in_thread(self.cases.head)
            except Exception:  # the database is away: waiters time out as before
                log.warning("change feed: cannot read the head", exc_info=True)
                continue
            if head != self._head:
                if self._head is not None:  # (the first look only learns where the head is)
                    last_wake = started
                # seen as of now, when the head query has run: a page query that
                # started before (it may have waited for a thread less long)
                # may not have seen this change, and must not be shared for it
                self._head, self._seen_at = head, loop.time()
                changed, self._changed = self._changed, asyncio.Event()
                self._woken = 0
                if changed is not None:
                    changed.set()


def _empty(cursor: str) -> bytes:
    return ChangesResponse(events=[], cases=[], cursor=cursor, has_more=False).model_dump_json().encode()


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Mark a shared query's error as seen (every waiter got it already)."""
    if not task.cancelled():
        task.exception()
