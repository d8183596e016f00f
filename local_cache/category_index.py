"""Filtering the category tree as the operator types, in memory.

Each leaf is indexed once by its code, its Chinese and English path, its
keywords, and the pinyin of its Chinese name and keywords (full, e.g.
``tingshui``, and initials, e.g. ``ts``/``tszx``). A query matches a leaf when
every one of its words matches one of those keys; matches are ranked by where
they hit (name prefix first, then name, keyword, pinyin, path) and, for equal
rank, by how often and how recently the seat used the leaf. Typos fall back to
rapidfuzz over the names. Built for thousands of leaves per keystroke.

With nothing typed the picker browses the tree instead: ``children`` lists a
branch's groups and leaves in code order.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Iterator
from typing import Any

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

# Ranks, best first. A "start" rank matches at the start of a name, of an
# English word or of a pinyin spelling; Chinese substrings are strong too, but
# a query found in the middle of an English word (``ts`` in "permits") is weak.
(
    _NAME_START,  # 停水 / "outage" / "water" start the name or one of its words
    _PINYIN_START,  # the name's full pinyin or initials start with the query
    _NAME,  # inside the Chinese name
    _KEYWORD_START,  # a keyword or its pinyin starts with the query
    _KEYWORD,  # inside a keyword or its pinyin
    _CODE,  # the code starts with the query
    _NAME_INSIDE,  # inside an English word or the name's pinyin
    _PATH,  # anywhere in the full path, Chinese, English or pinyin
    _FUZZY,  # typo-tolerant fallback over the names
) = range(9)
_ALL = _FUZZY  # not a rank: the haystack of every key, for several-word queries


@dataclass
class Leaf:
    """One pickable category, with its full path for display."""

    code: str
    name_zh: str
    name_en: str
    path_zh: str
    path_en: str
    default_department: str
    keywords: list[str]
    # (text, rank) pairs, lower case; start ranks carry the _START marker.
    keys: list[tuple[str, int]] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Group:
    """A branch of the tree: opened while browsing, never picked itself."""

    code: str
    name_zh: str
    name_en: str
    path_zh: str
    path_en: str
    parent_code: str
    leaf_count: int  # pickable leaves anywhere below it


@dataclass(frozen=True)
class Match:
    leaf: Leaf
    rank: int
    score: float


class CategoryIndex:
    """An in-memory index over the leaves of a category tree."""

    def __init__(self, categories: list[dict[str, Any]]):
        by_code = {c["code"]: c for c in categories if c.get("active", True)}
        parents = {c.get("parent_code") for c in by_code.values()}
        self.leaves: list[Leaf] = []
        for code in sorted(by_code):
            if code in parents:
                continue
            chain = _chain(by_code, code)
            cat = by_code[code]
            leaf = Leaf(
                code=code,
                name_zh=cat["name_zh"],
                name_en=cat["name_en"],
                path_zh=" / ".join(c["name_zh"] for c in chain),
                path_en=" / ".join(c["name_en"] for c in chain),
                default_department=cat.get("default_department", ""),
                keywords=list(cat.get("keywords", [])),
            )
            leaf.keys = _keys_for(leaf)
            self.leaves.append(leaf)
        self._by_code = {leaf.code: leaf for leaf in self.leaves}
        self._parent = {code: _parent_in(by_code, code) for code in by_code}
        self._groups = _groups(by_code, self._parent, [leaf.code for leaf in self.leaves])
        self._children: dict[str, list[str]] = {}
        for code in sorted(by_code):
            if code in self._by_code or code in self._groups:  # not an empty branch
                self._children.setdefault(self._parent[code], []).append(code)
        self._number = {leaf.code: n for n, leaf in enumerate(self.leaves)}
        self._names = [f"{leaf.name_zh} {leaf.name_en.lower()}" for leaf in self.leaves]
        # One haystack per rank: every leaf's keys of that rank, leaf after
        # leaf, so a word is found with C-speed str.find over all leaves.
        self._hay: list[str] = []
        self._starts: list[list[int]] = []
        for rank in range(_ALL + 1):
            parts, starts, offset = [], [], 0
            for leaf in self.leaves:
                text = _SEP.join(k for k, r in leaf.keys if r == rank or rank == _ALL) + _END
                starts.append(offset)
                parts.append(text)
                offset += len(text)
            self._hay.append("".join(parts))
            self._starts.append(starts)

    def __len__(self) -> int:
        return len(self.leaves)

    def get(self, code: str) -> Leaf | None:
        return self._by_code.get(code)

    def group(self, code: str) -> Group | None:
        return self._groups.get(code)

    def children(self, code: str = "") -> list[Leaf | Group]:
        """The groups and leaves directly under *code* ("" for the top), in code order."""
        return [self._by_code.get(c) or self._groups[c] for c in self._children.get(code, [])]

    def parent(self, code: str) -> str:
        """The code of the branch *code* sits in ("" for the top)."""
        return self._parent.get(code, "")

    def search(
        self, query: str, limit: int = 50, usage: dict[str, tuple[int, str]] | None = None
    ) -> list[Match]:
        """Leaves matching *query*, best first.

        *usage* maps a code to (times used, last used ISO time); with an empty
        query the most recently and frequently used leaves come first.
        """
        usage = usage or {}
        words = [w for w in query.lower().split() if w]
        if not words:
            used = sorted(usage, key=lambda c: (usage[c][1], usage[c][0]), reverse=True)
            recent = [self._by_code[c] for c in used if c in self._by_code]
            rest = [leaf for leaf in self.leaves if leaf.code not in usage]
            return [Match(leaf, _PATH, 0.0) for leaf in (recent + rest)[:limit]]
        used = sorted(
            (self._number[c] for c in usage if c in self._number),
            key=lambda n: -usage[self.leaves[n].code][0],
        )
        if len(words) == 1:
            ranked = self._single(words[0], used, limit)
        else:
            ranked = self._several(words, used, limit)
        if not ranked and len(query) >= 3:
            hits = process.extract(
                query.lower(), self._names, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=75
            )
            return [Match(self.leaves[i], _FUZZY, score) for _, score, i in hits]
        found = [
            Match(self.leaves[n], rank, float(usage.get(self.leaves[n].code, (0, ""))[0]))
            for n, rank in ranked
        ]
        found.sort(key=lambda m: (m.rank, -m.score, m.leaf.code))
        return found[:limit]

    def _single(self, word: str, used: list[int], limit: int) -> list[tuple[int, int]]:
        """(leaf number, rank) of the best *limit* leaves for one word.

        Within a rank, used leaves come first, then the others in code order;
        so each rank needs only its first few hits, not all of them.
        """
        taken: dict[int, int] = {}
        for rank in range(_FUZZY):
            needle = _START + word if rank in _START_RANKS else word
            for n in used:
                if n not in taken and needle in self._leaf_text(rank, n):
                    taken[n] = rank
            for n in self._find(rank, needle):
                if len(taken) >= limit:
                    break
                taken.setdefault(n, rank)
            if len(taken) >= limit:
                break
        return list(taken.items())

    def _several(self, words: list[str], used: list[int], limit: int) -> list[tuple[int, int]]:
        """(leaf number, rank) for leaves matching every word; rank is the worst.

        Collects at most a few times *limit* candidates (used leaves first).
        """
        words = sorted(words, key=len, reverse=True)
        candidates = list(dict.fromkeys(used + list(self._find(_ALL, words[0]))))
        ranked: list[tuple[int, int]] = []
        for n in candidates:
            text = self._leaf_text(_ALL, n)
            if all(w in text for w in words[1:]):
                ranked.append((n, max(self._best_rank(n, w) for w in words)))
                if len(ranked) >= limit * 4:
                    break
        return ranked

    def _best_rank(self, n: int, word: str) -> int:
        for rank in range(_FUZZY):
            if (_START + word if rank in _START_RANKS else word) in self._leaf_text(rank, n):
                return rank
        return _PATH

    def _leaf_text(self, rank: int, n: int) -> str:
        starts = self._starts[rank]
        end = starts[n + 1] if n + 1 < len(starts) else len(self._hay[rank])
        return self._hay[rank][starts[n]:end]

    def _find(self, rank: int, needle: str) -> Iterator[int]:
        """Numbers of the leaves whose keys of *rank* contain *needle*, in order."""
        hay, starts = self._hay[rank], self._starts[rank]
        pos = hay.find(needle)
        while pos != -1:
            leaf_no = bisect_right(starts, pos) - 1
            yield leaf_no
            nxt = starts[leaf_no + 1] if leaf_no + 1 < len(starts) else len(hay)
            pos = hay.find(needle, nxt)


_SEP, _END, _START = "\x01", "\x00", "\x02"
_START_RANKS = (_NAME_START, _PINYIN_START, _KEYWORD_START, _CODE)


@lru_cache(maxsize=65536)
def _pinyin_keys(text: str) -> tuple[str, ...]:
    syllables = [s for s in lazy_pinyin(text, errors="ignore") if s]
    if not syllables:
        return ()
    return ("".join(syllables), "".join(s[0] for s in syllables))


def _chain(by_code: dict[str, dict[str, Any]], code: str) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    while code and code in by_code and code not in seen:
        seen.add(code)
        chain.append(by_code[code])
        code = by_code[code].get("parent_code", "")
    return list(reversed(chain))


def _parent_in(by_code: dict[str, dict[str, Any]], code: str) -> str:
    """*code*'s parent, or "" when it has none that is active (it then sits at the top)."""
    parent = by_code[code].get("parent_code") or ""
    return parent if parent in by_code and parent != code else ""


