"""How a staff login is decided (no Qt): the backend first, the offline PIN
only when the backend cannot be asked.

The backend checks the person's own PIN and issues a staff session
(``BackendClient.open_staff_session``): an online login, which may change
the books (moves, maintenance). If it says no (wrong name or PIN, locked),
that is the answer: a refusal never falls back to the offline PIN, or one
keypad would give a guesser two locks to try. Only when it cannot answer
(unreachable, the kiosk's key refused, no such call) is the config's PIN
checked here: an offline login for local work (health, lift, logs), whose
moves are recorded once someone logs in online (``kiosk.staff.move``).

``StaffEntry`` is the console's entry part: the hidden gesture, the login,
idle logout and logout (which ends the backend's session too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from common.errors import KioskError, Reason, StaffError
from kiosk.journey import Event, State
from kiosk.staff.gate import StaffGate, StaffSession
from kiosk.tasks import HTTP_LANE

log = logging.getLogger(__name__)

# The backend's answers that decide a login: no offline PIN after these.
BACKEND_REFUSALS = frozenset({Reason.STAFF_DENIED, Reason.STAFF_LOCKED})
STAFF_LANE = "staff"  # the login (backend call, ~50 ms of scrypt) and log reading
# While staff work at the kiosk, its backend session is kept alive this often
# (the backend ends one unused for 15 minutes; local work uses it not at all).
KEEPALIVE_S = 300.0
ENTRY_STATES = frozenset({State.ATTRACT, State.OUT_OF_SERVICE})


class Why(str, Enum):
    """Why staff were refused (``StaffError.context["why"]``)."""

    CUSTOMER_JOURNEY = "customer_journey"  # a member is mid-errand
    CUSTOMER_JOB = "customer_job"  # the dispatcher is driving a member's car
    NOT_LOGGED_IN = "not_logged_in"
    DISABLED = "disabled"  # no PIN hash configured
    NOT_AVAILABLE = "not_available"  # this kiosk has no such part
    OFFLINE = "offline"  # a book change needs an online login


def check_login(gate: StaffGate, backend: Any, name: str, pin: str,
                default_who: str = "staff") -> StaffSession:
    """Blocking (a network call, ~50 ms of scrypt): run it on a worker lane.
    Raises ``StaffError`` (STAFF_DENIED, STAFF_LOCKED) when refused."""
    opener = getattr(backend, "open_staff_session", None)
    if opener is not None and name:
        try:
            ticket = opener(name, pin)
        except KioskError as err:
            if err.reason in BACKEND_REFUSALS:
                gate.note(name, "login", "locked" if err.reason is Reason.STAFF_LOCKED
                          else "denied", mode="online")
                extra = ({"locked_for_s": int(err.context.get("retry_after_s") or 0)}
                         if err.reason is Reason.STAFF_LOCKED else {})
                raise StaffError(str(err), reason=err.reason, mode="online", **extra) from None
            log.warning("staff login checked offline: the backend answered %s",
                        err.reason.value)
        else:
            return gate.enter(ticket.staff, ticket.token)
    return gate.login(pin, who=name or default_who)


class StaffEntry:
    """Entry and exit of staff mode; mixed into ``StaffConsole`` (which sets
    ``kiosk``, ``gate``, ``who``, ``services`` and ``runner``)."""

    kiosk: Any
    gate: StaffGate
    who: str
    services: Any
    runner: Any
    _kept_at = 0.0  # when the backend session was last kept alive (kiosk clock)

    @property
    def logged_in(self) -> bool:
        return self.gate.session is not None

    @property
    def online(self) -> bool:
        """Logged in with a session the backend issued (book changes allowed)."""
        return self.gate.session is not None and self.gate.session.online

    @property
    def in_staff_mode(self) -> bool:
        return self.logged_in and self.kiosk.journey.state is State.STAFF

    def _refuse(self, action: str, why: Why, message: str, **detail: Any) -> StaffError:
        self.gate.record(action, f"refused: {why.value}", **detail)
        reason = Reason.STAFF_SESSION_REQUIRED if why is Why.OFFLINE else Reason.STAFF_DENIED
        return StaffError(message, reason=reason, why=why.value, **detail)

    def request_entry(self) -> None:
        """The hidden gesture: may the PIN keypad show? Raises StaffError if not."""
        state = self.kiosk.journey.state
        if state is State.STAFF:
            return
        if state not in ENTRY_STATES:
            raise self._refuse("entry", Why.CUSTOMER_JOURNEY,
                               "finish or cancel the customer's journey first", state=state.value)
        if not self.gate.enabled and self._opener() is None:
            # Nothing to audit on a kiosk without staff: no entry, no log file.
            raise StaffError("staff entry is disabled in this kiosk's config",
                             reason=Reason.STAFF_DENIED, why=Why.DISABLED.value)

    def _opener(self) -> Any:
        return getattr(getattr(self.services, "backend", None), "open_staff_session", None)

    def _check(self, name: str, pin: str) -> StaffSession:
        return check_login(self.gate, getattr(self.services, "backend", None), name, pin,
                           self.who)

    def login(self, pin: str, name: str = "") -> None:
        """Check ``name`` and ``pin`` and enter staff mode (blocks: tests and the CLI)."""
        self.request_entry()
        self._check(name, pin)
        self._enter()

    def login_async(self, pin: str, on_ok: Callable[[], None],
                    on_error: Callable[[KioskError], None], name: str = "") -> None:
        """``login`` off the GUI thread."""
        self.request_entry()

        def checked(_session: Any) -> None:
            try:
                self._enter()
            except KioskError as err:
                on_error(err)
                return
            on_ok()

        self.runner.run(STAFF_LANE, lambda: self._check(name, pin), checked, on_error)

    def _enter(self) -> None:
        journey = self.kiosk.journey
        if journey.state is State.STAFF:
            return
        if journey.state not in ENTRY_STATES:
            # A member started an errand while the PIN was being checked.
            self.gate.logout(Why.CUSTOMER_JOURNEY.value)
            raise self._refuse("entry", Why.CUSTOMER_JOURNEY,
                               "finish or cancel the customer's journey first",
                               state=journey.state.value)
        journey.fire(Event.STAFF_ENTER, self.kiosk.clock())

    def logout(self, why: str = "exit") -> None:
        self.gate.logout(why)
        if self.kiosk.journey.state is State.STAFF:
            self.kiosk.journey.fire(Event.STAFF_EXIT, self.kiosk.clock())

    def _end_on_backend(self, session: StaffSession) -> None:
        """``gate.on_logout``: the backend's session ends with the kiosk's."""
        ender = getattr(getattr(self.services, "backend", None), "end_staff_session", None)
        token = session.token
        if token is None or ender is None:
            return
        self.runner.run(HTTP_LANE, lambda: ender(token), lambda _ended: None,
                        lambda err: log.info("staff session not ended on the backend (%s); "
                                             "it expires by itself", err.reason.value))

    def touch(self) -> None:
        self.gate.touch()

    def tick(self) -> bool:
        """Call about once a second; True when an idle session was just logged out."""
        if self.gate.expired():  # logs out and audits "idle"
            if self.kiosk.journey.state is State.STAFF:
                self.kiosk.journey.fire(Event.STAFF_EXIT, self.kiosk.clock())
            return True
        self._keep_alive()
        return False

    def _keep_alive(self) -> None:
        session = self.gate.session
        keeper = getattr(getattr(self.services, "backend", None), "keep_staff_session", None)
        if session is None or session.token is None or keeper is None:
            return
        now = self.kiosk.clock()
        if now - max(self._kept_at, session.since) < KEEPALIVE_S:
            return
        self._kept_at = now
        token = session.token

        def lost(err: KioskError) -> None:
            if err.reason is Reason.STAFF_SESSION_REQUIRED and self.gate.session is session:
                # Ended on the backend (removed, 8 hours up): local work goes on,
                # book changes wait for the next online login.
                session.token = None
                self.gate.record("session", "ended by the backend")

        self.runner.run(HTTP_LANE, lambda: keeper(token), lambda _name: None, lost)

    def _require_session(self, action: str, **detail: Any) -> None:
        if not self.in_staff_mode:
            raise self._refuse(action, Why.NOT_LOGGED_IN, "log in with the staff PIN first",
                               **detail)
        self.gate.touch()

    def _staff_token(self, action: str, **detail: Any) -> str:
        """The online session's token, for a book change; refused offline."""
        session = self.gate.session
        if session is None or session.token is None:
            raise self._refuse(action, Why.OFFLINE, "changing the books needs a staff login "
                               "checked by the backend; log in again once it is reachable",
                               **detail)
        return session.token

    def current_token(self) -> str | None:
        """The token a queued book change goes with now (any thread), or None."""
        session = self.gate.session
        return session.token if session is not None else None
