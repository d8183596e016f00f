"""A scripted typist enters the standard dispatched case in the real app.

The standard case (tests/test_tui_intake.py::test_keystrokes_for_a_standard_
dispatched_case): from the home screen ctrl+n, the caller's number, F4
``tings`` Enter (category 停水, water outage), ``cy`` Enter (district
Chaoyang), the address, Tab, the description, alt+r (appeal type: report),
F5 (save and dispatch to the proposed department), Enter (confirm).

The app (``python -m operator_tui run``, logged in as op1, UI in Chinese,
120×40 xterm-256color pseudo-terminal, demo central server in its own
process) gets the keys as an xterm sends them (ctrl+n ``^N``, F4 ``ESC O S``,
F5 ``ESC [ 1 5 ~``, alt+r ``ESC r``, Tab, Enter ``CR``, arrows ``ESC [ B/C``),
one every 125 ms (a fast typist, 8 keys a second, text and command keys
alike). Before a key that needs a new screen, the typist waits until that
screen's bytes arrived: the form (after ctrl+n, and after each picker closed:
the form's header comes back), the category or district picker (its title),
the dispatch dialog (its proposed lead department); the key then goes at the
later of its 125 ms slot and that arrival, so the app's own latency adds to
the time.

* Keystrokes: the command keys sent (every key but the phone digits, the
  address and the description), counted as sent. Baseline, in the same app
  and run: the same case without the shortcuts — Tab through every field in
  order, the appeal type by the arrow keys in its bar, Enter on a field to
  open its picker, the category by the arrow keys through the picker's tree
  (↓ to its group, → to open it, down to 停水, Enter), the district by the
  arrow keys in the district list, F5 and Enter.
* Typist time: from writing ctrl+n until the home screen's bytes arrived
  after the confirming Enter; median of 3 runs (1 with --quick), one after
  the other in one app session after the case without shortcuts (so not the
  session's first case form), each with its own phone number and house
  number (same lengths). Baseline: the same number of keys at the same pace
  written into the bare form (``python -m benchmarks.bare_app form``) —
  the same text, Tab as Tab, each other command key as one ``#`` — timed
  from the first key to the last one's bytes on the screen: the typing floor.

A run counts only if, afterwards, the seat's cache (read through ``Seat``)
holds the case, numbered as the form showed it, with status ``dispatched``
and the phone, category, district, appeal type, address and description
typed; otherwise the row is not measured and the note says why.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bench_tui import FORM_MSG, HOME_MSG, LANGUAGE, _patterns, app_env, bytecode_env, log_in
from .common import REPO, Context, Row, median, not_measured, server, sqlite_url
from .ptyterm import PtyProgram

TITLE = "a scripted typist enters a standard dispatched case"
INTERVAL = 0.125  # seconds between keys: 8 a second
GOAL_KEYS = 15
WAIT_TIMEOUT = 20.0  # seconds a screen may take before the run counts as broken

WATER_OUTAGE = "05.01.01"  # 停水: what "tings" must find
DISTRICT = "chaoyang"
DESCRIPTION = "停水两天了"
APPEAL_TYPE = "report"

CTRL_N, F4, F5, ALT_R = b"\x0e", b"\x1bOS", b"\x1b[15~", b"\x1br"
TAB, ENTER, DOWN, RIGHT = b"\t", b"\r", b"\x1b[B", b"\x1b[C"

ROW_KEYS = "keystrokes, standard dispatched case (outside the phone, address and description text)"
ROW_TIME = "scripted typist, standard dispatched case, ctrl+n to dispatched"


@dataclass
class Key:
    data: bytes
    kind: str  # "command" (counted), "phone", "address", "description"
    wait: str = ""  # the screen that must be there before this key goes


def text(value: str, kind: str, wait: str = "") -> list[Key]:
    return [Key(ch.encode(), kind, wait if i == 0 else "") for i, ch in enumerate(value)]


def standard(phone: str, address: str) -> list[Key]:
    """The case with the app's shortcuts (the test's key sequence)."""
    return [
        Key(CTRL_N, "command"),
        *text(phone, "phone", wait="form"),
        Key(F4, "command"),
        *text("tings", "command", wait="category picker"),
        Key(ENTER, "command"),
        Key(b"c", "command", wait="form"),  # typing on the district field opens its picker
        Key(b"y", "command", wait="district picker"),
        Key(ENTER, "command"),
        *text(address, "address", wait="form"),
        Key(TAB, "command"),
        *text(DESCRIPTION, "description"),
        Key(ALT_R, "command"),
        Key(F5, "command"),
        Key(ENTER, "command", wait="dispatch"),
    ]


def browse_to(code: str) -> list[Key]:
    """The arrow keys that reach the category *code* through the picker's tree
    on a fresh seat (nothing used yet, so the top groups come first): at each
    level ↓ to the node, then → to open a group or Enter to pick the leaf."""
    from central_server.demo_data import build_demo
    from local_cache.category_index import CategoryIndex

    index = CategoryIndex(build_demo(n_cases=0).categories)
    chain = [code]
    while index.parent(chain[0]):
        chain.insert(0, index.parent(chain[0]))
    keys: list[Key] = []
    for node in chain:
        siblings = [child.code for child in index.children(index.parent(node))]
        keys += [Key(DOWN, "command")] * siblings.index(node)
        keys.append(Key(RIGHT if index.group(node) else ENTER, "command"))
    keys[0] = Key(keys[0].data, "command", wait="category picker")
    return keys


def without_shortcuts(phone: str, address: str, district_downs: int) -> list[Key]:
    """The same case, field after field with Tab, pick lists with arrows."""
    return [
        Key(CTRL_N, "command"),
        *text(phone, "phone", wait="form"),
        *[Key(TAB, "command")] * 5,  # name, channel, language, interpreter, appeal type
        *[Key(RIGHT, "command")] * 2,  # enquiry -> complaint -> report
        Key(TAB, "command"),  # category
        Key(ENTER, "command"),  # its picker
        *browse_to(WATER_OUTAGE),  # its Enter moves the focus on to the district
        Key(ENTER, "command", wait="form"),  # its picker
        *[Key(DOWN, "command", wait="district picker" if i == 0 else "") for i in range(district_downs)],
        Key(ENTER, "command"),  # the focus moves on to the address
        *text(address, "address", wait="form"),
        Key(TAB, "command"),
        *text(DESCRIPTION, "description"),
        Key(F5, "command"),
        Key(ENTER, "command", wait="dispatch"),
    ]


def counts(script: list[Key]) -> dict[str, int]:
    out = {"command": 0, "phone": 0, "address": 0, "description": 0}
    for key in script:
        out[key.kind] += 1
    return out


def case_no_pattern() -> re.Pattern[bytes]:
    """The case number in the dispatch dialog's title (the case being dispatched)."""
    from operator_tui import i18n

    i18n.set_language(LANGUAGE)
    prefix = i18n._("Dispatch case {case_no}").split("{case_no}")[0]
    return re.compile(re.escape(prefix.encode()) + rb"(\d{6}-\d{3}-\d{4}-\d)")


