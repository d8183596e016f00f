"""Logging out in the app: the Ctrl+O action, its confirmation, and the way
back to the login screen (the work itself is operator_tui/logout.py)."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.binding import Binding

from operator_tui import clock, i18n
from operator_tui.i18n import N_, _
from operator_tui.text import clean

from .confirm import ConfirmScreen


class ConfirmLogoutScreen(ConfirmScreen):
    """Log out? Answers True (log out) or False (stay)."""

    DEFAULT_CSS = "ConfirmLogoutScreen > Vertical { width: 70; }"
    PREFIX = "logout"
    BINDINGS = [
        Binding("y", "answer(True)", N_("Log out"), id="logout.yes"),
        Binding("n,escape", "answer(False)", N_("Stay"), id="logout.no"),
    ]

    def __init__(self, operator_id: str) -> None:
        super().__init__()
        self.operator_id = operator_id

    def title_text(self) -> str:
        return _("Log out {operator}?").format(operator=clean(self.operator_id))

    def yes_label(self) -> str:
        return _("Log out (Y)")

    def message(self) -> str:
        return _("This seat's copy of the cases — callers' names, numbers, addresses, descriptions, caller "
                 "history and the search index — is wiped from the disk, and your token is revoked. "
                 "Nothing is lost: every change is on the central server.\n\nThe next operator logs in "
                 "and the seat fetches the cases again.")


class LogoutActions:
    """The app's logout action (mixed into OperatorApp, which has ``seat``)."""

    seat: Any

    def action_logout(self) -> None:
        """Log out and wipe this seat's copy of the cases (refused while changes or drafts wait)."""
        from operator_tui.logout import describe

        app: Any = self
        if self.seat.operator is None or any(isinstance(s, ConfirmLogoutScreen) for s in app.screen_stack):
            return
        try:
            found = self.seat.logout_blockers()
        except Exception as exc:  # a broken cache: say so, log nobody out
            app.notify(_("Cannot log out: {reason}").format(reason=exc), severity="error", markup=False)
            return
        if found:
            app.notify(describe(found), title=_("Log out"), severity="error", timeout=20, markup=False)
            return
        app.push_screen(ConfirmLogoutScreen(self.seat.operator.operator_id),
                        lambda yes: self._log_out() if yes else None)

    @work(thread=True, exclusive=True, group="logout", exit_on_error=False)
    def _log_out(self) -> None:
        """Revoke, forget, wipe (a few seconds at most when the server is slow)."""
        from local_cache import CacheError

        app: Any = self
        try:
            result = self.seat.logout()
        except CacheError as exc:  # changes came in meanwhile, or the disk failed
            app.call_from_thread(app.notify, str(exc), title=_("Log out"), severity="error", timeout=20,
                                 markup=False)
            return
        except Exception as exc:  # the token file, the keyring...: say so, never fail silently
            app.call_from_thread(app.notify, _("Cannot log out: {reason}").format(reason=exc), title=_("Log out"),
                                 severity="error", timeout=20, markup=False)
            return
        app.call_from_thread(self._logged_out, result)

    def _logged_out(self, result: Any) -> None:
        """Back to the login screen, with nothing of the last operator's screens left."""
        from screens.login import LoginScreen

        app: Any = self
        while len(app.screen_stack) > 1:
            app.pop_screen()
        app._seat_info = None
        app.clear_notifications()  # they may name the last operator's cases
        app.push_screen(LoginScreen(self.seat), app._after_first_login)
        if result.revoked:
            app.notify(_("Logged out. This seat's copy of the cases was wiped."), markup=False)
            return
        try:
            until = i18n.format_datetime_short(clock.to_centre(clock.parse(result.expires_at)))
        except (TypeError, ValueError):
            until = "?"
        app.notify(_("Logged out and wiped. The server could not be reached, so the token was deleted "
                     "here only; it stops working on the server at {time}.").format(time=until),
                   severity="warning", timeout=15, markup=False)
