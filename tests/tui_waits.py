"""Waiting for a Textual app's background workers in Pilot tests.

Textual's ``workers.wait_for_complete()`` raises ``WorkerCancelled`` when a
worker it waits for was cancelled, and stops waiting for the rest. The
screens' exclusive workers (a list load, a search) are cancelled in normal use
whenever a newer one starts, so a test that waits that way fails at random.
"""

from __future__ import annotations

from textual.app import App
from textual.worker import WorkerCancelled


async def workers_done(app: App) -> None:
    """Wait until every worker the app has now has ended; a cancelled one
    (replaced by a newer exclusive worker) counts as ended. A failed worker
    still raises ``WorkerFailed``."""
    for worker in list(app.workers):
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def snapshot_ready(pilot) -> None:
    """Workers done and cursors still: an Input's or TextArea's blinking
    cursor would make a snapshot depend on the moment it is taken."""
    from textual.widgets import Input, TextArea

    await workers_done(pilot.app)
    await pilot.pause()
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.pause()
