"""Logging out of a seat: revoke the token, forget it, wipe personal data.

A seat is shared by the operators of several shifts, so logging out must
leave nothing of the citizens' data behind for the next one: the cases and
caller history in the cache, their search index, the events and the drafts.

What blocks a logout (:func:`blockers`):

- changes not yet safe on the central server — unsent, rejected or in
  conflict: wiping them would lose a citizen's case. They must be sent (or
  the problems resolved) first; quitting keeps them for the next start.
- drafts with something typed or picked in them (a number, a name, an
  address, a description, a category...): they are cases not yet recorded;
  the operator records or discards them first. An untouched draft (only its
  case number) is dropped silently; its number is not reused.

Then (:func:`log_out`): the token is revoked on the server when it answers
within a few seconds; offline, it is only deleted here and stops working on
the server when it expires. The wipe happens either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REVOKE_TIMEOUT = 5.0
# Draft fields that hold what an operator typed or picked about a caller.
CONTENT_FIELDS = ("phone", "name", "address", "description", "category_code", "district", "linked_to",
                  "interpreter_log", "interpreter")


@dataclass(frozen=True)
class Blockers:
    """What keeps this seat from logging out now."""

    changes: int = 0  # unsent, rejected or conflicting changes
    problems: int = 0  # of which rejected or in conflict
    drafts: int = 0  # drafts with content

    def __bool__(self) -> bool:
        return bool(self.changes or self.drafts)


@dataclass(frozen=True)
class LogoutResult:
    """What a logout did."""

    revoked: bool  # the server confirmed the token is revoked
    server_message: str  # why not, when not
    expires_at: str  # when the server token stops working anyway ('' if unknown)
    drafts_dropped: int  # empty drafts removed


def draft_has_content(fields: dict[str, Any]) -> bool:
    """True when a draft holds anything typed or picked (beyond its case number)."""
    for key in CONTENT_FIELDS:
        value = fields.get(key)
        if isinstance(value, str) and value.strip() or isinstance(value, (list, dict)) and value or value is True:
            return True
    return False


def blockers(cache: Any) -> Blockers:
    """Count what would be lost by wiping *cache* now."""
    counts = cache.outbox_counts()
    problems = int(counts.get("rejected", 0)) + int(counts.get("conflict", 0))
    changes = int(counts.get("pending", 0)) + problems
    drafts = sum(1 for d in cache.drafts() if draft_has_content(d["fields"]))
    return Blockers(changes, problems, drafts)


def revoke(server_url: str, token: str, timeout: float = REVOKE_TIMEOUT) -> tuple[bool, str]:
    """Revoke *token* on the server: (done, why not). A token the server no
    longer knows (expired, revoked) counts as done."""
    from .client import LoginRequired, RequestRefused, ServerClient, ServerUnavailable

    if not token:
        return True, ""
    client = ServerClient(server_url, token, timeout=timeout)
    try:
        client.logout()
    except LoginRequired:
        return True, ""
    except (ServerUnavailable, RequestRefused) as exc:
        return False, str(exc)
    finally:
        client.close()
    return True, ""


def log_out(cache: Any, tokens: Any, server_url: str) -> LogoutResult:
    """Check, wipe *cache*, revoke and forget the token of *tokens* (a TokenStore).

    Raises local_cache.PendingChangesError (with the counts) when something
    would be lost; nothing is changed then. The caller stops the sync engine
    first, so that no pull brings cases back meanwhile.
    """
    from local_cache import PendingChangesError

    found = blockers(cache)
    if found:
        raise PendingChangesError(describe(found))
    empty = [d["draft_id"] for d in cache.drafts() if not draft_has_content(d["fields"])]
    cache.wipe_personal_data(discard_drafts=True)  # re-checks the outbox in its transaction
    stored = tokens.load() or {}
    revoked, why = revoke(server_url, str(stored.get("token") or ""))
    tokens.forget()
    return LogoutResult(revoked, why, str(stored.get("expires_at") or ""), len(empty))


def describe(found: Blockers) -> str:
    """One message for people: how many are waiting, why it matters, what to do."""
    from .i18n import _, ngettext

    parts = []
    if found.changes:
        parts.append(ngettext(
            "{n} change has not reached the central server yet",
            "{n} changes have not reached the central server yet", found.changes).format(n=found.changes))
    if found.drafts:
        parts.append(ngettext("{n} draft case is not recorded yet", "{n} draft cases are not recorded yet",
                              found.drafts).format(n=found.drafts))
    advice = []
    if found.changes - found.problems:
        advice.append(_("wait until the server is reachable and they are sent (F7 shows them)"))
    if found.problems:
        advice.append(_("resolve the problems under F8"))
    if found.drafts:
        advice.append(_("record or discard the drafts (F6)"))
    return _("Cannot log out: {what}. Logging out wipes this seat's copy of the cases, so they would "
             "be lost. First {todo}. Quitting (Ctrl+Q) keeps them on this seat.").format(
        what=_("; ").join(parts), todo=_("; ").join(advice))
