"""The ``operator-tui`` command line, run as a real subprocess: fast --help,
version, user management on SQLite and PostgreSQL, and errors that are one
line on stderr with a non-zero exit and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from central_server.migrations import MIGRATIONS
from operator_tui import __version__
pytest.register_assert_rewrite("tests.server_helpers")  # before the import below

from tests.server_helpers import query
from tests.servers import REPO_ROOT, sqlite_url

# (not pydantic: typer itself imports it for some help pages)
HEAVY = ("textual", "fastapi", "starlette", "uvicorn", "psycopg", "psycopg_pool", "argon2",
         "httpx", "sqlite_utils", "local_cache", "screens")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment without the developer's settings (no config file)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPERATOR_TUI_")}
    clean["OPERATOR_TUI_CONFIG"] = str(tmp_path / "no-config.toml")
    clean["OPERATOR_TUI_DATA_DIR"] = str(tmp_path / "data")
    return clean


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "operator_tui", *args], input=stdin,
                          capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60)


def ok(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = cli(env, *args, stdin=stdin)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout


def fails(env: dict[str, str], *args: str) -> str:
    """Run a command that must fail with one line; return that line."""
    done = cli(env, *args)
    assert done.returncode != 0, (args, done.stdout)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("operator-tui: error: "), lines[0]
    return lines[0]


# --- help and version ------------------------------------------------------------

IMPORTS_AFTER = """
import runpy, sys
sys.argv = ["operator-tui", *sys.argv[1:]]
try:
    runpy.run_module("operator_tui", run_name="__main__")
except SystemExit:
    pass
