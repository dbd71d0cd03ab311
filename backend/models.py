"""Database tables (SQLAlchemy 2.0 ORM). The schema itself is owned by the
Alembic migrations in ``backend/migrations``; these classes must match them.

Points in time are stored as Unix seconds (UTC) in ``Float`` columns named
``*_at``: the same on SQLite and PostgreSQL, no time-zone round trips, and
comparisons in SQL are plain numeric ones.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CarState(str, Enum):
    STORED = "stored"
    RESERVED = "reserved"
    OUT = "out"
    MAINTENANCE = "maintenance"


class ReservationState(str, Enum):
    HELD = "held"
    RELEASED = "released"
    EXPIRED = "expired"
    AUTHORISED = "authorised"  # verify passed; a delivery job owns the car now
    CONSUMED = "consumed"  # the car was delivered


class JobKind(str, Enum):
    DELIVERY = "delivery"
    RETURN = "return"


class JobState(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED_IN_BAY = "failed_in_bay"
    FAILED_MOVED = "failed_moved"


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Tower(Base):
    __tablename__ = "towers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    levels: Mapped[int] = mapped_column(Integer)
    bays_per_level: Mapped[int] = mapped_column(Integer)
    delivery_bays: Mapped[list[int]] = mapped_column(JSON)
    credit_min: Mapped[int] = mapped_column(Integer, default=700)
    quota_drives: Mapped[int] = mapped_column(Integer, default=5)
    quota_window_days: Mapped[int] = mapped_column(Integer, default=60)
    drive_max_h: Mapped[int] = mapped_column(Integer, default=72)
    face_max_distance: Mapped[float] = mapped_column(Float, default=0.5)
    reservation_s: Mapped[int] = mapped_column(Integer, default=300)
    pass_lifetime_s: Mapped[int] = mapped_column(Integer, default=60)
    session_s: Mapped[int] = mapped_column(Integer, default=600)
    # Identity (issue #12): how many challenges a selfie draws, how long it
    # may take, and the lockout after repeated failures (AWS Face Liveness:
    # 5 failures in 3 minutes).
    selfie_challenges: Mapped[int] = mapped_column(Integer, default=2)
    selfie_s: Mapped[int] = mapped_column(Integer, default=60)
    lockout_failures: Mapped[int] = mapped_column(Integer, default=5)
    lockout_window_s: Mapped[int] = mapped_column(Integer, default=180)
    lockout_s: Mapped[int] = mapped_column(Integer, default=1800)
    # Issue #14: the next drive of a different model (0: repeats allowed), and
    # a paid drive below ``credit_min`` (fee 0: none offered).
    repeat_model_days: Mapped[int] = mapped_column(Integer, default=60)
    paid_drive_fee: Mapped[float] = mapped_column(Float, default=99.0)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")


class Kiosk(Base):
    __tablename__ = "kiosks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    key_hash: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    rotated_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # key refused
    # Taken out of service by an operator (the ops console): the heartbeat
    # answer says so and new sessions are refused until put back.
    out_of_service_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    out_of_service_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    out_of_service_note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class CarModel(Base):
    __tablename__ = "car_models"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(64))
    # Key facts the dispatch screen shows while the lift runs (None: unknown).
    range_km: Mapped[int | None] = mapped_column(Integer, nullable=True)
    seats: Mapped[int | None] = mapped_column(Integer, nullable=True)
    accel_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # 0-100 km/h


class Colour(Base):
    __tablename__ = "colours"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(64))


class Offering(Base):
    """A model x colour the tower carries (listed even when out of stock)."""

    __tablename__ = "offerings"
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("car_models.id"), primary_key=True)
    colour_id: Mapped[str] = mapped_column(ForeignKey("colours.id"), primary_key=True)


class Bay(Base):
    __tablename__ = "bays"
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"), primary_key=True)
    bay: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    level: Mapped[int] = mapped_column(Integer)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Car(Base):
    __tablename__ = "cars"
    # The database itself refuses two cars in one bay (NULLs, cars that are
    # out, do not collide in a unique index on SQLite or PostgreSQL).
    __table_args__ = (
        UniqueConstraint("tower_id", "bay", name="uq_cars_tower_bay"),
        Index("ix_cars_pick", "tower_id", "model_id", "colour_id", "state"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    model_id: Mapped[str] = mapped_column(ForeignKey("car_models.id"))
    colour_id: Mapped[str] = mapped_column(ForeignKey("colours.id"))
    bay: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=CarState.STORED.value)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    credit_score: Mapped[int] = mapped_column(Integer)
    # The enrolled 128-d face template. Never leaves the backend.
    template: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    preselected_model: Mapped[str | None] = mapped_column(String(32), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # SHA-256 of the member app's bearer token (``POST /v1/member/pass``).
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class Pass(Base):
    __tablename__ = "passes"
    __table_args__ = (Index("ix_passes_member", "member_id", "tower_id", "expires_at"),)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    tower_id: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1024))
    issued_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    redeemed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    redeemed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class KioskSession(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_state", "state", "expires_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    car_id: Mapped[str] = mapped_column(ForeignKey("cars.id"))
    bay: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default=ReservationState.HELD.value)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_member", "member_id", "state"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    car_id: Mapped[str] = mapped_column(ForeignKey("cars.id"))
    reservation_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    drive_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    from_bay: Mapped[int] = mapped_column(Integer)
    to_bay: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING.value)
    created_at: Mapped[float] = mapped_column(Float)
    reported_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Drive(Base):
    __tablename__ = "drives"
    __table_args__ = (Index("ix_drives_member", "member_id", "started_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    car_id: Mapped[str] = mapped_column(ForeignKey("cars.id"))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    started_at: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float)
    returned_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    model_id: Mapped[str] = mapped_column(ForeignKey("car_models.id"))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[float] = mapped_column(Float)


class PaymentState(str, Enum):
    PENDING = "pending"  # shown as a QR, waiting for the member's app
    PAID = "paid"  # the member paid; verify may use it once
    USED = "used"  # a verify authorised a drive with it
    CANCELLED = "cancelled"  # cancelled before it was paid
    EXPIRED = "expired"  # not paid in time
    REFUNDED = "refunded"  # paid, then no drive came of it (lift failed, refused...)


class Payment(Base):
    """A paid test drive below the credit threshold, for one kiosk session.
    Amounts in minor units (cents/fen): no float rounding on money."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_session", "session_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    tower_id: Mapped[str] = mapped_column(ForeignKey("towers.id"))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), default=PaymentState.PENDING.value)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    paid_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # cancelled/expired
    job_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # the drive it paid
    refunded_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    refund_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class SelfieState(str, Enum):
    OPEN = "open"  # frames arriving
    JUDGED = "judged"  # finish gave the verdict; verify may use it once
    USED = "used"  # a verify consumed it


