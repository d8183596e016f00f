"""FormInput: typing does not re-lay-out the screen, and a long text still
scrolls so that the cursor stays in view."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from screens.form_input import FormInput


class OneField(App[None]):
    CSS = "FormInput { width: 20; height: 1; }"

    def compose(self) -> ComposeResult:
        yield FormInput(compact=True, id="field")


async def test_typing_repaints_the_field_without_a_layout() -> None:
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one("#field", Input)
        layouts = []
        original = field.refresh

        def spy(*regions, **kw):  # noqa: ANN001, ANN002, ANN003
            if kw.get("layout"):
                layouts.append(kw)
            return original(*regions, **kw)

        field.refresh = spy  # type: ignore[method-assign]
        await pilot.press(*"abc")
        assert field.value == "abc" and field.virtual_size.width == 4
        assert layouts == []


async def test_a_long_text_scrolls_to_the_cursor() -> None:
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one("#field", Input)
        text = "0123456789" * 4
        await pilot.press(*text)
        await pilot.pause()
        assert field.value == text
        assert field.scroll_x > 0
        assert "789" in field.render_line(0).text
        await pilot.press("home")
        await pilot.pause()
        assert field.scroll_x == 0 and field.render_line(0).text.startswith("0123")
