"""The client's address behind a load balancer: forwarding headers are read
only from trusted proxies, from the right; the per-address login limit and
the audit log use that address (unit tests, then a real server on loopback)."""

from __future__ import annotations

import pytest

from central_server.accounts import MAX_FAILED_PER_IP, MAX_FAILED_PER_OPERATOR
from central_server.client_ip import TrustedProxies, parse_networks
from tests.server_helpers import PASSWORD, add_user, client, prepare_database, query
from tests.servers import ServerProcess, sqlite_url

LB = "10.1.2.3"


def hdr(name: str, *values: str) -> list[tuple[bytes, bytes]]:
    return [(name.encode(), v.encode()) for v in values]


def test_untrusted_peer_keeps_its_address_whatever_it_sends() -> None:
    proxies = TrustedProxies("10.0.0.0/8")
    assert proxies.client("203.0.113.9", hdr("x-forwarded-for", "1.2.3.4")) == "203.0.113.9"
    assert proxies.client("203.0.113.9", hdr("forwarded", "for=1.2.3.4")) == "203.0.113.9"
    assert TrustedProxies("").client("127.0.0.1", hdr("x-forwarded-for", "1.2.3.4")) == "127.0.0.1"


def test_right_most_untrusted_address_is_the_client() -> None:
    proxies = TrustedProxies("10.0.0.0/8, 192.168.7.0/24")
    # the client wrote "6.6.6.6" itself; the balancer appended what it saw
    assert proxies.client(LB, hdr("x-forwarded-for", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    # two trusted hops (an inner proxy) are skipped
    assert proxies.client(LB, hdr("x-forwarded-for", "6.6.6.6, 198.51.100.7, 192.168.7.2")) == "198.51.100.7"
    # several header lines are one list
    assert proxies.client(LB, hdr("x-forwarded-for", "6.6.6.6", "198.51.100.8")) == "198.51.100.8"
    # ports and IPv6 brackets
    assert proxies.client(LB, hdr("x-forwarded-for", "198.51.100.9:5123")) == "198.51.100.9"
    assert proxies.client(LB, hdr("x-forwarded-for", "[2001:db8::1]:80")) == "2001:db8::1"
    # no header: the balancer itself
    assert proxies.client(LB, []) == LB
    # junk left of the trusted hops: stop at the last hop that can be vouched for
    assert proxies.client(LB, hdr("x-forwarded-for", "<script>, 192.168.7.2")) == "192.168.7.2"
    assert proxies.client(LB, hdr("x-forwarded-for", "not-an-ip")) == LB


def test_only_the_configured_header_is_read() -> None:
    xff = TrustedProxies("10.0.0.0/8")
    both = hdr("forwarded", "for=6.6.6.6") + hdr("x-forwarded-for", "198.51.100.7")
    assert xff.client(LB, both) == "198.51.100.7"
    assert xff.client(LB, hdr("forwarded", "for=6.6.6.6")) == LB  # a client's own Forwarded is ignored
    rfc = TrustedProxies("10.0.0.0/8", "forwarded")
    assert rfc.client(LB, both) == "6.6.6.6"
    assert rfc.client(LB, hdr("forwarded", 'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https')) \
        == "2001:db8:cafe::17"
    assert rfc.client(LB, hdr("x-forwarded-for", "198.51.100.7")) == LB


def test_bad_settings_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="'nonsense' is not an IP"):
        parse_networks("10.0.0.0/8, nonsense")
    with pytest.raises(ValueError, match="forwarded header must be one of"):
        TrustedProxies("10.0.0.0/8", "x-real-ip")
    assert [str(n) for n in parse_networks(["10.0.0.0/8", "::1"])] == ["10.0.0.0/8", "::1/128"]


def test_config_takes_a_list_or_a_string(tmp_path, monkeypatch) -> None:
    from operator_tui import config

    path = tmp_path / "c.toml"
    path.write_text('trusted_proxies = ["10.0.0.0/8", "192.168.1.5"]\n')
    monkeypatch.setenv("OPERATOR_TUI_CONFIG", str(path))
    monkeypatch.delenv("OPERATOR_TUI_TRUSTED_PROXIES", raising=False)
    assert config.load().trusted_proxies == "10.0.0.0/8, 192.168.1.5"
    monkeypatch.setenv("OPERATOR_TUI_TRUSTED_PROXIES", "172.16.0.0/12")
    assert config.load().trusted_proxies == "172.16.0.0/12"


# --- a real server ------------------------------------------------------------


def _server(tmp_path, trusted: str) -> ServerProcess:
    url = prepare_database(sqlite_url(tmp_path / "central.db"))
    env = {"OPERATOR_TUI_TRUSTED_PROXIES": trusted} if trusted else {}
    return ServerProcess(url, extra_env=env, workdir=tmp_path / "srv")


def _login(srv: ServerProcess, operator_id: str, password: str, xff: str | None = None) -> int:
    headers = {"X-Forwarded-For": xff} if xff else {}
    with client(srv.url) as http:
        return http.post("/v1/auth/login", headers=headers, json={
            "operator_id": operator_id, "password": password, "seat_key": ""}).status_code


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path) -> None:
    with _server(tmp_path, "") as srv:  # loopback is NOT a trusted proxy here
        victim = add_user(srv.database_url, prefix="spoof")
        for n in range(MAX_FAILED_PER_OPERATOR - 1):
            assert _login(srv, victim, "wrong-guess", xff=f"198.51.100.{n}") == 401
        assert _login(srv, victim, PASSWORD, xff="203.0.113.5") == 200
        rows = query(srv.database_url, "SELECT action, client_ip FROM audit_log WHERE operator_id = ?"
                     " AND action LIKE 'login%'", (victim,))
    assert rows and {r["client_ip"] for r in rows} == {"127.0.0.1"}


def test_through_a_trusted_proxy_one_noisy_address_is_limited_others_log_in(tmp_path) -> None:
    noisy, quiet = "203.0.113.66", "198.51.100.20"
    with _server(tmp_path, "127.0.0.0/8") as srv:
        url = srv.database_url
        spray = [add_user(url, prefix="spray") for _ in range(MAX_FAILED_PER_IP // (MAX_FAILED_PER_OPERATOR - 1) + 1)]
        failures = 0
        for user in spray:  # under the per-operator limit for each, over the per-address one in all
            for _ in range(MAX_FAILED_PER_OPERATOR - 1):
                if failures < MAX_FAILED_PER_IP:
                    # the client put a fake address first; the balancer appended the real one
                    assert _login(srv, user, "wrong-guess", xff=f"1.1.1.1, {noisy}") == 401
                    failures += 1
        fresh = add_user(url, prefix="fresh")
        assert _login(srv, fresh, PASSWORD, xff=noisy) == 429  # even the right password from there
        assert _login(srv, fresh, PASSWORD, xff=quiet) == 200
        assert _login(srv, spray[0], PASSWORD, xff=quiet) == 200  # its 4 failures are under the limit
        assert _login(srv, fresh, PASSWORD) == 200  # the balancer's own address is not the noisy one
        # a client cannot escape the limit by naming another address to the left
        assert _login(srv, fresh, PASSWORD, xff=f"{quiet}, {noisy}") == 429
        rows = query(url, "SELECT action, client_ip FROM audit_log WHERE action LIKE 'login%'")
    by_ip = {(r["action"], r["client_ip"]) for r in rows}
    assert ("login_failed", noisy) in by_ip and ("login_throttled", noisy) in by_ip
    assert ("login", quiet) in by_ip and ("login", "127.0.0.1") in by_ip
    assert not any(ip == "1.1.1.1" for _, ip in by_ip)
