"""Knowledge-base lookup: search as you type, read the article, answer the case.

``KbLookupScreen(seat, query="", case_no=None, *, category_code="")`` is a
``Screen[dict | None]``. Each keystroke starts an exclusive worker on the local
full-text index; an answer for an older query is dropped. Matches are
highlighted with Content spans (never markup). ctrl+l cycles the language
filter (all / 中文 / English). With all languages, an answer that exists in
several languages is listed once, in the operator's language; ctrl+t shows
it in the others (same group_id), the caller's language first: with a
*caller_language* the reading pane offers that version when it exists. With
a *case_no*, F6 answers the case with the
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

from operator_tui import i18n
from operator_tui.domain import Rejected
from operator_tui.i18n import N_, _, ngettext
from operator_tui.protocol import DESCRIPTION_MAX
from operator_tui.text import clean
from screens.case_widgets import QuietFooter
from screens.filter_picker import PickList, line
from screens.status_bar import StatusBar

LANGUAGES: list[str | None] = [None, "zh", "en"]
LANGUAGE_NAMES = {None: N_("all languages"), "zh": "中文", "en": "English"}
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


def primary(language: Any) -> str:
    """``zh`` for ``zh-Hans``."""
    return str(language or "").split("-", 1)[0].lower()


def one_per_answer(rows: list[Row], language: str) -> list[Row]:
    """Rows with one article per answer (group_id): the one in *language* when
    it matched too, else the best match; in the order of each answer's best match."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.article.get("group_id"):
            groups.setdefault(row.article["group_id"], []).append(row)
    out, seen = [], set()
    for row in rows:
        group = row.article.get("group_id")
        if not group:
            out.append(row)
        elif group not in seen:
            seen.add(group)
            out.append(next((r for r in groups[group] if primary(r.article.get("language")) == language), row))
    return out


def answer_text(article: dict[str, Any]) -> str:
    """What goes into the case as its direct answer: title and body."""
    text = clean(f"{article.get('title', '')}\n{article.get('body', '')}").strip()
    return text[:DESCRIPTION_MAX]


