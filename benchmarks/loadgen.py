"""Load generators for the centre benchmark, each run as its own process.

    python -m benchmarks.loadgen CONFIG.json

CONFIG has ``mode`` and ``out`` (a JSON file the results go to):

``pollers``  one long-poll loop per token (GET /v1/changes?wait=W with the
             seat's own token, cursor and connection), all in one asyncio loop, until
             SIGTERM. Writes per-event receipt stats (first/last time seen,
             how many seats saw it), poll counts and errors.
``pushers``  push one `created` event per request from random seats: at a
             Poisson ``rate`` (cases/s) for ``seconds``, or, with
             ``concurrency``, that many back-to-back loops. Writes latencies.
``health``   ``concurrency`` back-to-back GET /health loops for ``seconds``.

Kept in separate processes so that the client loop's own delays do not end
up in the server's latency.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from .common import created_event


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Conn:
    """One keep-alive HTTP/1.1 connection (asyncio streams).

    httpx's pool looks at every connection for every request; with 700 of
    them that made the load generator, not the server, the bottleneck. This
    is just enough HTTP for our server: Content-Length or chunked bodies.
    """

    def __init__(self, url: str, timeout: float = 60):
        hostport = url.split("://", 1)[1].rstrip("/")
        self.host, _, port = hostport.partition(":")
        self.port = int(port or 80)
        self.timeout = timeout
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._request(method, path, headers or {}, body), self.timeout)
        except BaseException:
            self.close()
            raise

    async def _request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self._w is None:
            self._r, self._w = await asyncio.open_connection(self.host, self.port)
        assert self._r is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if body or method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        self._w.write(head.encode() + b"\r\n" + body)
        await self._w.drain()
        line = await self._r.readline()
        if not line:
            raise ConnectionResetError("server closed the connection")
        status = int(line.split()[1])
        length, chunked, close = 0, False, False
        while True:
            line = await self._r.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            key, _, value = line.partition(b":")
            key = key.strip().lower()
            if key == b"content-length":
                length = int(value)
            elif key == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif key == b"connection" and b"close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self._r.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._r.readline()
                    break
                parts.append(await self._r.readexactly(size))
                await self._r.readline()
            data = b"".join(parts)
        else:
            data = await self._r.readexactly(length)
        if close:
            self.close()
        return status, data

    def close(self) -> None:
        if self._w is not None:
            self._w.close()
        self._r = self._w = None


class Pool:
    """Connections handed out one per concurrent request."""

    def __init__(self, url: str, timeout: float = 60):
        self.url, self.timeout = url, timeout
        self._idle: list[Conn] = []

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> tuple[int, bytes]:
        if self._idle:
            conn = self._idle.pop()
            try:
                status, data = await conn.request(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                # the server closed the idle connection (keep-alive timeout): once more, on a new one
                conn = Conn(self.url, self.timeout)
                status, data = await conn.request(method, path, headers, body)
        else:
            conn = Conn(self.url, self.timeout)
            status, data = await conn.request(method, path, headers, body)
        self._idle.append(conn)
        return status, data

    def close(self) -> None:
        for conn in self._idle:
            conn.close()


# --- pollers -------------------------------------------------------------------


async def pollers(cfg: dict[str, Any]) -> dict[str, Any]:
    tokens: list[str] = cfg["tokens"]
    wait = float(cfg.get("wait", 20))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    seen: dict[str, list[float]] = {}  # event_id -> [first, last, seats]
    stats: dict[str, Any] = {"polls": 0, "errors": 0, "error_kinds": {}, "connected": 0, "reconnects": 0}
    ready = Path(cfg["ready"])

    async def one(token: str) -> None:
        conn = Conn(cfg["url"], timeout=wait + 30)
        headers = {"Authorization": f"Bearer {token}"}
        cursor = cfg.get("cursor", "")
        first = True
        while not stop.is_set():
            query = urlencode({"cursor": cursor, "wait": 0 if first else wait})
            try:
                try:
                    status, data = await conn.request("GET", f"/v1/changes?{query}", headers)
                except (ConnectionError, asyncio.IncompleteReadError):
                    if first:
                        raise
                    # The server closed the kept-alive connection (its keep-alive
                    # timeout, when this loop fell behind): once more, on a new one.
                    stats["reconnects"] += 1
                    status, data = await conn.request("GET", f"/v1/changes?{query}", headers)
                now = time.time()
                if status != 200:
                    raise RuntimeError(f"HTTP {status}")
                page = json.loads(data)
            except Exception as exc:  # noqa: BLE001 - counted and retried
                if stop.is_set():
                    return
                stats["errors"] += 1
                kind = str(exc)[:60] if isinstance(exc, RuntimeError) else type(exc).__name__
                stats["error_kinds"][kind] = stats["error_kinds"].get(kind, 0) + 1
                await asyncio.sleep(1.0)
                continue
            if first:
                stats["connected"] += 1
                first = False
            stats["polls"] += 1
            cursor = page["cursor"]
            for ev in page["events"]:
                rec = seen.get(ev["event_id"])
                if rec is None:
                    seen[ev["event_id"]] = [now, now, 1]
                else:
                    rec[1] = now
                    rec[2] += 1
        conn.close()

    tasks = []
    spread = float(cfg.get("ramp_seconds", 5))
    for i, token in enumerate(tokens):
        tasks.append(asyncio.create_task(one(token)))
        if i % 50 == 49:
            await asyncio.sleep(spread * 50 / len(tokens))
    while stats["connected"] < len(tokens) and not stop.is_set():
        await asyncio.sleep(0.1)
    ready.write_text(json.dumps({"connected": stats["connected"]}))
    await stop.wait()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {**stats, "seen": seen}


# --- pushers -------------------------------------------------------------------


class _Seats:
    """Case numbers per seat, handed out in order."""

    def __init__(self, seats: list[dict[str, Any]], start: int):
        from datetime import UTC, datetime

        from operator_tui.case_numbers import make_case_no

        self._make = make_case_no
        self._day = datetime.now(UTC).date()
        self.seats = seats
        self.next = {s["seat_no"]: start for s in seats}
        self.count = 0

    def take(self, rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
        seat = rng.choice(self.seats)
        seq = self.next[seat["seat_no"]]
        self.next[seat["seat_no"]] = seq + 1
        self.count += 1
        return seat, created_event(self._make(self._day, seat["seat_no"], seq), self.count)


async def pushers(cfg: dict[str, Any]) -> dict[str, Any]:
    rng = random.Random(cfg.get("seed", 1))
    seats = _Seats(cfg["seats"], int(cfg.get("first_seq", 1)))
    seconds = float(cfg["seconds"])
    latencies: list[float] = []
    sent: dict[str, float] = {}
    errors: dict[str, int] = {}
    pool = Pool(cfg["url"])

    async def push() -> None:
        seat, event = seats.take(rng)
        body = json.dumps({"protocol": 1, "events": [event]}).encode()
        headers = {"Authorization": f"Bearer {seat['token']}", "Content-Type": "application/json"}
        start = time.perf_counter()
        sent[event["event_id"]] = time.time()
        try:
            status, data = await pool.request("POST", "/v1/events", headers, body)
            ok = status == 200 and json.loads(data)["results"][0]["status"] == "applied"
            kind = "" if ok else f"HTTP {status}: {data[:120]!r}"
        except Exception as exc:  # noqa: BLE001 - counted
            kind = type(exc).__name__
        latencies.append((time.perf_counter() - start) * 1000)
        if kind:
            errors[kind] = errors.get(kind, 0) + 1

    concurrency = int(cfg.get("concurrency", 0))
    start = time.perf_counter()
    if concurrency:
        async def worker() -> None:
            while time.perf_counter() - start < seconds:
                await push()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    else:
        rate = float(cfg["rate"])
        tasks = []
        t = start
        while True:
            t += rng.expovariate(rate)
            if t - start >= seconds:
                break
            await asyncio.sleep(max(0.0, t - time.perf_counter()))
            tasks.append(asyncio.create_task(push()))
        await asyncio.gather(*tasks)
    took = time.perf_counter() - start
    pool.close()
    return {"latencies_ms": latencies, "errors": errors, "seconds": took, "sent": sent, "count": len(latencies)}


async def health(cfg: dict[str, Any]) -> dict[str, Any]:
    seconds, concurrency = float(cfg["seconds"]), int(cfg["concurrency"])
    latencies: list[float] = []
    errors: dict[str, int] = {}
    pool = Pool(cfg["url"])
    start = time.perf_counter()

    async def worker() -> None:
        while time.perf_counter() - start < seconds:
            t0 = time.perf_counter()
            try:
                status, _ = await pool.request("GET", "/health")
                kind = "" if status == 200 else f"HTTP {status}"
            except Exception as exc:  # noqa: BLE001 - counted
                kind = type(exc).__name__
            latencies.append((time.perf_counter() - t0) * 1000)
            if kind:
                errors[kind] = errors.get(kind, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    took = time.perf_counter() - start
    pool.close()
    return {"latencies_ms": latencies, "errors": errors, "seconds": took, "count": len(latencies)}


MODES = {"pollers": pollers, "pushers": pushers, "health": health}


def _run(main: Any) -> Any:
    """asyncio.run, on uvloop when it is there (the server's loop too): the
    700 pollers then cost the shared CPUs less."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: list[str]) -> int:
    _raise_fd_limit()
    cfg = json.loads(Path(argv[0]).read_text())
    cpu0 = time.process_time()
    result = _run(MODES[cfg["mode"]](cfg))
    result["client_cpu_s"] = time.process_time() - cpu0
    Path(cfg["out"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
