"""Reference data reaches the seat whole, however the server pages it.

One upload gives all its items the same version, and a page can end in the
middle of a version — or one upload can be bigger than the server's largest
page (a whole KB): the server pages by (version, key).
"""

from __future__ import annotations

from central_server.reference import ReferenceStore
from tests.server_helpers import open_db, prepared
from tests.sync_support import SeatSim


def _departments(prefix: str, n: int) -> list[dict]:
    return [{"code": f"{prefix}{i:05d}", "name_zh": f"部门{i}", "name_en": f"Dept {i}"} for i in range(n)]


def test_pages_that_end_inside_a_version_lose_nothing(server_factory, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    with open_db(srv.database_url) as db:
        refs = ReferenceStore(db)
        refs.put("departments", _departments("a", 3000))  # one version
        version = refs.put("departments", _departments("b", 5500))  # the next: more than a page
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    status = seat.engine(srv.url).sync_once()
    assert status.online and not status.last_error
    codes = {d["code"] for d in seat.cache.departments()}
    assert len({c for c in codes if c[0] in "ab"}) == 8500
    assert seat.cache.reference_version("departments") == version

    with open_db(srv.database_url) as db:
        newer = ReferenceStore(db).put("departments", [], delete=["a00000"])
    seat.engine(srv.url).sync_once()
    assert "a00000" not in {d["code"] for d in seat.cache.departments()}
    assert seat.cache.reference_version("departments") == newer


def test_one_upload_bigger_than_the_largest_page_arrives_whole(server_factory, tmp_path) -> None:
    """An upload of 12,000 items (one version) against pages of at most 10,000."""
    srv = prepared(server_factory, "sqlite")
    with open_db(srv.database_url) as db:
        version = ReferenceStore(db).put("departments", _departments("c", 12_000))
    seat = SeatSim(tmp_path / "seat.db").login(srv.url, "op1")
    status = seat.engine(srv.url).sync_once()
    assert status.online and not status.last_error
    assert len({d["code"] for d in seat.cache.departments() if d["code"].startswith("c")}) == 12_000
    assert seat.cache.reference_version("departments") == version


def test_pages_by_version_and_key(server_factory) -> None:
    """The store's pages: after (version, key), in order, none twice, none skipped."""
    srv = prepared(server_factory, "sqlite")
    with open_db(srv.database_url) as db:
        refs = ReferenceStore(db)
        first = refs.put("departments", _departments("d", 5))
        second = refs.put("departments", _departments("e", 5))
        seen, since, after = [], first - 1, ""
        while True:
            current, items, more = refs.since("departments", since, 3, after)
            seen += [(i.version, i.key) for i in items]
            if not more:
                break
            since, after = items[-1].version, items[-1].key
    assert current == second
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 10
    assert [k for _, k in seen] == [f"d{i:05d}" for i in range(5)] + [f"e{i:05d}" for i in range(5)]
