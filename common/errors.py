"""One exception root for the whole kiosk.

Every failure the kiosk can meet is a ``KioskError`` carrying a ``Reason`` (a
stable code the UI maps to a plain-language message) and a structured
``context`` dict for logs. Layers subclass it so callers can catch by layer
without string matching.
"""

from __future__ import annotations

from enum import Enum
from typing import Any


class Reason(str, Enum):
    """Stable reason codes. Values are the wire/JSON spelling."""

    # Refusals decided by the backend (documented in backend/REASONS.md).
    NOT_SUPER_MEMBER = "NOT_SUPER_MEMBER"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    DRIVE_OPEN = "DRIVE_OPEN"
    DRIVE_OVERDUE = "DRIVE_OVERDUE"
    FACE_MISMATCH = "FACE_MISMATCH"
    LIVENESS_FAILED = "LIVENESS_FAILED"
    PASS_INVALID = "PASS_INVALID"
    PASS_EXPIRED = "PASS_EXPIRED"
    PASS_REPLAYED = "PASS_REPLAYED"
    PASS_WRONG_TOWER = "PASS_WRONG_TOWER"
    CAR_UNAVAILABLE = "CAR_UNAVAILABLE"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"
    NO_OPEN_DRIVE = "NO_OPEN_DRIVE"
    RETURN_BAY_INVALID = "RETURN_BAY_INVALID"
    RETURN_BAY_EMPTY = "RETURN_BAY_EMPTY"  # kiosk-side: no car in any delivery bay
    SESSION_EXPIRED = "SESSION_EXPIRED"
    MEMBER_UNKNOWN = "MEMBER_UNKNOWN"
    # Too many failed identity attempts (selfie or face) in a short time: the
    # backend refuses selfies and verify until ``retry_at``.
    IDENTITY_LOCKED = "IDENTITY_LOCKED"
    # The member drove this model within the tower's repeat_model_days.
    MODEL_ALREADY_DRIVEN = "MODEL_ALREADY_DRIVEN"
    # A paid drive's payment ran out of time, or was cancelled or declined.
    PAYMENT_EXPIRED = "PAYMENT_EXPIRED"
    PAYMENT_CANCELLED = "PAYMENT_CANCELLED"
    # Kiosk-side input problems (the scan screen keeps scanning).
    QR_NOT_A_PASS = "QR_NOT_A_PASS"
    QR_TOO_LARGE = "QR_TOO_LARGE"
    # Infrastructure.
    CONFIG_INVALID = "CONFIG_INVALID"
    BACKEND_UNREACHABLE = "BACKEND_UNREACHABLE"
    BACKEND_BAD_RESPONSE = "BACKEND_BAD_RESPONSE"
    BACKEND_UNAUTHORIZED = "BACKEND_UNAUTHORIZED"
    # The backend's TLS certificate is not the one ``[backend] pin_sha256``
    # names: an impostor, or a renewed certificate the config does not pin yet.
    BACKEND_PIN_MISMATCH = "BACKEND_PIN_MISMATCH"
    BACKEND_ERROR = "BACKEND_ERROR"
    LIFT_LINK_DOWN = "LIFT_LINK_DOWN"
    LIFT_FAULT = "LIFT_FAULT"
    LIFT_TIMEOUT = "LIFT_TIMEOUT"
    LIFT_REJECTED = "LIFT_REJECTED"
    # ACK_FAULT refused: the E-stop button is still pressed (release it first).
    LIFT_ESTOP_HELD = "LIFT_ESTOP_HELD"
    # The controller echoed another job id or other bays than the kiosk asked for.
    LIFT_ECHO_MISMATCH = "LIFT_ECHO_MISMATCH"
    FRAME_INVALID = "FRAME_INVALID"
    CAMERA_UNAVAILABLE = "CAMERA_UNAVAILABLE"
    CAMERA_STALLED = "CAMERA_STALLED"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"
    NO_FACE = "NO_FACE"
    MANY_FACES = "MANY_FACES"
    STAFF_LOCKED = "STAFF_LOCKED"
    STAFF_DENIED = "STAFF_DENIED"
    # A book change needs a staff session the backend issued (an online staff login).
    STAFF_SESSION_REQUIRED = "STAFF_SESSION_REQUIRED"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    INTERNAL = "INTERNAL"


class KioskError(Exception):
    """Root of every error the kiosk raises on purpose."""

    default_reason: Reason = Reason.INTERNAL

    def __init__(self, message: str = "", reason: Reason | None = None, **context: Any) -> None:
        self.reason: Reason = reason or self.default_reason
        self.context: dict[str, Any] = context
        super().__init__(message or self.reason.value)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason.value, "message": str(self), **self.context}


class ConfigError(KioskError):
    default_reason = Reason.CONFIG_INVALID


class PassError(KioskError):
    default_reason = Reason.PASS_INVALID


class BackendError(KioskError):
    default_reason = Reason.BACKEND_ERROR


class RefusedError(BackendError):
    """The backend said no, for a reason a member should read."""


class LiftError(KioskError):
    default_reason = Reason.LIFT_FAULT


class FrameError(LiftError):
    """A serial frame could not be parsed (bad start, length or CRC)."""

    default_reason = Reason.FRAME_INVALID


class CameraError(KioskError):
    default_reason = Reason.CAMERA_UNAVAILABLE


class VisionError(KioskError):
    default_reason = Reason.MODEL_UNAVAILABLE


class StaffError(KioskError):
    default_reason = Reason.STAFF_DENIED


class TransitionError(KioskError):
    default_reason = Reason.ILLEGAL_TRANSITION


def short_id(member_id: str | None) -> str:
    """The only form of a member id allowed in logs: first 6 chars + length."""
    if not member_id:
        return "-"
    return f"{member_id[:6]}…"