def screen_patterns() -> dict[str, list[bytes]]:
    from screens.category_picker import CategoryPicker, DistrictPicker

    return {
        "form": _patterns(FORM_MSG),  # the case form's header
        "category picker": _patterns(CategoryPicker.TITLE_TEXT),
        "district picker": _patterns(DistrictPicker.TITLE_TEXT),
        "dispatch": _patterns("(proposed by the routing rules)"),  # the lead line, list built
        "home": _patterns(HOME_MSG),
    }


@dataclass
class Typed:
    seconds: float
    waits: list[tuple[str, float, float]]  # (screen, key -> screen s, typist held back s)
    case_no: str


def wait_screen(term: PtyProgram, patterns: dict[str, list[bytes]], name: str, mark: int, index: int) -> float:
    try:
        return term.wait_for(patterns[name], WAIT_TIMEOUT, mark)
    except TimeoutError:
        raise TimeoutError(f"stuck after key {index}: no {name} screen within {WAIT_TIMEOUT:.0f} s") from None


def type_script(term: PtyProgram, script: list[Key], patterns: dict[str, list[bytes]],
                end: str = "home") -> Typed:
    """Write *script* at INTERVAL, waiting for screens; until *end* is shown."""
    waits: list[tuple[str, float, float]] = []
    start = sent = 0.0
    mark = first_mark = term.mark
    for i, key in enumerate(script):
        due = sent + INTERVAL if i else time.perf_counter()
        if key.wait:
            seen = wait_screen(term, patterns, key.wait, mark, i)
            waits.append((key.wait, seen - sent, max(0.0, seen - due)))
            due = max(due, seen)
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        mark = term.mark
        sent = term.write(key.data)
        if i == 0:
            start = sent
    seen = wait_screen(term, patterns, end, mark, len(script))
    waits.append((end, seen - sent, max(0.0, seen - sent - INTERVAL)))
    found = case_no_pattern().search(term.text(first_mark))
    return Typed(seen - start, waits, found.group(1).decode() if found else "")


