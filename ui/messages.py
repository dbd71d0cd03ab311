"""Every plain-language message a member can read, in one table.

Reason codes (``common.errors.Reason``), scan hints, selfie guidance and
challenges, lift phases and colour names map to calm, translated text here
and nowhere else. The tables hold ``QT_TRANSLATE_NOOP`` markers so lupdate
finds them; the lookup functions translate at call time, so the same table
serves whichever language is active. An unknown code always gets a generic
message, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDateTime, QLocale

from common.errors import Reason
from common.timestamps import to_datetime
from ui.messages_rules import RULE_REASONS, refine

CTX = "Reason"


def _tr(text: str, context: str = CTX) -> str:
    return QCoreApplication.translate(context, text)


def code_of(value: Any) -> str:
    """A lower-case key for a code that may be a str Enum ("turn_left"), an int
    Enum from the lift protocol (DoorState.OPEN -> "open"), a str or None."""
    if isinstance(value, Enum):
        raw = value.value if isinstance(value.value, str) else value.name
        return str(raw).lower()
    return str(value or "").lower()


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    next_step: str


_STAFF = QT_TRANSLATE_NOOP("Reason", "A member of staff has been alerted and will help you.")
_RESCAN = QT_TRANSLATE_NOOP("Reason", "Refresh your pass in the app and show it to the camera.")
_TRY_LATER = QT_TRANSLATE_NOOP(
    "Reason", "Nothing has been booked or charged. Staff have been alerted; please try again in "
              "a few minutes.")

# reason -> (title, body, what happens next)
_REASONS: dict[Reason, tuple[str, str, str]] = {
    Reason.NOT_SUPER_MEMBER: (
        QT_TRANSLATE_NOOP("Reason", "Test drives are for Super Members"),
        QT_TRANSLATE_NOOP(
            "Reason", "Test drives are for Super Members (credit score {score} or more)."),
        QT_TRANSLATE_NOOP("Reason", "You can still buy a car here, or in the app."),
    ),
    Reason.QUOTA_EXCEEDED: (
        QT_TRANSLATE_NOOP("Reason", "You've reached your test drive limit"),
        QT_TRANSLATE_NOOP("Reason", "Members can take 5 test drives in any 60 days."),
        QT_TRANSLATE_NOOP("Reason", "You can book another test drive when an earlier one is "
                                    "more than 60 days old."),
    ),
    Reason.DRIVE_OPEN: (
        QT_TRANSLATE_NOOP("Reason", "You already have a car out"),
        QT_TRANSLATE_NOOP("Reason", "One test drive at a time: your current car is still out."),
        QT_TRANSLATE_NOOP("Reason", "Return it here first, then you can take the next one."),
    ),
    Reason.DRIVE_OVERDUE: (
        QT_TRANSLATE_NOOP("Reason", "A car is overdue"),
        QT_TRANSLATE_NOOP("Reason", "The car from your last test drive is past its return time."),
        QT_TRANSLATE_NOOP("Reason", "Please return it first. If you need help, ask a member of "
                                    "staff."),
    ),
    Reason.FACE_MISMATCH: (
        QT_TRANSLATE_NOOP("Reason", "We couldn't confirm it's you"),
        QT_TRANSLATE_NOOP("Reason", "Your selfie didn't match the photo on your membership."),
        QT_TRANSLATE_NOOP("Reason", "A member of staff can check your ID and help you."),
    ),
    Reason.LIVENESS_FAILED: (
        QT_TRANSLATE_NOOP("Reason", "The selfie check didn't work"),
        QT_TRANSLATE_NOOP("Reason", "We couldn't complete the selfie check this time."),
        QT_TRANSLATE_NOOP("Reason", "You can start again with a fresh pass, or ask a member of "
                                    "staff for help."),
    ),
    Reason.IDENTITY_LOCKED: (
        QT_TRANSLATE_NOOP("Reason", "Selfie checks are paused for now"),
        QT_TRANSLATE_NOOP("Reason", "After several selfie checks that didn't work, we pause "
                                    "them for a while to protect your account."),
        QT_TRANSLATE_NOOP("Reason", "Please try again later, or ask a member of staff for "
                                    "help."),
    ),
    Reason.PASS_INVALID: (
        QT_TRANSLATE_NOOP("Reason", "That pass can't be used"),
        QT_TRANSLATE_NOOP("Reason", "That code isn't a valid member pass."),
        _RESCAN,
    ),
    Reason.PASS_EXPIRED: (
        QT_TRANSLATE_NOOP("Reason", "That pass has expired"),
        QT_TRANSLATE_NOOP("Reason", "That pass has expired. Refresh it in the app and scan "
                                    "again."),
        _RESCAN,
    ),
    Reason.PASS_REPLAYED: (
        QT_TRANSLATE_NOOP("Reason", "That pass was already used"),
        QT_TRANSLATE_NOOP("Reason", "Each pass works once. Refresh it in the app and scan "
                                    "again."),
        _RESCAN,
    ),
    Reason.PASS_WRONG_TOWER: (
        QT_TRANSLATE_NOOP("Reason", "That pass is for another tower"),
        QT_TRANSLATE_NOOP("Reason", "That pass is for a different tower. Choose this tower in "
                                    "the app and scan again."),
        _RESCAN,
    ),
    Reason.QR_NOT_A_PASS: (
        QT_TRANSLATE_NOOP("Reason", "That's not a member pass"),
        QT_TRANSLATE_NOOP("Reason", "That code isn't a member pass. Open your pass in the app "
                                    "and show it to the camera."),
        _RESCAN,
    ),
    Reason.QR_TOO_LARGE: (
        QT_TRANSLATE_NOOP("Reason", "That's not a member pass"),
        QT_TRANSLATE_NOOP("Reason", "That code isn't a member pass. Open your pass in the app "
                                    "and show it to the camera."),
        _RESCAN,
    ),
    Reason.CAR_UNAVAILABLE: (
        QT_TRANSLATE_NOOP("Reason", "That car was just taken"),
        QT_TRANSLATE_NOOP("Reason", "Sorry, someone else has just taken that car."),
        QT_TRANSLATE_NOOP("Reason", "Please choose another model or colour."),
    ),
    Reason.RESERVATION_EXPIRED: (
        QT_TRANSLATE_NOOP("Reason", "Your reservation timed out"),
        QT_TRANSLATE_NOOP("Reason", "We hold a car for a few minutes, and that time ran out."),
        QT_TRANSLATE_NOOP("Reason", "Please start again. It only takes a minute."),
    ),
    Reason.NO_OPEN_DRIVE: (
        QT_TRANSLATE_NOOP("Reason", "No car to return"),
        QT_TRANSLATE_NOOP("Reason", "We couldn't find a test drive car out on this pass."),
        QT_TRANSLATE_NOOP("Reason", "If you have a car with you, please ask a member of staff."),
    ),
    Reason.RETURN_BAY_EMPTY: (
        QT_TRANSLATE_NOOP("Reason", "We can't see your car yet"),
        QT_TRANSLATE_NOOP("Reason", "Please drive the car into a delivery bay and switch off "
                          "the engine."),
        QT_TRANSLATE_NOOP("Reason", "Then scan your pass again and choose Return a car."),
    ),
    Reason.RETURN_BAY_INVALID: (
        QT_TRANSLATE_NOOP("Reason", "Please use a delivery bay"),
        QT_TRANSLATE_NOOP("Reason", "The car must stand in one of the delivery bays."),
        QT_TRANSLATE_NOOP("Reason", "Move the car into a delivery bay, then scan again."),
    ),
    Reason.SESSION_EXPIRED: (
        QT_TRANSLATE_NOOP("Reason", "That took a little too long"),
        QT_TRANSLATE_NOOP("Reason", "For your security, each visit is only valid for a few "
                          "minutes."),
        QT_TRANSLATE_NOOP("Reason", "Please start again. It only takes a minute."),
    ),
    Reason.MEMBER_UNKNOWN: (
        QT_TRANSLATE_NOOP("Reason", "We couldn't find your membership"),
        QT_TRANSLATE_NOOP("Reason", "This pass doesn't belong to an active membership."),
        QT_TRANSLATE_NOOP("Reason", "Check you're signed in to the app, or ask a member of "
                                    "staff."),
    ),
    Reason.NO_FACE: (
        QT_TRANSLATE_NOOP("Reason", "We couldn't see your face"),
        QT_TRANSLATE_NOOP("Reason", "The selfie didn't show a clear face."),
        QT_TRANSLATE_NOOP("Reason", "You can start again, or ask a member of staff for help."),
    ),
    Reason.MANY_FACES: (
        QT_TRANSLATE_NOOP("Reason", "One person at a time, please"),
        QT_TRANSLATE_NOOP("Reason", "We saw more than one face in the selfie."),
        QT_TRANSLATE_NOOP("Reason", "Please start again on your own in front of the camera."),
    ),
    Reason.LIFT_FAULT: (
        QT_TRANSLATE_NOOP("Reason", "The car lift has paused"),
        QT_TRANSLATE_NOOP("Reason", "The lift stopped as a safety precaution."),
        QT_TRANSLATE_NOOP("Reason", "Staff have been alerted and will come to help. If your car "
                                    "had not left its bay, it is released and nothing is "
                                    "charged."),
    ),
    Reason.LIFT_LINK_DOWN: (
        QT_TRANSLATE_NOOP("Reason", "The car lift isn't answering"),
        QT_TRANSLATE_NOOP("Reason", "We lost contact with the car lift, so it has stopped."),
        QT_TRANSLATE_NOOP("Reason", "Staff have been alerted and will come to help. If your car "
                                    "had not left its bay, it is released and nothing is "
                                    "charged."),
    ),
    Reason.LIFT_TIMEOUT: (
        QT_TRANSLATE_NOOP("Reason", "The car lift is taking too long"),
        QT_TRANSLATE_NOOP("Reason", "The lift didn't finish in the expected time, so it has "
                                    "stopped."),
        QT_TRANSLATE_NOOP("Reason", "Staff have been alerted and will come to help. If your car "
                                    "had not left its bay, it is released and nothing is "
                                    "charged."),
    ),
    Reason.LIFT_REJECTED: (
        QT_TRANSLATE_NOOP("Reason", "The car lift couldn't start"),
        QT_TRANSLATE_NOOP("Reason", "The lift declined the move, so nothing moved."),
        QT_TRANSLATE_NOOP("Reason", "Staff have been alerted. Your reservation is released and "
                                    "nothing is charged."),
    ),
    Reason.LIFT_ESTOP_HELD: (
        QT_TRANSLATE_NOOP("Reason", "The emergency stop is still pressed"),
        QT_TRANSLATE_NOOP("Reason", "The lift cannot be reset while its emergency stop button "
                                    "is held in."),
        QT_TRANSLATE_NOOP("Reason", "Release the emergency stop at the tower, then acknowledge "
                                    "the fault again."),
    ),
    Reason.LIFT_ECHO_MISMATCH: (
        QT_TRANSLATE_NOOP("Reason", "The car lift has stopped"),
        QT_TRANSLATE_NOOP("Reason", "The lift reported a different car or bay from the one we "
                                    "asked for, so we stopped it."),
        QT_TRANSLATE_NOOP("Reason", "Staff have been alerted and will come to check the cars."),
    ),
    Reason.CAMERA_UNAVAILABLE: (
        QT_TRANSLATE_NOOP("Reason", "The camera isn't working"),
        QT_TRANSLATE_NOOP("Reason", "We can't see through the camera right now."),
        _STAFF,
    ),
    Reason.CAMERA_STALLED: (
        QT_TRANSLATE_NOOP("Reason", "The camera isn't working"),
        QT_TRANSLATE_NOOP("Reason", "We can't see through the camera right now."),
        _STAFF,
    ),
    Reason.BACKEND_UNREACHABLE: (
        QT_TRANSLATE_NOOP("Reason", "We can't reach our service"),
        QT_TRANSLATE_NOOP("Reason", "The kiosk can't connect to our service right now."),
        _TRY_LATER,
    ),
    Reason.BACKEND_PIN_MISMATCH: (
        QT_TRANSLATE_NOOP("Reason", "We can't reach our service safely"),
        QT_TRANSLATE_NOOP("Reason", "The kiosk couldn't confirm it was talking to our service, "
                                    "so it sent nothing."),
        _TRY_LATER,
    ),
    Reason.STAFF_LOCKED: (
        QT_TRANSLATE_NOOP("Reason", "Staff entry is locked"),
        QT_TRANSLATE_NOOP("Reason", "Too many wrong attempts."),
        QT_TRANSLATE_NOOP("Reason", "Try again in a few minutes."),
    ),
    Reason.STAFF_DENIED: (
        QT_TRANSLATE_NOOP("Reason", "Staff entry refused"),
        QT_TRANSLATE_NOOP("Reason", "That PIN or badge wasn't accepted."),
        QT_TRANSLATE_NOOP("Reason", "Try again."),
    ),
    Reason.STAFF_SESSION_REQUIRED: (
        QT_TRANSLATE_NOOP("Reason", "Staff login needed"),
        QT_TRANSLATE_NOOP("Reason", "Changes to the inventory need a staff login checked by "
                                    "the server."),
        QT_TRANSLATE_NOOP("Reason", "Log out and log in again once the server is reachable."),
    ),
}

_REASONS.update(RULE_REASONS)  # the tower's rules (issue #14): ui/messages_rules.py
_GENERIC = (
    QT_TRANSLATE_NOOP("Reason", "Something went wrong"),
    QT_TRANSLATE_NOOP("Reason", "Sorry, the kiosk couldn't finish that. It's not your fault."),
    _STAFF,
)
# Refusals whose next step can say when: reason -> (context field, next step).
_DATED: dict[Reason, tuple[str, str]] = {
    Reason.QUOTA_EXCEEDED: ("next_possible_at", QT_TRANSLATE_NOOP(
        "Reason", "You can take your next test drive from {when}.")),
    Reason.IDENTITY_LOCKED: ("retry_at", QT_TRANSLATE_NOOP(
        "Reason", "You can try again from {when}, or ask a member of staff for help.")),
}
DEFAULT_MIN_SCORE = 700


def reason_message(reason: Reason | str | None, context: dict[str, Any] | None = None) -> Message:
    """The member-facing message for ``reason``; ``context`` fills details in."""
    context = context or {}
    try:
        key = Reason(getattr(reason, "value", reason))
    except ValueError:
        key = None  # a code this build does not know yet: the generic message
    title, body, next_step = _REASONS.get(key, _GENERIC) if key else _GENERIC
    title, body, next_step = _tr(title), _tr(body), _tr(next_step)
    if key is Reason.NOT_SUPER_MEMBER:
        score = (context.get("min_score") or context.get("threshold")
                 or context.get("credit_min") or DEFAULT_MIN_SCORE)
        body = body.format(score=score)
    elif key in _DATED:
        when = format_when(context.get(_DATED[key][0]))
        if when:
            next_step = _tr(_DATED[key][1]).format(when=when)
    body, next_step = refine(key, context, body, next_step)
    return Message(title, body, next_step)


def format_when(value: Any) -> str:
    """Local date and time in the active language, e.g. "Fri 14 Mar, 17:30"; "" if unknown."""
    moment = to_datetime(value)
    if moment is None:
        return ""
    qdt = QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime()
    locale = QLocale()
    if locale.language() == QLocale.Language.Chinese:
        return locale.toString(qdt, "M月d日 dddd HH:mm")
    return locale.toString(qdt, "ddd d MMM, HH:mm")


# -- scan hints: a code is in view but cannot be read ---------------------------
_HINTS: dict[str, str] = {
    "too_far": QT_TRANSLATE_NOOP("Hint", "Bring your phone a little closer"),
    "small": QT_TRANSLATE_NOOP("Hint", "Bring your phone a little closer"),
    "too_close": QT_TRANSLATE_NOOP("Hint", "Move your phone a little further away"),
    "glare": QT_TRANSLATE_NOOP("Hint", "Tilt your phone slightly to avoid reflections"),
    "tilt": QT_TRANSLATE_NOOP("Hint", "Hold your phone flat, facing the camera"),
    "tilted": QT_TRANSLATE_NOOP("Hint", "Hold your phone flat, facing the camera"),
    "blur": QT_TRANSLATE_NOOP("Hint", "Hold your phone still for a moment"),
    "motion": QT_TRANSLATE_NOOP("Hint", "Hold your phone still for a moment"),
    "dark": QT_TRANSLATE_NOOP("Hint", "Turn up your phone's screen brightness"),
    "low_contrast": QT_TRANSLATE_NOOP("Hint", "Turn up your phone's screen brightness"),
    "partial": QT_TRANSLATE_NOOP("Hint", "Show the whole code inside the frame"),
    "occluded": QT_TRANSLATE_NOOP("Hint", "Show the whole code inside the frame"),
}
_HINT_GENERIC = QT_TRANSLATE_NOOP("Hint", "Hold your phone steady, about 20 cm from the camera")


def scan_hint(hint: Any) -> str:
    code = code_of(hint)
    return _tr(_HINTS.get(code, _HINT_GENERIC), "Hint")


# -- selfie guidance (quality gates) and challenges ---------------------------------
_GUIDANCE: dict[str, str] = {
    "no_face": QT_TRANSLATE_NOOP("Guidance", "Look at the camera"),
    "many_faces": QT_TRANSLATE_NOOP("Guidance", "Only one person, please"),
    "one_face": QT_TRANSLATE_NOOP("Guidance", "Only one person, please"),
    "too_far": QT_TRANSLATE_NOOP("Guidance", "Come a little closer"),
    "too_small": QT_TRANSLATE_NOOP("Guidance", "Come a little closer"),
    "too_close": QT_TRANSLATE_NOOP("Guidance", "Move back a little"),
    "off_centre": QT_TRANSLATE_NOOP("Guidance", "Centre your face in the oval"),
    "off_center": QT_TRANSLATE_NOOP("Guidance", "Centre your face in the oval"),
    "not_centred": QT_TRANSLATE_NOOP("Guidance", "Centre your face in the oval"),
    "not_frontal": QT_TRANSLATE_NOOP("Guidance", "Look straight at the camera"),
    "too_dark": QT_TRANSLATE_NOOP("Guidance", "We need a little more light on your face"),
    "dark": QT_TRANSLATE_NOOP("Guidance", "We need a little more light on your face"),
    "too_bright": QT_TRANSLATE_NOOP("Guidance", "Too much light behind or on you"),
    "bright": QT_TRANSLATE_NOOP("Guidance", "Too much light behind or on you"),
    "blurry": QT_TRANSLATE_NOOP("Guidance", "Hold still for a moment"),
    "blur": QT_TRANSLATE_NOOP("Guidance", "Hold still for a moment"),
    "ok": QT_TRANSLATE_NOOP("Guidance", "Great, hold it there"),
}
_GUIDANCE_GENERIC = QT_TRANSLATE_NOOP("Guidance", "Look at the camera and hold still")

CHALLENGES: dict[str, str] = {
    "turn_left": QT_TRANSLATE_NOOP("Challenge", "Turn your head to your left"),
    "turn_right": QT_TRANSLATE_NOOP("Challenge", "Turn your head to your right"),
    "blink": QT_TRANSLATE_NOOP("Challenge", "Blink your eyes"),
    "nod": QT_TRANSLATE_NOOP("Challenge", "Nod your head"),
    "smile": QT_TRANSLATE_NOOP("Challenge", "Smile"),
}
_CHALLENGE_GENERIC = QT_TRANSLATE_NOOP("Challenge", "Follow the instruction")


def guidance_text(code: Any) -> str:
    key = code_of(code) or "ok"
    return _tr(_GUIDANCE.get(key, _GUIDANCE_GENERIC), "Guidance")


def challenge_text(challenge: Any) -> str:
    key = code_of(challenge)
    return _tr(CHALLENGES.get(key, _CHALLENGE_GENERIC), "Challenge")


# -- lift ------------------------------------------------------------------------
_DOORS: dict[str, str] = {
    "open": QT_TRANSLATE_NOOP("Lift", "Door open"),
    "opening": QT_TRANSLATE_NOOP("Lift", "Door opening"),
    "closed": QT_TRANSLATE_NOOP("Lift", "Door closed"),
    "closing": QT_TRANSLATE_NOOP("Lift", "Door closing"),
    "obstructed": QT_TRANSLATE_NOOP("Lift", "Door held: please keep the doorway clear"),
}


def door_text(door: Any) -> str:
    key = code_of(door)
    return _tr(_DOORS[key], "Lift") if key in _DOORS else ""


# -- staff mode: why a staff action was refused (kiosk.staff.console.Why) ---------------
_STAFF_WHY: dict[str, str] = {
    "customer_journey": QT_TRANSLATE_NOOP("Staff", "Finish or cancel the customer's journey "
                                                   "first."),
    "customer_job": QT_TRANSLATE_NOOP("Staff", "A customer's car is on the lift. Wait until "
                                               "it has arrived."),
    "not_logged_in": QT_TRANSLATE_NOOP("Staff", "Log in with the staff PIN first."),
    "disabled": QT_TRANSLATE_NOOP("Staff", "Staff entry is not set up on this kiosk."),
    "not_available": QT_TRANSLATE_NOOP("Staff", "This kiosk does not have that part."),
    "offline": QT_TRANSLATE_NOOP("Staff", "Offline login: changes to the inventory need a "
                                          "login checked by the server."),
}


def staff_refusal(err: Any) -> str:
    """What staff read when the console refuses (``StaffError`` with a ``why``), else
    the error's reason message title."""
    why = str(getattr(err, "context", {}).get("why", ""))
    if why in _STAFF_WHY:
        return _tr(_STAFF_WHY[why], "Staff")
    reason = getattr(err, "reason", None)
    return reason_message(reason).title if reason is not None else str(err)

