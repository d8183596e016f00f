"""Bare Textual apps: the baselines of the TUI benchmark.

    python -m benchmarks.bare_app login   title + 2 Inputs (the login screen's fields)
    python -m benchmarks.bare_app form    3 Inputs + a TextArea (the case form's text
                                          fields), the focus in the second Input
    python -m benchmarks.bare_app home    title + 1 Input (the home screen's search)

Only Textual is imported: what any Textual app of that size costs.
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TextArea


class Bare(App[None]):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        if self.kind == "login":
            yield Static("12345 Hotline — operator login")
            yield Input(placeholder="e.g. op1")
            yield Input(placeholder="password", password=True)
        elif self.kind == "home":
            yield Static("No cases entered today yet. Ctrl+N starts a new case.")
            yield Input(placeholder="Search: case no, phone or text (Ctrl+F)")
        else:
            yield Static("bare case form")
            yield Input(placeholder="caller's number")
            yield Input(placeholder="(optional)", id="second")
            yield Input(placeholder="street, compound, building")
            yield TextArea()

    def on_mount(self) -> None:
        if self.kind == "form":
            self.query_one("#second", Input).focus()


if __name__ == "__main__":
    Bare(sys.argv[1] if len(sys.argv) > 1 else "login").run()
