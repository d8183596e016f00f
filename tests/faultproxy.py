"""A fault-injecting HTTP/1.1 proxy on loopback, for the sync tests.

    with FaultProxy(server.url) as proxy:        # seats talk to proxy.url
        proxy.set_mode("drop", paths=("/v1/events",), times=3)
        ...                                      # next 3 pushes: the server
                                                 # commits, the seat sees a reset
        proxy.set_mode("pass")

One request per client connection (the proxy answers ``Connection: close``),
forwarded on a fresh upstream connection; threads and blocking sockets, no
framework. Modes (``set_mode(name, *, paths=None, times=None, delay=...)``):

``pass``       forward unchanged
``refuse``     the listening socket is closed: connections are refused
``close``      accept, then close at once without reading (nothing forwarded)
``delay``      forward the request at once (the server commits), hold the
               answer ``delay`` seconds, then send it (if the client still
               listens)
``reset``      forward, then send the first half of the answer and reset (RST)
``drop``       forward (the server commits), read the whole answer, then
               reset the client connection without sending a byte
``truncate``   forward, then send the headers with the original
               Content-Length and only half of the body, then close
``garbage``    forward (the server commits), answer 200 with a non-JSON body
``wrong_json`` forward, answer 200 with valid JSON of the wrong shape
``error500``   do NOT forward; answer 500 Internal Server Error
``status``     do NOT forward; answer ``status`` with ``body`` (``content_type``),
               e.g. a load balancer's 404 page, a 429, or a 422 JSON error
``hang``       accept, read the request, never forward or answer (until the
               mode changes or the proxy stops); for "network gone quiet"

``paths`` limits the fault to requests whose path starts with one of them
(others pass); ``times`` limits it to the next N matching requests, after
which the proxy passes again. ``on_forwarded`` (a callable taking the
request line) runs after a request was sent upstream and before its answer
is read: tests use it to SIGKILL the server in the middle of a push.
``cut()`` resets every connection in flight (e.g. a long poll).

Counters: ``requests`` (all requests seen, as (method, path, mode applied)),
``faults`` (how many requests got a fault).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

HOST = "127.0.0.1"
MODES = ("pass", "refuse", "close", "delay", "reset", "drop", "truncate", "garbage",
         "wrong_json", "error500", "status", "hang")
MAX_HEAD = 64 * 1024


@dataclass
class _Rule:
    mode: str = "pass"
    paths: tuple[str, ...] | None = None
    times: int | None = None
    delay: float = 0.0
    status: int = 500
    body: bytes = b""
    content_type: str = "application/json"


class FaultProxy:
    """Forward 127.0.0.1:<port> to *upstream* (``http://host:port``), with faults."""

    def __init__(self, upstream: str, port: int = 0):
        rest = upstream.split("://", 1)[-1].rstrip("/")
        host, _, up_port = rest.partition(":")
        self.upstream = (host, int(up_port or 80))
        self._rule = _Rule()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._closed = False
        self.requests: list[tuple[str, str, str]] = []
        self.faults = 0
        self.on_forwarded: Callable[[str], None] | None = None
        self.port = port
        self._listen()
        self.url = f"http://{HOST}:{self.port}"

    # --- control -------------------------------------------------------------

    def set_mode(self, mode: str, *, paths: Iterable[str] | None = None, times: int | None = None,
                 delay: float = 0.0, status: int = 500, body: bytes = b"",
                 content_type: str = "application/json") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        with self._lock:
            self._rule = _Rule(mode, tuple(paths) if paths else None, times, delay, status, body,
                               content_type)
            self._changed.notify_all()
        if mode == "refuse" and paths is None:
            self._unlisten()
        else:
            self._listen()

    @property
    def mode(self) -> str:
        with self._lock:
            return self._rule.mode

    def cut(self) -> None:
        """Reset every client connection in flight."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # the serving thread closes it
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._changed.notify_all()
        self._unlisten()
        self.cut()
        for thread in list(self._threads):
            thread.join(2)

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- listening -------------------------------------------------------------

    def _listen(self) -> None:
        with self._lock:
            if self._listener is not None or self._closed:
                return
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, self.port))
            sock.listen(128)
            self.port = sock.getsockname()[1]
            self._listener = sock
        thread = threading.Thread(target=self._accept_loop, args=(sock,), name="faultproxy-accept",
                                  daemon=True)
        thread.start()
        self._threads.append(thread)

    def _unlisten(self) -> None:
        with self._lock:
            sock, self._listener = self._listener, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._listener is not listener:
                    conn.close()
                    return
                self._conns.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), name="faultproxy-conn",
                                      daemon=True)
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    # --- one request ---------------------------------------------------------------

    def _take_rule(self, path: str) -> _Rule:
        with self._lock:
            rule = self._rule
            if rule.mode == "pass":
                return rule
            if rule.paths is not None and not any(path.startswith(p) for p in rule.paths):
                return _Rule()
            if rule.times is not None:
                if rule.times <= 0:
                    return _Rule()
                rule.times -= 1
            self.faults += 1
            return _Rule(rule.mode, rule.paths, None, rule.delay, rule.status, rule.body,
                         rule.content_type)

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._serve_one(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _serve_one(self, conn: socket.socket) -> None:
        with self._lock:
            early = self._rule.mode == "close" and self._rule.paths is None
        if early:
            rule = self._take_rule("")
            if rule.mode == "close":
                with self._lock:
                    self.requests.append(("?", "?", "close"))
                _reset(conn)
                return
        head, body = _read_request(conn)
        if head is None:
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, path = (request_line.split(" ") + ["", ""])[:2]
        rule = self._take_rule(path)
        with self._lock:
            self.requests.append((method, path, rule.mode))
        mode = rule.mode
        if mode == "close":
            _reset(conn)
            return
        if mode == "error500":
            conn.sendall(_answer(500, b'{"error": "internal server error (fault proxy)"}'))
            return
        if mode == "status":
            conn.sendall(_answer(rule.status, rule.body, rule.content_type))
            return
        if mode == "hang":
            with self._lock:
                while self._rule.mode == "hang" and not self._closed:
                    self._changed.wait(0.2)
            _reset(conn)
            return
        answer = self._forward(request_line, head, body)
        if answer is None:  # the upstream is down: like a gateway with no server
            _reset(conn)
            return
        if mode == "pass":
            conn.sendall(answer)
        elif mode == "delay":
            time.sleep(rule.delay)
            conn.sendall(answer)
        elif mode == "drop":
            _reset(conn)
        elif mode == "reset":
            conn.sendall(answer[: max(1, len(answer) // 2)])
            _reset(conn)
        elif mode == "truncate":
            head_end = answer.find(b"\r\n\r\n") + 4
            body_len = len(answer) - head_end
            conn.sendall(answer[: head_end + body_len // 2])
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)
        elif mode == "garbage":
            conn.sendall(_answer(200, b"\x00\xffnot json at all <html>\x1b[2J"))
        elif mode == "wrong_json":
            conn.sendall(_answer(200, b'{"protocol": 1, "results": [], "events": "nope"}'))

    def _forward(self, request_line: str, head: bytes, body: bytes) -> bytes | None:
        lines = head.split(b"\r\n")
        kept = [ln for ln in lines[1:] if ln and not ln.lower().startswith(b"connection:")]
        out = b"\r\n".join([lines[0], *kept, b"Connection: close"]) + b"\r\n\r\n" + body
        try:
            up = socket.create_connection(self.upstream, timeout=60)
        except OSError:
            return None
        try:
            up.sendall(out)
            hook = self.on_forwarded
            if hook is not None:
                hook(request_line)
            chunks = []
            while True:
                data = up.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except OSError:
            return None
        finally:
            up.close()
        answer = b"".join(chunks)
        if b"\r\n\r\n" not in answer:
            return None
        return _force_close_header(answer)


def _read_request(conn: socket.socket) -> tuple[bytes | None, bytes]:
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, b""
        buf += data
        if len(buf) > MAX_HEAD:
            return None, b""
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, b""
        rest += data
    return head, rest[:length]


def _force_close_header(answer: bytes) -> bytes:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"connection: close"]) + b"\r\n\r\n" + body


def _answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    reason = {200: "OK", 404: "Not Found", 422: "Unprocessable Entity", 429: "Too Many Requests",
              500: "Internal Server Error"}.get(status, "Status")
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def _reset(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), like a crashed peer or a middlebox."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        conn.close()
