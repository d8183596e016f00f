"""Knowledge-base lookup: search as you type, read the article, answer the case.

``KbLookupScreen(seat, query="", case_no=None, *, category_code="")`` is a
``Screen[dict | None]``. Each keystroke starts an exclusive worker on the local
full-text index; an answer for an older query is dropped. Matches are
highlighted with Content spans (never markup). ctrl+l cycles the language
filter (all / 中文 / English); ctrl+t shows the same answer in the other
language (same group_id). With a *case_no*, F6 answers the case with the
shown article: if the case exists it is resolved directly here, otherwise
(a form not saved yet) the screen dismisses with
``{"kb_article_id", "result", "resolved": False}`` for the form to create and
resolve it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.widgets.option_list import Option

from operator_tui.domain import Rejected
from operator_tui.protocol import DESCRIPTION_MAX
from operator_tui.text import clean
from screens.case_widgets import QuietFooter
from screens.category_picker import PickList, line
from screens.status_bar import StatusBar

LANGUAGES: list[str | None] = [None, "zh", "en"]
LANGUAGE_NAMES = {None: "all languages", "zh": "中文", "en": "English"}
HIGHLIGHT = "bold reverse $warning"
MAX_RESULTS = 30
SNIPPET_CELLS = 50  # before the list has a size


@dataclass(frozen=True)
class Row:
    """One result: the article, a one-line excerpt, the terms to highlight."""

    article: dict[str, Any]
    snippet: str
    terms: tuple[str, ...]


def term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """A case-insensitive pattern for the query terms (longest first)."""
    terms = tuple(t for t in terms if t)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)),
                      re.IGNORECASE)


def highlighted(text: str, pattern: re.Pattern[str] | None, style: str = "") -> Content:
    """*text* as Content (already cleaned by the caller) with matches styled."""
    content = Content.styled(text, style) if style else Content(text)
    return content.highlight_regex(pattern, style=HIGHLIGHT) if pattern else content


def fit(text: str, cells: int) -> str:
    """*text* cut to at most *cells* terminal cells (CJK counts two), with an ellipsis."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        width = cell_len(ch)
        if used + width > cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def answer_text(article: dict[str, Any]) -> str:
    """What goes into the case as its direct answer: title and body."""
    text = clean(f"{article.get('title', '')}\n{article.get('body', '')}").strip()
    return text[:DESCRIPTION_MAX]


