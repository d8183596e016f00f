"""The sync engine's puller: the change feed in, and reference data by version.

A snapshot on first contact (every unfinished case, whatever its age, and the
others of the cache window), then the feed by cursor with
long polls, each page applied with its cursor in one local transaction.
Mixed into :class:`operator_tui.sync.SyncEngine`, whose state it uses.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .client import RequestRefused, ServerClient

log = logging.getLogger("operator_tui.sync")

REFERENCE_KINDS = ("departments", "categories", "routing", "kb", "holidays")
REFERENCE_REFRESH_SECONDS = 300.0


class PullMixin:
    """Following the change feed (see the module docstring)."""

    _token: str
    _reference_due: float
    window_days: int
    _contact: Any

    def _pull_round(self, cache: Any, client: ServerClient, run: Any, *, wait: float) -> int:
        """Pull pages until the feed has no more (the first may long-poll).

        Returns the number of events applied.
        """
        client.token = self._token
        if time.monotonic() >= self._reference_due:
            self._refresh_reference(cache, client)
            self._reference_due = time.monotonic() + REFERENCE_REFRESH_SECONDS
        cursor = cache.get_state("cursor", "")
        if not cursor:
            cursor = self._take_snapshot(cache, client)
        applied = 0
        while not run.stopped:
            try:
                page = client.changes(cursor, wait=wait)
            except RequestRefused as exc:
                if exc.status != 400 or "cursor" not in exc.message:
                    raise
                log.warning("sync: the server refused our cursor (%s); taking a new snapshot", exc)
                cursor = self._take_snapshot(cache, client)
                continue
            if run.stopped:
                break
            cache.apply_pulled(
                [e.model_dump(mode="json") for e in page.events], page.cases, page.cursor
            )
            applied += len(page.events)
            cursor = page.cursor
            self._contact(cache, "pull")
            if not page.has_more:
                break
            wait = 0
        return applied

    def _take_snapshot(self, cache: Any, client: ServerClient) -> str:
        """First contact: unfinished and recent case summaries, page by page,
        then the feed from the cursor of the first page."""
        after, cursor = "", ""
        while True:
            page = client.snapshot(self.window_days, after)
            cursor = cursor or page.cursor
            cache.apply_snapshot(page.cases)
            if not page.has_more:
                break
            after = page.next_after
        cache.set_state("cursor", cursor)
        return cursor

    def _refresh_reference(self, cache: Any, client: ServerClient) -> None:
        for kind in REFERENCE_KINDS:
            have = cache.reference_version(kind)
            try:
                items, version = self._reference_items(client, kind, have)
            except RequestRefused as exc:  # e.g. an older server without this kind
                log.warning("sync: reference data %r not available: %s", kind, exc)
                continue
            if items or (version is not None and version != have):
                cache.replace_reference(kind, [i.model_dump() for i in items], version)

    @staticmethod
    def _reference_items(client: ServerClient, kind: str, have: int) -> tuple[list[Any], int]:
        """Every item of *kind* changed after version *have*, and the version to store.

        The server pages by (version, key): one upload gives all its items the
        same version, however many (a whole KB), so each next page starts
        after the last item's version and key and nothing is skipped or
        fetched twice. The version stored is the one the last page reports.
        """
        items: list[Any] = []
        since, after_key = have, ""
        while True:
            answer = client.reference(kind, since, after_key=after_key)
            page = list(answer.items)
            items += page
            if not answer.has_more or not page:
                return items, answer.version
            since, after_key = page[-1].version, page[-1].key
