"""Running the central server inside this process, on loopback (demo, tests).

uvicorn serves in a background thread; :meth:`EmbeddedServer.stop` ends it.
"""

from __future__ import annotations

import socket
import threading
import time

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    """The central server for *database_url*, served from a thread."""

    def __init__(self, database_url: str, port: int = 0):
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 20.0) -> "EmbeddedServer":
        import uvicorn

        from central_server.app import create_app

        config = uvicorn.Config(
            create_app(self.database_url), host="127.0.0.1", port=self.port,
            log_level="warning", access_log=False, lifespan="off", proxy_headers=False,
            timeout_graceful_shutdown=1,  # open long polls must not hold up a stop
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="central-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if not self._thread.is_alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"the embedded server did not start on port {self.port}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "EmbeddedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
