"""The department's action forms check on the seat what the wire models
check, and say it in the user's language under the fields: a raw English
validation message ("body: Value error, reason 'other' needs a text") once
reached the Chinese return dialog. The server's own checks stay (the wire
models), tested here too. Pilot, no server: the forms need only a case."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from textual.app import App
from textual.widgets import Input, Static, TextArea

from operator_tui import i18n
from operator_tui.protocol import (DESCRIPTION_MAX, EXTENSION_HOURS_MAX, ExtendedPayload, ResolvedPayload,
                                   ReturnedPayload)
from screens.case_actions import ExtensionRequestScreen, ReportResultScreen, ReturnCaseScreen

CASE = {"case_no": "251129-012-0042-8", "status": "signed", "description": "水管爆裂 burst pipe",
        "lead_department": "WATERCO", "deadline": "2025-12-02T10:30:00+08:00"}


class FormApp(App[None]):
    """One action form over an empty screen; ``results`` holds what it dismissed with."""

    def __init__(self, form: Any, language: str) -> None:
        super().__init__()
        self.ui_language = i18n.set_language(language)
        self.form = form
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.form, self.results.append)


def error_line(app: FormApp) -> str:
    return str(app.screen.query_one("#action-error", Static).render())


@pytest.mark.parametrize("language, words", [("zh", "请说明退回原因"), ("en", "say why it goes back")])
async def test_return_for_other_without_a_text_is_refused_in_the_users_language(
        language: str, words: str) -> None:
    app = FormApp(ReturnCaseScreen(dict(CASE)), language)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4", "enter")  # "other", and no text
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReturnCaseScreen) and app.results == []
        assert words in form.error and words in error_line(app)
        assert "Value error" not in form.error and "body" not in form.error
        assert app.focused is form.query_one("#return-text", Input)
        await pilot.press(*"应由区政府处理", "enter")
        await pilot.pause()
    assert app.results == [{"reason": "other", "text": "应由区政府处理"}]


async def test_return_for_other_with_only_control_characters_is_refused_in_the_users_language() -> None:
    """Review: a text of control characters passed the seat's check, then the
    wire model (which strips them) refused it in English."""
    app = FormApp(ReturnCaseScreen(dict(CASE)), "zh")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        form = app.screen
        form.query_one("#return-text", Input).value = "\x1b\x07\u200b"
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [] and "请说明退回原因" in form.error, form.error


@pytest.mark.parametrize("hours", ["0", "-5", str(EXTENSION_HOURS_MAX + 1)])
async def test_extension_hours_out_of_range_are_refused_in_the_users_language(hours: str) -> None:
    app = FormApp(ExtensionRequestScreen(dict(CASE)), "zh")
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#ext-hours", Input).value = hours
        app.screen.query_one("#ext-reason", Input).value = "等待配件"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExtensionRequestScreen) and app.results == []
        assert app.screen.error == f"请填写延长的小时数（1 到 {EXTENSION_HOURS_MAX}）" and "Input should" not in error_line(app)
        app.screen.query_one("#ext-hours", Input).value = str(EXTENSION_HOURS_MAX)
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == [{"action": "request", "hours": EXTENSION_HOURS_MAX, "reason": "等待配件",
                            "new_deadline": ""}]


async def test_a_result_longer_than_the_wire_allows_is_refused_in_the_users_language() -> None:
    app = FormApp(ReportResultScreen(dict(CASE)), "zh")
    async with app.run_test(size=(100, 30)) as pilot:
        app.screen.query_one("#result-text", TextArea).text = "修" * (DESCRIPTION_MAX + 1)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReportResultScreen) and app.results == []
        assert app.screen.error == f"办理结果太长：{DESCRIPTION_MAX + 1} 个字符，最多 {DESCRIPTION_MAX} 个"
        app.screen.query_one("#result-text", TextArea).text = "修" * DESCRIPTION_MAX
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results and app.results[0]["result"] == "修" * DESCRIPTION_MAX


def test_the_server_keeps_its_own_checks() -> None:
    """What the forms now check first is still refused by the wire models
    (the server validates every pushed event with them)."""
    with pytest.raises(ValidationError, match="needs a text"):
        ReturnedPayload.model_validate({"reason": "other", "text": ""})
    with pytest.raises(ValidationError):
        ExtendedPayload.model_validate({"action": "request", "hours": EXTENSION_HOURS_MAX + 1})
    with pytest.raises(ValidationError):
        ResolvedPayload.model_validate({"mode": "department", "result": "x" * (DESCRIPTION_MAX + 1)})