def _groups(by_code: dict[str, dict[str, Any]], parent: dict[str, str],
            leaves: list[str]) -> dict[str, Group]:
    """Every branch with at least one leaf below it, with its leaf count."""
    counts: dict[str, int] = {}
    for code in leaves:
        seen = {code}
        up = parent[code]
        while up and up not in seen:
            seen.add(up)
            counts[up] = counts.get(up, 0) + 1
            up = parent[up]
    groups = {}
    for code, count in counts.items():
        chain = _chain(by_code, code)
        cat = by_code[code]
        groups[code] = Group(code, cat["name_zh"], cat["name_en"],
                             " / ".join(c["name_zh"] for c in chain),
                             " / ".join(c["name_en"] for c in chain), parent[code], count)
    return groups


def _keys_for(leaf: Leaf) -> list[tuple[str, int]]:
    name_pinyin = _pinyin_keys(leaf.name_zh)
    keys: list[tuple[str, int]] = [(_START + leaf.name_zh.lower(), _NAME_START)]
    keys += [(_START + w, _NAME_START) for w in leaf.name_en.lower().split()]
    keys += [(_START + p, _PINYIN_START) for p in name_pinyin]
    keys += [(leaf.name_zh.lower(), _NAME), (_START + leaf.code.lower(), _CODE)]
    keys += [(leaf.name_en.lower(), _NAME_INSIDE)] + [(p, _NAME_INSIDE) for p in name_pinyin]
    for keyword in leaf.keywords:
        spellings = [keyword.lower(), *_pinyin_keys(keyword)]
        keys += [(_START + k, _KEYWORD_START) for k in spellings]
        keys += [(k, _KEYWORD) for k in spellings]
    keys += [(leaf.path_zh.lower(), _PATH), (leaf.path_en.lower(), _PATH)]
    keys += [(p, _PATH) for p in _pinyin_keys(leaf.path_zh.replace(" / ", ""))]
    return keys
