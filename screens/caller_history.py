"""The caller's earlier cases, beside the case form (repeat callers at a glance)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from operator_tui import i18n, vocab
from operator_tui.i18n import _, ngettext
from operator_tui.text import clean


STATUS_STYLE = {
    "open": "bold $text-warning",
    "dispatched": "bold $text-accent",
    "signed": "bold $text-accent",
    "returned": "bold $text-error",
    "escalated": "bold $text-error",
    "resolved": "$text-success",
    "closed": "$text-muted",
    "merged": "$text-muted",
}


def _line(value: Any, limit: int = 0) -> str:
    text = clean(str(value or ""), one_line=True)
    return text[: limit - 1] + "…" if limit and len(text) > limit else text


def history_row(case: dict[str, Any], category_name: str) -> Content:
    """Two lines: status, case number, date, category; then address or description."""
    from rich.cells import cell_len

    from . import worklists as wl

    status = str(case.get("status") or "")
    moment = wl.local_moment(case.get("created_at") or case.get("client_created_at"))
    when = i18n.format_date_numeric(moment) if moment else ""
    detail = case.get("address") or case.get("description") or ""
    word = vocab.status(status)
    return Content.assemble(
        (word + " " * max(1, 11 - cell_len(word)), STATUS_STYLE.get(status, "")),
        (_line(case.get("case_no")), "bold"),
        f"  {when}",
        (" ⇡" if case.get("local") else "", "$text-warning"),
        "\n  ",
        (_line(category_name, 24) or "—", "$text-accent"),
        "  ",
        (_line(detail, 60), "$text-muted"),
    )


class CallerHistory(Vertical):
    """Title + list; the highlighted entry is 'the previous case' (first by default)."""

    DEFAULT_CSS = """
    CallerHistory { width: 46; height: 1fr; border-left: vkey $panel; padding: 0 1; }
    CallerHistory #history-title { height: auto; text-style: bold; }
    CallerHistory #history-list { height: 1fr; border: none; padding: 0; }
    CallerHistory #history-hint { height: auto; color: $text-muted; }
    """

    def __init__(self, seat: Any, *, id: str = "history") -> None:
        super().__init__(id=id)
        self.seat = seat
        self.cases: list[dict[str, Any]] = []
        self.phone_ok = False

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Caller history")), id="history-title")
        yield OptionList(id="history-list")
        yield Static(Content(_("F2 copy address/category · ctrl+l link")), id="history-hint")

    def language_changed(self) -> None:
        self.query_one("#history-hint", Static).update(Content(_("F2 copy address/category · ctrl+l link")))
        olist = self.query_one("#history-list", OptionList)
        keep = olist.highlighted
        self.show(self.cases, self.phone_ok)
        if keep is not None and keep < olist.option_count:
            olist.highlighted = keep

    def show(self, cases: list[dict[str, Any]], phone_ok: bool) -> None:
        """Show *cases* (open first, then newest; see Seat.caller_history)."""
        self.cases = cases
        self.phone_ok = phone_ok
        olist = self.query_one("#history-list", OptionList)
        olist.set_options(
            Option(history_row(c, self._category_name(c.get("category_code", ""))), id=c["case_no"])
            for c in cases
        )
        if cases:
            olist.highlighted = 0
        open_count = sum(c.get("status") in ("open", "dispatched", "signed", "returned", "escalated")
                         for c in cases)
        if not phone_ok:
            title = Content(_("Caller history"))
        elif not cases:
            title = Content.assemble(_("Caller history") + ": ", (_("first call"), "$text-success"))
        else:
            title = Content.assemble(
                _("Caller history") + ": " + ngettext("{n} case", "{n} cases", len(cases)).format(n=len(cases)),
                (", " + _("{n} open").format(n=open_count) if open_count else "", "bold $text-warning"),
            )
        self.query_one("#history-title", Static).update(title)

    @property
    def selected(self) -> dict[str, Any] | None:
        """The highlighted earlier case (the most relevant one unless moved)."""
        olist = self.query_one("#history-list", OptionList)
        if not self.cases:
            return None
        index = olist.highlighted if olist.highlighted is not None else 0
        return self.cases[min(index, len(self.cases) - 1)]

    def _category_name(self, code: str) -> str:
        leaf = self.seat.category_leaf(code) if code else None
        if not leaf:
            return code
        return leaf.name_en or leaf.name_zh if i18n.current_language() == "en" else leaf.name_zh
