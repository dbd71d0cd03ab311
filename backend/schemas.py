"""Request and response bodies of the /v1 API (they also make the OpenAPI).

Requests are strict: unknown fields, wrong JSON types and out-of-range values
are 422s. Responses are documented here; the handlers build them as plain
dicts (a stored idempotent answer is replayed byte for byte).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
OptName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{0,32}$")]
# A bay number in a path: bounded, so a 20-digit number is a 422, never an
# integer overflow in the database driver (PostgreSQL's INTEGER is 32-bit).
BayNo = Annotated[int, Field(ge=0, le=1_000_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MemberPassIn(Strict):
    tower: Name = Field(description="The tower whose kiosks will read the pass")
    expired: bool = Field(False, description="Demo service only: the pass as an old "
                                             "screenshot shows it (expired ~10 min ago)")


class MemberPassOut(BaseModel):
    pass_text: str
    tower: str
    expires_at: int = Field(description="Unix seconds")


class RedeemIn(Strict):
    # Longer than a pass may be (1024 bytes), so an oversize scan is refused as
    # PASS_INVALID like any other bad pass rather than as a malformed request.
    pass_text: Annotated[str, StringConstraints(min_length=1, max_length=4096)] = Field(
        description="The QR text exactly as scanned (docs/PASS_FORMAT.md).")


class ReserveIn(Strict):
    session_id: Ident
    model: Name
    colour: OptName = Field("", description="Empty: any colour of the model.")


class ReleaseIn(Strict):
    pass


class VerifyIn(Strict):
    """The kiosk names the selfie; the backend judged it from its own frames.
    A ``live`` flag or an embedding from the kiosk is refused (422)."""

    session_id: Ident
    reservation_id: Ident
    selfie_id: Ident
    payment_id: Ident | None = Field(None, description=(
        "A paid drive: the session's paid payment (needed below the credit threshold)."))


class PaymentIn(Strict):
    session_id: Ident


class PaymentOut(BaseModel):
    payment_id: str
    session_id: str
    amount: str = Field(description='Decimal string in the currency, e.g. "99.00"')
    currency: str = Field(description="ISO 4217, e.g. CNY")
    state: Literal["pending", "paid", "used", "cancelled", "expired", "refunded"]
    expires_at: str = Field(description="A pending payment expires then")
    pay_url: str = Field(description="What the kiosk shows as a QR: the member's app opens "
                                     "it and pays with the member's own token")


class SelfieIn(Strict):
    session_id: Ident


class SelfieOut(BaseModel):
    selfie_id: str
    challenges: list[str] = Field(description="2-3 of turn_left, turn_right, blink, nod, "
                                              "smile, drawn by the backend, in order.")
    expires_at: str = Field(description="No frame is accepted after this time.")
    max_frames_per_chunk: int


# One 640x480 JPEG is ~25-60 KB; 1280x720 up to ~250 KB. Base64 adds a third.
MAX_JPEG_B64 = 540_000
MAX_CHUNK_FRAMES = 20


class FrameIn(Strict):
    t_ms: int = Field(ge=0, le=3_600_000, description="Capture time, ms since the kiosk "
                                                       "received the selfie's opening answer.")
    jpeg: Annotated[str, StringConstraints(min_length=4, max_length=MAX_JPEG_B64)] = Field(
        description="The frame as a base64 JPEG (at most 1280 px on a side).")


class FramesIn(Strict):
    frames: list[FrameIn] = Field(min_length=1, max_length=MAX_CHUNK_FRAMES)


class FramesOut(BaseModel):
    selfie_id: str
    accepted: int
    frames_total: int


class FinishOut(BaseModel):
    selfie_id: str
    live: bool
    reason: str | None = Field(description="When not live: timeout, not_ready, "
                                           "wrong_challenge, interrupted or not_live. "
                                           "Never a score.")


class ReportIn(Strict):
    outcome: Literal["delivered", "failed_in_bay", "failed_moved"]
    detail: Annotated[str, StringConstraints(max_length=200)] | None = None


class ReturnIn(Strict):
    session_id: Ident
    from_bay: int | None = Field(None, ge=1, le=100_000, description=(
        "The delivery bay the car stands in, as the lift's presence sensor sees it; "
        "empty: the backend picks a free delivery bay."))


class OrderIn(Strict):
    session_id: Ident
    model: OptName = Field("", description="Empty: the model of the member's latest drive.")


# Staff names as ``kiosk-backend staff add`` stores them (case-insensitive).
StaffName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,32}$")]
_MADE_BY = Field(None, description="Who made the change at the kiosk, when that is not "
                                   "the session's person (queued while the kiosk was "
                                   "offline); audited with the session's name.")


class MaintenanceIn(Strict):
    in_maintenance: bool
    note: Annotated[str, StringConstraints(max_length=200)] | None = None
    made_by: StaffName | None = _MADE_BY


class MoveIn(Strict):
    to_bay: Annotated[int, Field(ge=0, le=1_000_000)]
    made_by: StaffName | None = _MADE_BY


class StaffLoginIn(Strict):
    name: StaffName
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{6,12}$")] = Field(
        description="6 to 12 digits.")


class StaffSessionOut(BaseModel):
    token: str = Field(description="Send as X-Staff-Session; shown only in this answer.")
    staff: str
    expires_at: str = Field(description="Moves on with every use, up to max_s after login.")
    idle_s: int
    max_s: int


class StaffLogoutOut(BaseModel):
    ended: bool


class StaffAliveOut(BaseModel):
    staff: str


class HeartbeatIn(Strict):
    status: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]
    health: dict[str, Any] = Field(default_factory=dict)
    version: Annotated[str, StringConstraints(max_length=64)] | None = None


# -- responses (documentation) ------------------------------------------------


class ErrorBody(BaseModel):
    reason: str
    message: str
    model_config = ConfigDict(extra="allow")


class ErrorOut(BaseModel):
    error: ErrorBody


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    db: Literal["ok", "down"]
    time: str


class PassKeyOut(BaseModel):
    alg: Literal["Ed25519"]
    public_key: str


class SessionOut(BaseModel):
    session_id: str
    member_ref: str
    preselected_model: str | None
    has_open_drive: bool
    expires_at: str
    eligibility: EligibilityOut


class PaidDriveOut(BaseModel):
    amount: str
    currency: str
    days: int


class RecentModelOut(BaseModel):
    model: str
    driven_at: str
    again_from: str = Field(description="The first moment this model may be driven again")


class EligibilityOut(BaseModel):
    """Whether the member can take a test drive today, said at the scan."""

    can_drive: bool
    reason: str | None = Field(description="The refusal verify would give (REASONS.md): "
                                           "IDENTITY_LOCKED, DRIVE_OVERDUE, DRIVE_OPEN, "
                                           "QUOTA_EXCEEDED or NOT_SUPER_MEMBER")
    context: dict[str, Any] = Field(description="That refusal's context (next_possible_at, "
                                                "due_at, retry_at, credit_min...)")
    paid_drive: PaidDriveOut | None = Field(description="NOT_SUPER_MEMBER only: the paid "
                                                        "drive offered instead (none: off)")
    recent_models: list[RecentModelOut] = Field(description="Models driven within "
                                                            "repeat_model_days")


class Names(BaseModel):
    en: str
    zh_CN: str


class OptionOut(BaseModel):
    model: str
    colour: str
    model_name: Names
    colour_name: Names
    available_count: int
    range_km: int | None = None
    seats: int | None = None
    accel_s: float | None = Field(None, description="0-100 km/h in seconds")


class InventoryOut(BaseModel):
    tower_id: str
    options: list[OptionOut]


class ReservationOut(BaseModel):
    reservation_id: str
    car_id: str
    bay: int
    model: str
    colour: str
    expires_at: str


class ReleaseOut(BaseModel):
    reservation_id: str
    released: bool
    state: str


class AuthorisationOut(BaseModel):
    job_id: str
    source_bay: int
    delivery_bay: int
    return_by: str
    car_id: str
    model: str | None
    colour: str | None


class JobOut(BaseModel):
    job_id: str
    kind: Literal["delivery", "return"]
    state: Literal["delivered", "failed_in_bay", "failed_moved"]
    drive_id: str | None
    return_by: str | None


class ReturnOut(BaseModel):
    job_id: str
    from_bay: int
    to_bay: int
    drive_id: str
    car_id: str
    model: str | None
    colour: str | None
    overdue: bool


class OrderOut(BaseModel):
    order_id: str
    model: str
    url: str


class BayOut(BaseModel):
    bay: int
    level: int
    car_id: str | None
    model: str | None
    colour: str | None
    state: Literal["free", "stored", "reserved", "maintenance", "out"]
    maintenance: bool
    note: str | None


class MoveOut(BaseModel):
    car_id: str
    from_bay: int
    to_bay: int
    state: Literal["stored", "maintenance"]


class BaysOut(BaseModel):
    tower_id: str
    levels: int
    bays_per_level: int
    delivery_bays: list[int]
    bays: list[BayOut]


class AlertOut(BaseModel):
    kind: Literal["IDENTITY_LOCKED"]
    member: str = Field(description="A shortened member id (first 6 characters + …).")
    retry_at: str


class OutOfServiceOut(BaseModel):
    reason: Literal["KIOSK_OUT_OF_SERVICE"]
    note: str = Field(description="What the operator typed (may be empty).")
    since: str


class HeartbeatOut(BaseModel):
    kiosk_id: str
    server_time: str
    alerts: list[AlertOut] = Field(description="Members of this tower locked out of the "
                                               "identity check now.")
    out_of_service: OutOfServiceOut | None = Field(
        None, description="Set while an operator has this kiosk out of service (the ops "
                          "console); new sessions are then refused KIOSK_OUT_OF_SERVICE.")


class KioskOut(BaseModel):
    kiosk_id: str
    tower_id: str
    last_seen_at: str | None
    status: str | None
    health: dict[str, Any]


class KiosksOut(BaseModel):
    kiosks: list[KioskOut]
