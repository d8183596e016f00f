"""Case numbers made on the seat: readable aloud, unique without the server.

Format ``YYMMDD-SSS-NNNN-C``: the seat's local date, the seat number the centre
assigned to this installation (3 digits, 4 when above 999), the seat's running
number for that day, and a Damm check digit over all digits, which catches
every single wrong digit and every swap of two neighbours when a number is
read over the phone.
"""

from __future__ import annotations

import re
from datetime import date

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# ASCII digits only: \d alone also matches full-width and other scripts' digits.
PATTERN = re.compile(r"^(\d{6})-(\d{3,4})-(\d{4})-(\d)$", re.ASCII)
MAX_SEAT = 9999
MAX_DAILY = 9999


def damm_digit(digits: str) -> int:
    """The Damm check digit of a string of decimal digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][int(ch)]
    return interim


def make_case_no(day: date, seat_no: int, daily_seq: int) -> str:
    """Build the case number for the *daily_seq*-th case of *seat_no* on *day*."""
    if not 1 <= seat_no <= MAX_SEAT:
        raise ValueError(f"seat number must be 1..{MAX_SEAT}, got {seat_no}")
    if not 1 <= daily_seq <= MAX_DAILY:
        raise ValueError(f"daily sequence must be 1..{MAX_DAILY}, got {daily_seq}")
    body = f"{day:%y%m%d}-{seat_no:03d}-{daily_seq:04d}"
    return f"{body}-{damm_digit(body.replace('-', ''))}"


def is_valid_case_no(value: str) -> bool:
    """True when *value* is well formed and its check digit matches."""
    m = PATTERN.match(value)
    if not m:
        return False
    digits = "".join(m.groups())
    return damm_digit(digits) == 0


def parse_case_no(value: str) -> tuple[date, int, int]:
    """Split a valid case number into (day, seat number, daily sequence)."""
    if not is_valid_case_no(value):
        raise ValueError(f"not a valid case number: {value!r}")
    m = PATTERN.match(value)
    assert m is not None
    ymd, seat, seq, _ = m.groups()
    day = date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:6]))
    return day, int(seat), int(seq)