print("MODULES", " ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["users", "--help"], ["serve", "--help"], ["version"]])
def test_help_imports_nothing_heavy(env, args) -> None:
    done = subprocess.run([sys.executable, "-c", IMPORTS_AFTER, *args], capture_output=True,
                          text=True, env=env, cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.split("MODULES", 1)[1].split())
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("args, server", [
    (["run"], None), (["run", "--server", "http://a:1"], "http://a:1"), (["run", "-s", "http://a:1"], "http://a:1"),
    (["run", "--server=http://a:1"], "http://a:1"),
])
def test_a_plain_run_skips_typer(args, server) -> None:
    from operator_tui.launch import direct_run

    assert direct_run(args) == (server,)


@pytest.mark.parametrize("args", [
    [], ["--help"], ["run", "--help"], ["run", "--server"], ["run", "--server="], ["run", "-s", "--help"],
    ["run", "--sever", "x"], ["run", "x"], ["serve"], ["run", "-s", "a", "b"],
])
def test_anything_else_goes_to_typer(args) -> None:
    from operator_tui.launch import direct_run

    assert direct_run(args) is None


def test_run_opens_the_app_without_typer_or_pydantic(env, tmp_path) -> None:
    """``operator-tui run`` is what every operator waits for at the start of a
    shift: it must not load typer (which loads pydantic). Its errors are the
    same one line as the other commands'."""
    Path(env["OPERATOR_TUI_CONFIG"]).write_text("this is = = not toml")
    done = subprocess.run([sys.executable, "-c", IMPORTS_AFTER, "run", "-s", "http://127.0.0.1:9"],
                          capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=60)
    errors, modules = done.stderr.split("MODULES", 1)
    assert errors.strip().startswith("operator-tui: error: cannot read config"), errors
    assert not {"typer", "click", "pydantic"} & set(modules.split())
    assert "cannot read config" in fails(env, "run")
    assert "--server" in ok(env, "run", "--help")


def test_help_lists_the_commands(env) -> None:
    out = ok(env, "--help")
    for command in ("serve", "migrate", "seed", "users", "demo", "version"):
        assert command in out
    assert "add" in ok(env, "users", "--help") and "disable" in ok(env, "users", "--help")


def test_version(env) -> None:
    assert ok(env, "version").strip() == f"operator-tui {__version__}"


# --- users ---------------------------------------------------------------------


def _users_roundtrip(env: dict[str, str], url: str) -> None:
    versions = [version for version, _, _ in MIGRATIONS]
    assert ok(env, "migrate", "-d", url).strip() == f"applied migrations {versions}"
    assert "schema is up to date" in ok(env, "migrate", "-d", url)
    assert ok(env, "users", "add", "op7", "--name", "王 七", "--role", "operator",
              "--password", "long-enough-7", "-d", url).strip() == "added op7 (operator)"
    ok(env, "users", "add", "water.1", "--name", "Water desk", "--role", "department",
       "--department", "water", "--password", "long-enough-8", "--database", url)
    listing = ok(env, "users", "list", "-d", url).splitlines()
    assert [line.split()[0] for line in listing] == ["op7", "water.1"]
    assert "王 七" in listing[0] and "[water]" in listing[1] and "disabled" not in "".join(listing)
    assert ok(env, "users", "disable", "op7", "-d", url).strip() == "disabled op7"
    assert "(disabled)" in ok(env, "users", "list", "-d", url).splitlines()[0]
    rows = query(url, "SELECT operator_id, password_hash, active FROM operators ORDER BY operator_id")
    assert [(r["operator_id"], r["active"]) for r in rows] == [("op7", 0), ("water.1", 1)]
    assert all(r["password_hash"].startswith("$argon2") for r in rows)
    assert "already exists" in fails(env, "users", "add", "op7", "--name", "x", "--role", "operator",
                                     "--password", "long-enough-7", "-d", url)
    assert "no operator 'ghost'" in fails(env, "users", "disable", "ghost", "-d", url)


def test_users_on_sqlite(env, tmp_path) -> None:
    _users_roundtrip(env, sqlite_url(tmp_path / "central.db"))


@pytest.mark.postgres
def test_users_on_postgresql(env, fresh_postgres_url) -> None:
    _users_roundtrip(env, fresh_postgres_url)


def test_users_add_prompts_for_the_password(env, tmp_path) -> None:
    url = sqlite_url(tmp_path / "central.db")
    ok(env, "users", "add", "sup1", "--name", "Sup", "--role", "supervisor", "-d", url,
       stdin="long-enough-9\nlong-enough-9\n")
    assert "sup1" in ok(env, "users", "list", "-d", url)


def test_users_default_to_the_configured_database(env, tmp_path) -> None:
    ok(env, "users", "add", "op1", "--name", "One", "--role", "admin", "--password", "long-enough-1")
    assert (tmp_path / "data" / "central.db").exists()
    assert "op1" in ok(env, "users", "list")


def test_users_list_on_a_new_database_is_empty(env, tmp_path) -> None:
    assert ok(env, "users", "list", "-d", sqlite_url(tmp_path / "new.db")) == ""


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize("args, says", [
    (["users", "list", "-d", "mysql://db.example/hotline"], "unsupported database URL"),
    (["users", "list", "-d", "sqlite:relative.db"], "use sqlite:///"),
    (["migrate", "-d", "oracle://x"], "unsupported database URL"),
    (["users", "add", "x1", "--name", "X", "--role", "wizard", "--password", "long-enough-1",
      "-d", "sqlite:///unused.db"], "role"),
    (["users", "add", "x2", "--name", "X", "--role", "operator", "--password", "short",
      "-d", "sqlite:///unused.db"], "password"),
    (["users", "add", "x3", "--name", "X", "--role", "department", "--password", "long-enough-1",
      "-d", "sqlite:///unused.db"], "department"),
    (["serve", "--workers", "2", "-d", "sqlite:///{tmp}/c.db"], "several workers need PostgreSQL"),
    (["seed", "-d", "sqlite:///{tmp}/c.db"], "--demo"),
])
def test_errors_are_one_line(env, tmp_path, args, says) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert says in fails(env, *args)


def test_a_file_that_is_not_a_database(env, tmp_path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just some text\n" * 100)
    assert "not a database" in fails(env, "users", "list", "-d", str(junk))
    assert "not a database" in fails(env, "serve", "-d", sqlite_url(junk))


def test_unreachable_postgresql(env) -> None:
    from tests.pg import free_port

    line = fails(env, "users", "list", "-d", f"postgresql://postgres@127.0.0.1:{free_port()}/hotline")
    assert "cannot connect to PostgreSQL" in line


def test_a_broken_config_file(env, tmp_path) -> None:
    Path(env["OPERATOR_TUI_CONFIG"]).write_text("this is = = not toml")
    assert "cannot read config" in fails(env, "users", "list")
    Path(env["OPERATOR_TUI_CONFIG"]).write_text('colour = "blue"\n')
    assert "unknown settings: colour" in fails(env, "users", "list")


def test_unknown_command_is_a_usage_error(env) -> None:
    done = cli(env, "frobnicate")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "No such command" in done.stderr
