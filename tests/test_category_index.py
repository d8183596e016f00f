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


def test_the_tree_for_browsing(index):
    assert [g.code for g in index.children()] == [f"{n:02d}" for n in range(1, 23)]
    water = index.group("05")
    assert water is not None and water.name_zh == "供水排水"
    assert water.leaf_count == sum(g.leaf_count for g in index.children("05")) == 14
    assert [c.code for c in index.children("05.01")][:2] == ["05.01.01", "05.01.02"]
    assert index.parent("05.01.01") == "05.01" and index.parent("05") == ""
    assert index.group("05.01.01") is None and index.children("05.01.01") == []


def test_browsing_skips_empty_branches_and_keeps_orphans():
    def cat(code, parent="", active=True):
        return {"code": code, "parent_code": parent, "name_zh": code, "name_en": code, "active": active}

    tree = CategoryIndex([
        cat("A"), cat("A.1", "A"), cat("A.1.x", "A.1"),
        cat("B"), cat("B.1", "B", active=False),  # its only leaf is retired: B is a leaf now
        cat("C", active=False), cat("C.1", "C"),  # its parent retired: C.1 sits at the top
        cat("D"),  # a leaf at the top
    ])
    assert [(n.code, type(n).__name__) for n in tree.children()] == [
        ("A", "Group"), ("B", "Leaf"), ("C.1", "Leaf"), ("D", "Leaf")]
    assert tree.group("A").leaf_count == 1 and [n.code for n in tree.children("A")] == ["A.1"]
    assert tree.group("C") is None and tree.parent("C.1") == ""
