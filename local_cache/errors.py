"""Exceptions raised by the local cache, each with a message for people."""

from __future__ import annotations


class CacheError(Exception):
    """Base class for every error the local cache raises on purpose."""


class SchemaTooNewError(CacheError):
    """The cache file was written by a newer operator-tui (higher schema version).

    The file is left untouched; upgrade the program or move the file away.
    """


class NotACacheError(CacheError):
    """The file is an SQLite database, but not an operator-tui cache."""


class CacheClosedError(CacheError):
    """The cache was closed and cannot be used any more."""


class SeatUnknownError(CacheError):
    """A case number was asked for before the seat number is known."""


class CaseNumbersExhaustedError(CacheError):
    """This seat has used every daily sequence number for the day."""


class PendingChangesError(CacheError):
    """Refused because local changes (or drafts) are not yet safe on the server."""


class NotAProblemError(CacheError, LookupError):
    """resolve_problem() on an event id that is not a rejected/conflicting item."""


class DuplicateEventError(CacheError, ValueError):
    """record_local_event() with an event id that is already in the outbox."""
