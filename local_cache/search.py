"""Search for per-keystroke use: caller history, KB full text, case lookup."""

from __future__ import annotations

import json
import unicodedata
from typing import Any, NamedTuple

from ._rows import days_ago_key, text_of
from .textindex import DIGIT_SEPARATORS, build_query, contains_all, snippet

CASE_TEXT_SCAN_LIMIT = 5000  # FTS candidates checked per case text search
KB_RANK_CAP = 500  # KB matches ranked per tier: bm25 costs ~2 us a match (bounds common terms)
KB_BM25 = "bm25(kb_fts, 10.0, 5.0, 1.0, 0.0)"  # weights: title, tags, body, lang


class KbHit(NamedTuple):
    """One KB search result.

    ``score`` is higher-is-better (negated bm25, title x10, tags x5, body x1);
    ``terms`` are the normalized query terms to highlight (case-insensitively;
    the last Latin word is a prefix).
    """

    article: dict[str, Any]
    score: float
    snippet: str
    terms: tuple[str, ...]


def _phone_prefixes(typed: str) -> list[str]:
    """E.164 prefixes for a partly typed number (digits, maybe a leading +).

    As dialled in China: "138 0013" -> +86138 0013 (mobile), "010-6512" ->
    +8610 6512 (trunk 0 dropped), "+1 202" -> +1202.
    """
    if typed.startswith("+"):
        return [typed] if len(typed) > 1 else []
    if typed.startswith("00"):
        return ["+" + typed[2:]] if len(typed) > 2 else []
    if typed.startswith("0"):
        return ["+86" + typed[1:]] if len(typed) > 1 else []
    return ["+86" + typed]


def _case_no_prefixes(d: str) -> list[str]:
    """case_no prefixes (with dashes) for digits typed without them.

    YYMMDD-SSS-NNNN-C, where the seat is 4 digits from 1000 up: both widths
    are tried when the digits allow.
    """
    if len(d) <= 6:
        return [d]
    out = []
    rest = d[6:]
    for width in (3, 4):
        if width == 4 and rest[0] == "0":
            continue
        parts = [d[:6], rest[:width], rest[width : width + 4], rest[width + 4 : width + 5]]
        if len(rest) > width + 5:
            continue
        out.append("-".join(p for p in parts if p))
    return out


