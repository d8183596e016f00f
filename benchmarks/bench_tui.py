"""The operator app in a real pseudo-terminal, against bare Textual apps.

* Ready-to-type: time from starting ``python -m operator_tui run`` in a pty
  (120×40, xterm-256color) until the first frame holding the login screen's
  text (a new seat) or the home screen's search box (a logged-in seat);
  baseline: ``python -m benchmarks.bare_app`` showing the same text with the
  same number of Inputs. Median of a few starts.
* Key-to-screen: logged in, Ctrl+N opens the case form, Tab to the name
  field, then characters are written to the pty at ~10 a second (distinct
  CJK characters, as an input method commits them) and each is timed until
  its bytes come back on the screen; the form saves the draft as it goes.
  Baseline: the same typing into a bare form (3 Inputs and a TextArea).
* RSS of the app after that, against the bare form's. In a full run the
  seat's cache holds the 1,000,000 cases of the search benchmark.

Every program (app and bare alike) runs with its bytecode cached in the run's
scratch dir (``PYTHONPYCACHEPREFIX``, even where ``PYTHONDONTWRITEBYTECODE``
is set), and each ready-to-type program starts once untimed first: an
installed seat has its modules compiled, and without this the app compiled
its ~60 modules from source at every start while Textual (the bare apps'
only import) came compiled from site-packages.

The central server (SQLite, demo data) runs in its own process.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from .common import REPO, Context, Row, median, not_measured, pct, server, sqlite_url
from .ptyterm import PtyProgram

TITLE = "the app in a terminal"
LANGUAGE = "zh"  # the UI language the app runs in (the centre's)
# What marks each screen: the login's placeholder "e.g. op1" (the bare app shows
# the same), the home screen's search box and the form's draft note — each in
# English and in the UI language, without its first character (the cursor may sit there).
LOGIN_TEXT = [b"op1"]
HOME_MSG = "Search: case no, phone or text (Ctrl+F)"
FORM_MSG = "draft · saved as you type"


def _patterns(message: str) -> list[bytes]:
    texts = [message]
    try:
        from operator_tui import i18n

        i18n.set_language(LANGUAGE)
        texts.append(i18n._(message))
    except Exception:  # no catalog (yet): English only
        pass
    return [t[1:9].encode() for t in dict.fromkeys(texts)]

GOAL_READY_RATIO = 1.3
GOAL_KEY_MS = 16.0
GOAL_KEY_RATIO = 1.5


def _chars(n: int) -> list[str]:
    return [chr(0x4E00 + 37 * i) for i in range(n)]


def bytecode_env(ctx: Context) -> dict[str, str]:
    """Bytecode cached in the scratch dir, as an installed program has it."""
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(ctx.path("pycache/x").parent)}


def ready_time(argv: list[str], env: dict[str, str], pattern: bytes | list[bytes]) -> float:
    term = PtyProgram(argv, env=env, cwd=str(REPO))
    try:
        return term.wait_for(pattern, 60) - term.started
    finally:
        term.close()


def type_keys(term: PtyProgram, keys: list[str], cadence: float = 0.1) -> list[float]:
    out = []
    for ch in keys:
        start = time.perf_counter()
        out.append(term.key_latency(ch) * 1000)
        time.sleep(max(0.0, cadence - (time.perf_counter() - start)))
    return out


def log_in(term: PtyProgram, home_text: list[bytes], settle_timeout: float = 30.0) -> None:
    """Log in as op1 on the login screen; back when the home screen is painted
    and quiet (its cursor blinks: in practice after *settle_timeout*)."""
    term.wait_for(LOGIN_TEXT, 120)
    term.settle()
    term.write(b"op1\r")
    time.sleep(0.3)
    mark = term.mark
    term.write(b"demo1234\r")
    term.wait_for(home_text, 120, mark)
    term.settle(0.5, settle_timeout)


def app_env(ctx: Context, data: Path) -> dict[str, str]:
    return {"OPERATOR_TUI_CONFIG": str(ctx.path("tui/no-config.toml")), "OPERATOR_TUI_DATA_DIR": str(data),
            "OPERATOR_TUI_NO_KEYRING": "1", "OPERATOR_TUI_LANGUAGE": LANGUAGE, **bytecode_env(ctx)}


def run(ctx: Context) -> list[Row]:
    try:
        import operator_tui.app  # noqa: F401
        import screens.case_form  # noqa: F401
        import screens.home  # noqa: F401
        import screens.login  # noqa: F401
    except ImportError as exc:
        return [not_measured("app in a terminal", f"not measured yet: the app is not there ({exc})")]
    from central_server.seed import seed_demo
    from operator_tui.seat import SeatPaths

    home_text, form_text = _patterns(HOME_MSG), _patterns(FORM_MSG)
    starts = ctx.size(5, 1)
    n_keys = ctx.size(120, 10)
    db_url = sqlite_url(ctx.path("tui/central.db"))
    ctx.log("seeding the demo hotline")
    seed_demo(db_url, n_cases=ctx.size(1000, 100))
    bare = [sys.executable, "-m", "benchmarks.bare_app"]
    rows: list[Row] = []
    with server(ctx, database_url=db_url, name="tui") as srv:
        app = [sys.executable, "-m", "operator_tui", "run", "--server", srv.url]
        # --- a logged-in seat: case form typing, RSS
        data = ctx.path("tui/seat")
        big = ctx._shared.get("case_cache")
        cache_note = "empty cache"
        if big is not None or not ctx.quick:
            from .bench_search import case_cache

            big_path, _ = case_cache(ctx)
            target = SeatPaths.for_server(data, srv.url).cache
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(big_path, target)
            cache_note = "cache with the search benchmark's cases"
        ctx.log(f"app: log in, open the case form, type {n_keys} characters ({cache_note})")
        term = PtyProgram(app, env=app_env(ctx, data), cwd=str(REPO))
        try:
            log_in(term, home_text)
            mark = term.mark
            term.write(b"\x0e")  # ctrl+n: new case
            term.wait_for(form_text, 60, mark)
            term.settle()
            term.write(b"\t")  # to the name field
            term.settle()
            app_keys = type_keys(term, _chars(n_keys))
            app_rss = term.rss_mb()
        finally:
            term.close()
        ctx.log("bare form: the same typing")
        term = PtyProgram(bare + ["form"], env=bytecode_env(ctx), cwd=str(REPO))
        try:
            term.wait_for(b"bare case form", 60)
            term.settle()
            bare_keys = type_keys(term, _chars(n_keys))
            bare_rss = term.rss_mb()
        finally:
            term.close()

        # --- ready-to-type
        ctx.log(f"ready-to-type: {starts} starts each (after one untimed start each)")
        bare_env = bytecode_env(ctx)
        programs = [
            (app, lambda i: app_env(ctx, ctx.path(f"tui/fresh-{i}")), LOGIN_TEXT),  # a new seat each time
            (bare + ["login"], lambda i: bare_env, LOGIN_TEXT),
            (app, lambda i: app_env(ctx, data), home_text),
            (bare + ["home"], lambda i: bare_env, home_text),
        ]
        for argv, env_of, text in programs:
            ready_time(argv, env_of("warm"), text)
        login_app, login_bare, home_app, home_bare = (
            [ready_time(argv, env_of(i), text) for i in range(starts)] for argv, env_of, text in programs)

    for label, mine, base in (("login screen, new seat", login_app, login_bare),
                              (f"home screen, logged-in seat ({cache_note})", home_app, home_bare)):
        value, ref = median(mine) * 1000, median(base) * 1000
        rows.append(Row(
            f"ready-to-type, {label}", value, "ms", baseline=ref,
            baseline_name="bare Textual app, same text and number of Inputs",
            goal=f"≤ {GOAL_READY_RATIO}× bare", passed=value <= GOAL_READY_RATIO * ref,
            note=f"median of {len(mine)} starts in a pty (app min {min(mine) * 1000:.0f} ms, "
                 f"bare min {min(base) * 1000:.0f} ms)",
        ))
    p99, bare99 = pct(app_keys, 99), pct(bare_keys, 99)
    rows.append(Row(
        "key-to-screen while typing in the case form, p99", p99, "ms", baseline=bare99,
        baseline_name="bare form (3 Inputs + TextArea), same keys",
        goal=f"< {GOAL_KEY_MS:g} ms and ≤ {GOAL_KEY_RATIO}× bare",
        passed=p99 < GOAL_KEY_MS and p99 <= GOAL_KEY_RATIO * bare99,
        note=f"median {median(app_keys):.1f} ms (bare {median(bare_keys):.1f}), max {max(app_keys):.0f} ms "
             f"(bare {max(bare_keys):.0f}); {len(app_keys)} keys at 10/s into the name field; {cache_note}",
    ))
    rows.append(Row(
        "app RSS, logged in, case form open", app_rss, "MB", baseline=bare_rss,
        baseline_name="bare form app", goal="< 200 MB", passed=app_rss < 200,
        note=f"{cache_note}; sync engine running",
    ))
    return rows
