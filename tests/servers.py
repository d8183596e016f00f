"""Run the central server for real: a subprocess serving HTTP on loopback.

    with ServerProcess("sqlite:////tmp/x/central.db") as srv:
        httpx.get(srv.url + "/health")
        srv.kill()      # SIGKILL, like a crash
        srv.start()     # same port, same database

The command is ``python -m operator_tui serve --host 127.0.0.1 --port P
--database URL``; ``--database`` takes ``sqlite:///<path>`` or
``postgresql://...``.  The server's stdout and stderr go to a log file whose
tail is put into every error message.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.pg import free_port

HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parent.parent


def sqlite_url(path: str | os.PathLike) -> str:
    """sqlite:/// + absolute path (four slashes for /tmp/...)."""
    return "sqlite:///" + str(Path(path).resolve())


class ServerError(RuntimeError):
    pass


class ServerProcess:
    def __init__(self, database_url: str, port: int | None = None,
                 extra_env: dict[str, str] | None = None, *,
                 extra_args: list[str] | tuple[str, ...] = (),
                 workdir: str | os.PathLike | None = None,
                 start_timeout: float = 30.0, stop_timeout: float = 15.0) -> None:
        """``workdir`` holds server.log and the server's config/data dirs
        (a temp dir made on first start and removed by close() if not given).
        ``extra_args`` go after the standard ones (e.g. ["--workers", "2"]).
        """
        self.database_url = database_url
        self.port = port or free_port(HOST)
        self.extra_env = dict(extra_env or {})
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.workdir: Path | None = Path(workdir) if workdir else None
        self._own_workdir = workdir is None
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "server.log" if self.workdir else None

    # ------------------------------------------------------------ properties
    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "operator_tui", "serve",
                "--host", HOST, "--port", str(self.port),
                "--database", self.database_url, *self.extra_args]

    def log_text(self) -> str:
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _log_tail(self, chars: int = 4000) -> str:
        text = self.log_text()
        if not text.strip():
            return "\n(server wrote nothing to stdout/stderr)"
        return f"\n--- server output ({self.log_path}), tail ---\n{text[-chars:]}"

    # ------------------------------------------------------------- lifecycle
    def start(self) -> "ServerProcess":
        """Start the server and wait until GET /health answers 200."""
        if self.running:
            raise ServerError(f"server already running (pid {self.pid})")
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="operator-tui-server-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"=== start #{self.starts + 1}: {' '.join(self.command)}\n"
                      .encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, env=self._env(), cwd=REPO_ROOT,
                start_new_session=True)  # own process group: kill() gets all
        self.starts += 1
        try:
            self.wait_healthy()
        except BaseException:
            self._kill_group(signal.SIGKILL)
            raise
        return self

    def _env(self) -> dict[str, str]:
        """The test's environment minus the developer's OPERATOR_TUI_*
        settings; config and data dirs point into workdir (no config file)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("OPERATOR_TUI_") or k.startswith("OPERATOR_TUI_PG_")}
        env["PYTHONUNBUFFERED"] = "1"
        env["OPERATOR_TUI_CONFIG"] = str(self.workdir / "no-config.toml")
        env["OPERATOR_TUI_DATA_DIR"] = str(self.workdir / "data")
        env.update(self.extra_env)
        return env

    def wait_healthy(self, timeout: float | None = None) -> None:
        timeout = self.start_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while True:
            code = self.proc.poll() if self.proc else -1
            if code is not None:
                raise ServerError(f"server exited with code {code} before "
                                  f"answering /health{self._log_tail()}")
            status = self.health()
            if status == 200:
                return
            if status is not None:
                last = f"/health answered {status}"
            if time.monotonic() > deadline:
                raise ServerError(f"server on {self.url} not healthy after "
                                  f"{timeout}s ({last}){self._log_tail()}")
            time.sleep(0.05)

    def health(self, timeout: float = 2.0) -> int | None:
        """Status code of GET /health, or None if nothing answers.

        http.client directly: no proxy settings from the environment apply.
        """
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    def stop(self) -> int | None:
        """SIGTERM, wait (SIGKILL after stop_timeout); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._kill_group(signal.SIGKILL)
        # leftovers in the group (e.g. workers) must not keep the port
        self._kill_group(signal.SIGKILL)
        return self.proc.returncode

    def kill(self) -> int | None:
        """SIGKILL the server (its whole process group), like a crash."""
        if self.proc is None:
            return None
        self._kill_group(signal.SIGKILL)
        return self.proc.returncode

    def restart(self) -> "ServerProcess":
        """Stop (gracefully) and start again on the same port."""
        self.stop()
        return self.start()

    def _kill_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Stop, and remove workdir if this object made it."""
        self.stop()
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> "ServerProcess":
        if not self.running:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ServerProcess {self.url} {self.database_url} {state}>"
