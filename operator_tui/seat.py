"""The seat: what the screens call. Local cache first, sync in the background.

Screens never touch HTTP or SQL: they ask the :class:`Seat` to search, to save
a draft, or to record a change. A change is checked by the same state machine
as on the server, written with its outbox row in one local transaction, and
the sync engine is woken to send it. Nothing here waits for the network,
except :meth:`Seat.login`, which is called from a worker.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import clock
from .credentials import TokenStore
from .domain import DISTRICTS, Actor, CaseState, Event, EventType, ResolveMode, Role, apply_event
from .privacy import Reveals
from .routing import deadline, propose_department
from .sync_status import SyncStatus
from .urgency import suggest_urgency

if TYPE_CHECKING:
    from .protocol import OperatorInfo
    from .sync import SyncEngine

# httpx and the wire models (pydantic) load with the sync engine and the first
# change, not before the first frame: see Seat.engine and launch.run_app.


@dataclass(frozen=True)
class SeatOperator:
    """Who is logged in at the seat: the stored session's operator (the same
    fields as protocol.OperatorInfo, without loading the wire models)."""

    operator_id: str
    name: str
    role: Role
    department: str | None = None
    active: bool = True

    @classmethod
    def from_dict(cls, data: Any) -> "SeatOperator | None":
        """From a stored or answered OperatorInfo dict; None if it is not one."""
        try:
            return cls(str(data["operator_id"]), str(data.get("name") or ""), Role(data["role"]),
                       data.get("department") or None, bool(data.get("active", True)))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


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
        self.operator: SeatOperator | None = (
            SeatOperator.from_dict(stored["operator"]) if stored.get("operator") else None
        )
        self._token = str(stored.get("token", ""))
        self._window_days = window_days
        self._engine: SyncEngine | None = None
        self._engine_lock = threading.Lock()
        self._closed = False
        self._categories_index: Any = None
        self._kb: tuple[int, list[dict[str, Any]]] | None = None
        self.reveals = Reveals()  # numbers shown in full for a while (privacy.py)

    # --- session -----------------------------------------------------------

    @property
    def engine(self) -> SyncEngine:
        """The sync engine, made on first use (it loads httpx and the wire models)."""
        with self._engine_lock:
            if self._engine is None:
                from .sync import SyncEngine

                self._engine = SyncEngine(self.paths.cache, self.server_url, self._token,
                                          window_days=self._window_days)
            return self._engine

    @engine.setter
    def engine(self, engine: SyncEngine) -> None:
        """Use *engine* instead (a tool or a test tuning its timing), before it starts."""
        with self._engine_lock:
            self._engine = engine

    @property
    def logged_in(self) -> bool:
        """True when a token is stored (it may have expired: sync will say)."""
        return self.operator is not None and not self.status().login_required

    def login(self, operator_id: str, password: str) -> OperatorInfo:
        """Log in over the network (call from a worker thread).

        Raises client.LoginRequired / RequestRefused / ServerUnavailable.
        """
        from .client import ServerClient

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
        self.reveals.clear()  # a new session starts with every number masked
        self.operator = SeatOperator.from_dict(answer.operator.model_dump(mode="json"))
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
        self._token = answer.token
        self.engine.set_token(answer.token)
        return answer.operator

    def logout_blockers(self) -> Any:
        """What keeps this seat from logging out (operator_tui.logout.Blockers)."""
        from .logout import blockers

        return blockers(self.cache)

    def logout(self) -> Any:
        """Revoke and forget the token and wipe the cache of personal data
        (operator_tui.logout); returns its LogoutResult. Call from a worker:
        it may wait a few seconds for the server.

        Raises local_cache.PendingChangesError, changing nothing, while
        changes or drafts would be lost.
        """
        from .logout import log_out

        was_running = self.engine.running
        self.engine.stop()  # no pull may bring cases back while wiping
        try:
            result = log_out(self.cache, self.tokens, self.server_url)
        except BaseException:
            if was_running:
                self.engine.start()
            raise
        self._token = ""
        self.engine.set_token("")
        self.operator = None
        self.reveals.clear()
        if was_running:
            self.engine.start()  # idle until the next login
        return result

    def start(self) -> None:
        """Start the sync engine (the app does it in a worker after its first
        frame); a no-op once the seat is closed."""
        engine = self.engine
        with self._engine_lock:
            if not self._closed:
                engine.start()

    def close(self) -> None:
        with self._engine_lock:
            self._closed = True  # a start() still on its way does nothing
            engine = self._engine
        if engine is not None:
            engine.stop()
        self.cache.close()

    @property
    def actor(self) -> Actor:
        assert self.operator is not None, "not logged in"
        seat_no = self.cache.get_state("seat_no", None)
        return Actor(self.operator.operator_id, Role(self.operator.role), self.operator.department,
                     int(seat_no) if seat_no else None)

    def status(self) -> SyncStatus:
        engine = self._engine
        if engine is None:  # not made yet: what a new engine would say
            return SyncStatus(login_required=not self._token)
        return engine.status

    # --- reference data ------------------------------------------------------

    @property
    def category_index(self) -> Any:
        """The category filter index, built on first use and after updates."""
        from local_cache.category_index import CategoryIndex

        version = self.cache.reference_version("categories")
        if self._categories_index is None or self._categories_index[0] != version:
            self._categories_index = (version, CategoryIndex(self.cache.categories()))
        return self._categories_index[1]

    def warm_up(self) -> None:
        """Build the in-memory indexes now (pypinyin and the category index
        take ~0.7 s the first time): call from a worker when a form opens."""
        self.category_index  # noqa: B018 - builds it
        self._kb_all()

    def search_categories(self, query: str, limit: int = 50) -> list[Any]:
        """Leaves matching *query* (category_index.Match), used ones first."""
        return self.category_index.search(query, limit, usage=self.category_usage())

    def category(self, code: str) -> dict[str, Any] | None:
        return {c["code"]: c for c in self.cache.categories()}.get(code)

    def category_leaf(self, code: str) -> Any:
        """The leaf (code, names, zh/en path) of a pickable category, or None."""
        return self.category_index.get(code) if code else None

    def category_usage(self) -> dict[str, tuple[int, str]]:
        """code -> (times used, last used ISO time) on this seat."""
        return self.cache.category_usage()

    def note_category_use(self, code: str) -> None:
        """Count one use of *code* (for 'recently/frequently used first')."""
        self.cache.note_category_use(code)

    def departments(self) -> list[dict[str, Any]]:
        return [d for d in self.cache.departments() if d.get("active", True)]

    def department(self, code: str) -> dict[str, Any] | None:
        return {d["code"]: d for d in self.cache.departments()}.get(code)

    def propose_department(self, category_code: str, district: str) -> str:
        categories = {c["code"]: c for c in self.cache.categories()}
        return propose_department(category_code, district, self.cache.routing_rules(), categories)

    def calendar(self) -> Any:
        """The centre's working-day calendar (holidays and make-up work days)."""
        from . import workdays

        items = self.cache.reference_items("holidays")
        return workdays.Calendar.from_items(items) if items else workdays.Calendar()

    def deadline_for(self, category_code: str, urgency: str) -> str:
        return clock.iso(deadline(clock.now(), self.category(category_code), urgency, self.calendar()))

    def suggest_urgency(self, description: str, category_code: str) -> str:
        leaf = self.category_leaf(category_code)
        return suggest_urgency(description, leaf.path_zh + " " + leaf.path_en if leaf else "")

    @staticmethod
    def districts() -> dict[str, tuple[str, str]]:
        """District code -> (Chinese name, English name)."""
        return DISTRICTS

    @staticmethod
    def normalize_phone(value: str) -> str:
        """E.164 for a typed number; ValueError with a message for people."""
        from .protocol import normalize_phone

        return normalize_phone(value)

    # --- knowledge base --------------------------------------------------------

    def search_kb(
        self, query: str, limit: int = 20, language: str | None = None, category_code: str = ""
    ) -> list[Any]:
        """KB hits (local_cache.KbHit), best first; articles filed under
        *category_code* (or its parents) before the others. Safe in a worker."""
        hits = self.cache.search_kb(query, limit=limit, language=language)
        if category_code:
            hits.sort(key=lambda h: _closeness(h.article, category_code))
        return hits

    def kb_article(self, article_id: str) -> dict[str, Any] | None:
        return self.cache.kb_article(article_id)

    def kb_translations(self, article: dict[str, Any]) -> list[dict[str, Any]]:
        """The same answer in other languages (same group_id), by language."""
        group = article.get("group_id")
        if not group:
            return []
        return sorted(
            (a for a in self._kb_groups().get(group, []) if a["id"] != article["id"]),
            key=lambda a: a.get("language", ""),
        )

    def kb_for_category(self, category_code: str, language: str | None = None) -> list[dict[str, Any]]:
        """Articles filed under *category_code* (exact leaf first)."""
        found = [a for a in self._kb_all() if _closeness(a, category_code) < 2]
        if language:
            found = [a for a in found if a.get("language", "").split("-")[0] == language]
        found.sort(key=lambda a: (_closeness(a, category_code), a["id"]))
        return found

    def _kb_all(self) -> list[dict[str, Any]]:
        version = self.cache.reference_version("kb")
        if self._kb is None or self._kb[0] != version:
            self._kb = (version, self.cache.reference_items("kb"))
        return self._kb[1]

    def _kb_groups(self) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for article in self._kb_all():
            if article.get("group_id"):
                groups.setdefault(article["group_id"], []).append(article)
        return groups

    # --- lookups ---------------------------------------------------------------

    def caller_history(self, phone: str) -> list[dict[str, Any]]:
        """The caller's earlier cases: open ones first, then newest first."""
        try:
            found = self.cache.caller_history(phone, days=365)
        except ValueError:
            return []
        found.sort(key=lambda c: c.get("created_at") or c.get("client_created_at") or "", reverse=True)
        found.sort(key=lambda c: c.get("status") not in _OPEN_STATUSES)
        return found

    def case(self, case_no: str) -> dict[str, Any] | None:
        """The case as this seat shows it (local changes included), or None."""
        return self.cache.case(case_no)

    # --- drafts -----------------------------------------------------------------

    def new_draft(self) -> tuple[str, str]:
        """Start a case: a draft id and the case number, fixed from now on."""
        draft_id = uuid.uuid4().hex
        now = clock.now()
        case_no = self.cache.next_case_no(clock.to_centre(now).date())  # the centre's date
        self.cache.save_draft(draft_id, {"case_no": case_no}, started_at=clock.iso(now), case_no=case_no)
        return draft_id, case_no

    def save_draft(self, draft_id: str, fields: dict[str, Any], case_no: str) -> None:
        """Store what is typed so far (one statement; call per change)."""
        self.cache.save_draft(draft_id, {**fields, "case_no": case_no}, case_no=case_no)

    def draft(self, draft_id: str) -> dict[str, Any] | None:
        """draft_id, fields, started_at, updated_at, case_no; None if gone."""
        return self.cache.draft(draft_id)

    def drafts(self) -> list[dict[str, Any]]:
        """Every unfinished case of this seat, most recently typed first."""
        return self.cache.drafts()

    def discard_draft(self, draft_id: str) -> bool:
        """Drop a draft (its case number is not reused)."""
        return self.cache.delete_draft(draft_id)

    @staticmethod
    def handle_seconds(started_at: str) -> int:
        """Whole seconds since *started_at* (ISO), clamped to the wire's range."""
        try:
            elapsed = (clock.now() - clock.parse(started_at)).total_seconds()
        except (TypeError, ValueError):
            return 0
        return int(min(max(elapsed, 0), 86_400))

    # --- changes ----------------------------------------------------------------

    def record(self, case_no: str, kind: EventType, payload: dict[str, Any], *, draft_id: str | None = None) -> CaseState:
        """Check and record one change locally; the engine sends it later.

        Raises domain.Rejected or ValueError (invalid payload) without writing.
        """
        from .protocol import EventIn

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
            self.note_category_use(new.category_code)
        self.engine.wake()
        return new

    def reveal_phone(self, case_no: str) -> bool:
        """Show *case_no*'s full number for a while, recording a ``phone_revealed``
        event (history and the server's audit log, sent by the outbox like any
        change). While it is shown, calling again hides it and records nothing;
        returns True when the number is shown now. Raises like :meth:`record`.
        """
        if self.reveals.shown(case_no):
            self.reveals.hide(case_no)
            return False
        self.record(case_no, EventType.PHONE_REVEALED, {})
        self.reveals.reveal(case_no)
        return True

    def phone_shown(self, case_no: str) -> bool:
        """True while *case_no*'s number is revealed on this seat."""
        return self.reveals.shown(case_no)

    def create_case(self, case_no: str, fields: dict[str, Any], *, draft_id: str | None = None,
                    started_at: str = "") -> CaseState:
        """Record a `created` event from form *fields* (CreatedPayload keys);
        the draft goes in the same transaction; handle time from *started_at*."""
        payload = {**fields, "client_created_at": clock.now_iso()}
        if started_at:
            payload["handle_seconds"] = self.handle_seconds(started_at)
        return self.record(case_no, EventType.CREATED, payload, draft_id=draft_id)

    def resolve_direct(self, case_no: str, result: str, kb_article_id: str = "") -> CaseState:
        """The operator answered the case (e.g. from the KB): resolved directly."""
        payload = {"mode": ResolveMode.DIRECT, "result": result, "kb_article_id": kb_article_id}
        return self.record(case_no, EventType.RESOLVED, payload)

    def dispatch(self, case_no: str, department: str, co_departments: list[str] | None = None,
                 note: str = "", deadline: str | None = None) -> CaseState:
        """Send the case to *department* (lead) with co-handlers; the deadline
        defaults to the case's category and urgency."""
        if deadline is None:
            case = self.cache.case(case_no) or {}
            deadline = self.deadline_for(case.get("category_code", ""), case.get("urgency") or "normal")
        payload = {
            "department": department,
            "co_departments": [d for d in dict.fromkeys(co_departments or []) if d != department],
            "deadline": deadline,
            "note": note,
        }
        return self.record(case_no, EventType.DISPATCHED, payload)


_OPEN_STATUSES = ("open", "dispatched", "signed", "returned", "escalated")


def _closeness(article: dict[str, Any], category_code: str) -> int:
    """0: *article* is filed under *category_code*; 1: under a parent; 2: neither."""
    codes = article.get("category_codes", [])
    if category_code in codes:
        return 0
    return 1 if any(category_code.startswith(code + ".") for code in codes) else 2

