"""The selfie endpoints' answers and bodies (issue #12: the backend judges).

The backend opens a selfie and draws its challenges (``POST /v1/selfies``),
the kiosk streams the frames it captures (``.../frames``) and asks for the
verdict (``.../finish``); ``POST /v1/verify`` then names the selfie. These
parsers read those answers as strictly as ``kiosk.api_answers`` reads the
others: a challenge this build cannot guide, a count the screen cannot show,
a verdict that is not a plain boolean is a bad answer, never a guess.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.api_read import BadAnswer, read_bool, read_id, read_int, read_list, read_str, read_time
from vision.liveness_actions import Challenge

# The backend draws 2 or 3 challenges; the kiosk guides the member through them.
MIN_CHALLENGES, MAX_CHALLENGES = 2, 3
# The API takes 1..20 frames per call; an answer promising more is not the API.
MAX_FRAMES_PER_CHUNK = 20
_KNOWN = frozenset(c.value for c in Challenge)


@dataclass(frozen=True)
class SelfieTicket:
    """An open selfie: what to ask the member, until when, in what chunks."""

    selfie_id: str
    challenges: tuple[str, ...]  # vision.liveness_actions.Challenge values, in order
    expires_at: datetime
    max_frames_per_chunk: int


@dataclass(frozen=True)
class SelfieVerdict:
    """The backend's liveness verdict: pass/fail and why, never a score."""

    selfie_id: str
    live: bool
    reason: str | None


def parse_ticket(d: Mapping[str, Any]) -> SelfieTicket:
    names = read_list(d, "challenges", MAX_CHALLENGES)
    if len(names) < MIN_CHALLENGES:
        raise BadAnswer("too few challenges")
    if not all(isinstance(n, str) and n in _KNOWN for n in names):
        raise BadAnswer("unknown challenge")
    if len(set(names)) != len(names):
        raise BadAnswer("a challenge is repeated")
    return SelfieTicket(selfie_id=read_id(d, "selfie_id"), challenges=tuple(names),
                        expires_at=read_time(d, "expires_at"),
                        max_frames_per_chunk=read_int(d, "max_frames_per_chunk", 1,
                                                      MAX_FRAMES_PER_CHUNK))


def parse_accepted(d: Mapping[str, Any], selfie_id: str, sent: int) -> int:
    """How many of the ``sent`` frames the backend took."""
    _same_selfie(d, selfie_id)
    accepted = read_int(d, "accepted", 0, sent)
    read_int(d, "frames_total", accepted)
    return accepted


def parse_verdict(d: Mapping[str, Any], selfie_id: str) -> SelfieVerdict:
    _same_selfie(d, selfie_id)
    return SelfieVerdict(selfie_id=selfie_id, live=read_bool(d, "live"),
                         reason=read_str(d, "reason", optional=True, max_len=64) or None)


# What one frame adds to a frames request besides its base64: json.dumps of
# ``{"t_ms": 12345, "jpeg": ""}, `` is 30 bytes (32 with a six-digit time).
FRAME_JSON_BYTES = 32


def wire_bytes(jpeg_len: int) -> int:
    """The bytes a JPEG of ``jpeg_len`` bytes adds to a frames request body:
    what the upload budget counts, as the network sees it."""
    return 4 * ((jpeg_len + 2) // 3) + FRAME_JSON_BYTES


def frames_body(frames: Sequence[tuple[int, bytes]]) -> dict[str, Any]:
    """``{"frames": [{"t_ms", "jpeg"}...]}``; ValueError for frames the backend
    would refuse (a kiosk bug, never worth a round trip)."""
    if not 1 <= len(frames) <= MAX_FRAMES_PER_CHUNK:
        raise ValueError(f"{len(frames)} frames in one chunk (1..{MAX_FRAMES_PER_CHUNK})")
    out, last = [], -1
    for t_ms, jpeg in frames:
        if not isinstance(t_ms, int) or isinstance(t_ms, bool) or t_ms <= last:
            raise ValueError("frame times must be increasing whole milliseconds from 0")
        if not isinstance(jpeg, bytes | bytearray) or not jpeg:
            raise ValueError("a frame without JPEG bytes")
        out.append({"t_ms": t_ms, "jpeg": base64.b64encode(jpeg).decode("ascii")})
        last = t_ms
    return {"frames": out}


def _same_selfie(d: Mapping[str, Any], selfie_id: str) -> None:
    # An answer about another selfie (a proxy mix-up, a replayed answer) must
    # not be taken as this one's verdict.
    if read_id(d, "selfie_id") != selfie_id:
        raise BadAnswer("the answer is about another selfie")
