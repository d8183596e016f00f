"""Possible duplicates beside the case form, and the keys to link or merge.

While a case is typed, :class:`DuplicatesPanel` (above the caller history)
lists the open cases it looks like — the same caller, or the same category
in the same district or at the same address within the configured window
(:mod:`operator_tui.duplicates`, from the local cache, so offline too). It
is hidden while there are none. :class:`DuplicatesMixin` gives the form the
keys: F7 links the new case to the highlighted candidate, F8 saves it and
merges it into the candidate (the older open case is the master; a burst of
calls about one outage becomes one case with every caller attached),
ctrl+down / ctrl+up choose the candidate.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from operator_tui import duplicates as dup
from operator_tui import i18n, vocab
from operator_tui.domain import DISTRICTS, Rejected
from operator_tui.i18n import N_, _, ngettext

from . import worklists as wl
from .caller_history import STATUS_STYLE
from .inert import inert_line

LOOK_DEBOUNCE = 0.3  # seconds of quiet typing before the cache is asked
KEYS = ("phone", "category_code", "district", "address")
REASON_WORDS = {dup.PHONE: N_("same caller"), dup.ADDRESS: N_("same address"),
                dup.DISTRICT: N_("same district")}
HINT = N_("F7 link · F8 save+merge · ctrl+↑↓ choose")


def candidate_row(candidate: dup.Candidate, category_name: str) -> Content:
    """Two lines: status, case number, date, why; then category and address."""
    from rich.cells import cell_len

    case = candidate.case
    status = str(case.get("status") or "")
    moment = wl.local_moment(case.get("created_at") or case.get("client_created_at"))
    when = f"{i18n.format_day_numeric(moment)} {i18n.format_time(moment)}" if moment else ""
    district = DISTRICTS.get(str(case.get("district") or ""), ("", ""))
    place = case.get("address") or (district[1] if i18n.current_language() == "en" else district[0])
    word = vocab.status(status)
    return Content.assemble(
        (word + " " * max(1, 11 - cell_len(word)), STATUS_STYLE.get(status, "")),
        inert_line(case.get("case_no"), style="bold"),
        f"  {when}",
        "\n  ",
        (" + ".join(_(REASON_WORDS[r]) for r in candidate.reasons), "bold $text-warning"),
        "  ",
        inert_line(category_name, limit=14, style="$text-accent"),
        " ",
        inert_line(place, limit=20, style="$text-muted"),
    )


class DuplicatesPanel(Vertical):
    """The candidates of one form; the highlighted one is what F7/F8 act on."""

    DEFAULT_CSS = """
    DuplicatesPanel { height: auto; max-height: 15; display: none; padding: 0 1;
                      border-left: vkey $panel; border-bottom: hkey $panel; }
    DuplicatesPanel.-shown { display: block; }
    DuplicatesPanel #dup-title { height: 1; text-style: bold; color: $text-warning; }
    DuplicatesPanel #dup-list { height: auto; max-height: 10; border: none; padding: 0; }
    DuplicatesPanel #dup-hint { height: auto; color: $text-muted; }
    """

    def __init__(self, seat: Any, *, id: str = "duplicates") -> None:
        super().__init__(id=id)
        self.seat = seat
        self.candidates: list[dup.Candidate] = []
        self.window: float | None = None
        self._wanted: tuple | None = None  # the fields of the newest question
        self._shown_for: tuple | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="dup-title", markup=False)
        yield OptionList(id="dup-list")
        yield Static(Content(_(HINT)), id="dup-hint")

    def language_changed(self) -> None:
        self.query_one("#dup-hint", Static).update(Content(_(HINT)))
        if self._shown_for is not None:
            self.show(self._shown_for, self.candidates)

    # --- asking the cache ----------------------------------------------------------

    def look_for(self, fields: dict[str, Any], case_no: str) -> None:
        """The form's fields changed: ask again soon (only if a field that counts changed)."""
        key = (case_no, *(str(fields.get(k) or "").strip() for k in KEYS))
        if key == self._wanted:
            return
        self._wanted = key
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(LOOK_DEBOUNCE, lambda: self._find(key))

    @work(thread=True, exclusive=True, group="duplicates", exit_on_error=False)
    def _find(self, key: tuple) -> None:
        if self.window is None:
            self.window = dup.window_hours()
        case_no, *values = key
        fields = dict(zip(KEYS, values))
        try:
            found = dup.duplicate_candidates(self.seat.cache, fields, self.window, exclude={case_no})
        except Exception:  # a closing cache: no candidates is the safe answer
            found = []
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show, key, found)

    def show(self, key: tuple, found: list[dup.Candidate]) -> None:
        """Show *found* if it answers the newest question (stale answers are dropped)."""
        if key != self._wanted or not self.is_mounted:
            return
        before = self.selected.case_no if self.selected else None
        self.candidates = found
        self._shown_for = key
        olist = self.query_one("#dup-list", OptionList)
        olist.set_options(Option(candidate_row(c, self._category_name(c.case)), id=c.case_no) for c in found)
        if found:
            numbers = [c.case_no for c in found]
            olist.highlighted = numbers.index(before) if before in numbers else 0
        self.set_class(bool(found), "-shown")
        self.query_one("#dup-title", Static).update(
            Content(ngettext("Possible duplicate: {n} open case", "Possible duplicates: {n} open cases",
                             len(found)).format(n=len(found))) if found else Content(""))
        self.screen.refresh_bindings()

    @property
    def settled(self) -> bool:
        """True when the shown candidates answer the newest fields (tests)."""
        return self._wanted is not None and self._shown_for == self._wanted

    # --- choosing --------------------------------------------------------------------

    @property
    def selected(self) -> dup.Candidate | None:
        if not self.candidates:
            return None
        index = self.query_one("#dup-list", OptionList).highlighted or 0
        return self.candidates[min(index, len(self.candidates) - 1)]

    def move(self, delta: int) -> None:
        if self.candidates:
            olist = self.query_one("#dup-list", OptionList)
            olist.highlighted = ((olist.highlighted or 0) + delta) % len(self.candidates)

    def _category_name(self, case: dict[str, Any]) -> str:
        code = str(case.get("category_code") or "")
        leaf = self.seat.category_leaf(code) if code else None
        if not leaf:
            return code
        return leaf.name_en or leaf.name_zh if i18n.current_language() == "en" else leaf.name_zh


