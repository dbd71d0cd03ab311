"""The member journey as a plain state machine (no Qt, no I/O).

The machine only knows states, events and the legal moves between them, the
per-screen inactivity clock and the session data that must be wiped when a
member leaves. Everything that takes time (backend calls, the lift, vision)
lives in ``kiosk.app.Kiosk``, which feeds the outcome back as an event.

Time is passed in (``now`` from ``time.monotonic``) so tests drive the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from common.errors import Reason, TransitionError

log = logging.getLogger(__name__)


class State(str, Enum):
    ATTRACT = "attract"
    SCAN = "scan"
    CHOOSE = "choose"
    SELFIE = "selfie"
    PAYMENT = "payment"  # a paid drive: the QR until the member's app has paid
    VERIFY = "verify"
    DISPATCH = "dispatch"
    HANDOVER = "handover"
    RETURNED = "returned"
    ORDERED = "ordered"
    REFUSED = "refused"
    ERROR = "error"
    OUT_OF_SERVICE = "out_of_service"
    STAFF = "staff"


class Flow(str, Enum):
    """Why the member started: the same screens serve three errands."""

    TEST_DRIVE = "test_drive"
    RETURN = "return"
    BUY = "buy"


class Event(str, Enum):
    START = "start"  # touch on Attract: test drive
    START_RETURN = "start_return"
    START_BUY = "start_buy"
    PASS_ACCEPTED = "pass_accepted"
    CAR_RESERVED = "car_reserved"
    SELFIE_DONE = "selfie_done"
    AUTHORISED = "authorised"
    RETURN_AUTHORISED = "return_authorised"
    CAR_DELIVERED = "car_delivered"
    CAR_STORED = "car_stored"
    ORDERED = "ordered"
    BUY = "buy"  # "buy this car" after a return
    # The next steps a refusal at the scan offers (issue #14).
    PAY = "pay"  # a paid drive below the credit threshold
    PAID = "paid"  # the member's app paid: on to Choose
    SWITCH_RETURN = "switch_return"  # return the car that is out, same session
    SWITCH_BUY = "switch_buy"  # buy instead, same session
    REFUSED = "refused"
    FAILED = "failed"
    CANCEL = "cancel"
    TIMEOUT = "timeout"
    DONE = "done"
    SERVICE_DOWN = "service_down"
    SERVICE_UP = "service_up"
    STAFF_ENTER = "staff_enter"
    STAFF_EXIT = "staff_exit"


# Steps shown in the customer step indicator, per flow.
STEPS: dict[Flow, tuple[State, ...]] = {
    Flow.TEST_DRIVE: (State.SCAN, State.CHOOSE, State.SELFIE, State.VERIFY, State.DISPATCH,
                      State.HANDOVER),
    Flow.RETURN: (State.SCAN, State.DISPATCH, State.RETURNED),
    Flow.BUY: (State.SCAN, State.CHOOSE, State.ORDERED),
}

# States a member can leave with Cancel. Dispatch and Verify cannot be
# cancelled: a car may already be moving or a decision be in flight.
CANCELLABLE = frozenset({State.SCAN, State.CHOOSE, State.SELFIE, State.PAYMENT})

# States that end an errand; DONE or the idle timer goes back to Attract.
TERMINAL = frozenset({State.HANDOVER, State.RETURNED, State.ORDERED, State.REFUSED, State.ERROR})

# Fixed part of the transition table: (state, event) -> next state. Moves
# that depend on the flow are resolved in ``_target``.
_TABLE: dict[tuple[State, Event], State] = {
    (State.ATTRACT, Event.START): State.SCAN,
    (State.ATTRACT, Event.START_RETURN): State.SCAN,
    (State.ATTRACT, Event.START_BUY): State.SCAN,
    (State.ATTRACT, Event.SERVICE_DOWN): State.OUT_OF_SERVICE,
    (State.ATTRACT, Event.STAFF_ENTER): State.STAFF,
    (State.OUT_OF_SERVICE, Event.SERVICE_UP): State.ATTRACT,
    (State.OUT_OF_SERVICE, Event.STAFF_ENTER): State.STAFF,
    (State.STAFF, Event.STAFF_EXIT): State.ATTRACT,
    (State.CHOOSE, Event.CAR_RESERVED): State.SELFIE,
    (State.CHOOSE, Event.ORDERED): State.ORDERED,
    (State.SELFIE, Event.SELFIE_DONE): State.VERIFY,
    (State.VERIFY, Event.AUTHORISED): State.DISPATCH,
    (State.DISPATCH, Event.CAR_DELIVERED): State.HANDOVER,
    (State.DISPATCH, Event.CAR_STORED): State.RETURNED,
    (State.RETURNED, Event.BUY): State.ORDERED,
    (State.PAYMENT, Event.PAID): State.CHOOSE,
}

# Which flows may take each flow-specific move.
_FLOW_ONLY: dict[tuple[State, Event], frozenset[Flow]] = {
    (State.CHOOSE, Event.CAR_RESERVED): frozenset({Flow.TEST_DRIVE}),
    # A test drive may end in an order too: Buy offered for a model the
    # member drove too recently.
    (State.CHOOSE, Event.ORDERED): frozenset({Flow.BUY, Flow.TEST_DRIVE}),
    (State.PAYMENT, Event.PAID): frozenset({Flow.TEST_DRIVE}),
    (State.DISPATCH, Event.CAR_DELIVERED): frozenset({Flow.TEST_DRIVE}),
    (State.DISPATCH, Event.CAR_STORED): frozenset({Flow.RETURN}),
}

# A refusal's next steps: (REFUSED, event) -> state; the flow becomes the
# event's (``Kiosk`` passes it), the session stays.
_NEXT_STEPS = {Event.PAY: State.PAYMENT, Event.SWITCH_RETURN: State.SCAN,
               Event.SWITCH_BUY: State.CHOOSE}

_FLOW_OF_START = {Event.START: Flow.TEST_DRIVE, Event.START_RETURN: Flow.RETURN,
                  Event.START_BUY: Flow.BUY}

# States where the backend or the lift answer is awaited: a refusal or a
# failure can only arrive from these.
_BUSY = frozenset({State.SCAN, State.CHOOSE, State.SELFIE, State.PAYMENT, State.VERIFY,
                   State.DISPATCH})


@dataclass
class Session:
    """Everything known about the member in front of the kiosk.

    Lives in memory only and is replaced by a fresh one whenever the journey
    returns to Attract, so nothing of one member survives into the next.
    """

    flow: Flow | None = None
    member_ref: str | None = None  # opaque short id from the backend, safe to show
    member_short: str | None = None  # short_id() of the pass's member id, for logs and alerts
    session_id: str | None = None
    model: str | None = None
    colour: str | None = None
    reservation: Any = None
    authorisation: Any = None
    return_job: Any = None
    order: Any = None
    outcome: Any = None
    refusal: Reason | None = None
    refusal_context: dict[str, Any] = field(default_factory=dict)
    # The frames stay with the selfie step and are dropped with it; the
    # session keeps the pass/fail summary (logs, autopilot) and the id of the
    # selfie the backend judged, which verify names.
    liveness: dict[str, Any] | None = None
    selfie_id: str | None = None
    # Said at the scan (kiosk.rules_api.Eligibility): recent models, a paid
    # drive offered. None: not known (a return, a buy).
    eligibility: Any = None
    payment: Any = None  # a paid drive's Payment, once opened


@dataclass(frozen=True)
class Timeouts:
    """Inactivity limits per state in seconds; a state absent here never times out."""

    idle_s: dict[State, float]
    warn_s: float = 15.0  # "Still there?" shows this long before the reset


DEFAULT_IDLE_S: dict[State, float] = {
    State.SCAN: 60.0,
    State.CHOOSE: 90.0,
    State.SELFIE: 90.0,
    # The member is busy with their phone: the payment's own expiry (3 min)
    # normally ends this first.
    State.PAYMENT: 240.0,
    State.HANDOVER: 45.0,
    State.RETURNED: 45.0,
    State.ORDERED: 60.0,
    State.REFUSED: 30.0,
    State.ERROR: 30.0,
}

Listener = Callable[[State, State, Event, Session], None]
PromptListener = Callable[[bool, float], None]


class Journey:
    """State, session and idle clock of one kiosk.

    Listeners are called synchronously on the caller's thread, after the
    state changed; the app calls the journey only from its GUI/dispatch thread.
    """

    def __init__(self, timeouts: Timeouts | None = None, now: float = 0.0) -> None:
        self.timeouts = timeouts or Timeouts(dict(DEFAULT_IDLE_S))
        self.state = State.ATTRACT
        self.session = Session()
        self.service_ok = True
        self._last_touch = now
        self._prompt_visible = False
        self._listeners: list[Listener] = []
        self._prompt_listeners: list[PromptListener] = []

    # -- subscriptions -------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def subscribe_prompt(self, listener: PromptListener) -> None:
        self._prompt_listeners.append(listener)

    # -- queries -------------------------------------------------------
    def can(self, event: Event) -> bool:
        return self._target(event) is not None

    @property
    def steps(self) -> tuple[State, ...]:
        return STEPS.get(self.session.flow, ()) if self.session.flow else ()

    @property
    def step_index(self) -> int | None:
        try:
            return self.steps.index(self.state)
        except ValueError:
            return None

    @property
    def prompt_visible(self) -> bool:
        return self._prompt_visible

    # -- transitions ---------------------------------------------------
    def fire(self, event: Event, now: float, **data: Any) -> State:
        """Apply ``event``; raise TransitionError if it is illegal here.

        ``data`` updates session fields (e.g. ``reservation=...``) before
        listeners run, so a screen sees the new state with its data.
        """
        target = self._target(event)
        if target is None:
            raise TransitionError(
                f"{event.value} is not allowed in {self.state.value}",
                state=self.state.value, event=event.value,
            )
        old = self.state
        previous = self.session
        if event in _FLOW_OF_START:
            self.session = Session(flow=_FLOW_OF_START[event])
        if target is State.ATTRACT:
            # Leaving an errand: drop every trace of the member.
            self.session = Session()
            if not self.service_ok:
                target = State.OUT_OF_SERVICE
        for key, value in data.items():
            if not hasattr(self.session, key):
                raise TransitionError(f"unknown session field {key!r}", field=key)
            setattr(self.session, key, value)
        self.state = target
        self._last_touch = now
        self._set_prompt(False, 0.0)
        log.info("journey %s -(%s)-> %s", old.value, event.value, target.value)
        # Going back to Attract, listeners get the session that just ended
        # (e.g. to release its reservation); the journey already holds a
        # fresh, empty one.
        seen = previous if target in (State.ATTRACT, State.OUT_OF_SERVICE) else self.session
        for listener in list(self._listeners):
            listener(old, target, event, seen)
        return target

    def _target(self, event: Event) -> State | None:
        state, flow = self.state, self.session.flow
        if event is Event.CANCEL:
            return State.ATTRACT if state in CANCELLABLE else None
        if event is Event.TIMEOUT:
            return State.ATTRACT if state in self.timeouts.idle_s else None
        if event is Event.DONE:
            return State.ATTRACT if state in TERMINAL else None
        if event is Event.REFUSED:
            return State.REFUSED if state in _BUSY else None
        if event is Event.FAILED:
            return State.ERROR if state in _BUSY else None
        if event is Event.PASS_ACCEPTED and state is State.SCAN:
            return State.CHOOSE if flow in (Flow.TEST_DRIVE, Flow.BUY) else None
        if event is Event.RETURN_AUTHORISED and state is State.SCAN:
            return State.DISPATCH if flow is Flow.RETURN else None
        if state is State.REFUSED and event in _NEXT_STEPS:
            # Only a refusal said at the scan (a live session, nothing chosen yet).
            ready = self.session.session_id is not None and flow is Flow.TEST_DRIVE \
                and self.session.reservation is None
            return _NEXT_STEPS[event] if ready else None
        target = _TABLE.get((state, event))
        if target is None:
            return None
        allowed = _FLOW_ONLY.get((state, event))
        if allowed is not None and flow not in allowed:
            return None
        return target

    # -- service state -------------------------------------------------
    def set_service(self, ok: bool, now: float) -> None:
        """Record whether the parts the journey needs are up.

        Out of service only takes over when no member is mid-errand; a member
        already past Attract finishes (or fails) their errand first.
        """
        self.service_ok = ok
        if not ok and self.state is State.ATTRACT:
            self.fire(Event.SERVICE_DOWN, now)
        elif ok and self.state is State.OUT_OF_SERVICE:
            self.fire(Event.SERVICE_UP, now)

    # -- inactivity ----------------------------------------------------
    def touch(self, now: float) -> None:
        """Any touch on the screen: the member is still there."""
        self._last_touch = now
        self._set_prompt(False, 0.0)

    def tick(self, now: float) -> None:
        """Advance the idle clock; shows "Still there?" then resets."""
        limit = self.timeouts.idle_s.get(self.state)
        if limit is None:
            return
        idle = now - self._last_touch
        if idle >= limit:
            self.fire(Event.TIMEOUT, now)
        elif idle >= limit - self.timeouts.warn_s:
            self._set_prompt(True, limit - idle)

    def _set_prompt(self, visible: bool, seconds_left: float) -> None:
        if visible == self._prompt_visible and not visible:
            return
        self._prompt_visible = visible
        for listener in list(self._prompt_listeners):
            listener(visible, max(0.0, seconds_left))
