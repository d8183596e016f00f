"""Everyone who called about a master case, for its case view.

A burst of calls about one incident becomes one master case with the other
cases merged into it; the master's view lists those callers (number, phone,
name, language) from the local cache (:func:`operator_tui.duplicates.callers_of`),
so the callback can reach all of them. Hidden when nothing was merged into
the case. Read in a worker on mount and every few seconds while shown. The
numbers are masked until the case view's reveal key shows them (recorded).
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.content import Content
from textual.widgets import Static
from textual.worker import get_current_worker

from operator_tui import duplicates as dup
from operator_tui import vocab
from operator_tui.i18n import _, ngettext
from operator_tui.privacy import phone_for

from . import worklists as wl
from .inert import inert_line
from .live_list import visible

REFRESH_SECONDS = 3.0


def callers_text(group: dup.CallerGroup, shown: tuple[str, ...] = ()) -> Content:
    """A title line, then one line per merged caller (numbers of the cases in
    *shown* in full, the others masked)."""
    from .case_view import language_text

    merged = ngettext("{n} case merged into this one", "{n} cases merged into this one",
                      len(group.merged)).format(n=len(group.merged))
    phones = ngettext("{n} phone number to call back", "{n} phone numbers to call back",
                      len(group.phones)).format(n=len(group.phones))
    lines = [Content.assemble((_("Callers — {merged}, {phones}").format(merged=merged, phones=phones), "bold"))]
    for caller in group.merged:
        language = language_text({"language": caller.language, "interpreter": caller.interpreter})
        lines.append(Content.assemble(
            "  ", inert_line(caller.case_no, style="bold"),
            "  ", inert_line(wl.local_time(caller.created_at, with_date=True)),
            "  ", inert_line(phone_for(caller.phone, caller.case_no in shown) or _("(no phone)"),
                             style="bold $text-warning" if caller.case_no in shown else "$text-accent"),
            "  ", inert_line(caller.name, limit=16),
            "  ", inert_line(vocab.label("channel", caller.channel), style="$text-muted"),
            "  ", inert_line(language, style="$text-muted"),
        ))
    return Content("\n").join(lines)


class MergedCallers(Static):
    """The merged callers of one case (hidden when there are none)."""

    DEFAULT_CSS = """
    MergedCallers { height: auto; display: none; margin-top: 1; }
    MergedCallers.-shown { display: block; }
    """

    def __init__(self, seat: Any, case_no: str, *, id: str = "merged-callers") -> None:
        super().__init__("", id=id, markup=False)
        self.seat = seat
        self.case_no = case_no
        self.group: dup.CallerGroup | None = None
        self.shown: tuple[str, ...] = ()  # revealed case numbers when last drawn

    def on_mount(self) -> None:
        self.load()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if visible(self.screen):
            self.load()

    @work(thread=True, exclusive=True, group="merged-callers", exit_on_error=False)
    def load(self) -> None:
        try:
            group = dup.callers_of(self.seat.cache, self.case_no)
        except Exception:  # a closing cache: keep what is shown
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, group)

    def language_changed(self) -> None:
        group, self.group = self.group, None
        if group is not None:
            self.show(group)

    def show(self, group: dup.CallerGroup) -> None:
        shown = self.seat.reveals.state()
        if (group == self.group and shown == self.shown) or not self.is_mounted:
            return
        self.group, self.shown = group, shown
        mine = group.master == self.case_no and bool(group.merged)
        self.set_class(mine, "-shown")
        self.update(callers_text(group, shown) if mine else "")

    def refresh_phones(self) -> None:
        """Draw again after a reveal or a hide (and when a reveal runs out)."""
        if self.group is not None:
            self.show(self.group)
