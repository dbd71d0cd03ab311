"""Strict reading of the backend's JSON answers (Qt-free, no I/O).

Each reader takes a decoded JSON object and a key and returns the value only
if it has the documented type and bounds; anything else raises
``BadAnswer``, which ``kiosk.backend_client`` reports as
``BackendError(BACKEND_BAD_RESPONSE)``. The answer parsers of the client and
of ``kiosk.selfie_api`` are built from these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
CONTEXT_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class BadAnswer(Exception):
    """The answer does not have the documented shape (the client turns this
    into ``BackendError(BACKEND_BAD_RESPONSE)``)."""


def read_field(d: Mapping[str, Any], key: str, kind: type | tuple[type, ...],
               optional: bool = False) -> Any:
    if key not in d:
        if optional:
            return None
        raise BadAnswer(f"missing field {key!r}")
    v = d[key]
    if v is None and optional:
        return None
    # bool is an int in Python; a JSON true is never a count or a bay.
    if (kind is int or kind == (int,)) and isinstance(v, bool):
        raise BadAnswer(f"field {key!r} is a boolean")
    if not isinstance(v, kind):
        raise BadAnswer(f"field {key!r} has type {type(v).__name__}")
    return v


def read_str(d: Mapping[str, Any], key: str, optional: bool = False, max_len: int = 256) -> Any:
    v = read_field(d, key, str, optional)
    if v is not None and (len(v) > max_len or (not optional and not v)):
        raise BadAnswer(f"field {key!r} is empty or too long")
    return v


def read_id(d: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    v = read_field(d, key, str, optional)
    if v is not None and not ID_RE.fullmatch(v):
        raise BadAnswer(f"field {key!r} is not an id")
    return v


def read_int(d: Mapping[str, Any], key: str, lo: int = 0, hi: int = 1_000_000) -> int:
    v = read_field(d, key, int)
    if not lo <= v <= hi:
        raise BadAnswer(f"field {key!r} out of range")
    return v


def read_bool(d: Mapping[str, Any], key: str) -> bool:
    return read_field(d, key, bool)


def read_time(d: Mapping[str, Any], key: str, optional: bool = False) -> Any:
    v = read_str(d, key, optional, max_len=40)
    if v is None:
        return None
    try:
        t = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise BadAnswer(f"field {key!r} is not an ISO time") from None
    if t.tzinfo is None:
        raise BadAnswer(f"field {key!r} has no time zone")
    return t.astimezone(UTC)


def read_names(d: Mapping[str, Any], key: str) -> Mapping[str, str]:
    v = read_field(d, key, dict)
    if not v or not all(isinstance(k, str) and isinstance(n, str) and len(n) <= 64
                        for k, n in v.items()):
        raise BadAnswer(f"field {key!r} is not a name table")
    return MappingProxyType(dict(v))


def read_list(d: Mapping[str, Any], key: str, max_len: int = 10_000) -> list[Any]:
    v = read_field(d, key, list)
    if len(v) > max_len:
        raise BadAnswer(f"field {key!r} is too long")
    return v


def read_obj(v: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        raise BadAnswer(f"{what} is not an object")
    return v


def error_context(err: Mapping[str, Any]) -> dict[str, Any]:
    """Extra fields of an error, kept only if small, scalar and well named."""
    out: dict[str, Any] = {}
    for k, v in list(err.items())[:20]:
        if k in ("reason", "message") or not isinstance(k, str):
            continue
        if not CONTEXT_KEY_RE.fullmatch(k):
            continue
        if isinstance(v, str) and len(v) <= 200 or isinstance(v, bool | int | float) or v is None:
            out[k] = v
    return out