def check_case(seat: Any, typed: Typed, phone: str, address: str) -> str:
    """'' when the seat holds the case as typed and dispatched, else why not."""
    if not typed.case_no:
        return "no case number in the dispatch dialog"
    case = None
    for _ in range(20):  # the write comes before the home screen; allow a moment anyway
        case = seat.case(typed.case_no)
        if case and case.get("status") == "dispatched":
            break
        time.sleep(0.1)
    if not case:
        return f"case {typed.case_no} is not in the seat's cache"
    expected = {"status": "dispatched", "category_code": WATER_OUTAGE, "district": DISTRICT,
                "appeal_type": APPEAL_TYPE, "address": address, "description": DESCRIPTION}
    wrong = [f"{k} {case.get(k)!r} (expected {v!r})" for k, v in expected.items() if case.get(k) != v]
    if not str(case.get("phone", "")).endswith(phone):
        wrong.append(f"phone {case.get('phone')!r}")
    return f"case {typed.case_no}: " + ", ".join(wrong) if wrong else ""


def bare_keys(script: list[Key]) -> list[bytes]:
    """The script as text for the bare form: Tab stays, other command keys are '#'."""
    return [k.data if (k.data == TAB or k.data.decode().isprintable()) else b"#" for k in script]


def type_bare(term: PtyProgram, keys: list[bytes]) -> float:
    start = sent = 0.0
    mark = term.mark
    for i, data in enumerate(keys):
        due = sent + INTERVAL if i else time.perf_counter()
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        mark = term.mark
        sent = term.write(data)
        if i == 0:
            start = sent
    return term.wait_for(keys[-1], WAIT_TIMEOUT, mark) - start


def waits_note(runs: list[Typed]) -> str:
    """Median per step over the runs: key -> screen, and how long the typist was held."""
    steps = [name for name, _, _ in runs[0].waits]
    parts = []
    for i, name in enumerate(steps):
        lat = median([r.waits[i][1] for r in runs]) * 1000
        held = median([r.waits[i][2] for r in runs]) * 1000
        parts.append(f"{name} {lat:.0f} ms" + (f" (held {held:.0f})" if held >= 1 else ""))
    latency = median([sum(w[1] for w in r.waits) for r in runs])
    held_total = median([sum(w[2] for w in r.waits) for r in runs])
    return "; ".join(parts) + (f"; {latency:.2f} s of screen changes in all, of which the typist was held "
                               f"back {held_total:.2f} s (the rest hid behind its pace)")


