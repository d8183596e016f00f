"""One seat as a process of its own, for the fault suite: ``python -m tests.faults.worker``.

It drives the real :class:`operator_tui.seat.Seat` the way the case form does:
a draft per case, saved at every keystroke, then the ``created`` event (with
the draft deleted in the same transaction), now and then a note on one of its
own cases; the seat's sync engine runs in the background (test-sized
timeouts). Everything that *returned* is announced on stdout, one JSON line
each, flushed, so the suite knows what was committed when it SIGKILLs us:

    {"ev": "ready", "pid": ...}
    {"ev": "restored", "d": draft_id, "c": case_no, "t": description}
    {"ev": "new", "d": draft_id, "c": case_no}
    {"ev": "draft", "d": draft_id, "c": case_no, "t": description so far}
    {"ev": "committed", "c": case_no, "d": draft_id}
    {"ev": "note", "c": case_no, "t": text}
    {"ev": "error", "op": ..., "error": "Type: message"}   a write failed (retried later)
    {"ev": "engine", "error": ...}                          the engine's last_error changed
    {"ev": "fatal", "error": ...}                           the seat cannot even open
    {"ev": "done"}

Drafts left over from an earlier (killed) run are restored first and
finished, as an operator would after restarting the app. Commands on stdin:
``quit``; ``full N`` / ``free`` (the page-count stand-in for a full disk:
every cache connection of this process may grow by N more pages only);
``kill`` (SIGKILL ourselves at once).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

_out_lock = threading.Lock()


def emit(**fields: Any) -> None:
    line = json.dumps(fields, ensure_ascii=False)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# --- the page-count stand-in for a full disk ---------------------------------------

_LIMIT: dict[str, Any] = {"gen": 0, "slack": None}
_UNLIMITED = 2_147_483_646


def install_page_limit() -> None:
    """Every cache connection of this process applies the current limit in its
    own thread, the next time it is used (PRAGMA max_page_count is per connection)."""
    from local_cache.store import LocalCache

    original = LocalCache._conn
    applied: dict[int, int] = {}

    def _conn(self: Any) -> Any:
        conn = original(self)
        gen = _LIMIT["gen"]
        if applied.get(id(conn), 0) != gen and not conn.in_transaction:
            slack = _LIMIT["slack"]
            if slack is None:
                conn.execute(f"PRAGMA max_page_count={_UNLIMITED}")
            else:
                pages = conn.execute("PRAGMA page_count").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count={pages + slack}")
            applied[id(conn)] = gen
        return conn

    LocalCache._conn = _conn  # type: ignore[method-assign]


# --- the seat ------------------------------------------------------------------------

WORDS = ["停水", "burst pipe", "噪音", "streetlight out", "垃圾", "pothole", "供暖", "no heating",
         "漏水", "blocked drain", "施工", "noise at night", "电梯", "lift broken"]


def payload(fields: dict[str, Any]) -> dict[str, Any]:
    keep = ("phone", "name", "district", "address", "description", "urgency", "appeal_type",
            "category_code")
    return {k: fields[k] for k in keep if k in fields}


class Worker:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.rng = random.Random(args.seed)
        self.quit = threading.Event()
        self.mine: list[str] = []  # cases this process committed
        self.seat: Any = None

    def open(self) -> bool:
        from operator_tui.seat import Seat, SeatPaths
        from operator_tui.sync import SyncEngine

        try:
            seat = Seat(self.args.server, SeatPaths(Path(self.args.cache), Path(self.args.tokens)),
                        use_keyring=False)
        except Exception as exc:  # what the app would have to show at start
            emit(ev="fatal", error=describe(exc))
            return False
        token = (seat.tokens.load() or {}).get("token", "")
        seat.engine = SyncEngine(seat.paths.cache, self.args.server, token, long_poll_seconds=2.0,
                                 timeout=self.args.timeout, backoff=(0.05, 0.5),
                                 push_batch=self.args.push_batch, on_status=self._status)
        self.seat = seat
        return True

    _last_engine_error = ""

    def _status(self, status: Any) -> None:
        if status.last_error != self._last_engine_error:
            self._last_engine_error = status.last_error
            emit(ev="engine", error=status.last_error, online=status.online,
                 depth=status.outbox_depth)

    def retrying(self, op: str, work: Any) -> Any:
        """Run *work* until it succeeds (an operator pressing save again), or quit."""
        while True:
            try:
                return work()
            except Exception as exc:
                emit(ev="error", op=op, error=describe(exc))
                if self.quit.wait(self.rng.uniform(0.05, 0.3)):
                    raise SystemExit(0) from None

    def type_case(self, draft_id: str, case_no: str, fields: dict[str, Any], target: str) -> None:
        """Type the description up to *target*, a draft save per key, then save the case."""
        fields = dict(fields)
        text = str(fields.get("description", ""))
        pieces = [target[len(text):]] if self.args.whole else list(target[len(text):])
        for ch in pieces:
            if self.quit.is_set():  # asked to close: the operator finishes the case first
                ch = target[len(text):]
            text += ch
            fields["description"] = text
            self.retrying("save_draft", lambda: self.seat.save_draft(draft_id, dict(fields), case_no))
            emit(ev="draft", d=draft_id, c=case_no, t=text)
            if text == target:
                break
            if self.args.typing:
                time.sleep(self.rng.uniform(0, self.args.typing))
        draft = self.seat.draft(draft_id) or {}
        started = draft.get("started_at", "")
        while True:
            try:
                self.seat.create_case(case_no, payload(fields), draft_id=draft_id, started_at=started)
                break
            except Exception as exc:
                saved = self._saved_anyway(draft_id, case_no)
                emit(ev="error", op="create_case", error=describe(exc), saved=saved)
                if saved:  # the seat said "not saved", yet the case is in the cache
                    break
                if self.quit.wait(self.rng.uniform(0.05, 0.3)):
                    raise SystemExit(0) from None
        emit(ev="committed", c=case_no, d=draft_id)
        self.mine.append(case_no)

    def _saved_anyway(self, draft_id: str, case_no: str) -> bool:
        try:
            return self.seat.draft(draft_id) is None and self.seat.case(case_no) is not None
        except Exception:
            return False

    def new_fields(self) -> dict[str, Any]:
        return {"phone": f"1390000{self.rng.randrange(10000):04d}", "district": "chaoyang",
                "appeal_type": "report", "category_code": "utilities.water", "description": ""}

    def restore_drafts(self) -> None:
        for draft in reversed(self.seat.drafts()):
            fields = {**self.new_fields(), **draft["fields"]}
            fields.pop("case_no", None)
            text = str(fields.get("description", ""))
            emit(ev="restored", d=draft["draft_id"], c=draft["case_no"], t=text)
            self.type_case(draft["draft_id"], draft["case_no"], fields, text + " (restored)")

    def enter(self) -> None:
        n = 0
        while n < self.args.cases and not self.quit.is_set():
            draft_id, case_no = self.retrying("new_draft", self.seat.new_draft)
            emit(ev="new", d=draft_id, c=case_no)
            words = " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(2, 6)))
            self.type_case(draft_id, case_no, self.new_fields(), f"{case_no} {words}")
            n += 1
            if self.mine and self.rng.random() < self.args.notes:
                target = self.rng.choice(self.mine)
                text = f"note {os.getpid()}-{n}-{self.rng.randrange(10**9)}"
                from operator_tui.domain import EventType

                self.retrying("note", lambda: self.seat.record(target, EventType.NOTE, {"text": text}))
                emit(ev="note", c=target, t=text)
            if self.args.pause:
                time.sleep(self.rng.uniform(0, self.args.pause))

    def commands(self) -> None:
        for line in sys.stdin:
            cmd = line.split()
            if not cmd:
                continue
            if cmd[0] == "quit":
                self.quit.set()
            elif cmd[0] == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif cmd[0] == "full":
                _LIMIT["slack"], _LIMIT["gen"] = int(cmd[1]), _LIMIT["gen"] + 1
            elif cmd[0] == "free":
                _LIMIT["slack"], _LIMIT["gen"] = None, _LIMIT["gen"] + 1
        self.quit.set()  # stdin closed: the suite is gone

    def run(self) -> int:
        threading.Thread(target=self.commands, name="commands", daemon=True).start()
        if self.args.page_limit:
            install_page_limit()
        if not self.open():
            return 3
        emit(ev="ready", pid=os.getpid())
        try:
            if self.args.engine:
                self.seat.start()
            self.restore_drafts()
            self.enter()
            if self.args.drain:  # stay until the outbox is empty (sync-only runs)
                while not self.quit.is_set() and (self.seat.engine.status.outbox_depth
                                                  or not self.seat.engine.status.online):
                    time.sleep(0.05)
            self.quit.wait(None if self.args.stay else 0)
        except SystemExit:
            pass
        finally:
            self.seat.close()
        emit(ev="done")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=1_000_000, help="new cases to enter")
    parser.add_argument("--typing", type=float, default=0.004, help="max seconds between keys")
    parser.add_argument("--pause", type=float, default=0.05, help="max seconds between cases")
    parser.add_argument("--notes", type=float, default=0.2, help="chance of a note after a case")
    parser.add_argument("--whole", action="store_true", help="paste each description in one save")
    parser.add_argument("--engine", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--drain", action="store_true", help="wait for the outbox to empty")
    parser.add_argument("--stay", action="store_true", help="after the cases, wait for quit")
    parser.add_argument("--push-batch", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=2.0)
    parser.add_argument("--page-limit", action="store_true", help="obey full/free commands")
    args = parser.parse_args(argv)
    return Worker(args).run()


if __name__ == "__main__":
    sys.exit(main())
