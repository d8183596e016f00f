"""An Input for forms with many fields: typing repaints the field only.

Textual's Input sets its virtual size (the text's width plus the cursor) on
every keystroke, and the virtual size is layout-reactive, so each key re-laid
out the whole screen: in the case form, with some forty widgets, that was most
of a keystroke's time. A one-line field of fixed size does not move anything
else when its text grows, so here the virtual size only repaints the field;
scrolling within the field reads it directly and is unchanged.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FormInput(Input):
    """An Input whose growing text repaints itself, not the screen's layout."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)