def run(ctx: Context) -> list[Row]:
    try:
        import operator_tui.app  # noqa: F401
        import screens.case_form  # noqa: F401
    except ImportError as exc:
        return [not_measured(ROW_KEYS, f"not measured yet: the app is not there ({exc})")]
    from central_server.seed import seed_demo
    from operator_tui.domain import DISTRICTS
    from operator_tui.seat import Seat, SeatPaths

    patterns = screen_patterns()
    n_runs = ctx.size(3, 1)
    db_url = sqlite_url(ctx.path("typist/central.db"))
    ctx.log("seeding the demo hotline")
    seed_demo(db_url, n_cases=ctx.size(1000, 100))
    phones = [f"1391111{2222 + k:04d}" for k in range(n_runs + 1)]
    addresses = [f"Wangjing West 3-{311 + k}" for k in range(n_runs + 1)]
    plain = without_shortcuts(phones[0], addresses[0], list(DISTRICTS).index(DISTRICT))
    scripts = [standard(phones[k], addresses[k]) for k in range(1, n_runs + 1)]
    keys_std, keys_plain = counts(scripts[0]), counts(plain)

    plain_typed: Typed | None = None
    plain_error = ""
    runs: list[Typed] = []
    error = ""
    with server(ctx, database_url=db_url, name="typist") as srv:
        data = ctx.path("typist/seat")
        argv = [sys.executable, "-m", "operator_tui", "run", "--server", srv.url]
        ctx.log("app: log in")
        term = PtyProgram(argv, env=app_env(ctx, data), cwd=str(REPO))
        seat = None
        try:
            log_in(term, patterns["home"], settle_timeout=ctx.size(30, 5))  # the first pull
            seat = Seat(srv.url, SeatPaths.for_server(Path(data), srv.url), use_keyring=False)
            ctx.log(f"without shortcuts: {keys_plain['command']} command keys")
            try:
                plain_typed = type_script(term, plain, patterns)
                plain_error = check_case(seat, plain_typed, phones[0], addresses[0])
            except TimeoutError as exc:
                plain_error = str(exc)
                term.close()  # somewhere in the form: start again, on the home screen
                term = PtyProgram(argv, env=app_env(ctx, data), cwd=str(REPO))
                term.wait_for(patterns["home"], 120)
            for k, script in enumerate(scripts, 1):
                ctx.log(f"typist run {k}/{n_runs}: {keys_std['command']} command keys")
                time.sleep(1.0)  # the last case syncs; the home screen reloads
                term.settle(0.3, 5)
                try:
                    typed = type_script(term, script, patterns)
                except TimeoutError as exc:
                    error = f"run {k}: {exc}"
                    break
                error = check_case(seat, typed, phones[k], addresses[k])
                if error:
                    error = f"run {k}: {error}"
                    break
                runs.append(typed)
        finally:
            term.close()
            if seat is not None:
                seat.close()

    bare_times: list[float] = []
    if runs:
        ctx.log("bare form: the same keys at the same pace")
        for _ in range(n_runs):
            term = PtyProgram([sys.executable, "-m", "benchmarks.bare_app", "form"], env=bytecode_env(ctx),
                              cwd=str(REPO))
            try:
                term.wait_for(b"bare case form", 60)
                term.settle()
                bare_times.append(type_bare(term, bare_keys(scripts[0])))
            finally:
                term.close()

    breakdown = (f"{keys_std['command']} command keys + {keys_std['phone']} phone digits + "
                 f"{keys_std['address']} address characters + {keys_std['description']} description "
                 f"characters = {sum(keys_std.values())} keys")
    plain_note = (f"baseline = the same case without the shortcuts, {keys_plain['command']} command keys "
                  f"({sum(keys_plain.values())} in all): Tab through every field, appeal type by arrow "
                  f"keys, Enter opens a picker, category by arrow keys through the picker's tree, "
                  "district by arrow keys")
    rows: list[Row] = []
    if not runs:
        rows.append(not_measured(ROW_KEYS, f"not the standard case dispatched: {error}", goal=f"≤ {GOAL_KEYS}"))
        rows.append(not_measured(ROW_TIME, f"not the standard case dispatched: {error}"))
        return rows
    if plain_error or plain_typed is None:
        baseline, baseline_name = None, ""
        plain_note = f"no baseline: the case without shortcuts was not dispatched ({plain_error})"
    else:
        baseline, baseline_name = keys_plain["command"], plain_note.removeprefix("baseline = ")
        plain_note = f"its typist time {plain_typed.seconds:.2f} s"
    value = keys_std["command"]
    rows.append(Row(
        ROW_KEYS, value if not error else None, "keys" if not error else "", baseline=baseline,
        baseline_name=baseline_name, goal=f"≤ {GOAL_KEYS}", passed=value <= GOAL_KEYS if not error else None,
        note=(f"{breakdown}; each run checked dispatched in the seat's cache; {plain_note}" if not error
              else f"not the standard case dispatched: {error}"),
    ))
    if error or len(runs) < n_runs:
        rows.append(not_measured(ROW_TIME, f"not the standard case dispatched: {error}"))
        return rows
    value = median([r.seconds for r in runs])
    bare = median(bare_times)
    rows.append(Row(
        ROW_TIME, value, "s", baseline=bare,
        baseline_name=f"the same {sum(keys_std.values())} keys at the same pace into the bare form (the typing "
                      "floor)",
        goal="", passed=None,
        note=(f"median of {len(runs)} run{'s' if len(runs) > 1 else ''} (min {min(r.seconds for r in runs):.2f} s, bare "
              f"{min(bare_times):.2f} s), one key every {INTERVAL * 1000:.0f} ms (8/s) unless waiting for a "
              f"screen; key → screen, median: {waits_note(runs)}"),
    ))
    return rows