class Selfie(Base):
    """A liveness capture the backend opened and judges. Holds the verdict
    only: the frames live in a judge process until judged, never here."""

    __tablename__ = "selfies"
    __table_args__ = (Index("ix_selfies_session", "session_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    challenges: Mapped[str] = mapped_column(String(64))  # comma-separated
    opened_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16), default=SelfieState.OPEN.value)
    live: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    face_match: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    judged_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class IdentityFailure(Base):
    """One failed identity attempt (liveness or face) of a member, at any
    kiosk: the lockout counts these."""

    __tablename__ = "identity_failures"
    __table_args__ = (Index("ix_identity_failures_member", "member_id", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    kiosk_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))  # "liveness" | "face"


class IdentityLock(Base):
    """A member locked out of selfies and verify until ``until``."""

    __tablename__ = "identity_locks"
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"), primary_key=True)
    until: Mapped[float] = mapped_column(Float)
    since: Mapped[float] = mapped_column(Float)


class IdempotencyRecord(Base):
    """The stored answer to a state-changing call, replayed on a repeat."""

    __tablename__ = "idempotency"
    kiosk_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float, index=True)


class Staff(Base):
    """A staff account: the backend checks the PIN and issues staff sessions."""

    __tablename__ = "staff"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(255))  # common.pins.hash_pin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[float] = mapped_column(Float)
    # Persistent, escalating lockout: a restart does not reset it.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lock_level: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class StaffSession(Base):
    """A staff login the backend issued to one kiosk; book changes name it."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_name: Mapped[str] = mapped_column(ForeignKey("staff.name"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class StaffAudit(Base):
    """Every staff action the backend carried out or refused, by name."""

    __tablename__ = "staff_audit"
    __table_args__ = (Index("ix_staff_audit_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    staff_name: Mapped[str] = mapped_column(String(64))
    kiosk_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[str] = mapped_column(String(32))


class AuthThrottle(Base):
    """Failed sign-ins of one client address or claimed identity, shared by
    every replica (``backend/throttle.py``): a guesser spread over replicas
    is counted once. ``key`` is scoped: ``a:<address>``, ``i:<kiosk id>``,
    ``s:<kiosk id>`` (staff logins), ``o:<address>`` (console logins); and the
    lockout of names that are no account: ``u:<name>`` (staff), ``ou:<name>``
    (operators), on the schedule of ``common.pins.Lockout``."""

    __tablename__ = "auth_throttle"
    __table_args__ = (Index("ix_auth_throttle_blocked", "blocked_until"),)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    failures: Mapped[int] = mapped_column(Integer)
    strikes: Mapped[int] = mapped_column(Integer)  # blocks so far: each doubles the next
    blocked_until: Mapped[float] = mapped_column(Float)


class AuthKnown(Base):
    """Addresses an identity signed in from: a blocked kiosk id is still let
    in from these, on any replica (a guesser cannot lock a kiosk out)."""

    __tablename__ = "auth_known"
    identity: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)


class Replica(Base):
    """A running service process: where its peers reach it (``peer_url``) to
    hand it the frames of a selfie it judges (``backend/replicas.py``)."""

    __tablename__ = "replicas"
    tag: Mapped[str] = mapped_column(String(16), primary_key=True)
    peer_url: Mapped[str] = mapped_column(String(256))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    seen_at: Mapped[float] = mapped_column(Float)


class Operator(Base):
    """An account of the operations console (``kiosk-backend operator add``)."""

    __tablename__ = "operators"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # common.pins.scrypt_hash
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[float] = mapped_column(Float)
    # The staff PIN schedule (common.pins.Lockout), kept here: a restart keeps it.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lock_level: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[float | None] = mapped_column(Float, nullable=True)


class OperatorSession(Base):
    """A console login: the cookie holds the token, the row its hash and the
    session's CSRF token (a synchronizer token, not derived from the cookie)."""

    __tablename__ = "operator_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(ForeignKey("operators.name"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class OpsAudit(Base):
    """Every console login and action, done or refused, by operator name."""

    __tablename__ = "ops_audit"
    __table_args__ = (Index("ix_ops_audit_at", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    operator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    tower_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target: Mapped[str | None] = mapped_column(String(64), nullable=True)
    result: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
