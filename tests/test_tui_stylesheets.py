"""The screens' stylesheets do not reach into each other's widgets.

A screen's CSS_PATH stylesheet applies to the whole app once the screen has
been shown: a rule ``#case-body {...}`` in the case view's stylesheet also
sized the case form's ``#case-body`` (the form lost its urgency row after the
operator had opened any case). So an id that a stylesheet styles without
naming its screen must belong to one screen module only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

SCREENS = Path(__file__).resolve().parent.parent / "screens"
RULE = re.compile(r"^([^{}@/][^{}]*)\{", re.MULTILINE)
ID = re.compile(r"#([A-Za-z][\w-]*)")
WIDGET_ID = re.compile(r"""\bid=["']([A-Za-z][\w-]*)["']""")


def test_an_unscoped_id_rule_styles_one_screen_module_only() -> None:
    modules_of: dict[str, set[str]] = defaultdict(set)
    for module in SCREENS.glob("*.py"):
        for widget_id in WIDGET_ID.findall(module.read_text(encoding="utf-8")):
            modules_of[widget_id].add(module.name)
    clashes = []
    for sheet in SCREENS.glob("*.tcss"):
        for selectors in RULE.findall(sheet.read_text(encoding="utf-8")):
            for selector in selectors.split(","):
                first = selector.split()[0] if selector.split() else ""
                found = ID.match(first)
                if found and len(modules_of[found.group(1)]) > 1:
                    clashes.append(f"{sheet.name}: {selector.strip()} styles "
                                   f"{sorted(modules_of[found.group(1)])}")
    assert not clashes, "scope these rules by their screen's type, or rename the ids:\n" + "\n".join(clashes)

