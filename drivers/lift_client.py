"""``LiftClient``: blocking request/response calls and event callbacks for the lift.

Calls block the calling thread (never call them on the GUI thread) until the
controller's reply arrives or ``reply_timeout_s`` passes. Events and link
changes are delivered to ``on_event`` subscribers on the driver's thread:
subscribers must return quickly and must not call the client from the
callback (hand the event to a queue or a signal instead).

Errors are ``LiftError`` with ``Reason.LIFT_LINK_DOWN`` (no session),
``LIFT_TIMEOUT`` (no reply in time), ``LIFT_FAULT`` (refused: a fault is
active), ``LIFT_ESTOP_HELD`` (ACK_FAULT refused: the E-stop button is still
pressed), ``LIFT_ECHO_MISMATCH`` (a MOVE reply named other bays than asked:
the lift has been sent STOP) or ``LIFT_REJECTED`` (refused for another
reason); ``context['code']`` holds the controller's ``Result`` name.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from common.errors import FrameError, LiftError, Reason
from drivers import lift_proto as p
from drivers.lift_frame import Frame
from drivers.lift_link import LiftLink, LinkState
from drivers.lift_proto import (
    BayMap,
    Cmd,
    DoorState,
    FaultCode,
    JobPhase,
    JobState,
    LiftEvent,
    LiftState,
    LiftStatus,
    LinkChanged,
    MoveAccepted,
    Result,
)

__all__ = ["LiftClient", "BayAudit", "audit_bays", "echo_mismatch", "BayMap", "DoorState", "FaultCode", "JobPhase", "JobState",
           "LiftState", "LiftStatus", "MoveAccepted", "LinkChanged"]

log = logging.getLogger(__name__)

EventCallback = Callable[[LiftEvent], None]


@dataclass(frozen=True)
class BayAudit:
    """The controller's presence sensors against the backend's inventory."""

    tower_only: list[int]  # a car the sensors see where the backend has none
    backend_only: list[int]  # a car the backend expects where the sensors see none
    unknown_bays: list[int]  # backend bays the controller does not have

    @property
    def ok(self) -> bool:
        return not (self.tower_only or self.backend_only or self.unknown_bays)


def audit_bays(bay_map: BayMap, backend_occupied: Iterable[int]) -> BayAudit:
    """Compare BAY_MAP occupancy with the bays the backend believes hold a car."""
    expected = set(backend_occupied)
    seen = {bay for bay, occupied in bay_map.bays if occupied}
    known = {bay for bay, _ in bay_map.bays}
    return BayAudit(tower_only=sorted(seen - expected),
                    backend_only=sorted((expected & known) - seen),
                    unknown_bays=sorted(expected - known))


def echo_mismatch(job: JobState, job_id: str, from_bay: int, to_bay: int) -> str | None:
    """What differs between a job the controller describes and the job asked for
    (``None``: it is that job). The controller echoes the job id in JOB_PROGRESS
    and JOB_DONE and the bays in every job block; a difference means it runs,
    or reports, another car than the host asked for."""
    if job.job_id != job_id:
        return f"job id {job.job_id!r}, asked {job_id!r}"
    if (job.from_bay, job.to_bay) != (from_bay, to_bay):
        return f"bays {job.from_bay}->{job.to_bay}, asked {from_bay}->{to_bay}"
    return None


@dataclass
class _Pending:
    cmd: int
    created: float
    done: threading.Event = field(default_factory=threading.Event)
    result: Result | None = None
    data: bytes = b""
    error: LiftError | None = None


class LiftClient:
    def __init__(self, url: str, *, ack_timeout_s: float = 0.25, reply_timeout_s: float = 2.0,
                 max_resends: int = 3, baudrate: int = 115200, keepalive_s: float = 1.0,
                 reconnect_max_s: float = 2.0) -> None:
        self.url = url
        self.reply_timeout_s = reply_timeout_s
        self._lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._subscribers: list[EventCallback] = []
        self.last_status: LiftStatus | None = None
        # The latest request/reply round trip, ms (the keep-alive's included):
        # the kiosk reports it with its heartbeat (kiosk/figures.py).
        self.last_round_trip_ms: float | None = None
        self._link = LiftLink(url, on_frame=self._on_frame, on_state=self._on_link,
                              baudrate=baudrate, ack_timeout_s=ack_timeout_s,
                              max_resends=max_resends,
                              handshake_timeout_s=max(reply_timeout_s, ack_timeout_s * 2),
                              keepalive_s=keepalive_s, reconnect_max_s=reconnect_max_s)

    # -- lifecycle ------------------------------------------------------------------
    def open(self, wait_s: float | None = None) -> LiftClient:
        """Start the driver thread; with ``wait_s``, wait that long for the link."""
        self._link.start()
        if wait_s is not None and not self._link.wait_up(wait_s):
            raise LiftError(f"no lift controller answered on {self.url}",
                            reason=Reason.LIFT_LINK_DOWN, url=self.url,
                            state=self._link.state.value)
        return self

    def close(self) -> None:
        self._link.stop()
        self._fail_all(LiftError("lift client closed", reason=Reason.LIFT_LINK_DOWN))

    def __enter__(self) -> LiftClient:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def link_up(self) -> bool:
        return self._link.state is LinkState.UP

    @property
    def link(self) -> LiftLink:
        return self._link

    def wait_up(self, timeout_s: float) -> bool:
        return self._link.wait_up(timeout_s)

    def tap(self, callback: Callable[[str, bytes], None]) -> Callable[[], None]:
        """Raw bytes on the line, ``callback("tx"|"rx", data)`` (staff serial console)."""
        return self._link.add_tap(callback)

    def on_event(self, callback: EventCallback) -> Callable[[], None]:
        """Subscribe; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    # -- commands -------------------------------------------------------------------
    def status(self) -> LiftStatus:
        status = self._decode(p.decode_status, self._request(Cmd.STATUS))
        self.last_status = status
        return status

    def home(self) -> None:
        self._request(Cmd.HOME)

    def move(self, job_id: str, from_bay: int, to_bay: int) -> MoveAccepted:
        """Ask for a move. A job id the controller knows answers ``duplicate=True``
        with that job's state and moves nothing.

        A reply that names other bays than asked stops the lift (STOP) and
        raises ``LIFT_ECHO_MISMATCH``: the controller is about to move, or has
        moved, a car nobody asked for."""
        self._check_job_id(job_id)
        data = self._request(Cmd.MOVE, p.encode_move(job_id, from_bay, to_bay))
        accepted: MoveAccepted = self._decode(lambda d: p.decode_move_reply(d, job_id), data)
        wrong = echo_mismatch(accepted.job, job_id, from_bay, to_bay)
        if wrong is not None:
            stopped = self.stop_quietly()
            raise LiftError(f"MOVE {job_id}: the controller answered {wrong}; lift "
                            f"{'stopped' if stopped else 'STOP not confirmed'}",
                            reason=Reason.LIFT_ECHO_MISMATCH, code="ECHO_MISMATCH",
                            job_id=job_id, stopped=stopped)
        return accepted

    def job_status(self, job_id: str) -> JobState:
        self._check_job_id(job_id)
        data = self._request(Cmd.JOB_STATUS, p.encode_job_ref(job_id))
        return self._decode(lambda d: p.decode_job_state(d, job_id), data)

    def bay_map(self) -> BayMap:
        return self._decode(p.decode_bay_map, self._request(Cmd.BAY_MAP))

    def open_door(self, bay: int) -> None:
        self._request(Cmd.OPEN_DOOR, p.encode_bay(bay))

    def close_door(self, bay: int) -> None:
        self._request(Cmd.CLOSE_DOOR, p.encode_bay(bay))

    def ack_fault(self) -> None:
        """Acknowledge every fault; refused ``LIFT_ESTOP_HELD`` while the E-stop
        button is still pressed in (only a person at the tower releases it)."""
        self._request(Cmd.ACK_FAULT)

    def stop(self) -> None:
        """The host's E-stop: the lift stops where it is and the running job fails
        (fault ESTOP, cleared by ACK_FAULT)."""
        self._request(Cmd.STOP)

    def stop_quietly(self) -> bool:
        """``stop()`` for a caller that is already failing: True if confirmed."""
        try:
            self.stop()
        except LiftError as exc:
            log.error("lift: STOP not confirmed: %s", exc.to_dict())
            return False
        return True

    # -- plumbing --------------------------------------------------------------------
    @staticmethod
    def _check_job_id(job_id: str) -> None:
        if not p.valid_job_id(job_id):
            raise LiftError("job id must be 1..32 printable ASCII characters",
                            reason=Reason.LIFT_REJECTED, code="BAD_REQUEST")

    def _request(self, cmd: Cmd, payload: bytes = b"") -> bytes:
        with self._lock:
            seq = self._link.send(cmd, payload)  # raises LIFT_LINK_DOWN
            pending = _Pending(cmd=cmd, created=time.monotonic())
            self._pending[seq] = pending
        try:
            if not pending.done.wait(self.reply_timeout_s):
                raise LiftError(f"no reply to {cmd.name} within {self.reply_timeout_s} s",
                                reason=Reason.LIFT_TIMEOUT, command=cmd.name)
        finally:
            with self._lock:
                if self._pending.get(seq) is pending:
                    del self._pending[seq]
        if pending.error is not None:
            raise pending.error
        self.last_round_trip_ms = round((time.monotonic() - pending.created) * 1000, 1)
        if pending.result is Result.ESTOP_HELD:
            raise LiftError(f"{cmd.name} refused: the emergency stop is still pressed; release "
                            "it at the tower, then acknowledge again",
                            reason=Reason.LIFT_ESTOP_HELD, command=cmd.name,
                            code=pending.result.name)
        if pending.result is Result.FAULT_ACTIVE:
            raise LiftError(f"{cmd.name} refused: a fault is active", reason=Reason.LIFT_FAULT,
                            command=cmd.name, code=pending.result.name)
        if pending.result is not Result.OK:
            code = pending.result.name if pending.result is not None else "?"
            raise LiftError(f"{cmd.name} refused: {code}", reason=Reason.LIFT_REJECTED,
                            command=cmd.name, code=code)
        return pending.data

    @staticmethod
    def _decode(fn, data: bytes):  # type: ignore[no-untyped-def]
        try:
            return fn(data)
        except FrameError as exc:
            # CRC-valid but not what the protocol says: the controller (or a
            # 1-in-65536 corruption that passed the CRC) is at fault.
            raise LiftError(f"malformed reply: {exc}", reason=Reason.LIFT_REJECTED,
                            code="MALFORMED") from exc

    def _on_frame(self, frame: Frame) -> None:
        if frame.cmd & p.REPLY_BIT and (frame.cmd & ~p.REPLY_BIT) in p.REQUESTS:
            self._on_reply(frame)
        elif frame.cmd in p.EVENTS:
            try:
                event = p.decode_event(frame.cmd, frame.payload)
            except FrameError as exc:
                log.warning("lift: malformed event 0x%02x dropped: %s", frame.cmd, exc)
                return
            self._emit(event)
        else:
            # A request code or an unknown one from the controller: not ours to
            # answer. It was already ACKed by the link, so it will not repeat.
            log.warning("lift: unexpected frame 0x%02x ignored", frame.cmd)

    def _on_reply(self, frame: Frame) -> None:
        try:
            req_seq, result, data = p.decode_reply(frame.payload)
        except FrameError as exc:
            log.warning("lift: malformed reply dropped: %s", exc)
            return
        cmd = frame.cmd & ~p.REPLY_BIT
        with self._lock:
            pending = self._pending.get(req_seq)
            if pending is None or pending.cmd != cmd:
                pending = None
        if pending is None:
            # Nobody waits for it: the link's heartbeat STATUS, or a reply
            # that came after its caller timed out. Keep status fresh; drop the rest.
            if cmd == Cmd.STATUS and result is Result.OK:
                sent = self._link.keepalive_sent
                if sent is not None and sent[0] == req_seq:
                    self.last_round_trip_ms = round((time.monotonic() - sent[1]) * 1000, 1)
                try:
                    self.last_status = p.decode_status(data)
                except FrameError:
                    pass  # a heartbeat reply we cannot read changes nothing
            return
        pending.result, pending.data = result, data
        pending.done.set()

    def _on_link(self, up: bool, reason: str) -> None:
        if not up:
            self._fail_all(LiftError(f"lift link down: {reason}", reason=Reason.LIFT_LINK_DOWN))
        self._emit(LinkChanged(up=up, reason=reason))

    def _fail_all(self, error: LiftError) -> None:
        # The controller forgets a session's replies when a new one starts:
        # nothing in flight can still be answered.
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for item in pending:
            item.error = error
            item.done.set()

    def _emit(self, event: LiftEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:
                # One broken subscriber must not take the driver thread down.
                log.exception("lift event subscriber failed")
