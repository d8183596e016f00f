"""How a list screen stays fresh: a mixin with no imports (the home screen
loads it before the first frame; the department desk, callback, extension
and dispatch lists use it too)."""

from __future__ import annotations

from typing import Any

REFRESH_SECONDS = 2.0


class LiveList:
    """Mixed into a list Screen: reads its list again every few seconds while
    it is the current screen, and at once when it comes back into view (once
    it has loaded). The screen calls :meth:`start_refreshing` on mount and
    sets ``loaded``; :meth:`reload` starts its worker."""

    REFRESH_SECONDS = REFRESH_SECONDS
    loaded = False
    is_current: bool
    set_interval: Any  # the Screen's

    def reload(self) -> None:
        """Read the list again (in a worker)."""
        raise NotImplementedError

    def start_refreshing(self) -> None:
        """Refresh every REFRESH_SECONDS while shown (call on mount)."""
        self.set_interval(self.REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if self.is_current:
            self.reload()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.reload()
