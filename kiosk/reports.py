"""What the Kiosk reports to the screens besides the journey itself: scan
feedback and the health of the parts (plain data, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from common.errors import Reason


class ScanStatus(str, Enum):
    LOOKING = "looking"  # nothing seen
    SEEN = "seen"  # a code is there but unreadable (hint says why)
    REJECTED = "rejected"  # read, but not an acceptable pass (reason says why)
    CHECKING = "checking"  # read and valid offline; asking the backend
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class ScanFeedback:
    status: ScanStatus
    reason: Reason | None = None
    hint: Any = None
    quad: Any = None


@dataclass
class HealthSnapshot:
    backend_ok: bool = True
    backend_latency_ms: float | None = None
    lift_ok: bool = True
    camera_ok: bool = True
    detail: dict[str, Any] = field(default_factory=dict)
    # The tower's identity lockouts as the latest heartbeat answer listed them
    # (kiosk.api_answers.LockAlert: short member id, retry_at); staff Health shows them.
    lockouts: tuple[Any, ...] = ()

    @property
    def service_ok(self) -> bool:
        return self.backend_ok and self.lift_ok and self.camera_ok
