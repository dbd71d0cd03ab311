"""Request and response bodies of the /v1 API (they also make the OpenAPI).

Requests are strict: unknown fields, wrong JSON types and out-of-range values
are 422s. Responses are documented here; the handlers build them as plain
dicts (a stored idempotent answer is replayed byte for byte).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
OptName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{0,32}$")]
EMBEDDING_DIM = 128


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


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


class LivenessIn(Strict):
    live: bool
    challenges: list[Annotated[str, StringConstraints(max_length=32)]] = Field(
        default_factory=list, max_length=8)
    reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    detail: dict[str, str | int | float | bool | None] | None = Field(
        None, description="Anything else the kiosk wants on record (max 32 entries).")

    @model_validator(mode="after")
    def _small_detail(self) -> LivenessIn:
        if self.detail is not None and len(self.detail) > 32:
            raise ValueError("detail has more than 32 entries")
        return self


class VerifyIn(Strict):
    session_id: Ident
    reservation_id: Ident
    embedding: list[float] | None = Field(
        None, description="128-d face embedding of the best live frame; null only when "
                          "liveness failed.")
    liveness: LivenessIn

    @model_validator(mode="after")
    def _embedding_shape(self) -> VerifyIn:
        if self.embedding is None:
            if self.liveness.live:
                raise ValueError("embedding is required when liveness passed")
            return self
        if len(self.embedding) != EMBEDDING_DIM:
            raise ValueError(f"embedding must have {EMBEDDING_DIM} values")
        if not all(math.isfinite(x) and abs(x) <= 10.0 for x in self.embedding):
            raise ValueError("embedding values must be finite and small")
        return self


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


class MaintenanceIn(Strict):
    in_maintenance: bool
    note: Annotated[str, StringConstraints(max_length=200)] | None = None


class MoveIn(Strict):
    to_bay: Annotated[int, Field(ge=0, le=1_000_000)]


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


class Names(BaseModel):
    en: str
    zh_CN: str


class OptionOut(BaseModel):
    model: str
    colour: str
    model_name: Names
    colour_name: Names
    available_count: int


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


class HeartbeatOut(BaseModel):
    kiosk_id: str
    server_time: str


class KioskOut(BaseModel):
    kiosk_id: str
    tower_id: str
    last_seen_at: str | None
    status: str | None
    health: dict[str, Any]


class KiosksOut(BaseModel):
    kiosks: list[KioskOut]
