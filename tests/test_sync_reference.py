"""Reference data reaches the seat whole, however the server pages it.

The server pages reference items by version only, and one upload gives all
its items the same version; a page can end in the middle of a version.
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