class KbLookupScreen(Screen[dict | None]):
    """Search the knowledge base; optionally answer a case with an article."""

    CSS_PATH = "kb_lookup.tcss"
    AUTO_FOCUS = "#kb-query"
    HELP_TITLE = N_("Knowledge base")
    BINDINGS = [
        Binding("escape", "close", N_("Back"), id="kb.close"),
        Binding("f6", "answer", N_("Answer & resolve"), id="kb.answer", priority=True,
                tooltip=N_("Answer the case with the article shown and resolve it")),
        Binding("ctrl+l", "cycle_language", N_("Language"), id="kb.language",
                tooltip=N_("Search all languages, Chinese only or English only")),
        Binding("ctrl+t", "translation", N_("Other language"), id="kb.translation",
                tooltip=N_("The same answer in another language (the caller's first)")),
        Binding("down", "move(1)", N_("Next"), show=False, id="kb.down"),
        Binding("up", "move(-1)", N_("Previous"), show=False, id="kb.up"),
        Binding("pagedown", "scroll_article(1)", N_("Article down"), show=False, id="kb.page_down"),
        Binding("pageup", "scroll_article(-1)", N_("Article up"), show=False, id="kb.page_up"),
    ]

    def __init__(self, seat: Any, query: str = "", case_no: str | None = None, *,
                 category_code: str = "", caller_language: str = "") -> None:
        super().__init__()
        self.seat = seat
        self.initial_query = clean(query, one_line=True)  # a category name or words from a case
        self.case_no = case_no
        self.category_code = category_code
        self.caller_language = primary(caller_language)
        self.language: str | None = None
        self.rows: list[Row] = []
        self.shown: dict[str, Any] | None = None  # the article in the reading pane
        self._generation = 0
        self._cycle: tuple[str, list[str]] | None = None  # ctrl+t: (group, article ids in order)

    def compose(self) -> ComposeResult:
        yield Static(id="kb-header")
        yield Input(self.initial_query, placeholder=_("search the knowledge base: 停水 · water outage"),
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

    def language_changed(self) -> None:
        """Header, placeholder and article pane in the new language; the list
        again with each answer in the new language (the query stays)."""
        self.query_one("#kb-query", Input).placeholder = _("search the knowledge base: 停水 · water outage")
        self._show_header()
        self._show_article(self.shown)
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
            self.app.call_from_thread(self.notify, _("KB search failed: {error}").format(error=exc),
                                      severity="error")
            rows = []
        if language is None:
            rows = one_per_answer(rows, i18n.current_language())
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
                _("No article matches.") if self.query_text.strip() else _("Type to search."),
                "$text-muted"))
            return
        pattern = term_pattern(self._terms())
        others = self.versions(article)[1:]
        updated = ""
        if article.get("updated_at"):
            from screens import worklists as wl

            moment = wl.local_moment(line(article.get("updated_at")))
            updated = _("updated {date}").format(date=i18n.format_date(moment) if moment else "")
        meta = " · ".join(filter(None, [
            line(article.get("id")), self._language_label(article.get("language")),
            ", ".join(line(t) for t in article.get("tags", [])), updated,
        ]))
        caller = self._caller_version(article)
        view.update(Content.assemble(
            highlighted(line(article.get("title")), pattern, "bold"),
            "\n", (meta, "$text-muted"),
            ("\n" + _("In the caller's language ({language}): ctrl+t").format(
                language=self._language_label(self.caller_language)) if caller else "", "bold $text-warning"),
            ("\nctrl+t: " + ", ".join(self._language_label(o.get("language")) for o in others)
             if others and not caller else "", "$text-accent"),
            "\n\n",
            highlighted(clean(str(article.get("body", ""))), pattern),
        ))
        self.query_one("#kb-article-pane").scroll_home(animate=False)

    @staticmethod
    def _language_label(code: Any) -> str:
        code = line(code)
        return i18n.language_name(code) if code else ""

    def versions(self, article: dict[str, Any]) -> list[dict[str, Any]]:
        """*article*, then its other-language versions: the caller's language
        first, then the operator's, then the rest."""
        order = {lang: rank for rank, lang in enumerate([self.caller_language, i18n.current_language()])
                 if lang}
        others = sorted(self.seat.kb_translations(article),
                        key=lambda a: order.get(primary(a.get("language")), 9))
        return [article, *others]

    def _caller_version(self, article: dict[str, Any]) -> dict[str, Any] | None:
        """The version in the caller's language, when that is not the one shown."""
        if not self.caller_language or primary(article.get("language")) == self.caller_language:
            return None
        return next((a for a in self.versions(article)[1:]
                     if primary(a.get("language")) == self.caller_language), None)

    def _show_header(self) -> None:
        parts: list[str | tuple[str, str]] = [(_("Knowledge base"), "bold")]
        if self.case_no:
            parts += ["  " + _("for case") + " ", (self.case_no, "bold $accent")]
        if self.caller_language:
            parts += [("   " + _("caller: {language}").format(language=self._language_label(self.caller_language)),
                       "$text-muted")]
        parts += [("   " + _("language:") + " ", "$text-muted"), (_(LANGUAGE_NAMES[self.language]), "bold"),
                  ("   " + ngettext("{n} result", "{n} results", len(self.rows)).format(n=len(self.rows)),
                   "$text-muted")]
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
        """The same answer in the next language (the caller's first)."""
        if self.shown is None:
            return
        group = self.shown.get("group_id")
        others = self.seat.kb_translations(self.shown)
        if not group or not others:
            self.notify(_("This article has no other-language version"), severity="warning")
            return
        if self._cycle is None or self._cycle[0] != group:
            self._cycle = (group, [a["id"] for a in self.versions(self.shown)])
        ids = self._cycle[1]
        here = ids.index(self.shown["id"]) if self.shown["id"] in ids else -1
        wanted = ids[(here + 1) % len(ids)]
        article = next((a for a in [self.shown, *others] if a["id"] == wanted), others[0])
        self._show_article(article)

    def action_answer(self) -> None:
        """Answer the case with the article shown and resolve it."""
        if not self.case_no:
            return
        if self.shown is None:
            self.notify(_("No article to answer with"), severity="warning")
            return
        answer = {"kb_article_id": str(self.shown.get("id", "")), "result": answer_text(self.shown),
                  "resolved": False}
        if self.seat.case(self.case_no) is not None:
            try:
                self.seat.resolve_direct(self.case_no, answer["result"], answer["kb_article_id"])
            except (Rejected, ValueError) as exc:
                self.notify(_("Not resolved: {reason}").format(reason=getattr(exc, "reason", exc)),
                            severity="error")
                return
            answer["resolved"] = True
        self.dismiss(answer)

    def action_close(self) -> None:
        self.dismiss(None)
