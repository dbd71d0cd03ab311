"""Timestamps as the backend sends them, read as aware UTC datetimes.

A leaf so the screens' message modules (ui/messages.py, ui/messages_rules.py)
and anything else reading the backend's times share one reader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def to_datetime(value: Any) -> dt.datetime | None:
    """A timestamp from the backend (datetime, epoch seconds or ISO 8601) as aware UTC."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            moment = dt.datetime.fromtimestamp(float(value), dt.UTC)
        elif isinstance(value, str):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)  # the backend speaks UTC
    return moment
