"""What the soak plays: a seeded mix of journeys, the faults, and what each must end in.

Qt-free: the supervisor (which owns the backend and the simulator) plans and
judges; the kiosk process (``ui.soak.worker``) only plays the journeys it is
sent. A journey's expected outcome is fixed by its script; a fault widens it
to the outcomes that fault defines for the journey it hits (e.g. the backend
killed in the middle may cost the journey an error screen with the reason
BACKEND_UNREACHABLE, never anything else).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

# name -> (member kind, expected outcome, mix weight). Member kinds: "fresh"
# (a new clone of demo-ok: a first test drive, no lockout history), "face" (a
# clone of demo-face: someone else's face enrolled), "driver" (one who has a
# car out), or a seeded demo member whose refusal repeats forever.
SCRIPTS: dict[str, tuple[str, str, float]] = {
    "drive": ("fresh", "handover", 14),
    "bad-pass": ("fresh", "handover", 3),
    "return": ("driver", "returned", 10),
    "buy": ("demo-buy", "ordered", 5),
    "refused-credit": ("demo-credit", "NOT_SUPER_MEMBER", 4),
    "refused-quota": ("demo-quota", "QUOTA_EXCEEDED", 4),
    "refused-open": ("demo-open", "DRIVE_OPEN", 4),
    "attack-photo": ("fresh", "LIVENESS_FAILED", 4),
    "attack-replay": ("fresh", "LIVENESS_FAILED", 3),
    "impostor": ("face", "FACE_MISMATCH", 3),
    "walk-away-scan": ("fresh", "idle_reset", 2),
    "walk-away-choose": ("fresh", "idle_reset", 2),
    "walk-away-selfie": ("fresh", "idle_reset", 2),
    "cancel-scan": ("fresh", "cancelled", 2),
    "cancel-choose": ("fresh", "cancelled", 2),
    "cancel-selfie": ("fresh", "cancelled", 2),
    "cancel-selfie-live": ("fresh", "cancelled", 2),
    "staff": ("staff", "staff_ok", 4),
}

# Scripts whose seeded member may be refused for more than one reason: the
# five past drives of demo-quota were all of one model, and the backend may
# check the model (at the choice) before the quota.
ALSO: dict[str, tuple[str, ...]] = {"refused-quota": ("MODEL_ALREADY_DRIVEN",)}

# Journeys that put a car on the lift: the ones a lift or kiosk fault can hit mid-move.
MOVING = ("drive", "bad-pass", "return")
# Journeys that talk to the backend after the scan (verify, return, buy...).
BACKEND_AFTER_SCAN = ("drive", "bad-pass", "return", "buy", "attack-photo", "attack-replay",
                      "impostor")

BACKEND_DOWN = ("BACKEND_UNREACHABLE", "BACKEND_TIMEOUT", "BACKEND_ERROR")
LIFT_DOWN = ("lift_fault", "LIFT_UNREACHABLE", "LIFT_TIMEOUT", "LIFT_ESTOP_HELD",
             "LIFT_REJECTED", "LIFT_ECHO_MISMATCH")


@dataclass(frozen=True)
class Fault:
    """A fault, where it strikes (the journey state that triggers it) and
    which outcomes it allows beside the script's own."""

    name: str
    at: tuple[str, ...]  # journey states that trigger it; the first one seen fires
    scripts: tuple[str, ...]  # scripts it may be paired with
    allows: tuple[str, ...]
    weight: float = 1.0
    description: str = ""


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("backend-kill", ("choose", "selfie", "dispatch"), BACKEND_AFTER_SCAN,
          BACKEND_DOWN, 2,
          "the backend SIGKILLed and restarted a few seconds later: the journey ends "
          "on the error screen with its reason, or finishes if the restart beat the "
          "client's retries; out of service until the backend answers again"),
    Fault("backend-slow", ("choose", "selfie"), BACKEND_AFTER_SCAN,
          (*BACKEND_DOWN, "LIVENESS_FAILED"), 2,
          "the backend answers after several seconds, then refuses connections for a "
          "while: an error screen with BACKEND_*, or the journey finishes; a selfie "
          "whose frames reached the backend after its window closed is judged on what "
          "arrived in time (issue #12's evidence rule) and may fail: LIVENESS_FAILED"),
    Fault("lift-kill", ("dispatch",), MOVING, LIFT_DOWN, 2,
          "the simulator killed mid-move and restarted: the lift error screen; the job "
          "is settled failed_moved once the link is back (the restarted controller "
          "forgot it: the kiosk STOPs the lift), never sent again; staff acknowledge "
          "the stop next"),
    Fault("lift-noise", ("dispatch",), MOVING, LIFT_DOWN, 2,
          "a burst of serial corruption (5 % of bytes for 3 s) mid-move: the link "
          "resends through it; the journey finishes, or ends on the lift error screen"),
    Fault("estop", ("dispatch",), MOVING, LIFT_DOWN, 2,
          "the E-stop pressed mid-move and held, released 3 s later by 'a person' "
          "(control channel estop-release): the lift error screen; the job failed"),
    Fault("camera-unplug", ("scan", "selfie"), ("drive", "bad-pass", "attack-photo"),
          ("CAMERA_UNAVAILABLE", "CAMERA_STALLED", "LIVENESS_FAILED", "idle_reset", "error"), 2,
          "the camera unplugged for 3 s and plugged back: the journey goes on, or "
          "ends on an error screen, a failed selfie or the idle timeout"),
    Fault("kiosk-kill", ("dispatch",), MOVING, ("killed",), 2,
          "the kiosk process SIGKILLed mid-dispatch and restarted by the harness: the "
          "restarted kiosk reconciles the journal (the car arrives or its failure is "
          "reported, exactly once) before it takes the next member"),
)}

