"""Text segmentation for the cache's full-text indexes (FTS5), CJK and Latin alike.

SQLite's tokenizers do not segment Chinese, so text is segmented here, in
Python, before it reaches FTS5, and queries are segmented the same way:

* a run of CJK characters (Han, kana, Hangul) becomes its overlapping
  character bigrams plus its last character on its own: ``停水通知`` ->
  ``停水 水通 通知 知``. A two-or-more-character query matches the bigrams
  (exact substring for the KB, which keeps positions; an AND of bigrams checked
  afterwards for cases). A one-character query ``水`` is the prefix query
  ``水*``, which finds every bigram starting with it and the run-final
  single character, so every occurrence;
* any other run of letters/digits is one lowercased word; the last word of a
  query is a prefix (the operator is still typing it).

The indexed strings are space-separated tokens that FTS5's ``unicode61``
tokenizer passes through unchanged. :data:`SEGMENTER_VERSION` names this
scheme; when it changes the indexes are rebuilt on open (contentless FTS5
tables need the exact old tokens to delete a row).
"""

from __future__ import annotations

import re
import unicodedata
from operator import add as _add
from dataclasses import dataclass
from functools import cache

SEGMENTER_VERSION = 1

_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b"  # radicals, iteration marks
    "\u3040-\u30ff\u31f0-\u31ff"  # kana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
    "\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"  # Hangul
    "\U00020000-\U0003134f"  # Han extensions B..H
)


@cache
def _runs_re() -> re.Pattern[str]:
    """CJK runs and other word runs; compiled on first use (~6 ms, which
    held up the app's first frame when done at import)."""
    return re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")


@cache
def _cjk_char_re() -> re.Pattern[str]:
    return re.compile(f"[{_CJK}]")


# Characters kept from a query for a plain-digits check (case and phone numbers).
DIGIT_SEPARATORS = re.compile(r"[\s\-()./]+")


def normalize(text: str) -> str:
    """NFKC (full-width -> half-width) and case folding, as indexed."""
    return unicodedata.normalize("NFKC", text).casefold()


def is_cjk(ch: str) -> bool:
    return bool(_cjk_char_re().match(ch))


def runs(text: str) -> list[tuple[str, bool]]:
    """(run, is_cjk) pairs of the normalized *text*, separators dropped."""
    return [
        (m.group(1), True) if m.group(1) else (m.group(2), False)
        for m in _runs_re().finditer(normalize(text))
    ]


def index_text(*parts: str | None) -> str:
    """The token string stored in FTS5 for the given text fields."""
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        for m in _runs_re().finditer(normalize(part)):
            run = m.group(1)
            if run and len(run) > 1:
                out.append(" ".join(map(_add, run[:-1], run[1:])))  # the bigrams
                out.append(run[-1])
            else:
                out.append(m.group())
    return " ".join(out)


@dataclass(frozen=True)
class Query:
    """A segmented query.

    ``match`` is the FTS5 expression (empty when the query has no searchable
    characters), ``terms`` the normalized runs the user typed (for
    highlighting and snippets), ``needles`` the multi-character CJK runs a hit
    must contain as substrings when the index cannot check adjacency.
    """

    match: str
    terms: tuple[str, ...]
    needles: tuple[str, ...]


def build_query(text: str, *, phrases: bool = True) -> Query:
    """Segment *text* like :func:`index_text` and build an FTS5 MATCH string.

    All terms must match (AND). With ``phrases`` (the KB index keeps token
    positions) a CJK run is a phrase of its bigrams; without (``detail=none``
    indexes) it is an AND of the bigrams and the caller verifies ``needles``.
    The last Latin word is a prefix unless the query ends with a space.
    """
    found = runs(text)
    parts: list[str] = []
    terms: list[str] = []
    needles: list[str] = []
    typing_last = bool(text) and not text[-1].isspace()
    for i, (run, cjk) in enumerate(found):
        terms.append(run)
        if cjk and len(run) > 1:
            grams = [run[j : j + 2] for j in range(len(run) - 1)]
            if phrases:
                parts.append('"' + " ".join(grams) + '"')
            else:
                parts.append(" AND ".join(f'"{g}"' for g in dict.fromkeys(grams)))
                if len(run) > 2:
                    needles.append(run)
        elif cjk:
            parts.append(f'"{run}"*')
        elif i == len(found) - 1 and typing_last:
            parts.append(f'"{run}"*')
        else:
            parts.append(f'"{run}"')
    return Query(" AND ".join(parts), tuple(dict.fromkeys(terms)), tuple(needles))


def contains_all(haystack: str, needles: tuple[str, ...]) -> bool:
    """True when the normalized *haystack* contains every needle."""
    if not needles:
        return True
    text = normalize(haystack)
    return all(n in text for n in needles)


def snippet(text: str, terms: tuple[str, ...], width: int = 80) -> str:
    """A one-line excerpt of *text* around the first matched term.

    Matching is on the normalized text; NFKC can change lengths, so the
    excerpt is cut from the normalized text only when positions differ.
    """
    if not text:
        return ""
    flat = " ".join(text.split())
    norm = normalize(flat)
    source = flat if len(norm) == len(flat) else norm
    hits = [p for p in (norm.find(t) for t in terms if t) if p >= 0]
    if not hits:
        return source[:width] + ("…" if len(source) > width else "")
    pos = min(hits)
    start = max(0, pos - width // 4)
    end = min(len(source), start + width)
    start = max(0, min(start, end - width))
    return ("…" if start else "") + source[start:end] + ("…" if end < len(source) else "")
