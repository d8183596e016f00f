"""The UI languages in the running app (Pilot): switching at run time keeps
what is typed, the command palette offers the switch, names in the other
language on one key, the KB's caller-language version, interpreter marks.

A seat on fixed reference data without a server (tests/intake_support.py);
the sync engine never starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select, TextArea

from operator_tui import clock, i18n
from operator_tui.app import OperatorApp
from operator_tui.interpreter import JOINED, LEFT, parse_note
from operator_tui.seat import Seat
from screens.case_form import CaseFormScreen
from screens.case_view import CaseViewScreen
from screens.case_widgets import AppealTypeBar, ChoiceField
from screens.category_picker import CategoryPicker
from screens.filter_picker import PickList
from screens.home import HomeScreen
from screens.interpreter import InterpreterScreen
from screens.kb_lookup import KbLookupScreen
from screens.status_bar import StatusBar
from screens.translated import LocalizedFooter, Tr
from tests.intake_support import SIZE, ScreenApp, fixed_seat
from tests.tui_waits import workers_done


@pytest.fixture
def seat(tmp_path: Path) -> Iterator[Seat]:
    s = fixed_seat(tmp_path)
    yield s
    s.cache.close()


@pytest.fixture(autouse=True)
def restore_language() -> Iterator[None]:
    before = i18n.current_language()
    yield
    i18n.set_language(before)


async def settle(pilot) -> None:
    await workers_done(pilot.app)
    await pilot.pause()


def labels(screen) -> list[str]:
    return [str(label.content) for label in screen.query(Tr)]


def footer_words(screen) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [key.description for key in screen.query(LocalizedFooter).first().query(FooterKey)]


def saved_case(seat: Seat, **fields) -> str:
    draft_id, case_no = seat.new_draft()
    seat.create_case(case_no, {"phone": "13800138000", "description": "小区停水 no water",
                               "category_code": "05.01.01", "district": "chaoyang", **fields},
                     draft_id=draft_id, started_at=clock.now_iso())
    return case_no


async def test_switching_language_keeps_the_draft_and_the_focus(seat: Seat) -> None:
    app = OperatorApp(seat, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        assert "电话" in labels(form) and "保存" in footer_words(form)
        await pilot.press(*"13800138000")
        await pilot.press("f4", *"tingshui", "enter")  # category; the focus moves to the district
        await settle(pilot)
        await pilot.press(*"cy", "enter")  # district; the focus moves to the address
        await settle(pilot)
        await pilot.press(*"Wangjing 3-311", "tab", *"楼里停水 no water", "alt+c")
        form.query_one("#urgency", Select).value = "critical"  # chosen by hand
        await settle(pilot)
        before = form.collect()
        assert before["urgency_manual"] and before["category_code"] == "05.01.01"
        focused = app.focused

        await pilot.press("f12")  # to English
        await settle(pilot)
        assert app.screen is form and i18n.current_language() == "en" and app.ui_language == "en"
        assert "Phone" in labels(form) and "电话" not in labels(form)
        assert "Save" in footer_words(form)
        assert form.query_one("#phone", Input).placeholder == "caller's number"
        assert form.query_one("#interpreter", Checkbox).label.plain == "Interpreter"
        assert "Water outage" in form.query_one("#category", ChoiceField).content.plain
        assert "Chaoyang" in form.query_one("#district", ChoiceField).content.plain
        shown = form.query_one("#urgency", Select).query_one("SelectCurrent #label").render()
        assert "critical" in str(shown)  # the shown choice, relabelled
        assert form.collect() == before and app.focused is focused
        assert app.screen.query_one(StatusBar).plain.startswith("○ ")  # redrawn: "○ connecting…"
        assert "connecting" in app.screen.query_one(StatusBar).plain
        form.flush_draft()
        assert seat.draft(form.draft_id)["fields"]["description"] == before["description"]

        await pilot.press(*" again")  # typing goes on where it was
        await pilot.press("f12")  # back to Chinese
        await settle(pilot)
        assert "电话" in labels(form) and i18n.current_language() == "zh"
        assert form.collect()["description"] == before["description"] + " again"
        assert form.query_one(AppealTypeBar).value == "complaint"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.saved
    case = seat.case(form.case_no)
    assert case["urgency"] == "critical" and case["address"] == "Wangjing 3-311"


async def test_home_relabels_lists_and_rows(seat: Seat) -> None:
    case_no = saved_case(seat)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.table("today")
        assert [str(c.label) for c in table.columns.values()][:3] == ["Case no", "Time", "Status"]
        assert dict(home.rows["today"])[case_no][2] == "open ↑"
        await pilot.press("f12")
        await settle(pilot)
        assert [str(c.label) for c in table.columns.values()][:3] == ["工单号", "时间", "状态"]
        assert dict(home.rows["today"])[case_no][2] == "待处理 ↑"
        assert home.query_one("#search", Input).placeholder.startswith("搜索")
        assert str(home.query_one("#lists").get_tab("today").label).endswith("今日工单 (1)")


async def test_command_palette_switches_language(seat: Seat) -> None:
    app = OperatorApp(seat, language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "新建工单" in commands and "中文/English" in commands
        assert commands["中文/English"].help.startswith("在中文和英文界面之间切换")
        await commands["中文/English"].callback()
        await settle(pilot)
        assert app.ui_language == "en"
        assert "New case" in {c.title for c in app.get_system_commands(app.screen)}


async def test_login_screen_switches_language(tmp_path: Path) -> None:
    from operator_tui.seat import SeatPaths
    from screens.login import LoginScreen

    seat = Seat("http://127.0.0.1:9", SeatPaths(tmp_path / "cache.db", tmp_path / "tokens.json"),
                use_keyring=False)
    try:
        app = OperatorApp(seat, language="zh")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            login = app.screen
            assert isinstance(login, LoginScreen) and "工号" in labels(login)
            await pilot.press(*"op7")
            await pilot.press("f12")  # the login modal repeats the key
            await settle(pilot)
            assert "Operator id" in labels(login)
            assert login.query_one("#operator-id", Input).value == "op7"
            assert login.query_one("#password", Input).placeholder == "password"
    finally:
        seat.cache.close()


async def test_category_picker_shows_the_other_language_on_one_key(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: CategoryPicker(s, "ts"), language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        plist = app.screen.query_one(PickList)
        assert "停水" in plist.get_option_at_index(0).prompt.plain
        await pilot.press("ctrl+t")
        assert "Water outage" in plist.get_option_at_index(0).prompt.plain
        assert "停水" not in plist.get_option_at_index(0).prompt.plain
        await pilot.press("ctrl+t")
        assert "停水" in plist.get_option_at_index(0).prompt.plain


async def test_kb_offers_the_article_in_the_callers_language(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: KbLookupScreen(s, "96116", caller_language="en"), language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        kb = app.screen
        assert [r.article["id"] for r in kb.rows] == ["kb-0001-zh"]  # one row per answer, in zh
        assert "来电人语言" in kb.query_one("#kb-article").content.plain
        await pilot.press("ctrl+t")
        assert kb.shown["id"] == "kb-0001-en"
        await pilot.press("ctrl+t")
        assert kb.shown["id"] == "kb-0001-zh"  # round the versions
        await pilot.press("ctrl+l")  # 中文 only: no merging of answers needed
        await settle(pilot)
        assert all(r.article["language"] == "zh" for r in kb.rows)


async def test_english_operator_gets_the_english_version_listed(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: KbLookupScreen(s, "96116"), language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [r.article["id"] for r in app.screen.rows] == ["kb-0001-en"]


async def test_interpreter_marks_in_the_case_view(seat: Seat) -> None:
    case_no = saved_case(seat, language="ja", interpreter=True)
    app = OperatorApp(seat, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(CaseViewScreen(seat, case_no))
        await settle(pilot)
        view = app.screen
        assert "Japanese 日本語 (interpreter)" in view.query_one("#fields-left").content.plain
        await pilot.press("ctrl+r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, InterpreterScreen)
        assert dialog.query_one("#interpreter-language", Select).value == "ja"  # the caller's
        await pilot.press("enter")  # no id yet: refused
        assert isinstance(app.screen, InterpreterScreen)
        await pilot.press(*"I-203", "enter")
        await settle(pilot)
        assert app.screen is view
        assert view.interpreter_on_call().interpreter_id == "I-203"
        assert "Interpreter on the call: Japanese I-203" in view.query_one("#case-title").content.plain
        await pilot.press("ctrl+r")  # they leave: no questions asked
        await settle(pilot)
        assert view.interpreter_on_call() is None
    notes = [parse_note(e["payload"]["text"]) for e in seat.cache.case_events(case_no) if e["type"] == "note"]
    assert [(m.action, m.language, m.interpreter_id) for m in notes] == [(JOINED, "ja", "I-203"),
                                                                        (LEFT, "ja", "I-203")]
    assert notes[0].at <= notes[1].at


async def test_interpreter_marks_made_while_typing_are_recorded_on_save(seat: Seat) -> None:
    app = ScreenApp(seat, lambda s: CaseFormScreen(s), language="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = app.screen
        form.query_one("#language", Select).value = "ru"
        await pilot.press(*"13800138000")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press(*"R-9", "enter")
        await settle(pilot)
        assert form.query_one("#interpreter", Checkbox).value
        assert "口译员在线" in form.query_one("#case-header").content.plain
        form.flush_draft()
        assert len(seat.draft(form.draft_id)["fields"]["interpreter_log"]) == 1  # kept with the draft
        await pilot.press("ctrl+r")  # left
        await pilot.press("f4", *"tingshui", "enter")
        await settle(pilot)
        form.query_one("#description", TextArea).text = "停水"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert form.saved
    events = seat.cache.case_events(form.case_no)
    assert [e["type"] for e in events] == ["created", "note", "note"]
    marks = [parse_note(e["payload"]["text"]) for e in events[1:]]
    assert [(m.action, m.language, m.interpreter_id) for m in marks] == [(JOINED, "ru", "R-9"), (LEFT, "ru", "R-9")]
    assert seat.case(form.case_no)["interpreter"] is True
