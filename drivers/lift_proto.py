"""Lift controller messages: command codes, typed results, payload codecs.

Shared by the driver (lift_client) and the tower simulator (lift_sim) so both
sides speak the same bytes; drivers/LIFT_PROTOCOL.md is the normative text.
Every decoder checks bounds and values and raises only ``FrameError``.
All integers are big-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

from common.errors import FrameError

PROTOCOL_VERSION = 1
JOB_ID_MAX = 32


class Cmd(IntEnum):
    # Link control (never acknowledged themselves).
    ACK = 0x06
    NAK = 0x15
    # Requests, host -> controller. The reply's code is request | REPLY_BIT.
    HELLO = 0x20
    STATUS = 0x21
    HOME = 0x22
    MOVE = 0x23
    OPEN_DOOR = 0x24
    CLOSE_DOOR = 0x25
    JOB_STATUS = 0x26
    BAY_MAP = 0x27
    ACK_FAULT = 0x28
    STOP = 0x29  # the host's E-stop: the lift stops where it is, the job fails
    # Unsolicited events, controller -> host.
    EV_LEVEL = 0x40
    EV_DOOR = 0x41
    EV_VEHICLE = 0x42
    EV_FAULT_RAISED = 0x43
    EV_FAULT_CLEARED = 0x44
    EV_JOB_PROGRESS = 0x45
    EV_JOB_DONE = 0x46


REPLY_BIT = 0x80
REQUESTS = frozenset(c for c in Cmd if 0x20 <= c < 0x40)
EVENTS = frozenset(c for c in Cmd if 0x40 <= c < 0x80)


class Result(IntEnum):
    """Second byte of every reply: OK or why the controller refused."""

    OK = 0
    BAD_REQUEST = 1
    UNKNOWN_BAY = 2
    SOURCE_EMPTY = 3
    TARGET_OCCUPIED = 4
    BUSY = 5
    FAULT_ACTIVE = 6
    JOB_CONFLICT = 7  # same job id, different bays
    UNKNOWN_COMMAND = 8
    ESTOP_HELD = 9  # ACK_FAULT refused: the E-stop button is still pressed


class LiftState(IntEnum):
    IDLE = 0
    BUSY = 1
    FAULT = 2


class DoorState(IntEnum):
    CLOSED = 0
    OPENING = 1
    OPEN = 2
    CLOSING = 3
    OBSTRUCTED = 4


class FaultCode(IntEnum):
    NONE = 0
    ESTOP = 1
    DOOR_OBSTRUCTED = 2
    BAY_SENSOR_MISMATCH = 3
    OVERLOAD = 4
    COMM_LOST = 5

    @property
    def bit(self) -> int:
        return 0 if self is FaultCode.NONE else 1 << (self.value - 1)


class JobPhase(IntEnum):
    UNKNOWN = 0  # the controller has never seen this job id
    QUEUED = 1
    CLOSING_DOOR = 2
    TO_SOURCE = 3
    LOADING = 4
    TO_TARGET = 5
    UNLOADING = 6
    OPENING_DOOR = 7
    DONE = 8
    FAILED = 9

    @property
    def final(self) -> bool:
        return self in (JobPhase.DONE, JobPhase.FAILED)


def _enum(kind: type[IntEnum], value: int) -> IntEnum:
    try:
        return kind(value)
    except ValueError:
        raise FrameError(f"bad {kind.__name__} value", value=value) from None


def valid_job_id(job_id: str) -> bool:
    return (isinstance(job_id, str) and 0 < len(job_id) <= JOB_ID_MAX
            and all(0x21 <= ord(c) <= 0x7E for c in job_id))


# -- typed results ------------------------------------------------------------

@dataclass(frozen=True)
class JobState:
    job_id: str
    phase: JobPhase
    car_moved: bool = False  # the car has left its source bay
    fault: FaultCode = FaultCode.NONE
    level: int = 0
    target_level: int = 0
    eta_s: float = 0.0
    from_bay: int = 0
    to_bay: int = 0


@dataclass(frozen=True)
class MoveAccepted:
    job: JobState
    duplicate: bool  # the controller already knew this job id: nothing new moves


@dataclass(frozen=True)
class LiftStatus:
    state: LiftState
    level: int
    target_level: int
    faults: tuple[FaultCode, ...] = ()
    car_on_lift: bool = False
    doors: dict[int, DoorState] = field(default_factory=dict)
    job_id: str | None = None
    job_phase: JobPhase = JobPhase.UNKNOWN


@dataclass(frozen=True)
class BayMap:
    bays: list[tuple[int, bool]]  # (bay id, occupied), storage bays then delivery bays
    delivery_bays: list[int]
    levels: int = 0
    bays_per_level: int = 0


# Events as the client hands them to subscribers.
@dataclass(frozen=True)
class LevelReached:
    level: int


@dataclass(frozen=True)
class DoorChanged:
    bay: int
    state: DoorState


@dataclass(frozen=True)
class VehicleChanged:
    bay: int
    present: bool


@dataclass(frozen=True)
class FaultRaised:
    code: FaultCode


@dataclass(frozen=True)
class FaultCleared:
    code: FaultCode


@dataclass(frozen=True)
class JobProgress:
    job: JobState


@dataclass(frozen=True)
class JobDone:
    job: JobState


@dataclass(frozen=True)
class LinkChanged:
    """Synthesised by the driver (never on the wire): link up or down."""

    up: bool
    reason: str = ""


LiftEvent = (LevelReached | DoorChanged | VehicleChanged | FaultRaised | FaultCleared
             | JobProgress | JobDone | LinkChanged)


# -- bounds-checked reading ------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = bytes(data), 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise FrameError("payload truncated", need=n, have=len(self.data) - self.pos)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def u32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]

    def job_id(self, allow_empty: bool = False) -> str:
        n = self.u8()
        raw = self.take(n)
        if n == 0 and allow_empty:
            return ""
        text = raw.decode("latin-1")
        if not valid_job_id(text):
            raise FrameError("bad job id", length=n)
        return text

    def end(self) -> None:
        if self.pos != len(self.data):
            raise FrameError("trailing payload bytes", extra=len(self.data) - self.pos)


def _job_id_bytes(job_id: str, allow_empty: bool = False) -> bytes:
    if not (allow_empty and job_id == "") and not valid_job_id(job_id):
        raise FrameError("job id must be 1..32 printable ASCII characters", length=len(job_id))
    raw = job_id.encode("ascii")
    return bytes((len(raw),)) + raw


def _u16(value: int) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise FrameError("value out of u16 range", value=value)
    return struct.pack(">H", value)


# -- requests ---------------------------------------------------------------------

def encode_hello(nonce: int) -> bytes:
    return struct.pack(">I", nonce & 0xFFFFFFFF)


def decode_hello(payload: bytes) -> int:
    r = _Reader(payload)
    nonce = r.u32()
    r.end()
    return nonce


def encode_move(job_id: str, from_bay: int, to_bay: int) -> bytes:
    return _job_id_bytes(job_id) + _u16(from_bay) + _u16(to_bay)


def decode_move(payload: bytes) -> tuple[str, int, int]:
    r = _Reader(payload)
    out = (r.job_id(), r.u16(), r.u16())
    r.end()
    return out


def encode_job_ref(job_id: str) -> bytes:
    return _job_id_bytes(job_id)


def decode_job_ref(payload: bytes) -> str:
    r = _Reader(payload)
    job_id = r.job_id()
    r.end()
    return job_id


def encode_bay(bay: int) -> bytes:
    return _u16(bay)


def decode_bay(payload: bytes) -> int:
    r = _Reader(payload)
    bay = r.u16()
    r.end()
    return bay


def decode_empty(payload: bytes) -> None:
    _Reader(payload).end()


# -- replies ------------------------------------------------------------------------

def encode_reply(req_seq: int, result: Result, data: bytes = b"") -> bytes:
    return bytes((req_seq & 0xFF, int(result))) + data


def decode_reply(payload: bytes) -> tuple[int, Result, bytes]:
    r = _Reader(payload)
    req_seq, result = r.u8(), _enum(Result, r.u8())
    return req_seq, result, r.data[r.pos:]  # type: ignore[return-value]


def encode_hello_reply(nonce: int) -> bytes:
    return struct.pack(">IB", nonce & 0xFFFFFFFF, PROTOCOL_VERSION)


def decode_hello_reply(data: bytes) -> tuple[int, int]:
    r = _Reader(data)
    out = (r.u32(), r.u8())
    r.end()
    return out


def _job_block(job: JobState) -> bytes:
    eta_ds = max(0, min(0xFFFF, round(job.eta_s * 10)))
    return (bytes((int(job.phase), int(job.car_moved), int(job.fault), job.level & 0xFF,
                   job.target_level & 0xFF))
            + struct.pack(">H", eta_ds) + _u16(job.from_bay) + _u16(job.to_bay))


def _read_job_block(r: _Reader, job_id: str) -> JobState:
    phase = _enum(JobPhase, r.u8())
    moved = r.u8()
    if moved > 1:
        raise FrameError("bad car_moved flag", value=moved)
    fault = _enum(FaultCode, r.u8())
    level, target = r.u8(), r.u8()
    eta_ds = r.u16()
    return JobState(job_id=job_id, phase=phase, car_moved=bool(moved), fault=fault,
                    level=level, target_level=target, eta_s=eta_ds / 10.0,
                    from_bay=r.u16(), to_bay=r.u16())


def encode_job_state(job: JobState) -> bytes:
    """JOB_STATUS reply data (the request already names the job)."""
    return _job_block(job)


def decode_job_state(data: bytes, job_id: str) -> JobState:
    r = _Reader(data)
    job = _read_job_block(r, job_id)
    r.end()
    return job


def encode_move_reply(accepted: MoveAccepted) -> bytes:
    return bytes((int(accepted.duplicate),)) + _job_block(accepted.job)


def decode_move_reply(data: bytes, job_id: str) -> MoveAccepted:
    r = _Reader(data)
    dup = r.u8()
    if dup > 1:
        raise FrameError("bad duplicate flag", value=dup)
    job = _read_job_block(r, job_id)
    r.end()
    return MoveAccepted(job=job, duplicate=bool(dup))


def encode_status(s: LiftStatus) -> bytes:
    mask = 0
    for code in s.faults:
        mask |= code.bit
    out = bytearray((int(s.state), s.level & 0xFF, s.target_level & 0xFF, mask,
                     int(s.car_on_lift), len(s.doors)))
    for bay, state in sorted(s.doors.items()):
        out += _u16(bay) + bytes((int(state),))
    out += _job_id_bytes(s.job_id or "", allow_empty=True) + bytes((int(s.job_phase),))
    return bytes(out)


def decode_status(data: bytes) -> LiftStatus:
    r = _Reader(data)
    state = _enum(LiftState, r.u8())
    level, target, mask = r.u8(), r.u8(), r.u8()
    if mask >> (len(FaultCode) - 1):
        raise FrameError("unknown fault bits", mask=mask)
    faults = tuple(c for c in FaultCode if c.bit & mask)
    on_lift = r.u8()
    if on_lift > 1:
        raise FrameError("bad car_on_lift flag", value=on_lift)
    doors = {}
    for _ in range(r.u8()):
        bay = r.u16()
        doors[bay] = _enum(DoorState, r.u8())
    job_id = r.job_id(allow_empty=True)
    phase = _enum(JobPhase, r.u8())
    r.end()
    return LiftStatus(state=state, level=level, target_level=target, faults=faults,
                      car_on_lift=bool(on_lift), doors=doors, job_id=job_id or None,
                      job_phase=phase)  # type: ignore[arg-type]


def encode_bay_map(m: BayMap) -> bytes:
    storage = m.levels * m.bays_per_level
    occupied = dict(m.bays)
    bits = bytearray((storage + 7) // 8)
    for bay in range(1, storage + 1):
        if occupied.get(bay):
            bits[(bay - 1) // 8] |= 1 << ((bay - 1) % 8)
    out = bytearray((m.levels, m.bays_per_level)) + bits + bytes((len(m.delivery_bays),))
    for bay in m.delivery_bays:
        out += _u16(bay) + bytes((int(bool(occupied.get(bay))),))
    return bytes(out)


def decode_bay_map(data: bytes) -> BayMap:
    r = _Reader(data)
    levels, per_level = r.u8(), r.u8()
    storage = levels * per_level
    bits = r.take((storage + 7) // 8)
    bays = [(bay, bool(bits[(bay - 1) // 8] >> ((bay - 1) % 8) & 1))
            for bay in range(1, storage + 1)]
    delivery = []
    for _ in range(r.u8()):
        bay, occ = r.u16(), r.u8()
        if occ > 1 or bay <= storage or bay in delivery:
            raise FrameError("bad delivery bay entry", bay=bay, occupied=occ)
        delivery.append(bay)
        bays.append((bay, bool(occ)))
    r.end()
    return BayMap(bays=bays, delivery_bays=delivery, levels=levels, bays_per_level=per_level)


# -- events ---------------------------------------------------------------------------

def encode_event(ev: LiftEvent) -> tuple[Cmd, bytes]:
    if isinstance(ev, LevelReached):
        return Cmd.EV_LEVEL, bytes((ev.level & 0xFF,))
    if isinstance(ev, DoorChanged):
        return Cmd.EV_DOOR, _u16(ev.bay) + bytes((int(ev.state),))
    if isinstance(ev, VehicleChanged):
        return Cmd.EV_VEHICLE, _u16(ev.bay) + bytes((int(ev.present),))
    if isinstance(ev, FaultRaised):
        return Cmd.EV_FAULT_RAISED, bytes((int(ev.code),))
    if isinstance(ev, FaultCleared):
        return Cmd.EV_FAULT_CLEARED, bytes((int(ev.code),))
    if isinstance(ev, JobProgress | JobDone):
        cmd = Cmd.EV_JOB_DONE if isinstance(ev, JobDone) else Cmd.EV_JOB_PROGRESS
        return cmd, _job_id_bytes(ev.job.job_id) + _job_block(ev.job)
    raise FrameError("not a wire event", kind=type(ev).__name__)


def decode_event(cmd: int, payload: bytes) -> LiftEvent:
    r = _Reader(payload)
    ev: LiftEvent
    if cmd == Cmd.EV_LEVEL:
        ev = LevelReached(r.u8())
    elif cmd == Cmd.EV_DOOR:
        ev = DoorChanged(r.u16(), _enum(DoorState, r.u8()))  # type: ignore[arg-type]
    elif cmd == Cmd.EV_VEHICLE:
        bay, present = r.u16(), r.u8()
        if present > 1:
            raise FrameError("bad presence flag", value=present)
        ev = VehicleChanged(bay, bool(present))
    elif cmd in (Cmd.EV_FAULT_RAISED, Cmd.EV_FAULT_CLEARED):
        code = _enum(FaultCode, r.u8())
        ev = FaultRaised(code) if cmd == Cmd.EV_FAULT_RAISED else FaultCleared(code)  # type: ignore[arg-type]
    elif cmd in (Cmd.EV_JOB_PROGRESS, Cmd.EV_JOB_DONE):
        job = _read_job_block(r, r.job_id())
        ev = JobDone(job) if cmd == Cmd.EV_JOB_DONE else JobProgress(job)
    else:
        raise FrameError("unknown event code", cmd=cmd)
    r.end()
    return ev
