"""The client's address behind a load balancer, without trusting spoofed headers.

All seats of a centre reach the server through a load balancer, so the peer
the server sees is the balancer. The balancer appends the address it saw to a
forwarding header; only when the direct peer is one of the *trusted proxy
networks* is that header read, and then from the right: the right-most
address that is not itself a trusted proxy is the client. Anything to its left
was written by the client and is ignored. A request from any other peer keeps
its peer address whatever headers it sends.

Only the one header the balancer writes is read (``x-forwarded-for`` by
default, or RFC 7239 ``forwarded``): a balancer passes the other one through
untouched, so reading it would let a client choose its own address.

:class:`ClientAddress` is ASGI middleware that puts the result into
``scope["client"]``, so ``request.client.host`` is the client everywhere (the
per-address login limit, the audit log). The peer is kept in
``scope["state"]["peer"]``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

HEADERS = ("x-forwarded-for", "forwarded")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(spec: str | Iterable[str]) -> list[Network]:
    """Networks from "10.0.0.0/8, 192.168.1.5" (or a list); ValueError names a bad one."""
    items = spec.replace(";", ",").split(",") if isinstance(spec, str) else list(spec)
    networks: list[Network] = []
    for raw in items:
        text = str(raw).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"trusted proxy {text!r} is not an IP address or network (CIDR)") from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP from a header element: bare, "[v6]", "[v6]:port" or "v4:port"; None if not one."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _forwarded_for(values: Sequence[str]) -> list[str]:
    """The ``for=`` values of RFC 7239 ``Forwarded`` headers, in order."""
    found: list[str] = []
    for value in values:
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, data = pair.partition("=")
                if name.strip().lower() == "for":
                    found.append(data.strip())
    return found


class TrustedProxies:
    """Which peers may tell the client's address, and in which header."""

    def __init__(self, networks: str | Iterable[str] = "", header: str = "x-forwarded-for"):
        self.networks = parse_networks(networks)
        header = (header or "x-forwarded-for").strip().lower()
        if header not in HEADERS:
            raise ValueError(f"forwarded header must be one of {', '.join(HEADERS)}, not {header!r}")
        self.header = header

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusted(self, address: Any) -> bool:
        """True when *address* (an ip_address, or None) lies in a trusted proxy network."""
        return address is not None and any(address in net for net in self.networks)

    def client(self, peer: str, headers: Sequence[tuple[bytes, bytes]]) -> str:
        """The client's address for a request from *peer* with *headers*."""
        peer_ip = _address(peer)
        if not self.trusted(peer_ip):
            return peer
        name = self.header.encode()
        values = [v.decode("latin-1") for k, v in headers if k.lower() == name]
        if self.header == "forwarded":
            hops = _forwarded_for(values)
        else:
            hops = [part for value in values for part in value.split(",")]
        nearest = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:  # junk a client wrote: stop at the last hop we can vouch for
                return nearest
            if not self.trusted(address):
                return str(address)
            nearest = str(address)
        return nearest


class ClientAddress:
    """ASGI middleware: ``scope["client"]`` becomes the client behind trusted proxies."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies):
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies and scope.get("client"):
            host, port = scope["client"]
            client = self.proxies.client(host, scope.get("headers") or [])
            if client != host:
                scope = dict(scope)
                scope["state"] = {**scope.get("state", {}), "peer": host}
                scope["client"] = (client, 0)
        await self.app(scope, receive, send)
