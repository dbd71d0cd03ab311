"""A selfie as a kiosk would send it, for the backend's tests and ``bench liveness``.

``render_selfie`` plays a synthetic member (or an attacker) answering the
challenges the backend drew, guided by a local ``LivenessSession`` exactly
as the selfie screen guides a member, and returns the frames the kiosk
would upload (640 px wide JPEGs stamped with their capture time).
``play_selfie`` then uploads them at the pace they were captured, as a
camera would: the backend refuses frames that arrive ahead of their time.

Rendering happens before the upload so a busy machine makes the test slower,
never the member.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from vision.liveness import LivenessSession
from vision.liveness_actions import Challenge
from vision.synth import SyntheticMember
from vision.synth_actor import Performer
from vision.synth_attacks import AttackKind, make_attacker

LIVE = "live"
Frames = list[tuple[int, bytes]]


def encode(frame: np.ndarray, width: int = 640, quality: int = 70) -> bytes:
    h, w = frame.shape[:2]
    if w > width:
        frame = cv2.resize(frame, (width, int(round(h * width / w))),
                           interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buf.tobytes()


def render_selfie(challenges: Sequence[str], kind: str, member: SyntheticMember, *,
                  seed: int = 0, fps: float = 10.0, width: int = 640, quality: int = 70,
                  max_s: float = 45.0, tail_s: float = 0.3) -> Frames:
    """The frames of one selfie, until the local guide is done (+ ``tail_s``)."""
    asked = [Challenge(c) for c in challenges]
    guide = LivenessSession(asked)
    actor: Any = (Performer(member, seed=seed, spontaneous_blink_hz=0.25) if kind == LIVE
                  else make_attacker(AttackKind(kind), member, asked, seed=seed))
    out: Frames = []
    done_at: float | None = None
    n = 0
    try:
        while True:
            t = n / fps
            n += 1
            if t > max_s or (done_at is not None and t > done_at + tail_s):
                break
            frame = actor.next_frame(t)
            out.append((int(round(t * 1000)), encode(frame, width, quality)))
            if done_at is None:
                update = guide.feed(frame, t)
                if update.done:
                    done_at = t
                else:
                    actor.set_action(update.challenge, t)
    finally:
        guide.clear()
    return out


def play_selfie(post: Callable[[str, dict[str, Any]], Any], selfie_id: str, frames: Frames,
                opened_mono: float, chunk: int = 5,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> list[Any]:
    """Upload ``frames`` in chunks, each once its last frame's time has come
    (``opened_mono``: when the open answer arrived). Returns the answers;
    stops at the first that is not a 200."""
    import base64

    answers = []
    for i in range(0, len(frames), chunk):
        part = frames[i:i + chunk]
        due = opened_mono + part[-1][0] / 1000.0
        wait = due - clock()
        if wait > 0:
            sleep(wait)  # a camera cannot deliver a frame before it was taken
        body = {"frames": [{"t_ms": t, "jpeg": base64.b64encode(j).decode("ascii")}
                           for t, j in part]}
        r = post(f"/v1/selfies/{selfie_id}/frames", body)
        answers.append(r)
        if getattr(r, "status_code", 200) != 200:
            break
    return answers
