"""The status bar: connection, sync, outbox, problems, operator and seat.

One line docked at the bottom of every full screen, above the footer. The
app refreshes it twice a second from :meth:`Seat.status` (a frozen snapshot
kept by the sync engine: no network call, no waiting in the UI thread); see
:meth:`operator_tui.app.OperatorApp.refresh_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from operator_tui import clock
from operator_tui.i18n import _, format_duration, format_time
from operator_tui.sync_status import SyncStatus
from operator_tui.text import clean

SEP = ("  │  ", "dim")


@dataclass(frozen=True)
class SeatInfo:
    """Who sits at the seat (empty before the first login)."""

    operator_id: str = ""
    seat_no: int | None = None


def age_text(seconds: float | None) -> str:
    """A short age: 45s, 12m, 3h05m, 2d04h."""
    if seconds is None:
        return ""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def local_hhmm(iso_time: str) -> str:
    """``hh:mm`` in the centre's time for an ISO 8601 UTC timestamp."""
    if not iso_time:
        return ""
    try:
        moment = datetime.fromisoformat(iso_time.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return format_time(clock.to_centre(moment))


def status_content(status: SyncStatus, seat: SeatInfo) -> Content:
    """The status line for *status* (pure: tests call it directly)."""
    parts: list[str | tuple[str, str]] = []
    if status.login_required and seat.operator_id:
        parts.append((" " + _("LOGIN REQUIRED") + " ", "bold $text-error on $error-muted"))
    elif status.online:
        parts.append(("● " + _("online"), "bold $text-success"))
    elif status.offline_since:
        parts.append(("○ " + _("OFFLINE since {time}").format(time=local_hhmm(status.offline_since)),
                      "bold $text-warning"))
    elif status.login_required:
        parts.append(("○ " + _("not logged in"), "$text-muted"))
    else:
        parts.append(("○ " + _("connecting…"), "$text-muted"))
    if status.syncing:
        parts += [SEP, ("⟳ " + _("syncing"), "$text-accent")]
    parts.append(SEP)
    if status.outbox_depth:
        if status.oldest_pending_seconds is not None:
            text = _("outbox {n} (oldest {age})").format(n=status.outbox_depth,
                                                         age=format_duration(status.oldest_pending_seconds))
        else:
            text = _("outbox {n}").format(n=status.outbox_depth)
        parts.append((text, "bold $text-warning" if not status.online else ""))
    else:
        parts.append((_("outbox {n}").format(n=0), "$text-muted"))
    parts.append(SEP)
    if status.problems:
        parts.append(("⚠ " + _("problems {n}").format(n=status.problems), "bold $text-error"))
    else:
        parts.append((_("problems {n}").format(n=0), "$text-muted"))
    parts.append(SEP)
    who = clean(seat.operator_id, one_line=True) or "—"
    parts.append((f"{who}", "bold"))
    parts.append((" · " + (_("seat {n}").format(n=seat.seat_no) if seat.seat_no else _("no seat yet")), ""))
    return Content.assemble(*parts)


class StatusBar(Static):
    """The one-line status bar (updated by the app, see module docstring)."""

    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        height: 1;
        margin-bottom: 1;   /* the Footer docks below it */
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = "status-bar") -> None:
        super().__init__("", id=id, markup=False)
        self.last: tuple[SyncStatus, SeatInfo] | None = None

    def on_mount(self) -> None:
        refresh = getattr(self.app, "refresh_status", None)
        if refresh is not None:
            refresh()

    def show(self, status: SyncStatus, seat: SeatInfo) -> None:
        """Show *status* (does nothing when it did not change)."""
        if self.last == (status, seat):
            return
        self.last = (status, seat)
        self.update(status_content(status, seat), layout=False)  # one docked line: nothing moves

    @property
    def plain(self) -> str:
        """The text shown (for tests)."""
        return "" if self.last is None else status_content(*self.last).plain
