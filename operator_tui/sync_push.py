"""The sync engine's pusher: the outbox out, in order, a batch at a time.

Applied and duplicate answers mark items delivered; rejected and conflict
answers keep them for a person (never dropped, never retried automatically).
Mixed into :class:`operator_tui.sync.SyncEngine`, whose state it uses.
"""

from __future__ import annotations

from typing import Any

from .client import RequestRefused, ServerClient


class PushMixin:
    """Sending the outbox (see the module docstring)."""

    _push_lock: Any
    _token: str
    push_batch: int
    _channel: Any
    _update: Any
    _contact: Any

    def _push_all(self, cache: Any, client: ServerClient, run: Any) -> None:
        """Send the outbox in order, a batch at a time, as the stored wire JSON
        (validated when it was recorded; a 422 makes the seat check each one)."""
        with self._push_lock:
            client.token = self._token
            size = self.push_batch
            while not run.stopped:
                batch = cache.pending_wire(size)
                if not batch:
                    self._channel("push", None, "")  # nothing (more) to send: no push problem
                    return
                cache.mark_attempt([event_id for event_id, _ in batch])
                self._update(syncing=True)
                try:
                    answer = client.push_wire(batch)
                except RequestRefused as exc:
                    if exc.status == 413 and len(batch) > 1:
                        size = max(1, len(batch) // 2)  # too big a body: smaller batches
                        continue
                    if exc.status == 413:  # one change larger than the server takes
                        cache.mark_results([{"event_id": batch[0][0], "status": "rejected",
                                             "reason": f"too large for the server: {exc.message}"}])
                        continue
                    if exc.status != 422:
                        raise  # not about the events (e.g. 403, 404): keep them, try later
                    # The server refused the batch as a whole: set aside what the seat
                    # itself finds invalid, else find the bad event(s) one by one and
                    # keep them as rejected with the server's reason.
                    valid = self._valid_only(cache, batch)
                    if valid is not None:
                        self._push_singly(cache, client, valid, run)
                    continue
                finally:
                    self._update(syncing=False)
                cache.mark_results(answer.results)
                self._contact(cache, "push")

    def _valid_only(self, cache: Any, batch: list[tuple[str, str]]) -> list[Any] | None:
        """*batch* as wire models if every event passes; else set the invalid
        ones aside as rejected (they could never be sent) and return None."""
        from pydantic import ValidationError

        from .protocol import EventIn, describe_validation_error

        good, bad = [], []
        for event_id, text in batch:
            try:
                good.append(EventIn.model_validate_json(text))
            except ValidationError as exc:
                reason = f"not a valid change (seat side): {describe_validation_error(exc)}"
                bad.append({"event_id": event_id, "status": "rejected", "reason": reason})
        if not bad:
            return good
        if not cache.mark_results(bad)["problems"]:
            raise RuntimeError("the outbox holds a change that can neither be sent nor set aside")
        return None

    def _push_singly(self, cache: Any, client: ServerClient, batch: list[Any], run: Any) -> None:
        for event in batch:
            if run.stopped:
                return
            try:
                answer = client.push([event])
            except RequestRefused as exc:
                if exc.status != 422:
                    raise
                cache.mark_results([{"event_id": event.event_id, "status": "rejected", "reason": exc.message}])
            else:
                cache.mark_results([r.model_dump() for r in answer.results])
            self._contact(cache, "push")
