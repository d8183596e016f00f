"""The reveal key: show a caller's full number for a while, recorded.

Numbers are masked on every screen (:mod:`operator_tui.privacy`). A screen
that mixes in :class:`PhoneReveal` and adds :func:`reveal_binding` lets the
operator show the number of the case in front of them (and, on a master case,
of the callers merged into it, who must be called back too): each case
revealed records one ``phone_revealed`` event locally — its history shows who
looked, and the server writes an audit-log row when the outbox delivers it.
The same key hides the number again; it hides by itself after a few minutes.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from local_cache import CacheError

from operator_tui.domain import Rejected
from operator_tui.i18n import N_, _, ngettext
from operator_tui.privacy import REVEAL_SECONDS

REVEAL_HELP = N_("Show the caller's full number for 3 minutes (recorded in the case history and the "
                 "audit log; press again to hide it)")


def reveal_binding(scope: str) -> Binding:
    """The reveal key of a screen (id ``<scope>.reveal_phone``, remappable)."""
    return Binding("v", "reveal_phone", N_("Show number"), id=f"{scope}.reveal_phone", tooltip=REVEAL_HELP)


class PhoneReveal:
    """Reveal/hide the number of :meth:`reveal_cases` (mixed into a Screen)."""

    seat: Any
    app: Any

    def reveal_cases(self) -> list[tuple[str, str]]:
        """(case number, phone) of the case in front of the operator first,
        then any others its callback must reach."""
        raise NotImplementedError

    def after_reveal(self) -> None:
        """Show the numbers again (masked or in full)."""
        raise NotImplementedError

    def action_reveal_phone(self) -> None:
        """Show the full number of this case (recorded), or hide it again."""
        cases = [(case_no, phone) for case_no, phone in self.reveal_cases() if phone]
        if not cases:
            self.app.notify(_("This case has no phone number."), severity="warning")
            return
        if self.seat.phone_shown(cases[0][0]):
            for case_no, _phone in cases:
                self.seat.reveals.hide(case_no)
            self.app.notify(_("Number masked again."))
            self.after_reveal()
            return
        shown = 0
        for case_no, _phone in cases:
            if self.seat.phone_shown(case_no):
                shown += 1
                continue
            try:
                self.seat.reveal_phone(case_no)
            except (Rejected, ValueError, AssertionError, CacheError) as exc:  # shown only once recorded
                reason = getattr(exc, "reason", None) or str(exc)
                self.app.notify(_("Number not shown for {case_no}: {reason}").format(case_no=case_no, reason=reason),
                                severity="error", markup=False)
                continue
            shown += 1
        if shown:
            minutes = int(REVEAL_SECONDS // 60)
            self.app.notify(ngettext("Full number shown for {minutes} minutes; recorded in the case history.",
                                     "{n} full numbers shown for {minutes} minutes; recorded in the case histories.",
                                     shown).format(n=shown, minutes=minutes), markup=False)
        self.after_reveal()
