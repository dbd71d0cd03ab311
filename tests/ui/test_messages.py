"""The one table of member-facing messages: every reason, unknown codes,
details filled in from the refusal context, and hostile timestamps."""

from __future__ import annotations

import datetime as dt
from enum import Enum, IntEnum

import pytest

from common.errors import Reason
from ui import car_names
from ui.messages import (
    challenge_text,
    code_of,
    door_text,
    format_when,
    guidance_text,
    reason_message,
    scan_hint,
    to_datetime,
)

GENERIC = reason_message("NO_SUCH_REASON")
# Infrastructure codes a member only ever sees as "something went wrong".
INTERNAL_ONLY = {Reason.CONFIG_INVALID, Reason.BACKEND_BAD_RESPONSE, Reason.BACKEND_UNAUTHORIZED,
                 Reason.BACKEND_ERROR, Reason.FRAME_INVALID, Reason.MODEL_UNAVAILABLE,
                 Reason.ILLEGAL_TRANSITION, Reason.INTERNAL}


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.value)
def test_every_reason_has_a_complete_calm_message(qapp, reason):
    msg = reason_message(reason, {})
    assert msg.title and msg.body and msg.next_step
    assert (msg == GENERIC) == (reason in INTERNAL_ONLY)
    for text in (msg.title, msg.body, msg.next_step):
        assert reason.value not in text and "{" not in text  # no codes, no raw placeholders


@pytest.mark.parametrize("reason", [None, "", "garbage", 42, object(), "not_super_member"])
def test_unknown_reasons_get_the_generic_message(qapp, reason):
    assert reason_message(reason) == GENERIC


def test_spec_wordings(qapp):
    assert reason_message(Reason.NOT_SUPER_MEMBER).body == \
        "Test drives are for Super Members (credit score 700 or more)."
    assert reason_message("PASS_EXPIRED").body == \
        "That pass has expired. Refresh it in the app and scan again."
    assert "staff" in reason_message(Reason.LIFT_FAULT).next_step.lower()


def test_identity_lockout_says_when_to_come_back(qapp):
    plain = reason_message(Reason.IDENTITY_LOCKED, {})
    dated = reason_message(Reason.IDENTITY_LOCKED, {"retry_at": "2030-07-01T09:30:00Z"})
    assert "later" in plain.next_step and "staff" in plain.next_step
    assert format_when("2030-07-01T09:30:00Z") in dated.next_step and "Jul" in dated.next_step
    assert reason_message(Reason.IDENTITY_LOCKED, {"retry_at": "whenever"}) == plain


def test_quota_uses_next_possible_at_when_given(qapp):
    plain = reason_message(Reason.QUOTA_EXCEEDED, {})
    dated = reason_message(Reason.QUOTA_EXCEEDED, {"next_possible_at": "2030-07-01T09:00:00Z"})
    assert plain.next_step != dated.next_step and "2030" not in dated.next_step
    assert "Jul" in dated.next_step
    broken = reason_message(Reason.QUOTA_EXCEEDED, {"next_possible_at": "soon-ish"})
    assert broken == plain


@pytest.mark.parametrize("value, ok", [
    (dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC), True),
    (dt.datetime(2030, 1, 2, 3, 4), True),  # naive = UTC
    (1893456000, True), (1893456000.5, True), ("2030-01-02T03:04:05Z", True),
    ("2030-01-02T03:04:05+08:00", True), (None, False), ("", False), ("tomorrow", False),
    (True, False), (10**20, False), (float("nan"), False), ([], False), ({"a": 1}, False),
])
def test_timestamps_from_the_backend(qapp, value, ok):
    assert (to_datetime(value) is not None) == ok
    assert bool(format_when(value)) == ok


class _Door(IntEnum):
    CLOSED = 0
    OPEN = 2


class _Challenge(str, Enum):
    TURN_LEFT = "turn_left"


@pytest.mark.parametrize("value, key", [(_Door.OPEN, "open"), (_Door.CLOSED, "closed"),
                                         (_Challenge.TURN_LEFT, "turn_left"), ("Glare", "glare"),
                                         (None, ""), (3, "3")])
def test_code_of_reads_str_and_int_enums(value, key):
    assert code_of(value) == key


def test_lookups_never_raise_and_fall_back(qapp):
    assert door_text(_Door.OPEN) == "Door open" and door_text("jammed") == ""
    assert challenge_text(_Challenge.TURN_LEFT) == "Turn your head to your left"
    assert challenge_text("juggle") == "Follow the instruction"
    assert scan_hint("glare") != scan_hint(None) == scan_hint("???")
    assert guidance_text(None) == guidance_text("ok") == "Great, hold it there"
    assert car_names.colour_swatch("midnight_blue") == car_names.colour_swatch("blue")
    assert car_names.colour_label("rose_gold") == "Rose Gold"
