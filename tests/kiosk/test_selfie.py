"""SelfieUploader: what it keeps, how it stamps and sizes frames, the order
in which chunks and finish reach the backend, and that nothing is sent or
held after a cancel. Frame times are given, never measured."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from common.errors import BackendError, Reason
from kiosk.selfie import RING_MS, SelfieUploader, UploadSettings, encode_jpeg
from kiosk.selfie_api import FRAME_JSON_BYTES, frames_body, wire_bytes
from kiosk.tasks import CallbackQueue, TaskRunner
from tests.kiosk.fakes import settle

T0 = 500.0  # the kiosk's monotonic time when the open answer arrived


class Backend:
    """Records what the uploader sends; ``gate`` holds every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()  # an upload is under way
        self.error: BackendError | None = None

    def upload_frames(self, selfie_id, frames):
        self.entered.set()
        self.gate.wait(5)
        self.calls.append(("upload", [t for t, _ in frames]))
        if self.error is not None:
            raise self.error
        return len(frames)

    def finish_selfie(self, selfie_id):
        self.gate.wait(5)
        self.calls.append(("finish", selfie_id))
        return SimpleNamespace(selfie_id=selfie_id, live=True, reason=None)

    def sent(self) -> list[int]:
        return [t for name, times in self.calls if name == "upload" for t in times]


@pytest.fixture
def rig():
    q = CallbackQueue()
    runner = TaskRunner(q)
    backend = Backend()
    yield backend, runner, q
    backend.gate.set()
    runner.shutdown(wait=True)


