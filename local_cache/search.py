"""Search for per-keystroke use: caller history, KB full text, case lookup."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, NamedTuple

from ._rows import days_ago_key, text_of
from .textindex import DIGIT_SEPARATORS, build_query, contains_all, normalize, snippet

CASE_TEXT_SCAN_LIMIT = 5000  # FTS candidates checked per case text search
KB_RANK_CAP = 500  # KB candidates per field at most (the newest matches)
KB_SCAN_CAP = 2000  # a KB query looks at its newest this many matches (bounds very common terms)
_TYPED_PREFIX = re.compile(r'"([^"]{2,})"\*$')  # the last term of a query, still being typed
KB_WEIGHTS = {"title": 10.0, "tags": 5.0, "body": 1.0}  # a title match outranks any tags match, ...


class KbHit(NamedTuple):
    """One KB search result.

    ``score`` is higher-is-better: 10 for a title match, 5 for tags, 1 for
    body only, plus up to 0.9 for how much of that field the query covers;
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
        """Full-text KB search: title matches first, then tags, then body.

        Chinese matches as substrings (any length, one character included),
        Latin as words with the last word a prefix; all terms must match.
        *language* ("zh", "en") keeps articles of that primary language (zh
        also matches zh-Hans). Within each of the three, the candidates are
        the newest matches (twice *limit* of title and tags, at most
        KB_RANK_CAP), ordered by how much of the title / tags / body the query
        covers (a short title that is mostly the query first), then newest.
        Only the newest KB_SCAN_CAP matches of a very common query are looked
        at. No bm25: its statistics cost 3-4 ms a query at 100,000 articles
        however few rows it ranks (see the benchmarks), more than the rest.
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

        def newest(columns: str, n: int, floor: int, skip: set[int]) -> list[int]:
            if n <= 0:
                return []
            rows = c.execute(
                "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ? AND rowid >= ? ORDER BY rowid DESC LIMIT ?",
                (columns + " : (" + q.match + ")" + lang_filter, floor, n + len(skip)),
            ).fetchall()
            return [r for (r,) in rows if r not in skip][:n]

        # Where the newest KB_SCAN_CAP matches begin, found with a last word
        # still being typed cut to its first letter (a wider query, so the window
        # is no larger): only one-letter prefixes have an index (4-6 ms -> <1 ms).
        wide = _TYPED_PREFIX.sub(lambda m: '"' + m.group(1)[0] + '"*', q.match)
        edge = c.execute(
            "SELECT rowid FROM kb_fts WHERE kb_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
            ("{title tags body} : (" + wide + ")" + lang_filter, KB_SCAN_CAP - 1),
        ).fetchone()
        floor = edge[0] if edge else 0
        head = newest("{title tags}", min(KB_RANK_CAP, limit * 2), floor, set())
        body = newest("{body}", min(KB_RANK_CAP, limit - len(head)), floor, set(head))
        if not head and not body:
            return []
        marks = ", ".join("?" * (len(head) + len(body)))
        data = dict(c.execute(f"SELECT id, data FROM reference WHERE id IN ({marks})", head + body))
        scored = []
        for rowid in head + body:
            article = json.loads(data[rowid])
            field = "body" if rowid not in head else "title" if _has_all(article.get("title"), q.terms) else "tags"
            scored.append((_kb_score(article, field, q.terms), rowid, article))
        scored.sort(key=lambda hit: (-hit[0], -hit[1]))
        hits = []
        for score, _, article in scored[:limit]:
            text = article.get("body") or article.get("title") or ""
            hits.append(KbHit(article, score, snippet(text, q.terms), q.terms))
        return hits

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


def _kb_score(article: dict[str, Any], field: str, terms: tuple[str, ...]) -> float:
    """The field's weight plus up to 0.9 for the share of the field's text
    that the query terms cover (a short title that is mostly the query
    beats a long one that mentions it once)."""
    value = article.get(field) or ""
    if isinstance(value, list):  # tags: the best-covered tag
        texts = [str(v) for v in value] or [""]
    else:
        texts = [str(value)]
    best = 0.0
    for text in texts:
        flat = normalize(text)
        if flat:
            covered = sum(flat.count(t) * len(t) for t in terms if t)
            best = max(best, min(1.0, covered / len(flat)))
    return KB_WEIGHTS[field] + 0.9 * best


def _has_all(text: Any, terms: tuple[str, ...]) -> bool:
    flat = normalize(str(text or ""))
    return all(t in flat for t in terms)
