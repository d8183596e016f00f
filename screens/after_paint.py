"""Mount a widget only once the screen has been painted without it.

``AfterPaint(widget, height="1fr")`` holds *widget*'s place (an empty area of
that height, docked with ``dock=``) and mounts *widget* in its place as soon as the placeholder has
been shown on the terminal. Textual's own ``Lazy`` mounts after the next
refresh callback, which on a screen being built runs before its first paint:
the home screen's tabs and tables (~100 ms of CSS and layout) still held up
the first frame, where the operator starts typing.

The placeholder learns of the paint from Textual's ``Show`` event, which the
screen posts to newly laid-out widgets in the same step that writes the frame
and which is handled after it. A screen never shown (pushed and covered at
once) mounts the widget when it is first seen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget


class AfterPaint(Widget):
    """An empty stand-in for *widget* until the screen has been painted."""

    def __init__(self, widget: Widget | Callable[[], Widget], height: str = "1fr", dock: str = "") -> None:
        """Hold *height* lines (docked like the widget will be, if it docks).
        *widget* may be a function making it when it is due (its imports then
        come after the paint too)."""
        super().__init__()
        self.widget = widget
        self.styles.height = height
        if dock:
            self.styles.dock = dock
        self._mounting = False

    def render(self) -> str:
        return ""  # (a bare Widget shows its class name)

    def on_show(self) -> None:
        if not self._mounting:
            self._mounting = True
            # Shown means laid out; the frame itself may still be queued on
            # the screen (during a screen switch): mount after it.
            self.call_after_refresh(self._mount)

    async def _mount(self) -> None:
        if self.parent is not None:
            screen = self.screen
            widget = self.widget if isinstance(self.widget, Widget) else self.widget()
            await self.parent.mount(widget, after=self)
            await self.remove()
            # A Footer shows the keys the screen announces when its bindings
            # change; the first announcement went out before it was there.
            screen.refresh_bindings()
