"""Phone masking (operator_tui.privacy) and the ``phone_revealed`` event in the
state machine: pure functions, no Textual, no server."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from operator_tui.domain import Actor, CaseState, CaseStatus, Event, EventType, Rejected, Role, apply_event
from operator_tui.domain import conflicting_fields
from operator_tui.privacy import MAX_MASK, Reveals, dial_form, mask_phone, phone_for
from operator_tui.protocol import EventIn

MASK_ALPHABET = re.compile(r"^[0-9+* ]*$")


@pytest.mark.parametrize(("phone", "masked"), [
    ("+8613800135678", "138****5678"),  # Chinese mobile, as stored (E.164)
    ("13800135678", "138****5678"),  # ... and as dialled
    ("+861065123456", "010****3456"),  # Beijing landline: area code and last 4
    ("01065123456", "010****3456"),
    ("+862087654321", "020****4321"),  # Guangzhou (2-digit area after the 0)
    ("+8675512345678", "0755****5678"),  # Shenzhen (3-digit area)
    ("+8657187654321", "0571****4321"),
    ("+864008123456", "400***3456"),  # national business number
    ("+448001234567", "+44 ******4567"),  # foreign, non-geographic: country code and last 4
    ("+442079460958", "+44 20****0958"),  # London: country and area code
    ("+14155552671", "+1 415***2671"),
    ("+33612345678", "+33 *****5678"),
    ("0014155552671", "+1 415***2671"),  # dialled with China's international prefix
    ("12345", "****5"),  # short service numbers: mostly masked
    ("95598", "****8"),
    ("110", "***"),
    ("1", "*"),
    ("", ""),
    (None, ""),
])
def test_masks(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_fullwidth_digits_are_masked_like_ascii_ones() -> None:
    assert mask_phone("１３８００１３５６７８") == "138****5678"


@pytest.mark.parametrize("hostile", [
    "[bold]13800135678[/bold]",
    "[@click=app.quit]13800135678[/]",
    "\x1b]8;;http://evil.example\x1b\\13800135678\x1b]8;;\x1b\\",
    "\x1b[31m13800135678\x1b[0m",
    "\u202e87653100831",
    "1380\u200b0135678",
    "abc",
    "\x00\x01\x9b",
    "9" * 1_000_000,
    "+" * 500 + "86",
])
def test_hostile_text_gives_an_inert_bounded_mask(hostile: str) -> None:
    masked = mask_phone(hostile)
    assert MASK_ALPHABET.match(masked), masked
    assert len(masked) <= MAX_MASK
    assert "13800135678" not in masked and "0135" not in masked
    assert masked, "something is there: the mask must not look like no number"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_masks_to_the_mask_alphabet(text: str) -> None:
    masked = mask_phone(text)
    assert MASK_ALPHABET.match(masked) and len(masked) <= MAX_MASK


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_mobile_never_shows_its_middle_four(number: str) -> None:
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]
    assert masked.count("*") == 4


def test_dial_form_is_the_full_number_without_controls() -> None:
    assert dial_form("+8613800135678") == "13800135678"
    assert dial_form("+861065123456") == "01065123456"
    assert dial_form("+864008123456") == "4008123456"
    assert dial_form("+442079460958") == "+442079460958"
    assert dial_form("\x1b[31m+44\u202e1") == "[31m+44 1"
    assert len(dial_form("1" * 10_000)) == 40
    assert phone_for("+8613800135678", False) == "138****5678"
    assert phone_for("+8613800135678", True) == "13800135678"


def test_a_reveal_runs_out_and_can_be_hidden() -> None:
    now = [100.0]
    reveals = Reveals(seconds=180, now=lambda: now[0])
    assert not reveals.shown("A")
    reveals.reveal("A")
    reveals.reveal("B")
    assert reveals.shown("A") and reveals.state() == ("A", "B")
    now[0] += 179.5
    assert reveals.shown("A")
    reveals.hide("B")
    assert reveals.state() == ("A",)
    now[0] += 0.5
    assert not reveals.shown("A") and reveals.state() == ()
    reveals.reveal("C")
    reveals.clear()
    assert not reveals.shown("C")


# --- the state machine --------------------------------------------------------------

OP = Actor("op1", Role.OPERATOR, seat_no=7)
DEPT = Actor("dept.water", Role.DEPARTMENT, "water")
OTHER_DEPT = Actor("dept.power", Role.DEPARTMENT, "power")


def _case(**fields: object) -> CaseState:
    values: dict[str, object] = {"phone": "+8613800135678", "updated_at": "2025-11-29T02:00:00+00:00", **fields}
    return CaseState(case_no="251129-007-0001-7", version=4, **values)  # type: ignore[arg-type]


def _reveal(state: CaseState, actor: Actor = OP, base: int = 4) -> CaseState:
    return apply_event(state, Event(EventType.PHONE_REVEALED, state.case_no, base, {}, actor,
                                    "2025-11-29T03:00:00+00:00"))


@pytest.mark.parametrize("status", list(CaseStatus))
def test_a_reveal_changes_nothing_but_the_version_in_any_status(status: CaseStatus) -> None:
    before = _case(status=status, merged_into="251129-007-0002-1" if status == CaseStatus.MERGED else "")
    after = _reveal(before)
    assert after.version == 5
    changed = {k for k, v in after.to_dict().items() if before.to_dict()[k] != v}
    assert changed == {"version"}  # not updated_at: the callback wait and list order stay


def test_a_reveal_never_conflicts_with_edits() -> None:
    state = _reveal(_case())
    edit = Event(EventType.EDITED, state.case_no, 4, {"fields": {"address": "x"}}, Actor("op2", Role.OPERATOR))
    assert conflicting_fields(state, edit) == []
    assert conflicting_fields(_case(), Event(EventType.PHONE_REVEALED, state.case_no, 0, {}, OP)) == []


def test_departments_reveal_only_their_own_cases() -> None:
    mine = _case(status=CaseStatus.DISPATCHED, lead_department="water")
    assert _reveal(mine, DEPT).version == 5
    with pytest.raises(Rejected, match="not your case"):
        _reveal(mine, OTHER_DEPT)
    co = _case(status=CaseStatus.SIGNED, lead_department="power", co_departments=["water"])
    assert _reveal(co, DEPT).version == 5


def test_nothing_to_reveal_without_a_number_or_a_case() -> None:
    with pytest.raises(Rejected, match="no phone number"):
        _reveal(_case(phone=""))
    with pytest.raises(Rejected, match="does not exist"):
        apply_event(None, Event(EventType.PHONE_REVEALED, "251129-007-0001-7", 0, {}, OP))


def test_the_wire_event_carries_no_number() -> None:
    ok = EventIn.model_validate({"event_id": "e" * 16, "case_no": "251129-007-0001-7",
                                 "type": "phone_revealed", "client_time": "2025-11-29T03:00:00+00:00"})
    assert ok.payload == {}
    with pytest.raises(ValueError, match="invalid payload"):
        EventIn.model_validate({"event_id": "e" * 16, "case_no": "251129-007-0001-7",
                                "type": "phone_revealed", "client_time": "2025-11-29T03:00:00+00:00",
                                "payload": {"phone": "+8613800135678"}})
