"""A real, throwaway PostgreSQL cluster for the tests.

``PostgresCluster`` runs ``initdb`` into a temporary directory and starts a
postmaster on a free 127.0.0.1 port (unix socket in the same temporary
directory, fsync off).  Binaries come from ``$OPERATOR_TUI_PG_BIN`` or the same
search as ``scripts/ensure_postgres``.  PostgreSQL refuses to run as root, so
when the tests run as root the cluster runs as an unprivileged user
(``$OPERATOR_TUI_PG_USER``, else ``postgres``, else a system user
``operator-tui-pg`` that is created on first use) and owns its directory.

Nothing here is a pytest fixture; the fixtures live in ``tests/conftest.py``.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

PG_PROGRAMS = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "postgres"
DIR_PREFIX = "operator-tui-pg-"
START_TIMEOUT = 60  # seconds, for pg_ctl -w


class PostgresNotFound(RuntimeError):
    """No usable initdb/pg_ctl/postgres on this machine."""


class PostgresError(RuntimeError):
    """initdb/pg_ctl failed; the message carries their output and the log tail."""


# ---------------------------------------------------------------- binaries

def _usable(bin_dir: str | os.PathLike | None) -> bool:
    if not bin_dir:
        return False
    d = Path(bin_dir)
    for prog in PG_PROGRAMS:
        exe = d / prog
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            return False
        try:
            subprocess.run([str(exe), "--version"], capture_output=True,
                           check=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return False
    return True


def _version_key(path: str) -> tuple:
    # /usr/lib/postgresql/16/bin -> (16,) ; 9.6 -> (9, 6)
    ver = Path(path).parent.name
    return tuple(int(p) if p.isdigit() else 0 for p in ver.split("."))


def _resolved(bin_dir: Path) -> Path:
    """The real directory behind symlinked binaries, if it is complete."""
    real = (bin_dir / "pg_ctl").resolve().parent
    if real != bin_dir and _usable(real):
        return real
    return bin_dir


def find_pg_bin() -> Path | None:
    """Directory with working initdb, pg_ctl and postgres, or None.

    Same order as scripts/ensure_postgres: $OPERATOR_TUI_PG_BIN, PATH,
    /usr/lib/postgresql/*/bin (newest first), /usr/local/bin.
    """
    candidates: list[str] = []
    env = os.environ.get("OPERATOR_TUI_PG_BIN")
    if env:
        candidates.append(env)
    candidates += [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=_version_key, reverse=True)
    candidates.append("/usr/local/bin")
    seen: set[str] = set()
    for c in candidates:
        if c in seen:
            continue
        seen.add(c)
        if _usable(c):
            return _resolved(Path(c))
    return None


def require_pg_bin() -> Path:
    found = find_pg_bin()
    if found is None:
        env = os.environ.get("OPERATOR_TUI_PG_BIN")
        hint = f" (OPERATOR_TUI_PG_BIN={env} is not usable)" if env else ""
        raise PostgresNotFound(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found"
            f"{hint}. Run the tests with scripts/test (it installs PostgreSQL "
            "via scripts/ensure_postgres), or install the Debian 'postgresql' "
            "package, or set OPERATOR_TUI_PG_BIN to the bin directory.")
    return found


# ---------------------------------------------------------------- helpers

def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as, or None (run as self)."""
    if os.geteuid() != 0:
        return None
    wanted = os.environ.get("OPERATOR_TUI_PG_USER")
    names = [wanted] if wanted else ["postgres", "operator-tui-pg"]
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    name = names[-1]
    cmd = (["useradd", "--system", "--user-group", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name]
           if shutil.which("useradd") else
           ["adduser", "--system", "--group", "--no-create-home", name])
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        out = getattr(exc, "stderr", "") or exc
        raise PostgresError(
            f"running as root and could not create the unprivileged user "
            f"{name!r} to run PostgreSQL as: {out}") from exc
    return pwd.getpwnam(name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_clusters(bin_dir: Path | None = None) -> None:
    """Stop and delete clusters left by test runs that were killed outright."""
    for base in glob.glob(os.path.join(tempfile.gettempdir(), DIR_PREFIX + "*")):
        owner_file = Path(base, "owner.pid")
        try:
            owner = int(owner_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if _pid_alive(owner):
            continue
        pidfile = Path(base, "data", "postmaster.pid")
        try:
            pm = int(pidfile.read_text().splitlines()[0])
            os.kill(pm, signal.SIGQUIT)  # immediate shutdown
            for _ in range(50):
                if not _pid_alive(pm):
                    break
                time.sleep(0.1)
        except (OSError, ValueError, IndexError):
            pass
        shutil.rmtree(base, ignore_errors=True)


_SAFE_DB = re.compile(r"[^a-z0-9_]+")


def database_name(hint: str = "t") -> str:
    """A unique, valid database name that says where it came from."""
    stem = _SAFE_DB.sub("_", hint.lower()).strip("_")[:40] or "t"
    return f"{stem}_{uuid.uuid4().hex[:10]}"


# ---------------------------------------------------------------- cluster

class PostgresCluster:
    """One throwaway PostgreSQL cluster.

    >>> c = PostgresCluster(); c.start()
    >>> url = c.create_database()        # postgresql://postgres@127.0.0.1:P/db
    >>> c.restart()                      # same port, same data
    >>> c.destroy()                      # stop and delete everything
    """

    def __init__(self, bin_dir: str | os.PathLike | None = None,
                 port: int | None = None, max_connections: int = 300) -> None:
        self.bin_dir = Path(bin_dir) if bin_dir else require_pg_bin()
        self.host = "127.0.0.1"
        self._fixed_port = port is not None
        self.port = port or free_port()
        self.max_connections = max_connections
        self.user = _run_as_user()
        self.base_dir: Path | None = None
        self.start_seconds: float | None = None  # initdb + first start

    # -- paths and URLs
    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "cluster not initialised"
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "cluster not initialised"
        return self.base_dir / "postgres.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    # -- running programs (as the unprivileged user when we are root)
    def _run(self, prog: str, *args: str, timeout: float = 120) -> str:
        cmd = [str(self.bin_dir / prog), *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC")
        kw: dict = {}
        if self.user is not None:
            kw = dict(user=self.user.pw_uid, group=self.user.pw_gid,
                      extra_groups=[])
            env["HOME"] = str(self.base_dir)
            env["USER"] = env["LOGNAME"] = self.user.pw_name
        try:
            res = subprocess.run(cmd, cwd=self.base_dir, env=env,
                                 stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True, timeout=timeout, **kw)
        except subprocess.TimeoutExpired as exc:
            raise PostgresError(f"{shlex.join(cmd)} timed out after {timeout}s"
                                f"{self._log_tail()}") from exc
        if res.returncode != 0:
            raise PostgresError(
                f"{shlex.join(cmd)} failed (exit {res.returncode}):\n"
                f"{res.stdout}{res.stderr}{self._log_tail()}")
        return res.stdout

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except (OSError, AssertionError):
            return ""
        return "\n--- postgres log (tail) ---\n" + "\n".join(text[-lines:])

    # -- lifecycle
    def init(self) -> None:
        if self.base_dir is not None:
            return
        sweep_stale_clusters()
        # /tmp (or $TMPDIR) must be reachable by the unprivileged user, and
        # the socket path must stay short (unix socket paths are <108 bytes).
        parent = tempfile.gettempdir()
        if self.user is not None and not _traversable_by_others(parent):
            parent = "/tmp"
        self.base_dir = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=parent))
        (self.base_dir / "owner.pid").write_text(f"{os.getpid()}\n")
        if self.user is not None:
            os.chown(self.base_dir, self.user.pw_uid, self.user.pw_gid)
        atexit.register(self.destroy)
        common = ["-D", str(self.data_dir), "-A", "trust", "-U", SUPERUSER,
                  "--no-sync", "-E", "UTF8"]
        try:
            self._run("initdb", *common, "--locale=C.UTF-8")
        except PostgresError:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._run("initdb", *common, "--locale=C")

    def _options(self) -> str:
        opts = [
            "-p", str(self.port),
            "-c", f"listen_addresses={self.host}",
            "-c", f"unix_socket_directories={self.base_dir}",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", f"max_connections={self.max_connections}",
            "-c", "log_min_messages=warning",
            "-c", "log_line_prefix=%m [%p] %d ",
        ]
        return shlex.join(opts)

    def start(self) -> None:
        """Start the cluster (initdb first if needed) and wait until ready."""
        t0 = time.monotonic()
        first = self.base_dir is None
        self.init()
        for attempt in range(5):
            try:
                self._run("pg_ctl", "start", "-D", str(self.data_dir),
                          "-l", str(self.log_file), "-w",
                          "-t", str(START_TIMEOUT), "-o", self._options(),
                          timeout=START_TIMEOUT + 30)
                break
            except PostgresError as exc:
                # lost the race for the free port: pick another (first start only)
                if (first and not self._fixed_port and attempt < 4
                        and "already in use" in str(exc)):
                    self.port = free_port()
                    continue
                raise
        self.wait_ready()
        if first:
            self.start_seconds = time.monotonic() - t0

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"PostgreSQL on port {self.port} not ready after "
                        f"{timeout}s: {exc}{self._log_tail()}") from exc
                time.sleep(0.05)

    @property
    def running(self) -> bool:
        if self.base_dir is None:
            return False
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        return _pid_alive(pid)

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop -m fast|smart|immediate (immediate = like a crash)."""
        if self.running:
            self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", mode,
                      "-w", "-t", str(START_TIMEOUT), timeout=START_TIMEOUT + 30)

    def crash(self) -> None:
        """Stop as abruptly as PostgreSQL allows (crash recovery on start)."""
        self.stop("immediate")

    def restart(self, mode: str = "fast", down_seconds: float = 0.0) -> None:
        """Stop and start again on the same port with the same data.

        Clients see their connections dropped and then the server back at the
        same URL.  ``down_seconds`` keeps it down for a while in between.
        """
        self.stop(mode)
        if down_seconds:
            time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        """Stop (fast, then immediate if needed) and delete the directory."""
        if self.base_dir is None:
            return
        try:
            self.stop("fast")
        except PostgresError:
            try:
                self.stop("immediate")
            except PostgresError:
                pass
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None
        atexit.unregister(self.destroy)

    # -- databases
    def connect(self, dbname: str = "postgres", **kw) -> psycopg.Connection:
        kw.setdefault("connect_timeout", 10)
        return psycopg.connect(self.url(dbname), **kw)

    def create_database(self, name: str | None = None) -> str:
        """CREATE DATABASE (unique name unless given); returns its URL."""
        name = name or database_name()
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ... WITH (FORCE): also ends open connections."""
        with self.connect(autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))

    def __enter__(self) -> "PostgresCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()


def _traversable_by_others(path: str) -> bool:
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        try:
            if not d.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def dbname_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]