class KbLookupScreen(Screen[dict | None]):
    """Search the knowledge base; optionally answer a case with an article."""

    CSS_PATH = "kb_lookup.tcss"
    AUTO_FOCUS = "#kb-query"
    BINDINGS = [
        Binding("escape", "close", "Back", id="kb.close"),
        Binding("f6", "answer", "Answer & resolve", id="kb.answer", priority=True),
        Binding("ctrl+l", "cycle_language", "Language", id="kb.language"),
        Binding("ctrl+t", "translation", "Other language", id="kb.translation"),
        Binding("down", "move(1)", "Next", show=False, id="kb.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="kb.up"),
        Binding("pagedown", "scroll_article(1)", "Article down", show=False, id="kb.page_down"),
        Binding("pageup", "scroll_article(-1)", "Article up", show=False, id="kb.page_up"),
    ]

    def __init__(self, seat: Any, query: str = "", case_no: str | None = None, *,
                 category_code: str = "") -> None:
        super().__init__()
        self.seat = seat
        self.initial_query = query
        self.case_no = case_no
        self.category_code = category_code
        self.language: str | None = None
        self.rows: list[Row] = []
        self.shown: dict[str, Any] | None = None  # the article in the reading pane
        self._generation = 0

    def compose(self) -> ComposeResult:
        yield Static(id="kb-header")
        yield Input(self.initial_query, placeholder="search the knowledge base: 停水 · water outage",
                    id="kb-query", compact=True, select_on_focus=False)
        with Horizontal(id="kb-body"):
            yield PickList(id="kb-results")
            with VerticalScroll(id="kb-article-pane", can_focus=False):
                yield Static(id="kb-article")
        yield StatusBar()
        yield QuietFooter()

    def on_mount(self) -> None:
        self._show_header()
        self.start_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer":
            return bool(self.case_no)
        return True

    # --- searching ---------------------------------------------------------------

    @property
    def query_text(self) -> str:
        return self.query_one("#kb-query", Input).value

    def start_search(self) -> None:
        """Search for the current query in a worker; older answers are dropped."""
        self._generation += 1
        self.search(self._generation, self.query_text, self.language)

    @work(exclusive=True, thread=True, group="kb-search", exit_on_error=False)
    def search(self, generation: int, query: str, language: str | None) -> None:
        try:
            if query.strip():
                hits = self.seat.search_kb(query, MAX_RESULTS, language, self.category_code)
                rows = [Row(h.article, h.snippet, tuple(h.terms)) for h in hits]
            elif self.category_code:
                articles = self.seat.kb_for_category(self.category_code, language)[:MAX_RESULTS]
                rows = [Row(a, " ".join(str(a.get("body", "")).split())[:80], ()) for a in articles]
            else:
                rows = []
        except Exception as exc:  # a broken index must not take the app down
            self.app.call_from_thread(self.notify, f"KB search failed: {exc}", severity="error")
            rows = []
        self.app.call_from_thread(self.show_rows, generation, rows)

    def show_rows(self, generation: int, rows: list[Row]) -> None:
        """Show a search answer unless a newer query has been typed since."""
        if generation != self._generation or not self.is_attached:
            return
        self.rows = rows
        plist = self.query_one(PickList)
        plist.set_options(self._option(i, r) for i, r in enumerate(rows))
        if rows:
            plist.highlighted = 0
        self._show_article(rows[0].article if rows else None)
        self._show_header()

    def _option(self, index: int, row: Row) -> Option:
        pattern = term_pattern(row.terms)
        a = row.article
        prompt = Content.assemble(
            highlighted(line(a.get("title")), pattern, "bold"),
            (f"  {line(a.get('language'))}", "$text-accent"),
            "\n  ",
            highlighted(fit(line(row.snippet), self._snippet_cells()), pattern, "$text-muted"),
        )
        return Option(prompt, id=str(index))

    def _snippet_cells(self) -> int:
        """One line of the result list (less the indent and the scrollbar)."""
        width = self.query_one(PickList).size.width
        return max(20, (width or SNIPPET_CELLS) - 5)

    @on(Input.Changed, "#kb-query")
    def _query_changed(self) -> None:
        self.start_search()

    @on(Input.Submitted, "#kb-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#kb-article-pane").scroll_home(animate=False)

    @on(PickList.OptionHighlighted)
    def _highlighted(self, event: PickList.OptionHighlighted) -> None:
        index = int(event.option.id or 0)
        if index < len(self.rows):
            self._show_article(self.rows[index].article)

    # --- showing ---------------------------------------------------------------------

    def _terms(self) -> tuple[str, ...]:
        plist = self.query_one(PickList)
        if plist.highlighted is not None and plist.highlighted < len(self.rows):
            return self.rows[plist.highlighted].terms
        return ()

    def _show_article(self, article: dict[str, Any] | None) -> None:
        self.shown = article
        view = self.query_one("#kb-article", Static)
        if article is None:
            view.update(Content.styled(
                "No article matches." if self.query_text.strip() else "Type to search.",
                "$text-muted"))
            return
        pattern = term_pattern(self._terms())
        others = self.seat.kb_translations(article)
        meta = " · ".join(filter(None, [
            line(article.get("id")), line(article.get("language")),
            ", ".join(line(t) for t in article.get("tags", [])),
            "updated " + line(article.get("updated_at"))[:10] if article.get("updated_at") else "",
        ]))
        view.update(Content.assemble(
            highlighted(line(article.get("title")), pattern, "bold"),
            "\n", (meta, "$text-muted"),
            ("\nctrl+t: " + ", ".join(line(o.get("language")) for o in others) if others else "",
             "$text-accent"),
            "\n\n",
            highlighted(clean(str(article.get("body", ""))), pattern),
        ))
        self.query_one("#kb-article-pane").scroll_home(animate=False)

    def _show_header(self) -> None:
        parts: list[str | tuple[str, str]] = [("Knowledge base", "bold")]
        if self.case_no:
            parts += ["  for case ", (self.case_no, "bold $accent")]
        parts += [("   language: ", "$text-muted"), (LANGUAGE_NAMES[self.language], "bold"),
                  (f"   {len(self.rows)} result(s)", "$text-muted")]
        self.query_one("#kb-header", Static).update(Content.assemble(*parts))

    # --- actions -------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        plist = self.query_one(PickList)
        if plist.option_count:
            current = plist.highlighted if plist.highlighted is not None else -1
            plist.highlighted = max(0, min(plist.option_count - 1, current + delta))

    def action_scroll_article(self, direction: int) -> None:
        pane = self.query_one("#kb-article-pane", VerticalScroll)
        if direction > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def action_cycle_language(self) -> None:
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        self._show_header()
        self.start_search()

    def action_translation(self) -> None:
        if self.shown is None:
            return
        others = self.seat.kb_translations(self.shown)
        if not others:
            self.notify("This article has no other-language version", severity="warning")
            return
        self._show_article(others[0])

    def action_answer(self) -> None:
        if not self.case_no:
            return
        if self.shown is None:
            self.notify("No article to answer with", severity="warning")
            return
        answer = {"kb_article_id": str(self.shown.get("id", "")), "result": answer_text(self.shown),
                  "resolved": False}
        if self.seat.case(self.case_no) is not None:
            try:
                self.seat.resolve_direct(self.case_no, answer["result"], answer["kb_article_id"])
            except (Rejected, ValueError) as exc:
                self.notify(f"Not resolved: {getattr(exc, 'reason', exc)}", severity="error")
                return
            answer["resolved"] = True
        self.dismiss(answer)

    def action_close(self) -> None:
        self.dismiss(None)
