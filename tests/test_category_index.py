"""The category filter: what an operator types finds the leaf they mean, first."""

from __future__ import annotations

import pytest

from central_server.demo_data import build_demo
from local_cache.category_index import CategoryIndex


@pytest.fixture(scope="module")
def index() -> CategoryIndex:
    return CategoryIndex(build_demo(n_cases=0).categories)


def first(index: CategoryIndex, query: str, **kw) -> str:
    return index.search(query, **kw)[0].leaf.name_zh


def test_only_leaves_with_full_paths(index):
    assert len(index) >= 300
    leaf = index.get("05.01.01")
    assert leaf is not None and leaf.name_zh == "停水"
    assert leaf.path_zh.endswith("/ 停水") and " / " in leaf.path_en
    assert index.get("05") is None  # a parent is not pickable


@pytest.mark.parametrize("query", ["停水", "tingshui", "tszx", "ts", "water outage", "Water", "05.01.01"])
def test_ways_of_typing_find_the_water_outage_leaf_first(index, query):
    assert first(index, query) == "停水"


def test_pinyin_initials_beat_english_substrings(index):
    # "ts" hides in "permits", "rights"... those must not push 停水 down.
    names = [m.leaf.name_zh for m in index.search("ts", limit=5)]
    assert "停水" in names[:3]


def test_code_prefix_lists_the_subtree_in_code_order(index):
    codes = [m.leaf.code for m in index.search("05.01", limit=50)]
    assert codes and all(c.startswith("05.01.") for c in codes)
    assert codes == sorted(codes)


def test_every_word_must_match(index):
    assert all("停水" in m.leaf.path_zh or "water" in m.leaf.path_en.lower()
               for m in index.search("water outage"))
    assert index.search("停水 elevator") == []


def test_usage_puts_recent_leaves_first(index):
    usage = {"05.01.02": (5, "2026-11-29T10:00:00.000000Z")}
    assert index.search("", usage=usage)[0].leaf.code == "05.01.02"
    assert index.search("water", usage=usage)[0].leaf.code == "05.01.02"


def test_typos_fall_back_to_fuzzy_names(index):
    assert first(index, "watr outage") == "停水"


def test_nothing_for_nonsense(index):
    assert index.search("qqqqzzzz") == []
