"""The UI's languages without a screen: the catalogs, the locale formatting,
the hotline's words and the interpreter notes.

* every message marked in the code has a Chinese translation with the same
  ``{placeholders}``, and the shipped .mo is the .po compiled
  (``scripts/compile_catalogs --check`` runs the same check);
* no message is built before it is translated (``_(f"...")`` would never
  match the catalog);
* dates, times, numbers and deadlines in each language.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from operator_tui import catalogs, i18n
from operator_tui.interpreter import JOINED, LEFT, InterpreterMark, note_text, on_call, parse_note

ROOT = Path(__file__).resolve().parent.parent
BEIJING = timezone(timedelta(hours=8))
AT = datetime(2025, 11, 29, 14, 5, tzinfo=BEIJING)
GETTEXT_CALLS = {"_": 1, "gettext": 1, "N_": 1, "lazy_gettext": 1, "ngettext": 2, "pgettext": 2, "NP_": 2}


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    before = i18n.current_language()
    yield
    i18n.set_language(before)


# --- catalogs ------------------------------------------------------------------------


def test_every_message_has_a_chinese_translation_and_the_mo_is_compiled() -> None:
    assert catalogs.problems() == []


def test_compile_script_check_passes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_catalogs"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "catalogs OK" in done.stdout


def test_the_check_finds_a_missing_translation(tmp_path: Path) -> None:
    """A message added to the code without a translation is reported."""
    package = tmp_path / "screens"
    package.mkdir()
    (package / "new.py").write_text('from operator_tui.i18n import _\nTEXT = _("A brand-new message")\n')
    (tmp_path / "operator_tui").mkdir()
    found = catalogs.problems(tmp_path)
    assert any("A brand-new message" in p and "no translation" in p for p in found), found


def _message_args(node: ast.Call) -> list[ast.expr]:
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
    return list(node.args[: GETTEXT_CALLS.get(name, 0)])


def test_no_message_is_formatted_before_it_is_translated() -> None:
    """``_(f"...")``, ``_("a" + b)`` or ``_("%s" % x)`` never match the catalog."""
    bad = []
    for package in catalogs.SOURCES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    for arg in _message_args(node):
                        if isinstance(arg, (ast.JoinedStr, ast.BinOp)):
                            bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_english_needs_no_catalog_and_chinese_translates() -> None:
    i18n.set_language("en")
    assert i18n._("Save") == "Save"
    assert i18n.ngettext("{n} result", "{n} results", 2) == "{n} results"
    i18n.set_language("zh")
    assert i18n._("Save") == "保存"
    assert i18n.ngettext("{n} result", "{n} results", 1) == i18n.ngettext("{n} result", "{n} results", 5)
    assert i18n._("a message nobody wrote") == "a message nobody wrote"
    assert i18n.translate_in("en", "Save") == "Save" and i18n.translate_in("zh-CN", "Save") == "保存"


def test_contexts_tell_the_same_english_word_apart() -> None:
    from operator_tui import vocab

    i18n.set_language("zh")
    assert vocab.status("dispatched") == "已派单"
    assert vocab.event("dispatched") == "派单"
    assert vocab.label("urgency", "critical") == "紧急"
    assert vocab.status("something-new") == "something-new"  # unknown values show as they are
    i18n.set_language("en")
    assert vocab.status("dispatched") == "dispatched"


def test_lazy_strings_follow_the_language() -> None:
    text = i18n.lazy_gettext("Save")
    i18n.set_language("zh")
    assert str(text) == "保存"
    i18n.set_language("en")
    assert str(text) == "Save"


def test_language_names_are_normalized() -> None:
    assert i18n.normalize_language("zh_CN") == "zh"
    assert i18n.normalize_language("EN-gb") == "en"
    with pytest.raises(ValueError, match="unknown UI language"):
        i18n.normalize_language("fr")
    assert i18n.other_language("zh") == "en" and i18n.other_language("en") == "zh"


# --- formatting ------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("zh", {"time": "14:05", "day": "11月29日", "date": "2025年11月29日", "short": "11月29日 14:05",
            "full": "2025年11月29日 14:05", "numeric": "2025/11/29", "day_numeric": "11/29"}),
    ("en", {"time": "14:05", "day": "29 Nov", "date": "29 Nov 2025", "short": "29 Nov 14:05",
            "full": "29 Nov 2025 14:05", "numeric": "29/11/2025", "day_numeric": "29/11"}),
])
def test_dates_and_times(language: str, expected: dict[str, str]) -> None:
    i18n.set_language(language)
    assert i18n.format_time(AT) == expected["time"]
    assert i18n.format_day(AT) == expected["day"]
    assert i18n.format_date(AT) == expected["date"]
    assert i18n.format_date(date(2025, 11, 29)) == expected["date"]
    assert i18n.format_datetime_short(AT) == expected["short"]
    assert i18n.format_datetime(AT) == expected["full"]
    assert i18n.format_date_numeric(AT) == expected["numeric"]
    assert i18n.format_day_numeric(AT) == expected["day_numeric"]


def test_times_are_shown_in_the_moments_own_zone() -> None:
    i18n.set_language("en")
    assert i18n.format_time(AT.astimezone(timezone.utc)) == "06:05"


@pytest.mark.parametrize(("language", "expected"), [
    ("zh", ["45秒", "12分钟", "2小时", "2小时5分", "3天", "3天4小时"]),
    ("en", ["45 s", "12 min", "2 h", "2 h 5 min", "3 d", "3 d 4 h"]),
])
def test_durations(language: str, expected: list[str]) -> None:
    i18n.set_language(language)
    seconds = [45, 12 * 60, 2 * 3600, 2 * 3600 + 5 * 60, 3 * 86400, 3 * 86400 + 4 * 3600 + 59]
    assert [i18n.format_duration(s) for s in seconds] == expected
    assert i18n.format_duration(timedelta(minutes=12)) == expected[1]


@pytest.mark.parametrize(("language", "left", "late", "soon", "deadline"), [
    ("zh", "剩余2小时5分", "已超时1小时15分", "剩余不到1分钟", "11月29日 14:05（剩余2小时5分）"),
    ("en", "2 h 5 min left", "overdue by 1 h 15 min", "less than a minute left",
     "29 Nov 14:05 (2 h 5 min left)"),
])
def test_deadlines(language: str, left: str, late: str, soon: str, deadline: str) -> None:
    i18n.set_language(language)
    now = AT - timedelta(hours=2, minutes=5)
    assert i18n.format_time_left(AT, now) == left
    assert i18n.format_time_left(AT, AT + timedelta(hours=1, minutes=15)) == late
    assert i18n.format_time_left(AT, AT - timedelta(seconds=20)) == soon
    assert i18n.format_deadline(AT, now) == deadline
    # the deadline is shown in its own zone, the time left does not depend on now's zone
    assert i18n.format_deadline(AT, now.astimezone(timezone.utc)) == deadline


@pytest.mark.parametrize(("language", "number", "percent"), [
    ("zh", "1,234,567.5", "97.3%"),
    ("en", "1,234,567.5", "97.3%"),
])
def test_numbers(language: str, number: str, percent: str) -> None:
    i18n.set_language(language)
    assert i18n.format_number(1234567.5) == number
    assert i18n.format_percent(0.973) == percent
    assert i18n.format_percent(0.5, decimals=0) == "50%"


def test_language_names() -> None:
    i18n.set_language("zh")
    assert i18n.language_name("ja") == "日语" and i18n.language_name("en") == "英语"
    i18n.set_language("en")
    assert i18n.language_name("ja") == "Japanese" and i18n.language_name("zh") == "Chinese"
    assert i18n.endonym("ja") == "日本語" and i18n.endonym("ru") == "Русский"
    assert i18n.language_name("xx-not-a-language") == "xx-not-a-language"


def test_worklist_times_follow_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from screens import worklists as wl

    monkeypatch.setattr(wl, "local_now", lambda: datetime(2025, 11, 29, 12, 0, tzinfo=BEIJING))
    i18n.set_language("zh")
    assert wl.local_time("2025-11-29T06:05:00Z") == "14:05"  # today: the time only
    assert wl.local_time("2025-11-28T06:05:00Z") == "11月28日 14:05"
    assert wl.deadline_text("2025-11-29T08:10:00Z") == "11月29日 16:10（剩余4小时10分）"
    i18n.set_language("en")
    assert wl.local_time("2025-11-28T06:05:00Z") == "28 Nov 14:05"
    assert wl.deadline_text("2025-11-29T03:00:00Z") == "29 Nov 11:00 (overdue by 1 h)"


# --- interpreter notes -------------------------------------------------------------------


def test_interpreter_notes_round_trip() -> None:
    text = note_text(JOINED, "ja", "I-203", AT)
    assert text == "interpreter joined: lang=ja id=I-203 at 2025-11-29T14:05:00+08:00"
    mark = parse_note(text)
    assert mark == InterpreterMark(JOINED, "ja", "I-203", AT) and mark.text == text
    assert parse_note("the caller called again") is None
    assert parse_note("interpreter joined: lang=ja id=I-203 at yesterday") is None
    for bad in (("arrived", "ja", "I-1"), (JOINED, "Japanese", "I-1"), (JOINED, "ja", "I 1"), (JOINED, "ja", "")):
        with pytest.raises(ValueError):
            note_text(*bad, AT)
    with pytest.raises(ValueError):
        note_text(JOINED, "ja", "I-1", AT.replace(tzinfo=None))


def test_who_is_on_the_call() -> None:
    joined = note_text(JOINED, "ja", "I-203", AT)
    left = note_text(LEFT, "ja", "I-203", AT + timedelta(minutes=7))
    other = note_text(JOINED, "ru", "R-9", AT + timedelta(minutes=8))
    assert on_call([]) is None
    assert on_call([joined]).interpreter_id == "I-203"
    assert on_call([joined, "a note", left]) is None
    assert on_call([joined, left, other]).language == "ru"


def test_interpreter_notes_read_in_the_ui_language(monkeypatch: pytest.MonkeyPatch) -> None:
    from screens import worklists as wl

    monkeypatch.setattr(wl, "local_now", lambda: AT)
    payload = {"text": note_text(LEFT, "ja", "I-203", AT)}
    i18n.set_language("zh")
    assert wl.payload_summary("note", payload) == "口译员离开：日语，I-203，14:05"
    i18n.set_language("en")
    assert wl.payload_summary("note", payload) == "Interpreter left: Japanese, I-203, 14:05"
    assert wl.payload_summary("note", {"text": "plain note"}) == "plain note"
    assert wl.payload_summary("signed", {"note": "已转属地街道办理。"}) == "已转属地街道办理。"  # not "note=…"
    assert wl.payload_summary("signed", {}) == ""


def test_form_drafts_keep_only_valid_interpreter_marks() -> None:
    from screens.case_fields import case_payload, from_draft

    good = note_text(JOINED, "ja", "I-203", AT)
    fields = from_draft({"interpreter_log": [good, "interpreter joined: nonsense", 42]})
    assert fields["interpreter_log"] == [good]
    assert "interpreter_log" not in case_payload({**fields, "phone": ""})


@pytest.mark.parametrize("language, normal, urgent", [("zh", "15个工作日", "72小时"), ("en", "15 working days", "72 h")])
def test_a_resolution_time_says_whether_it_counts_working_days(language: str, normal: str, urgent: str) -> None:
    """QA: the dispatch dialog showed a normal case's 15 working days as "（360小时）"."""
    from operator_tui.workdays import Span
    from screens.dispatch import span_text

    i18n.set_language(language)
    assert span_text(Span(360, working=True)) == normal
    assert span_text(Span(72)) == urgent
    assert span_text(Span(2, working=True)) == ("2个工作小时" if language == "zh" else "2 working hours")
