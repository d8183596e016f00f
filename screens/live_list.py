"""How a list screen stays fresh: a mixin with no imports (the home screen
loads it before the first frame; the department desk, callback, extension
and dispatch lists use it too)."""

from __future__ import annotations

from typing import Any

REFRESH_SECONDS = 2.0


def visible(screen: Any) -> bool:
    """True when *screen* can be seen: it is on top, or every screen above it
    lets it show through (a modal's translucent background).

    Textual's ``Screen.is_current`` also counts the screen right under the
    top one whatever covers it: under the full-screen case form, the home
    lists reloaded every 2 s and their repaints (10-25 ms) landed on the
    operator's keystrokes."""
    stack = screen.app.screen_stack
    if screen not in stack:
        return False
    return all(above.styles.background.a < 1 for above in stack[stack.index(screen) + 1:])


class LiveList:
    """Mixed into a list Screen: reads its list again every few seconds while
    it can be seen (see :func:`visible`), and at once when it comes back into
    view (once it has loaded). The screen calls :meth:`start_refreshing` on
    mount and sets ``loaded``; :meth:`reload` starts its worker."""

    REFRESH_SECONDS = REFRESH_SECONDS
    loaded = False
    set_interval: Any  # the Screen's

    def reload(self) -> None:
        """Read the list again (in a worker)."""
        raise NotImplementedError

    def start_refreshing(self) -> None:
        """Refresh every REFRESH_SECONDS while shown (call on mount)."""
        self.set_interval(self.REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if visible(self):
            self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.reload()