# With --faults, this share of journeys gets one.
FAULT_RATE = 0.25


@dataclass
class Journey:
    i: int
    script: str
    expect: str
    fault: str | None = None
    allowed: tuple[str, ...] = field(default_factory=tuple)
    done_by: str = "button"  # how a result screen is left: "button" or "timeout"

    def ok(self, outcome: str) -> bool:
        return outcome == self.expect or outcome in self.allowed or outcome in ALSO.get(
            self.script, ())


class Planner:
    """Draws the next journey from the seeded mix (the supervisor says which
    scripts are possible now, e.g. a return needs a car out)."""

    def __init__(self, seed: int, faults: bool, skip: Iterable[str] = ()) -> None:
        self.rng = random.Random(seed)
        self.faults = faults
        # ``--skip-fault kiosk-kill`` keeps one kiosk process through the whole
        # run (its memory over 1,000 journeys); skipping nothing leaves the
        # seeded draw exactly as it was.
        skipped = set(skip)
        self.mix = [f for f in FAULTS.values() if f.name not in skipped]

    def next(self, i: int, drivers_out: int, force_fault: str | None = None) -> Journey:
        names = [n for n in SCRIPTS if n != "return" or drivers_out > 0]
        if drivers_out >= 4:
            names = ["return"]  # keep the stock: cars come back before more go out
        fault = force_fault
        if fault is None and self.faults and self.mix and self.rng.random() < FAULT_RATE:
            fault = self.rng.choices([f.name for f in self.mix], [f.weight for f in self.mix])[0]
        if fault is not None:
            fits = [n for n in names if n in FAULTS[fault].scripts]
            names = fits or names
            if not fits:
                fault = None
        script = self.rng.choices(names, [SCRIPTS[n][2] for n in names])[0]
        expect = SCRIPTS[script][1]
        allowed = FAULTS[fault].allows if fault else ()
        done_by = "timeout" if self.rng.random() < 0.15 else "button"
        return Journey(i, script, expect, fault, allowed, done_by)

    def delay_s(self, lo: float, hi: float) -> float:
        return self.rng.uniform(lo, hi)
