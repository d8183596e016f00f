"""The seat: what the screens call. Local cache first, sync in the background.

Screens never touch HTTP or SQL: they ask the :class:`Seat` to search, to save
a draft, or to record a change. A change is checked by the same state machine
as on the server, written with its outbox row in one local transaction, and
the sync engine is woken to send it. Nothing here waits for the network,
except :meth:`Seat.login`, which is called from a worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import clock
from .client import ServerClient
from .credentials import TokenStore
from .domain import Actor, CaseState, Event, EventType, Role, apply_event
from .protocol import EventIn, OperatorInfo
from .routing import deadline, propose_department
from .sync import SyncEngine, SyncStatus
from .urgency import suggest_urgency


@dataclass(frozen=True)
class SeatPaths:
    """Files of one seat for one server."""

    cache: Path
    token_file: Path

    @classmethod
    def for_server(cls, data_dir: Path, server_url: str) -> "SeatPaths":
        slug = "".join(ch if ch.isalnum() else "_" for ch in server_url.split("://", 1)[-1])[:80]
        folder = data_dir / f"seat-{slug}"
        return cls(cache=folder / "cache.db", token_file=data_dir / "tokens.json")


class Seat:
    """One operator's seat: cache, sync engine, session and case actions."""

    def __init__(self, server_url: str, paths: SeatPaths, *, window_days: int = 30, use_keyring: bool = True):
        from local_cache import LocalCache

        self.server_url = server_url
        self.paths = paths
        self.cache = LocalCache.open(paths.cache)
        self.tokens = TokenStore(server_url, paths.token_file, use_keyring=use_keyring)
        if not self.cache.get_state("seat_key", ""):
            self.cache.set_state("seat_key", uuid.uuid4().hex)
        stored = self.tokens.load() or {}
        self.operator: OperatorInfo | None = (
            OperatorInfo.model_validate(stored["operator"]) if stored.get("operator") else None
        )
        self.engine = SyncEngine(paths.cache, server_url, stored.get("token", ""), window_days=window_days)
        self._categories_index: Any = None

    # --- session -----------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        """True when a token is stored (it may have expired: sync will say)."""
        return self.operator is not None and not self.engine.status.login_required

    def login(self, operator_id: str, password: str) -> OperatorInfo:
        """Log in over the network (call from a worker thread).

        Raises client.LoginRequired / RequestRefused / ServerUnavailable.
        """
        client = ServerClient(self.server_url)
        try:
            answer = client.login(operator_id, password, self.cache.get_state("seat_key", ""))
        finally:
            client.close()
        if self.operator is not None and self.operator.operator_id != answer.operator.operator_id:
            if self.cache.outbox_depth():
                raise ValueError(
                    f"{self.operator.operator_id} still has unsent changes on this seat; "
                    "they must log in to send them first"
                )
        self.operator = answer.operator
        return self._after_login(answer)

    def _after_login(self, answer: Any) -> OperatorInfo:
        """Record the seat number and session (runs in the login worker)."""
        from local_cache import LocalCache

        cache = LocalCache.open(self.paths.cache)  # this runs in the worker's thread
        try:
            if answer.seat_no:
                cache.set_seat(answer.seat_no, answer.last_case_no)
            cache.set_state("operator_id", answer.operator.operator_id)
            cache.set_state("role", str(answer.operator.role))
        finally:
            cache.close()
        self.tokens.save(
            {"token": answer.token, "expires_at": answer.expires_at, "operator": answer.operator.model_dump(mode="json")}
        )
        self.engine.set_token(answer.token)
        return answer.operator

    def logout(self) -> None:
        """Forget the token (the cache and its outbox stay)."""
        self.tokens.forget()
        self.engine.set_token("")
        self.operator = None

    def start(self) -> None:
        self.engine.start()

    def close(self) -> None:
        self.engine.stop()
        self.cache.close()

    @property
    def actor(self) -> Actor:
        assert self.operator is not None, "not logged in"
        seat_no = self.cache.get_state("seat_no", None)
        return Actor(self.operator.operator_id, Role(self.operator.role), self.operator.department,
                     int(seat_no) if seat_no else None)

    def status(self) -> SyncStatus:
        return self.engine.status

    # --- reference data ------------------------------------------------------

    @property
    def category_index(self) -> Any:
        """The category filter index, built on first use and after updates."""
        from local_cache.category_index import CategoryIndex

        version = self.cache.reference_version("categories")
        if self._categories_index is None or self._categories_index[0] != version:
            self._categories_index = (version, CategoryIndex(self.cache.categories()))
        return self._categories_index[1]

    def search_categories(self, query: str, limit: int = 50) -> list[Any]:
        return self.category_index.search(query, limit, usage=self.cache.category_usage())

    def category(self, code: str) -> dict[str, Any] | None:
        return {c["code"]: c for c in self.cache.categories()}.get(code)

    def departments(self) -> list[dict[str, Any]]:
        return [d for d in self.cache.departments() if d.get("active", True)]

    def propose_department(self, category_code: str, district: str) -> str:
        categories = {c["code"]: c for c in self.cache.categories()}
        return propose_department(category_code, district, self.cache.routing_rules(), categories)

    def deadline_for(self, category_code: str, urgency: str) -> str:
        return clock.iso(deadline(clock.now(), self.category(category_code), urgency))

    def suggest_urgency(self, description: str, category_code: str) -> str:
        leaf = self.category_index.get(category_code) if category_code else None
        return suggest_urgency(description, leaf.path_zh + " " + leaf.path_en if leaf else "")

    def search_kb(self, query: str, limit: int = 20, language: str | None = None) -> list[Any]:
        return self.cache.search_kb(query, limit=limit, language=language)

    # --- lookups ---------------------------------------------------------------

    def caller_history(self, phone: str) -> list[dict[str, Any]]:
        """The caller's earlier cases: open ones first, then newest first."""
        try:
            found = self.cache.caller_history(phone, days=365)
        except ValueError:
            return []
        found.sort(key=lambda c: c.get("created_at") or "", reverse=True)
        found.sort(key=lambda c: c.get("status") in ("closed", "merged"))
        return found

    # --- drafts -----------------------------------------------------------------

    def new_draft(self) -> tuple[str, str]:
        """Start a case: a draft id and the case number, fixed from now on."""
        draft_id = uuid.uuid4().hex
        case_no = self.cache.next_case_no(date.today())
        self.cache.save_draft(draft_id, {"case_no": case_no}, started_at=clock.now_iso(), case_no=case_no)
        return draft_id, case_no

    def save_draft(self, draft_id: str, fields: dict[str, Any], case_no: str) -> None:
        self.cache.save_draft(draft_id, {**fields, "case_no": case_no}, case_no=case_no)

    # --- changes ----------------------------------------------------------------

    def record(self, case_no: str, kind: EventType, payload: dict[str, Any], *, draft_id: str | None = None) -> CaseState:
        """Check and record one change locally; the engine sends it later.

        Raises domain.Rejected or ValueError (invalid payload) without writing.
        """
        current = self.cache.case(case_no)
        state = CaseState.from_dict(current) if current else None
        server = self.cache.server_case(case_no)
        event = EventIn.model_validate({
            "event_id": uuid.uuid4().hex,
            "case_no": case_no,
            "type": kind,
            "base_version": int(server["version"]) if server else 0,
            "client_time": clock.now_iso(),
            "payload": payload,
        })
        new = apply_event(state, Event(kind, case_no, event.base_version, event.payload, self.actor, clock.now_iso()))
        self.cache.record_local_event(event.model_dump(mode="json"), new.to_dict(), draft_id=draft_id)
        if kind in (EventType.CREATED, EventType.CATEGORIZED) and new.category_code:
            self.cache.note_category_use(new.category_code)
        self.engine.wake()
        return new

