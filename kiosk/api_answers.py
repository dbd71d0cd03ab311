"""The backend's answers as frozen dataclasses (what ``BackendClient`` returns).

Kept apart from the client so the client stays about talking HTTP; the
selfie's answers live in ``kiosk.selfie_api``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.api_read import (
    BadAnswer,
    read_bool,
    read_id,
    read_int,
    read_list,
    read_obj,
    read_str,
    read_time,
)
from kiosk.rules_api import ELIGIBLE, Eligibility, ModelFacts

JOB_OUTCOMES = ("delivered", "failed_in_bay", "failed_moved")
BAY_STATES = ("free", "stored", "reserved", "maintenance", "out")
LOCK_MEMBER_MAX = 16  # the backend sends short member ids ("demo-o…"), never full ones


@dataclass(frozen=True)
class Health:
    status: str
    version: str
    db: str
    time: datetime

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.db == "ok"


@dataclass(frozen=True)
class PassSession:
    session_id: str
    member_ref: str  # opaque, safe to show and log
    preselected_model: str | None
    has_open_drive: bool
    expires_at: datetime
    # Can this member drive today (said at the scan; verify checks again).
    eligibility: Eligibility = ELIGIBLE


@dataclass(frozen=True)
class CarOption:
    model: str
    colour: str
    model_names: Mapping[str, str]  # language ("en", "zh_CN") -> display name
    colour_names: Mapping[str, str]
    available_count: int
    facts: ModelFacts = ModelFacts()  # range, seats, 0-100 km/h (the dispatch showcase)

    @property
    def available(self) -> bool:
        return self.available_count > 0

    def model_name(self, language: str = "en") -> str:
        return self.model_names.get(language) or self.model_names.get("en") or self.model

    def colour_name(self, language: str = "en") -> str:
        return self.colour_names.get(language) or self.colour_names.get("en") or self.colour


@dataclass(frozen=True)
class Reservation:
    reservation_id: str
    car_id: str
    bay: int
    model: str
    colour: str
    expires_at: datetime


@dataclass(frozen=True)
class Authorization:
    job_id: str
    source_bay: int
    delivery_bay: int
    return_by: datetime
    car_id: str
    model: str | None
    colour: str | None


@dataclass(frozen=True)
class JobReport:
    job_id: str
    kind: str  # "delivery" | "return"
    state: str  # one of JOB_OUTCOMES
    drive_id: str | None
    return_by: datetime | None


@dataclass(frozen=True)
class ReturnJob:
    job_id: str
    from_bay: int  # the delivery bay the member left the car in
    to_bay: int  # the free storage bay it goes to
    drive_id: str
    car_id: str
    model: str | None
    colour: str | None
    overdue: bool


@dataclass(frozen=True)
class Order:
    order_id: str
    model: str
    url: str


@dataclass(frozen=True)
class BayRecord:
    bay: int
    level: int
    car_id: str | None
    model: str | None
    colour: str | None
    state: str  # free | stored | reserved | maintenance | out
    maintenance: bool
    note: str | None

    @property
    def occupied(self) -> bool:
        return self.car_id is not None


@dataclass(frozen=True)
class TowerBays:
    tower_id: str
    levels: int
    bays_per_level: int
    delivery_bays: tuple[int, ...]
    bays: tuple[BayRecord, ...]


@dataclass(frozen=True)
class CarMove:
    """The backend recorded a staff move of a car between storage bays."""

    car_id: str
    from_bay: int
    to_bay: int
    state: str  # stored | maintenance


@dataclass(frozen=True)
class StaffTicket:
    """A staff session the backend opened after checking the person's PIN."""

    token: str = field(repr=False)  # sent as X-Staff-Session; never logged
    staff: str
    expires_at: datetime


@dataclass(frozen=True)
class KioskStatus:
    kiosk_id: str
    tower_id: str
    last_seen_at: datetime | None
    status: str | None
    health: Mapping[str, Any]


@dataclass(frozen=True)
class LockAlert:
    """A member of this kiosk's tower locked out of the identity check."""

    member: str  # the backend's short id, safe to show and log
    retry_at: datetime


@dataclass(frozen=True)
class HeartbeatAnswer:
    server_time: datetime
    alerts: tuple[LockAlert, ...]  # the lockouts of this tower right now
    # An operator took this kiosk out of service (the ops console), and why.
    out_of_service: bool = False
    out_of_service_note: str = ""


def heartbeat_answer(d: Mapping[str, Any]) -> HeartbeatAnswer:
    """``POST /v1/heartbeat``'s answer. Alerts of a kind this kiosk does not
    know are skipped (a newer backend may send more); a known one that is
    malformed, or an alert that is not an object with a kind, is a bad answer."""
    alerts = []
    for raw in read_list(d, "alerts", 1000):
        a = read_obj(raw, "alert")
        if read_str(a, "kind", max_len=40) != "IDENTITY_LOCKED":
            continue
        member = read_str(a, "member", max_len=LOCK_MEMBER_MAX)
        if not member.isprintable():
            raise BadAnswer("alert member is not printable")
        alerts.append(LockAlert(member=member, retry_at=read_time(a, "retry_at")))
    out = d.get("out_of_service")
    note = ""
    if out is not None:
        note = read_str(read_obj(out, "out_of_service"), "note", optional=True,
                        max_len=200) or ""
    return HeartbeatAnswer(server_time=read_time(d, "server_time"), alerts=tuple(alerts),
                           out_of_service=out is not None,
                           out_of_service_note="".join(c for c in note if c.isprintable()))


def bay_record(b: Mapping[str, Any]) -> BayRecord:
    """One bay of ``GET /v1/bays`` (also the answer of a maintenance change)."""
    state = read_str(b, "state", max_len=20)
    if state not in BAY_STATES:
        raise BadAnswer("unexpected bay state")
    return BayRecord(bay=read_int(b, "bay", 1), level=read_int(b, "level", 1),
                     car_id=read_id(b, "car_id", optional=True),
                     model=read_id(b, "model", optional=True),
                     colour=read_id(b, "colour", optional=True), state=state,
                     maintenance=read_bool(b, "maintenance"),
                     note=read_str(b, "note", optional=True, max_len=200))