def uploader(backend, runner, *, size=1000, now=1e9, **settings):
    """An uploader whose encoder makes JPEGs that cost ``size`` bytes on the
    wire (base64 and JSON: what the budget counts) and whose clock says ``now``."""
    jpeg_len = 3 * ((size - FRAME_JSON_BYTES) // 4)
    assert wire_bytes(jpeg_len) == size
    return SelfieUploader(backend, runner, "F1", T0, encode=lambda image: b"j" * jpeg_len,
                          settings=UploadSettings(**settings), clock=lambda: now)


def frame(t_s: float) -> SimpleNamespace:
    """A frame captured ``t_s`` seconds after the open answer."""
    return SimpleNamespace(image=None, t_mono=T0 + t_s, index=0)


def step(index: int = 0, done: bool = False, phase: str = "get_ready") -> SimpleNamespace:
    return SimpleNamespace(phase=phase, challenge_index=index, done=done)


def feed_steady(up, fps: float, seconds: float, start_s: float = 0.0) -> int:
    n = int(seconds * fps)
    return sum(up.feed(frame(start_s + i / fps), step()) for i in range(n))


@pytest.mark.parametrize("camera_fps", [30.0, 20.0, 15.0, 12.0])
def test_keeps_about_ten_frames_a_second_whatever_the_vision_rate(rig, camera_fps):
    backend, runner, _ = rig
    up = uploader(backend, runner)
    kept = feed_steady(up, camera_fps, 3.0)
    assert 29 <= kept <= 31


def test_a_slower_vision_rate_sends_every_frame_and_a_gap_causes_no_burst(rig):
    backend, runner, _ = rig
    up = uploader(backend, runner)
    assert feed_steady(up, 5.0, 2.0) == 10
    # After a 1 s stall the next frames come at the plain rate, not in a burst
    # making up for the gap.
    assert feed_steady(up, 30.0, 1.0, start_s=3.0) in (10, 11)


def test_every_frame_goes_once_the_challenges_run(rig):
    # The judge must see the frames the guide decided on (a blink's closed
    # eyes last 2-3 frames): past the get-ready frames' share of the budget
    # challenge frames still go.
    backend, runner, _ = rig
    up = uploader(backend, runner, size=1000, budget_bytes=1_000_000)
    assert feed_steady(up, 10.0, 1.0) == 10
    assert sum(up.feed(frame(2.0 + i / 30), step(phase="challenge")) for i in range(30)) == 30


def challenge(up, t_s: float, index: int = 0, done: bool = False, total: int = 2) -> bool:
    return up.feed(frame(t_s), SimpleNamespace(
        phase="done" if done else "challenge", challenge_index=index, done=done,
        challenges_total=total))


def test_past_the_share_challenge_frames_wait_for_a_step_of_the_check(rig):
    # A member taking long: past 75 % of the budget frames are held in a ring
    # of the last RING_MS and go when the local check moves on, with the
    # frames after it; each step left gets its part of the rest.
    backend, runner, q = rig
    up = uploader(backend, runner, size=10_000, budget_bytes=2_000_000)
    sent_direct = sum(challenge(up, i / 30) for i in range(180))
    assert sent_direct == 150 and up.over_budget and up.bytes_kept == 1_500_000
    assert up.stats()["frames_held"] == 30 and len(up._ring) == RING_MS // 33 + 1
    # The first of two steps: half the 500 KB left, half of that for the ring.
    assert challenge(up, 6.0, index=1)
    after = [challenge(up, 6.0 + i / 30, index=1) for i in range(1, 30)]
    assert after[:13] == [True] * 13 and not any(after[13:])  # the 130 KB left after it
    assert up.bytes_kept == 1_750_000
    # The end: all that is left, half before and half after (the tail).
    assert challenge(up, 8.0, index=2, done=True)
    tail = [challenge(up, 8.0 + i / 30, index=2, done=True) for i in range(1, 15)]
    assert tail[:13] == [True] * 13 and not any(tail[13:])
    up.close(lambda v: None, lambda e: None)
    settle(q, lambda: ("finish", "F1") in backend.calls)
    sent = backend.sent()
    assert sent == sorted(set(sent))  # strictly increasing, as the backend demands
    assert [t for t in sent if 5000 < t < 6000] == [round(5000 + i * 1000 / 30)
                                                      for i in range(19, 30)]
    assert 6000 in sent and 8000 in sent and max(sent) == 8433
    assert up.stats()["bytes_sent"] == 2_000_000 and not up.capped


def test_the_frames_after_a_step_go_even_past_the_share(rig):
    # The judge sees JPEGs and may confirm a challenge a frame or two after
    # the guide: the tail after the end (and the frames after any step) go
    # within the budget, wherever the share falls (it fell in the tail, and
    # the judge found the last challenge incomplete).
    backend, runner, q = rig
    up = uploader(backend, runner, size=10_000, budget_bytes=1_000_000)  # share 750 KB
    assert sum(challenge(up, i / 30, index=1) for i in range(74)) == 74
    assert challenge(up, 74 / 30, index=2, done=True)
    tail = [challenge(up, (74 + i) / 30, index=2, done=True) for i in range(1, 13)]
    assert all(tail) and up.bytes_kept == 870_000


def test_a_selfie_that_runs_to_the_timeout_stays_within_the_budget(rig):
    # A slow member through three challenges, each taking its whole 6 s at
    # 30 fps of 12 KB frames (6.5 MB), sends at most the budget, and frames
    # around every step the check saw, the last one and its tail included.
    backend, runner, q = rig
    up = uploader(backend, runner, size=12_000)
    for i in range(10):
        up.feed(frame(i / 10), step())
    t = 1.0
    steps = []
    for index in range(3):
        for i in range(180):
            challenge(up, t + i / 30, index=index, total=3)
        t += 6.0
        steps.append(round(t * 1000))
        assert challenge(up, t, index=index + 1, done=index == 2, total=3)
    for i in range(1, 12):  # the tail after the check ended
        challenge(up, t + i / 30, index=3, done=True, total=3)
    up.close(lambda v: None, lambda e: None)
    settle(q, lambda: ("finish", "F1") in backend.calls)
    stats = up.stats()
    assert stats["bytes_sent"] <= UploadSettings().budget_bytes == 2_000_000
    sent = backend.sent()
    for ms in steps:
        assert ms in sent and ms - 100 in sent and ms + 100 in sent, ms
    assert not stats["capped"]


def test_the_budget_is_never_passed(rig):
    backend, runner, _ = rig
    up = uploader(backend, runner, size=10_000, budget_bytes=200_000)  # share 150 KB
    for i in range(60):
        challenge(up, i / 30)  # 15 sent, then held in the ring
    assert up.bytes_kept == 150_000
    assert challenge(up, 2.0, index=1, total=2)
    for i in range(1, 60):
        challenge(up, 2.0 + i / 30, index=1, total=2)
    assert challenge(up, 4.0, index=2, done=True, total=2)
    for i in range(1, 60):
        challenge(up, 4.0 + i / 30, index=2, done=True, total=2)
    assert up.bytes_kept <= 200_000
    big = uploader(backend, runner, size=300_000, budget_bytes=200_000)
    assert not challenge(big, 0.0) and not challenge(big, 0.1, index=1)
    assert big.capped and big.bytes_kept == 0


def test_held_frames_no_step_asked_for_are_never_sent(rig):
    backend, runner, q = rig
    up = uploader(backend, runner, size=10_000, budget_bytes=200_000)
    for i in range(40):
        challenge(up, i / 30)
    assert up._ring
    up.close(lambda v: None, lambda e: None)
    settle(q, lambda: ("finish", "F1") in backend.calls)
    assert not up._ring and len(backend.sent()) == 15
    other = uploader(backend, runner, size=10_000, budget_bytes=200_000)
    for i in range(40):
        challenge(other, i / 30)
    other.cancel()
    assert not other._ring


def test_key_frames_are_always_kept(rig):
    backend, runner, _ = rig
    up = uploader(backend, runner)
    assert up.feed(frame(0.000), step(0))
    assert not up.feed(frame(0.033), step(0))  # too soon for an ordinary frame
    assert up.feed(frame(0.066), step(1))  # the local check moved on
    assert not up.feed(frame(0.080), step(1))
    assert up.feed(frame(0.095), step(1, done=True))  # and ended
    assert up.key_frames == 2 and up.frames_kept == 3


def test_t_ms_counts_from_the_open_answer_and_only_increases(rig):
    backend, runner, q = rig
    up = uploader(backend, runner, now=T0 + 1.0)
    assert not up.feed(frame(-0.2), step())  # captured before the selfie was open
    assert up.feed(frame(0.0004), step())  # t_ms 0
    assert not up.feed(frame(0.0002), step(1))  # older than the last one sent
    assert not up.feed(frame(0.0001 + 0.0003), step(2))  # the same millisecond
    assert up.feed(frame(0.250), step(3))
    assert not up.feed(frame(2.0), step(4))  # stamped in the future of the kiosk's clock
    up.close(lambda v: None, lambda e: None)
    settle(q, lambda: ("finish", "F1") in backend.calls)
    assert backend.sent() == [0, 250]


def test_frames_go_out_in_chunks_of_six_or_half_a_second(rig):
    backend, runner, q = rig
    up = uploader(backend, runner, ready_fps=30.0)
    for i in range(7):
        up.feed(frame(i / 30), step())
    settle(q, lambda: len(backend.calls) == 1)
    assert backend.calls[0] == ("upload", [0, 33, 67, 100, 133, 167])
    slow = uploader(backend, runner, ready_fps=4.0)
    for i in range(4):
        slow.feed(frame(10 + i * 0.25), step())
    settle(q, lambda: len(backend.calls) == 2)
    assert backend.calls[1] == ("upload", [10000, 10250, 10500])


def test_chunks_respect_the_backends_limit(rig):
    backend, runner, q = rig
    up = SelfieUploader(backend, runner, "F1", T0, encode=lambda image: b"j",
                        max_frames_per_chunk=2, clock=lambda: 1e9)
    for i in range(4):
        up.feed(frame(i * 0.1), step())
    settle(q, lambda: len(backend.calls) == 2)
    assert [len(times) for _, times in backend.calls] == [2, 2]


def test_budget_stops_ordinary_frames_but_not_key_frames(rig):
    backend, runner, _ = rig
    up = uploader(backend, runner, size=100_000, budget_bytes=500_000)
    assert feed_steady(up, 10.0, 1.0) == 3  # 75 % of the budget: 375 KB
    assert up.over_budget and up.bytes_kept == 300_000
    assert up.feed(frame(1.5), step(1))  # the deciding frame still goes
    assert not up.feed(frame(1.7), step(1))
    assert up.feed(frame(1.8), step(1, done=True))
    assert up.stats()["frames_kept"] == 5


def test_close_sends_the_rest_then_finishes_on_the_same_lane(rig):
    backend, runner, q = rig
    verdicts = []
    up = uploader(backend, runner)
    backend.gate.clear()  # the first chunk is still on its way when close() comes
    for i in range(8):
        up.feed(frame(i / 10), step())
    up.feed(frame(0.85), step(1, done=True))
    up.close(verdicts.append, pytest.fail)
    backend.gate.set()
    settle(q, lambda: verdicts)
    assert [name for name, _ in backend.calls] == ["upload", "upload", "finish"]
    assert backend.sent() == [0, 100, 200, 300, 400, 500, 600, 700, 850]
    assert verdicts[0].live is True
    stats = up.stats()
    assert stats["frames_sent"] == 9 and stats["bytes_sent"] == 9000 and stats["chunks_sent"] == 2
    assert not up.feed(frame(1.0), step(2))  # closed: nothing more is taken


def test_an_upload_error_stops_uploading_but_finish_still_asks(rig):
    backend, runner, q = rig
    verdicts = []
    backend.error = BackendError("no", reason=Reason.BACKEND_ERROR, code="SELFIE_REJECTED")
    up = uploader(backend, runner)
    for i in range(6):
        up.feed(frame(i / 10), step())
    settle(q, lambda: up.stopped == "SELFIE_REJECTED")
    assert not up.feed(frame(0.7), step(1))  # not even encoded any more
    up.close(verdicts.append, pytest.fail)
    settle(q, lambda: verdicts)
    assert [name for name, _ in backend.calls] == ["upload", "finish"]


def test_cancel_sends_nothing_more_and_drops_every_frame(rig):
    backend, runner, q = rig
    done = []
    up = uploader(backend, runner)
    backend.gate.clear()
    for i in range(14):  # two chunks queued (the first one in flight) and two pending
        up.feed(frame(i / 10), step())
    queued = [chunk for _, chunk in up._queued]
    assert backend.entered.wait(5)  # the first chunk is on the wire
    up.close(done.append, done.append)
    up.cancel()
    assert not up._pending and all(not chunk for chunk in queued[1:])
    backend.gate.set()
    settle(q, lambda: not queued[0])  # the one in flight ends, and is dropped too
    q.drain(timeout_s=0.2)
    assert [name for name, _ in backend.calls] == ["upload"] and not done
    assert not up.feed(frame(2.0), step(1))


def test_feed_never_waits_for_the_network(rig):
    backend, runner, _ = rig
    up = uploader(backend, runner)
    backend.gate.clear()  # the backend never answers while frames arrive
    assert feed_steady(up, 30.0, 3.0) == 30
    up.cancel()


@pytest.mark.parametrize(("shape", "expected"), [
    ((720, 1280, 3), (360, 640)),
    ((1080, 1920, 3), (360, 640)),
    ((1000, 1000, 3), (640, 640)),
    ((640, 480, 3), (640, 480)),  # already narrower: sent as it is, never enlarged
])
def test_encode_scales_down_to_640_wide_keeping_the_aspect(shape, expected):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, shape, dtype=np.uint8)
    jpeg = encode_jpeg(image, 640, 70)
    assert jpeg[:2] == b"\xff\xd8"
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape[:2] == expected


@pytest.mark.parametrize("jpeg_len", [1, 2, 3, 11_999, 12_000, 12_001, 399_999])
def test_the_budget_counts_what_a_frame_adds_to_the_request_body(jpeg_len):
    import json

    one = len(json.dumps(frames_body([(0, b"j")])))
    for t_ms in (0, 999_999):
        two = len(json.dumps(frames_body([(0, b"j"), (t_ms + 1, b"j" * jpeg_len)])))
        assert 0 <= wire_bytes(jpeg_len) - (two - one) <= 12  # never less than sent


def test_lower_quality_is_smaller():
    yy, xx = np.mgrid[0:720, 0:1280]
    image = np.stack([(xx * 7 + yy * 3) % 256] * 3, axis=-1).astype(np.uint8)
    assert len(encode_jpeg(image, 640, 40)) < len(encode_jpeg(image, 640, 90))
