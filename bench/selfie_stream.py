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
from types import SimpleNamespace
from typing import Any

from kiosk.selfie import SelfieUploader, UploadSettings, encode_jpeg
from kiosk.selfie_api import frames_body
from kiosk.selfie_step import tail_complete
from kiosk.tasks import CallbackQueue, TaskRunner
from vision.liveness import LivenessSession
from vision.liveness_actions import Challenge
from vision.synth.actor import Performer
from vision.synth.attacks import AttackKind, make_attacker
from vision.synth.face import SyntheticMember

LIVE = "live"


class Frames(list[tuple[int, bytes]]):
    """The uploaded frames, each ``(t_ms, jpeg)``; ``guided_live`` is what the
    kiosk's local guide concluded (the backend judges for itself)."""

    guided_live: bool | None = None


class _Collector:
    """Stands in for the backend while rendering: the chunks the kiosk's
    uploader would send are kept, to be played at capture pace later."""

    def __init__(self) -> None:
        self.frames = Frames()

    def upload_frames(self, _selfie_id: str, frames: Frames) -> int:
        self.frames.extend(list(frames))  # the uploader clears its chunk afterwards
        return len(frames)

    def finish_selfie(self, _selfie_id: str) -> None:
        return None


def render_selfie(challenges: Sequence[str], kind: str, member: SyntheticMember, *,
                  seed: int = 0, camera_fps: float = 25.0, settings: UploadSettings | None = None,
                  max_s: float = 45.0) -> Frames:
    """The frames one selfie uploads, until the local guide is done and the
    kiosk's tail after it (``kiosk.selfie_step.tail_complete``) is streamed.

    The camera runs at ``camera_fps`` and the guide sees every frame, as on
    the kiosk; the kiosk's own ``SelfieUploader`` picks and encodes the frames
    it would send (``kiosk.selfie``: ~10 fps while getting ready, every frame
    once the challenges run)."""
    asked = [Challenge(c) for c in challenges]
    guide = LivenessSession(asked)
    actor: Any = (Performer(member, seed=seed, spontaneous_blink_hz=0.25) if kind == LIVE
                  else make_attacker(AttackKind(kind), member, asked, seed=seed))
    settings = settings or UploadSettings()
    collector = _Collector()
    runner = TaskRunner(CallbackQueue())
    uploader = SelfieUploader(collector, runner, "render", 0.0,
                              encode=lambda img: encode_jpeg(img, settings.width_px,
                                                             settings.jpeg_quality),
                              settings=settings, clock=lambda: float("inf"))
    done_at: float | None = None
    update: Any = None
    n = tail = 0
    try:
        while True:
            t = n / camera_fps
            n += 1
            if t > max_s:
                break
            frame = actor.next_frame(t)
            if done_at is None:
                update = guide.feed(frame, t)
                if update.done:
                    done_at = t
                else:
                    actor.set_action(update.challenge, t)
            uploader.feed(SimpleNamespace(image=frame, t_mono=t), update)
            if done_at is not None and t > done_at:  # the tail, as the kiosk streams it
                tail += 1
                if tail_complete(t - done_at, tail):
                    break
        uploader.close(lambda _v: None, lambda _e: None)
    finally:
        runner.shutdown(wait=True)  # every chunk, then finish, has run on the lane
        guide.clear()
    collector.frames.guided_live = None if update is None else update.live
    return collector.frames


def render_performed_selfie(challenges: Sequence[str], member: SyntheticMember, *,
                            seed: int = 0, tries: int = 6) -> Frames:
    """A live selfie in which the synthetic member did perform every challenge.

    The synthetic performer misses a challenge now and then (about 2 % of
    selfies, the BPCER ``bench liveness`` reports), and which seed misses
    depends on the challenges the backend drew at random. A test of what the
    backend does with a member who performed must not fail on that, so the
    next seed is tried, as a real member would try again. Benchmarks use
    ``render_selfie`` and count every miss."""
    frames = Frames()
    for k in range(tries):
        frames = render_selfie(challenges, LIVE, member, seed=seed + 1000 * k)
        if frames.guided_live:
            return frames
    raise AssertionError(f"the synthetic member failed {list(challenges)} {tries} times")


def play_selfie(post: Callable[[str, dict[str, Any]], Any], selfie_id: str, frames: Frames,
                opened_mono: float, chunk: int = 5,
                clock: Callable[[], float] = time.monotonic,
                sleep: Callable[[float], None] = time.sleep) -> list[Any]:
    """Upload ``frames`` in chunks, each once its last frame's time has come
    (``opened_mono``: when the open answer arrived). Returns the answers;
    stops at the first that is not a 200."""
    answers = []
    for i in range(0, len(frames), chunk):
        part = frames[i:i + chunk]
        due = opened_mono + part[-1][0] / 1000.0
        wait = due - clock()
        if wait > 0:
            sleep(wait)  # a camera cannot deliver a frame before it was taken
        r = post(f"/v1/selfies/{selfie_id}/frames", frames_body(part))  # as the kiosk sends
        answers.append(r)
        if getattr(r, "status_code", 200) != 200:
            break
    return answers