class DuplicatesMixin:
    """The case form's duplicate keys (a mixin of CaseFormScreen; see the module doc)."""

    seat: Any
    saved: bool
    fields: dict[str, Any]
    case_no: str

    def look_for_duplicates(self) -> None:
        self.query_one(DuplicatesPanel).look_for(self.fields, self.case_no)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("link_duplicate", "merge_duplicate", "next_duplicate"):
            panel = self.query(DuplicatesPanel)
            if not panel or not panel.first().candidates:
                return False
            return not (action == "link_duplicate" and self.saved)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_next_duplicate(self, delta: int = 1) -> None:
        """Highlight the next (or previous) possible duplicate."""
        self.query_one(DuplicatesPanel).move(delta)

    def action_link_duplicate(self) -> None:
        """Link the new case to the highlighted possible duplicate (again: unlink)."""
        candidate = self.query_one(DuplicatesPanel).selected
        if candidate is None or self.saved:
            return
        linked = self.fields.get("linked_to", "")
        self.fields["linked_to"] = "" if linked == candidate.case_no else candidate.case_no
        self._show_linked()
        self.changed()

    def action_merge_duplicate(self) -> None:
        """Save the case and merge it into the highlighted open case (the master)."""
        candidate = self.query_one(DuplicatesPanel).selected
        if candidate is None or not self.action_save():
            return
        try:
            state = dup.merge(self.seat, self.case_no, candidate.case_no)
        except (Rejected, ValueError) as exc:
            self.notify(_("Saved, not merged: {reason}").format(reason=getattr(exc, "reason", exc)),
                        severity="error", timeout=8)
            return
        self.finish(_("Case {case_no} saved and merged into {master}").format(case_no=self.case_no,
                                                                               master=state.merged_into))
