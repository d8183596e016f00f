"""Phone numbers on screen: masked by default, shown in full for a while after
an audited reveal. Pure functions and one small class; no Textual, no I/O.

The mask keeps what an operator needs to tell callers apart without exposing
the number: a Chinese mobile keeps its first 3 and last 4 digits
(``138****5678``), a landline or a foreign number keeps its area (and country)
prefix and its last 4 (``010****3456``, ``+44 20****0958``), anything shorter
or stranger keeps at most one or two trailing digits. A mask is built only of
ASCII digits, ``+``, ``*`` and spaces, so whatever text came in, what goes out
is inert and never longer than :data:`MAX_MASK`.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable

REVEAL_SECONDS = 180.0  # long enough to dial and talk; the key hides it sooner
MAX_MASK = 24
MAX_DIGITS = 15  # E.164: anything longer is not a phone number
_DIGITS = re.compile(r"[0-9]")
_SPECIAL = ("400", "800")  # national business numbers, 10 digits


def _stars(n: int) -> str:
    return "*" * max(1, min(n, 12))


def _short(digits: str) -> str:
    """Mostly masked: at most the last two digits stay (none for 3 or fewer)."""
    keep = 0 if len(digits) <= 3 else 1 if len(digits) <= 6 else 2
    return _stars(len(digits) - keep) + (digits[-keep:] if keep else "")


def _keep_ends(prefix: str, rest: str) -> str:
    """*prefix* in clear, then *rest* with only its last 4 digits shown."""
    if len(rest) <= 5:  # too little left to hide: show less
        return prefix + _short(rest)
    return prefix + _stars(len(rest) - 4) + rest[-4:]


def _area_length(nsn: str) -> int:
    """Length of a Chinese area code without the 0: 2 for 10/2x, else 3."""
    return 2 if nsn.startswith(("10", "2")) else 3


def _chinese(nsn: str, landline: bool) -> str:
    """The mask of a Chinese national significant number (dialled form)."""
    if len(nsn) == 11 and nsn.startswith("1") and not nsn.startswith("10"):
        return _keep_ends(nsn[:3], nsn[3:])
    if len(nsn) == 10 and nsn.startswith(_SPECIAL):
        return _keep_ends(nsn[:3], nsn[3:])
    if landline and len(nsn) >= 9:
        area = _area_length(nsn)
        return _keep_ends("0" + nsn[:area], nsn[area:])
    return _short(nsn)


def _foreign(digits: str) -> str:
    """``+CC AREA****1234`` for a number parsed as foreign; mostly masked if it cannot be."""
    import phonenumbers  # ~30 ms of metadata, only for foreign numbers: not before the first frame

    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return "+" + _short(digits)
    cc = str(number.country_code)
    nsn = phonenumbers.national_significant_number(number)
    if not nsn or not digits.startswith(cc):
        return "+" + _short(digits)
    try:
        area = phonenumbers.length_of_geographical_area_code(number)
    except Exception:  # noqa: BLE001 - metadata gaps must not break a screen
        area = 0
    if area and len(nsn) - area < 6:
        area = 0
    prefix = f"+{cc} " + (nsn[:area] if area else "")
    return _keep_ends(prefix, nsn[area:])


def mask_phone(phone: object) -> str:
    """The number as shown by default; '' for no number, ``****`` for text
    that holds no digits at all (something is there, nothing of it shows)."""
    text = unicodedata.normalize("NFKC", str(phone or ""))[:200].strip()
    if not text:
        return ""
    digits = "".join(_DIGITS.findall(text))
    if not digits:
        return "****"
    if len(digits) > MAX_DIGITS:
        return _short(digits)[-MAX_MASK:]
    if text.startswith("+"):
        if digits.startswith("86"):
            return _chinese(digits[2:], landline=True)[:MAX_MASK]
        return _foreign(digits)[:MAX_MASK]
    if digits.startswith("00"):  # international prefix dialled from China
        return _foreign(digits[2:])[:MAX_MASK]
    if digits.startswith("0"):
        return _chinese(digits[1:], landline=True)[:MAX_MASK]
    return _chinese(digits, landline=False)[:MAX_MASK]


def dial_form(phone: object) -> str:
    """An E.164 number as operators dial it (13800138000, 01065123456);
    other text as it is, without control characters, at most 40 characters."""
    from .text import clean

    text = clean(str(phone or ""), one_line=True).strip()[:40]
    if not text.startswith("+86"):
        return text
    nsn = text[3:]
    if (len(nsn) == 11 and nsn.startswith("1")) or nsn.startswith(_SPECIAL):
        return nsn
    return "0" + nsn


class Reveals:
    """The cases whose number this seat shows in full, each until a moment.

    One reveal shows one case's number for :data:`REVEAL_SECONDS` on the
    screens an operator dials from (case view, callback list and form; work
    lists and search stay masked), then it is masked again; :meth:`hide`
    masks it at once. Times come from *now* (monotonic).
    """

    def __init__(self, seconds: float = REVEAL_SECONDS, now: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._now = now
        self._until: dict[str, float] = {}

    def reveal(self, case_no: str) -> None:
        """Show *case_no*'s number in full for the next :attr:`seconds`."""
        self._until[case_no] = self._now() + self.seconds

    def hide(self, case_no: str) -> None:
        """Mask *case_no*'s number again now."""
        self._until.pop(case_no, None)

    def clear(self) -> None:
        """Mask every number again (logout, another operator)."""
        self._until.clear()

    def shown(self, case_no: str) -> bool:
        """True while *case_no*'s number is revealed."""
        until = self._until.get(case_no)
        if until is None:
            return False
        if self._now() >= until:
            del self._until[case_no]
            return False
        return True

    def state(self) -> tuple[str, ...]:
        """The revealed case numbers now (for 'has anything changed' checks)."""
        return tuple(sorted(c for c in list(self._until) if self.shown(c)))


def phone_for(phone: object, revealed: bool) -> str:
    """What a screen shows: the dialled number when revealed, else the mask."""
    return dial_form(phone) if revealed else mask_phone(phone)
