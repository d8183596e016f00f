"""Logging a seat out: refused while work would be lost, otherwise the token
is revoked and forgotten and no personal data is left anywhere in the cache
files (searched in the raw bytes of the file, its -wal and -shm); a shared
seat's next operator logs in and gets the cases again. Seat API and CLI
against a real server process on loopback; the app's Ctrl+O is in
tests/test_tui_logout.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from local_cache import LocalCache, PendingChangesError
from operator_tui.cli import app as cli_app
from operator_tui.domain import EventType
from operator_tui.logout import Blockers, blockers, describe, draft_has_content
from operator_tui.seat import Seat, SeatPaths
from tests.server_helpers import PASSWORD, client, prepared, query

PHONE = "13912348765"
NAME = "Zhuangzhou-Qx7"
NAME_ZH = "庄周鼋测"
ADDRESS = "Qixiang Lane 77 Flat Vbq9"
WORD = "Wxyzzyplugh"
DESC = f"{WORD} drain blocked 鼋鼍堵塞 " + "overflow-text " * 600  # > one page: overflow pages too


def needles() -> list[bytes]:
    """Byte strings that must not survive in any cache file (compared lowercased)."""
    texts = [PHONE, "+86" + PHONE, PHONE[::-1], NAME, NAME_ZH, ADDRESS, WORD, "鼋鼍堵塞", "overflow-text"]
    return [t.lower().encode() for t in texts]


def leftovers(cache_path: Path) -> dict[str, list[bytes]]:
    """Which needles are in which of the cache's files."""
    found: dict[str, list[bytes]] = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{cache_path}{suffix}")
        if path.exists():
            data = path.read_bytes().lower()
            hits = [n for n in needles() if n in data]
            if hits:
                found[path.name] = hits
    return found


def make_seat(url: str, data_dir: Path) -> Seat:
    return Seat(url, SeatPaths.for_server(data_dir, url), use_keyring=False)


def record_case(seat: Seat, **fields) -> str:
    draft_id, case_no = seat.new_draft()
    payload = {"phone": PHONE, "name": NAME, "address": ADDRESS, "description": DESC, "district": "haidian",
               **fields}
    seat.record(case_no, EventType.CREATED, payload, draft_id=draft_id)
    return case_no


@pytest.fixture(autouse=True)
def english():
    """Messages in English (the catalog's msgids) for these tests."""
    from operator_tui import i18n

    before = i18n.current_language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


@pytest.fixture
def server(server_factory):
    return prepared(server_factory, "sqlite")


# --- the rules ----------------------------------------------------------------------


def test_what_counts_as_a_draft_with_content() -> None:
    assert not draft_has_content({"case_no": "261129-001-0001"})
    assert not draft_has_content({"phone": "  ", "channel": "phone", "language": "zh", "urgency": "normal",
                                  "interpreter": False, "interpreter_log": []})
    for fields in ({"phone": "139"}, {"description": "x"}, {"category_code": "roads"},
                   {"interpreter_log": ["joined"]}, {"interpreter": True}, {"name": "王"}):
        assert draft_has_content(fields), fields


def test_the_refusal_says_how_many_and_why() -> None:
    message = describe(Blockers(changes=3, problems=1, drafts=2))
    assert "3 changes have not reached the central server" in message
    assert "2 draft cases are not recorded" in message
    assert "F8" in message and "F6" in message and "F7" in message and "Ctrl+Q" in message
    assert "1 change has not" in describe(Blockers(changes=1))
    assert "F8" not in describe(Blockers(changes=1))
    assert not Blockers() and Blockers(drafts=1)


