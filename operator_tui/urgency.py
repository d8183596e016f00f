"""Suggesting a case's urgency from its category and description.

Only a suggestion: the operator decides. Safety words make a case critical
(dispatch within 1 h); outages of water, power, gas or heating make it urgent
(2 h); everything else is normal (24 h).
"""

from __future__ import annotations

from .domain import Urgency

CRITICAL_WORDS = (
    "燃气泄漏", "漏气", "煤气味", "起火", "着火", "爆炸", "触电", "坍塌", "塌陷", "被困",
    "电梯困人", "gas leak", "fire", "explosion", "collapse", "electric shock", "trapped",
)
URGENT_WORDS = (
    "停水", "没水", "断水", "停电", "没电", "断电", "停气", "燃气", "暖气不热", "供暖", "没暖气",
    "爆管", "漏水", "no water", "water outage", "power cut", "no power", "outage", "no heating",
)


def suggest_urgency(description: str, category_path: str = "") -> Urgency:
    """The urgency the words of the case suggest."""
    text = f"{category_path} {description}".lower()
    if any(word in text for word in CRITICAL_WORDS):
        return Urgency.CRITICAL
    if any(word in text for word in URGENT_WORDS):
        return Urgency.URGENT
    return Urgency.NORMAL
