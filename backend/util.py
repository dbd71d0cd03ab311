"""Small shared pieces of the service."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class KioskCtx:
    """Who is calling: set by the auth middleware for every /v1 request."""

    kiosk_id: str
    tower_id: str


def new_id(prefix: str, nbytes: int = 8) -> str:
    return f"{prefix}-{secrets.token_hex(nbytes)}"
