"""``operator-tui sync status`` / ``sync now`` against a real server.

The seat is set up through the real Seat facade (login, a case recorded),
with config and data dirs in the test's temp dir (no keyring).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from operator_tui.domain import EventType
from operator_tui.seat import Seat, SeatPaths
from operator_tui.sync_cli import sync_app
from tests.faultproxy import FaultProxy
from tests.server_helpers import PASSWORD, PHONE, client, prepared
from tests.sync_support import server_events

runner = CliRunner()


@pytest.fixture
def env(tmp_path):
    return {
        "OPERATOR_TUI_CONFIG": str(tmp_path / "no-config.toml"),
        "OPERATOR_TUI_DATA_DIR": str(tmp_path / "data"),
        "OPERATOR_TUI_NO_KEYRING": "1",
    }


def _seat(url: str, env: dict, tmp_path) -> Seat:
    seat = Seat(url, SeatPaths.for_server(tmp_path / "data", url), use_keyring=False)
    seat.login("op1", PASSWORD)
    return seat


def _record(seat: Seat, n: int) -> list[str]:
    numbers = []
    for i in range(n):
        draft_id, case_no = seat.new_draft()
        seat.record(case_no, EventType.CREATED,
                    {"phone": PHONE, "description": f"typed at the seat {i}", "district": "haidian"},
                    draft_id=draft_id)
        numbers.append(case_no)
    return numbers


def test_status_reads_the_cache_and_now_syncs(server_factory, env, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    seat = _seat(srv.url, env, tmp_path)
    numbers = _record(seat, 2)
    seat.close()
    env = {**env, "OPERATOR_TUI_SERVER_URL": srv.url}

    result = runner.invoke(sync_app, ["status"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "not connected yet" in out and "2 to send" in out and "last sync   never" in out
    assert "operator op1" in out

    result = runner.invoke(sync_app, ["now"], env=env)
    assert result.exit_code == 0, result.output
    assert "online" in result.output and "0 to send" in result.output and "2 delivered" in result.output
    assert [e["case_no"] for e in server_events(srv.database_url)] == numbers

    srv.stop()  # status needs no server: it shows what was last recorded
    result = runner.invoke(sync_app, ["status", "--server", srv.url],
                           env={**env, "OPERATOR_TUI_SERVER_URL": "http://127.0.0.1:9"})
    assert result.exit_code == 0, result.output
    assert "state       online (as of" in result.output and "(change 2)" in result.output


def test_now_exits_1_when_the_server_is_unreachable(server_factory, env, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    with FaultProxy(srv.url) as proxy:
        seat = _seat(proxy.url, env, tmp_path)
        _record(seat, 1)
        seat.close()
        proxy.set_mode("refuse")
        result = runner.invoke(sync_app, ["now", "--server", proxy.url], env=env)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("operator-tui sync: server unreachable: cannot reach")
    assert "1 to send" in result.stdout  # the status is still shown
    result = runner.invoke(sync_app, ["status", "--server", proxy.url], env=env)
    assert result.exit_code == 0 and "offline since" in result.stdout and "cannot reach" in result.stdout


def test_now_exits_1_when_login_is_required(server_factory, env, tmp_path) -> None:
    srv = prepared(server_factory, "sqlite")
    result = runner.invoke(sync_app, ["now", "--server", srv.url], env=env)
    assert result.exit_code == 1
    assert result.stderr == (f"operator-tui sync: login required: no session for {srv.url} on this seat; "
                             "log in with the app first\n")

    seat = _seat(srv.url, env, tmp_path)
    _record(seat, 1)
    with client(srv.url, seat.tokens.load()["token"]) as http:  # the session ends elsewhere
        assert http.post("/v1/auth/logout").status_code == 204
    seat.close()
    result = runner.invoke(sync_app, ["now", "--server", srv.url], env=env)
    assert result.exit_code == 1
    assert result.stderr.startswith("operator-tui sync: login required: token revoked")
    assert result.stderr.count("\n") == 1
    assert "login required" in result.stdout and "1 to send" in result.stdout
    assert server_events(srv.database_url) == []


def test_status_without_a_cache(env) -> None:
    result = runner.invoke(sync_app, ["status", "--server", "http://127.0.0.1:9"], env=env)
    assert result.exit_code == 0
    assert "no local cache yet" in result.output


def test_wired_into_the_main_cli(env) -> None:
    """What cli.py needs: app.add_typer(sync_app, name="sync")."""
    import typer

    from operator_tui.cli import app

    parent = typer.Typer()
    parent.registered_commands = list(app.registered_commands)
    parent.registered_groups = list(app.registered_groups)
    parent.add_typer(sync_app, name="sync")
    result = runner.invoke(parent, ["sync", "--help"], env=env)
    assert result.exit_code == 0 and "status" in result.output and "now" in result.output