class SearchMixin:
    """Search (mixed into :class:`LocalCache`)."""

    _conn: Any

    @staticmethod
    def _case_dicts(rows: list[tuple]) -> list[dict[str, Any]]:
        return [{**json.loads(s), "local": bool(lo), "server_version": sv} for s, lo, sv in rows]

    def caller_history(self, phone: str, days: int = 365, limit: int = 50) -> list[dict[str, Any]]:
        """Cached cases of one caller within *days*, newest first (by created_at).

        *phone* in any common form ("13800138000", "+86 138 0013 8000",
        "010-6512 3456") is normalized with protocol.normalize_phone (region
        CN). An incomplete or invalid number gives [] (no exception), so it can
        be called on every keystroke. Case dicts carry ``local``/``server_version``.
        """
        from operator_tui.protocol import normalize_phone

        try:
            e164 = normalize_phone(phone)
        except ValueError:
            return []
        rows = self._conn().execute(
            "SELECT state, local, server_version FROM cases "
            "WHERE phone = ? AND created_at >= ? ORDER BY created_at DESC LIMIT ?",
            (e164, days_ago_key(days), limit),
        ).fetchall()
        return self._case_dicts(rows)

    def cases_of_category(self, category_code: str, since: str, statuses: tuple[str, ...],
                          limit: int = 500) -> list[dict[str, Any]]:
        """Cases of one category created at or after *since* (a stored UTC
        time, see operator_tui.clock.iso) whose status is one of *statuses*,
        newest first (index cases_category)."""
        marks = ", ".join("?" * len(statuses))
        rows = self._conn().execute(
            "SELECT state, local, server_version FROM cases WHERE category_code = ? AND created_at >= ? "
            f"AND status IN ({marks}) ORDER BY created_at DESC LIMIT ?",
            (category_code, since, *statuses, limit),
        ).fetchall()
        return self._case_dicts(rows)

    def merged_into(self, case_nos: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
        """Cases merged into any of *case_nos* (index cases_merged_into)."""
        from .schema import MERGED_INTO

        found: list[dict[str, Any]] = []
        for start in range(0, len(case_nos), 500):
            chunk = tuple(case_nos[start : start + 500])
            found += self._case_dicts(self._conn().execute(
                "SELECT state, local, server_version FROM cases "
                f"WHERE status = 'merged' AND {MERGED_INTO} IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall())
        return found

    def search_kb(self, query: str, limit: int = 20, language: str | None = None) -> list[KbHit]:
        """Full-text KB search ranked by bm25 (title x10, tags x5, body x1).

        Chinese matches as substrings (any length, one character included),
        Latin as words with the last word a prefix; all terms must match.
        *language* ("zh", "en") keeps articles of that primary language (zh
        also matches zh-Hans). Articles matching in title/tags come first, then
        the others. To bound the time of very common terms, each tier ranks
        at most KB_RANK_CAP matches (the most recently loaded ones).
        """
        q = build_query(query, phrases=True)
        if not q.match:
            return []
        lang_filter = ""
        if language:
            lang = build_query(language + " ").match
            if lang:
                lang_filter = " AND lang : (" + lang + ")"
        c = self._conn()
        ranked = self._kb_ranked(c, "{title tags} : (" + q.match + ")" + lang_filter, limit, ())
        if len(ranked) < limit:
            seen = tuple(rid for rid, _ in ranked)
            expr = "{title tags body} : (" + q.match + ")" + lang_filter
            ranked += self._kb_ranked(c, expr, limit - len(ranked), seen)
        if not ranked:
            return []
        marks = ", ".join("?" * len(ranked))
        data = dict(
            c.execute(f"SELECT id, data FROM reference WHERE id IN ({marks})", [r for r, _ in ranked])
        )
        hits = []
        for rid, score in ranked:
            article = json.loads(data[rid])
            text = article.get("body") or article.get("title") or ""
            hits.append(KbHit(article, -float(score), snippet(text, q.terms), q.terms))
        return hits

    @staticmethod
    def _kb_ranked(c: Any, expr: str, limit: int, skip: tuple[int, ...]) -> list[tuple[int, float]]:
        """(rowid, bm25) of the best *limit* matches of *expr*, minus *skip*.

        bm25 costs ~1-3 us per match, so only the newest KB_RANK_CAP matches
        (by rowid; found cheaply in rowid order) are ranked.
        """
        floor = c.execute(
            "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            (expr, KB_RANK_CAP - 1),
        ).fetchone()
        rows = c.execute(
            f"SELECT rowid, {KB_BM25} AS score FROM kb_fts WHERE kb_fts MATCH ? AND rowid >= ? "
            "ORDER BY score LIMIT ?",
            (expr, floor[0] if floor else 0, limit + len(skip)),
        ).fetchall()
        skipped = set(skip)
        return [(rid, score) for rid, score in rows if rid not in skipped][:limit]

    def search_cases(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        """Find cases by number, phone, or address/name/description text.

        A query of digits (dashes, spaces, a leading + allowed) matches case
        numbers by prefix (``251129-012``, ``251129012``), then phone numbers
        by the digits as dialled (prefix, e.g. ``1380013`` or ``010-6512``) and
        by their last digits (``8000``); short prefixes give the first *limit*
        rows of the index, not all. Any query also matches name/address/
        description text of two or more characters (newest cases first, by
        when the cache first saw them). Results: case dicts with
        ``local``/``server_version``, number/phone matches first.
        """
        text = query.strip()
        if not text:
            return []
        c = self._conn()
        found: dict[str, dict[str, Any]] = {}

        def take(rows: list[tuple]) -> None:
            for d in self._case_dicts(rows):
                if len(found) < limit:
                    found.setdefault(d["case_no"], d)

        compact = DIGIT_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
        head = "SELECT state, local, server_version FROM cases "
        if compact.lstrip("+").isdigit() and compact.isascii() and len(compact) >= 2:
            d = compact.lstrip("+")
            if not compact.startswith("+"):
                for prefix in _case_no_prefixes(d):
                    take(c.execute(
                        head + "WHERE case_no >= ? AND case_no < ? ORDER BY case_no DESC LIMIT ?",
                        (prefix, prefix + "~", limit),
                    ).fetchall())
            if len(d) >= 3:
                for prefix in _phone_prefixes(compact):
                    if len(found) < limit:
                        take(c.execute(
                            head + "WHERE phone >= ? AND phone < ? LIMIT ?",
                            (prefix, prefix + "~", limit),
                        ).fetchall())
                if len(found) < limit:
                    rev = d[::-1]
                    take(c.execute(
                        head + "WHERE phone_rev >= ? AND phone_rev < ? LIMIT ?",
                        (rev, rev + "~", limit),
                    ).fetchall())
        if len(found) < limit:
            for d in self._search_case_text(text, limit - len(found), set(found)):
                found.setdefault(d["case_no"], d)
        return list(found.values())

    def _search_case_text(self, text: str, limit: int, skip: set[str]) -> list[dict[str, Any]]:
        if len(text) < 2:
            return []  # one character would match most cases: wait for the second
        q = build_query(text, phrases=False)
        if not q.match:
            return []
        c = self._conn()
        matches = c.execute(
            "SELECT rowid FROM cases_fts WHERE cases_fts MATCH ? ORDER BY rowid DESC", (q.match,)
        )
        out: list[dict[str, Any]] = []
        scanned = 0
        while len(out) < limit and scanned < CASE_TEXT_SCAN_LIMIT:
            ids = [r[0] for r in matches.fetchmany(max(limit, 50))]
            if not ids:
                break
            scanned += len(ids)
            marks = ", ".join("?" * len(ids))
            rows = {
                r[0]: r[1:]
                for r in c.execute(
                    f"SELECT id, state, local, server_version FROM cases WHERE id IN ({marks})", ids
                )
            }
            for rid in ids:
                if rid not in rows:
                    continue
                state_json, local, server_version = rows[rid]
                state = json.loads(state_json)
                if state["case_no"] in skip:
                    continue
                if q.needles and not contains_all(" ".join(text_of(state)), q.needles):
                    continue
                out.append({**state, "local": bool(local), "server_version": server_version})
                if len(out) >= limit:
                    break
        matches.close()
        return out