# Parts' states as the staff health page shows them (camera, link, lift, faults).
_STAFF_CODES: dict[str, str] = {
    "live": QT_TRANSLATE_NOOP("StaffCode", "live"),
    "ok": QT_TRANSLATE_NOOP("StaffCode", "ok"),
    "starting": QT_TRANSLATE_NOOP("StaffCode", "starting"),
    "stopped": QT_TRANSLATE_NOOP("StaffCode", "stopped"),
    "stalled": QT_TRANSLATE_NOOP("StaffCode", "stalled"),
    "reopening": QT_TRANSLATE_NOOP("StaffCode", "reopening"),
    "failed": QT_TRANSLATE_NOOP("StaffCode", "failed"),
    "ended": QT_TRANSLATE_NOOP("StaffCode", "ended"),
    "no frame": QT_TRANSLATE_NOOP("StaffCode", "no frame"),
    "absent": QT_TRANSLATE_NOOP("StaffCode", "absent"),
    "up": QT_TRANSLATE_NOOP("StaffCode", "up"),
    "down": QT_TRANSLATE_NOOP("StaffCode", "down"),
    "connecting": QT_TRANSLATE_NOOP("StaffCode", "connecting"),
    "idle": QT_TRANSLATE_NOOP("StaffCode", "idle"),
    "busy": QT_TRANSLATE_NOOP("StaffCode", "busy"),
    "fault": QT_TRANSLATE_NOOP("StaffCode", "fault"),
    "estop": QT_TRANSLATE_NOOP("StaffCode", "emergency stop"),
    "door_obstructed": QT_TRANSLATE_NOOP("StaffCode", "door obstructed"),
    "bay_sensor_mismatch": QT_TRANSLATE_NOOP("StaffCode", "bay sensor mismatch"),
    "overload": QT_TRANSLATE_NOOP("StaffCode", "overload"),
    "comm_lost": QT_TRANSLATE_NOOP("StaffCode", "communication lost"),
    "open": QT_TRANSLATE_NOOP("StaffCode", "open"),
    "opening": QT_TRANSLATE_NOOP("StaffCode", "opening"),
    "closed": QT_TRANSLATE_NOOP("StaffCode", "closed"),
    "closing": QT_TRANSLATE_NOOP("StaffCode", "closing"),
    "obstructed": QT_TRANSLATE_NOOP("StaffCode", "obstructed"),
}


def staff_code(value: Any) -> str:
    """A part's state, door state or fault code in the staff's language; an unknown
    code as it is."""
    key = code_of(value)
    if key in _STAFF_CODES:
        return _tr(_STAFF_CODES[key], "StaffCode")
    return str(getattr(value, "name", value) or "")