def test_token_file_keeps_other_servers_and_goes_with_the_last(tmp_path) -> None:
    from operator_tui.credentials import TokenStore

    path = tmp_path / "data" / "tokens.json"
    one, two = (TokenStore(u, path, use_keyring=False) for u in ("http://a:1", "http://b:2"))
    one.save({"token": "t-one"})
    two.save({"token": "t-two"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    one.forget()
    assert one.load() is None and two.load() == {"token": "t-two"} and "t-one" not in path.read_text()
    two.forget()
    assert not path.exists()
    two.forget()  # nothing to forget: no error


# --- the wipe, in raw bytes -----------------------------------------------------------


def test_wipe_leaves_no_personal_data_in_the_file_wal_or_shm(tmp_path) -> None:
    from local_cache._rows import now_key
    from operator_tui.domain import CaseState

    path = tmp_path / "seat" / "cache.db"
    cache = LocalCache.open(path)
    cache.set_seat(7)
    states = []
    for i in range(300):  # many pages, some overflow pages, the FTS index
        state = CaseState(case_no=f"251129-007-{i + 1:04d}", version=1, created_at=now_key(),
                          updated_at=now_key()).to_dict()
        state.update(phone="+86" + PHONE, name=NAME if i % 2 else NAME_ZH, address=ADDRESS,
                     description=DESC if i % 50 == 0 else f"{WORD} {i} 鼋鼍堵塞")
        states.append(state)
    cache.apply_snapshot(states[:200])
    cache.checkpoint()  # some in the main file...
    cache.apply_snapshot(states[200:])  # ...some only in the WAL
    cache.save_draft("d1", {"phone": PHONE, "name": NAME, "description": DESC})
    assert cache.search_cases(WORD.lower())
    before = leftovers(path)
    assert "cache.db" in before and "cache.db-wal" in before, before  # the check can find them

    cache.wipe_personal_data(discard_drafts=True)

    assert leftovers(path) == {}
    assert cache.case_count() == 0 and cache.drafts() == [] and cache.search_cases(WORD.lower()) == []
    assert cache.db.execute("SELECT count(*) FROM cases_fts_data").fetchone()[0] <= 2
    assert cache.db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert cache.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert cache.seat_no == 7  # the seat and its case numbers stay
    cache.close()
    assert leftovers(path) == {}


# --- the seat, against a real server ----------------------------------------------------


def test_logout_revokes_forgets_wipes_and_the_next_operator_resyncs(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    case_no = record_case(seat)
    assert seat.engine.sync_once().online and seat.cache.outbox_depth() == 0
    token = seat.tokens.load()["token"]
    seat.new_draft()  # an untouched draft (only its number) does not block
    assert not seat.logout_blockers()
    assert leftovers(seat.paths.cache)

    result = seat.logout()

    assert result.revoked and result.drafts_dropped == 1
    assert seat.operator is None and seat.tokens.load() is None
    assert not seat.paths.token_file.exists()  # it held only this server's token
    assert leftovers(seat.paths.cache) == {}
    assert seat.cache.get_state("operator_id") is None and seat.cache.get_state("cursor") == ""
    with client(server.url, token) as http:
        assert http.get("/v1/auth/me").status_code == 401
    rows = query(server.database_url, "SELECT operator_id, client_ip FROM audit_log WHERE action = 'logout'")
    assert rows == [{"operator_id": "op1", "client_ip": "127.0.0.1"}]

    # the next operator of a shared seat logs in and gets the cases again
    seat.login("op2", PASSWORD)
    assert seat.engine.sync_once().online
    assert seat.case(case_no)["description"] == DESC.strip()
    seat.close()


def test_logout_is_refused_while_changes_or_drafts_wait(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    server.stop()
    case_no = record_case(seat)
    draft_id, _ = seat.new_draft()
    seat.save_draft(draft_id, {"phone": "13700001111"}, seat.draft(draft_id)["case_no"])
    assert seat.logout_blockers() == Blockers(changes=1, problems=0, drafts=1)
    with pytest.raises(PendingChangesError, match="1 change has not reached.*1 draft case"):
        seat.logout()
    # nothing changed
    assert seat.operator is not None and seat.tokens.load() is not None
    assert seat.case(case_no) and len(seat.drafts()) == 1 and seat.cache.outbox_depth() == 1
    seat.close()


def test_offline_logout_wipes_here_and_the_token_expires_on_the_server(server, tmp_path) -> None:
    seat = make_seat(server.url, tmp_path / "data")
    seat.login("op1", PASSWORD)
    record_case(seat)
    assert seat.engine.sync_once().online
    token = seat.tokens.load()["token"]
    server.stop()

    result = seat.logout()

    assert not result.revoked and "cannot reach" in result.server_message and result.expires_at
    assert seat.tokens.load() is None and leftovers(seat.paths.cache) == {}
    server.start()  # the server never heard of the logout: the token works until it expires
    with client(server.url, token) as http:
        assert http.get("/v1/auth/me").status_code == 200
    seat.close()


# --- the command line --------------------------------------------------------------------


def test_cli_logout_refuses_then_logs_out(server, tmp_path) -> None:
    data = tmp_path / "data"
    env = {"OPERATOR_TUI_CONFIG": str(tmp_path / "no-config.toml"), "OPERATOR_TUI_DATA_DIR": str(data),
           "OPERATOR_TUI_NO_KEYRING": "1", "OPERATOR_TUI_LANGUAGE": "en"}
    seat = make_seat(server.url, data)
    seat.login("op1", PASSWORD)
    record_case(seat)
    token = seat.tokens.load()["token"]
    seat.close()
    runner = CliRunner()

    refused = runner.invoke(cli_app, ["logout", "--server", server.url, "--yes"], env=env)
    assert refused.exit_code == 1 and "1 change has not reached the central server" in refused.output

    seat = make_seat(server.url, data)
    assert seat.engine.sync_once().online
    seat.close()
    kept = runner.invoke(cli_app, ["logout", "--server", server.url], env=env, input="n\n")
    assert kept.exit_code == 1 and "not logged out" in kept.output
    done = runner.invoke(cli_app, ["logout", "--server", server.url], env=env, input="y\n")
    assert done.exit_code == 0, done.output
    assert "Logged out" in done.output and "could not be reached" not in done.output
    paths = SeatPaths.for_server(data, server.url)
    assert leftovers(paths.cache) == {}
    with client(server.url, token) as http:
        assert http.get("/v1/auth/me").status_code == 401
    again = runner.invoke(cli_app, ["logout", "--server", server.url, "--yes"], env=env)
    assert again.exit_code == 0  # logged out already: wiping an empty cache again is harmless
    cache = LocalCache.open(paths.cache)
    assert blockers(cache) == Blockers() and cache.case_count() == 0
    cache.close()
