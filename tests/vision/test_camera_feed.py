"""The camera that keeps real-time pace in its own process (issue #19):
pacing with an injected clock, the shared-memory ring, and the process
camera end to end with a tiny scene."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from drivers.camera import CameraSource
from drivers.camera_feed import FrameRing, ProcessCamera, RealtimePacer, play
from tests.vision.conftest import wait_for
from tests.vision.feed_scenes import stamp_of

WAIT_S = 30.0  # a child process starts slowly on a busy machine


class FakeClock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class SlowScene:
    """Renders the pose of a member turning at a steady 10 deg/s, and each
    render costs ``cost_s`` of the fake clock (a busy machine)."""

    def __init__(self, clock: FakeClock, cost_s: float) -> None:
        self.clock, self.cost_s = clock, cost_s
        self.rendered: list[float] = []
        self.late: list[float] = []  # how long after its moment each picture was rendered
        self.commands: list[tuple[float, str]] = []

    def command(self, name: str, *args: Any) -> None:
        self.commands.append((self.clock(), name))

    def frame(self, t: float) -> np.ndarray:
        self.rendered.append(t)
        self.late.append(self.clock() - t)
        self.clock.t += self.cost_s
        return np.full((2, 2, 3), int(10 * t) % 256, np.uint8)


def run_play(scene: SlowScene, clock: FakeClock, fps: float, frames: int,
             commands: list[tuple[float, tuple[str, tuple[Any, ...]]]] | None = None,
             ) -> tuple[list[float], RealtimePacer]:
    pending = list(commands or [])
    written: list[float] = []
    pacer = RealtimePacer(fps, clock=clock)

    def poll(timeout_s: float):
        # A command due before the deadline arrives then; otherwise time passes.
        if pending and pending[0][0] <= clock.t + timeout_s:
            at, cmd = pending.pop(0)
            clock.t = max(clock.t, at)
            return cmd
        clock.t += timeout_s
        return None

    play(scene, lambda image, t: written.append(t), pacer, poll, clock, frames=frames)
    return written, pacer


def test_a_quiet_camera_takes_a_picture_every_period():
    clock = FakeClock()
    scene = SlowScene(clock, cost_s=0.005)
    stamps, pacer = run_play(scene, clock, fps=25, frames=50)
    assert np.allclose(np.diff(stamps), 0.04)
    assert pacer.dropped == 0
    assert scene.rendered == stamps  # each picture shows the moment it is stamped with


def test_a_busy_camera_drops_frames_and_never_slows_the_member():
    clock = FakeClock()
    scene = SlowScene(clock, cost_s=0.1)  # a render takes 2.5 frame periods
    stamps, pacer = run_play(scene, clock, fps=25, frames=40)
    period = 0.04
    # Fewer pictures, each of a moment within one period of when it was
    # rendered: the member's time is the wall clock, not the render count.
    assert scene.rendered == stamps
    assert all(0 <= late < period + 1e-9 for late in scene.late)
    assert stamps[-1] - stamps[0] == pytest.approx(39 * 0.1, abs=period)
    steps = np.round(np.diff(stamps) / period)
    assert set(steps) <= {2.0, 3.0} and np.allclose(np.diff(stamps), steps * period)
    assert pacer.dropped == int(sum(steps - 1))  # the ticks it could not render


def test_commands_act_on_the_next_picture_taken_after_them():
    clock = FakeClock()
    scene = SlowScene(clock, cost_s=0.001)
    at = clock.t + 0.05
    stamps, _ = run_play(scene, clock, fps=25, frames=5, commands=[(at, ("ask", ()))])
    assert [name for _, name in scene.commands] == ["ask"]
    first_after = min(t for t in stamps if t >= at)
    assert first_after - at < 0.04


def test_the_ring_hands_out_the_newest_frame_once():
    ring = FrameRing.create((8, 4), slots=3)
    try:
        assert ring.read_newer(-1) is None
        for k in range(5):
            ring.write(np.full((4, 8, 3), k, np.uint8), 10.0 + k)
        got = ring.read_newer(-1)
        assert got is not None and got.seq == 4 and got.t_mono == 14.0
        assert int(got.image[0, 0, 0]) == 4
        assert ring.read_newer(got.seq) is None  # nothing newer yet
        got.image[...] = 99  # a private copy: the ring is untouched
        assert int(ring.read_newer(3).image[0, 0, 0]) == 4
        assert ring.counters()["written"] == 5
    finally:
        ring.close(unlink=True)
    assert not ring.path.exists()


def test_a_camera_in_another_process_stamps_its_own_capture_times():
    cam = ProcessCamera("tests.vision.feed_scenes:Grey", {"level": 40}, size=(32, 24), fps=50,
                        name="test-feed")
    source: CameraSource | None = None
    try:
        cam.start()
        assert cam.wait_ready(WAIT_S)
        assert not cam.ring.path.exists()  # unlinked once both sides have it mapped
        source = cam.source(stall_timeout_s=5.0)
        source.start()
        first = wait_for(source.latest, "a first frame", WAIT_S)
        frame = wait_for(lambda: (f := source.latest()) and f.index > first.index and f,
                         "a second frame", WAIT_S)
        # The frame's time is the child's stamp (written into its pixels),
        # never later than when this process got it.
        assert frame.t_mono == stamp_of(frame.image) <= time.monotonic()
        assert int(frame.image[5, 5, 0]) == 40
        number = cam.send("level", 200)
        assert cam.wait_applied(number, WAIT_S)
        wait_for(lambda: int(source.latest().image[5, 5, 0]) == 200, "the command's effect",
                 WAIT_S)
    finally:
        if source is not None:
            source.stop()
        cam.stop()
    assert not cam.alive and cam.ring is None


def test_a_stopped_camera_cannot_be_opened_or_told_anything():
    cam = ProcessCamera("tests.vision.feed_scenes:Grey", size=(16, 16), fps=30)
    with pytest.raises(Exception, match="not running"):
        cam.capture()
    with pytest.raises(Exception, match="not running"):
        cam.send("level", 1)
    cam.stop()  # idempotent, even never started


class StampedFake:
    """A capture that says when its pictures were taken."""

    def __init__(self, stamps: list[float]) -> None:
        self.stamps = stamps
        self.released = threading.Event()

    def read_stamped(self) -> tuple[np.ndarray | None, float]:
        if not self.stamps or self.released.wait(0.01):
            return None, time.monotonic()
        return np.full((4, 4, 3), len(self.stamps), np.uint8), self.stamps.pop(0)

    def read(self) -> np.ndarray | None:
        raise AssertionError("a stamped capture is read with read_stamped")

    def release(self) -> None:
        self.released.set()


def test_camera_source_keeps_a_capture_stamp_but_never_a_future_one():
    now = time.monotonic()
    fake = StampedFake([now - 0.5, now + 3600.0])
    source = CameraSource(lambda: fake, name="stamped", detect_duplicates=False,
                          stall_timeout_s=5.0)
    try:
        source.start()
        first = wait_for(source.latest, "the stamped frame")
        assert first.t_mono == now - 0.5
        second = wait_for(lambda: (f := source.latest()) and f.index > first.index and f,
                          "the frame stamped in the future")
        assert second.t_mono <= time.monotonic() < now + 3600.0
    finally:
        source.stop()


class SlowCommands(SlowScene):
    def command(self, name: str, *args: Any) -> None:
        super().command(name, *args)
        self.clock.t += 0.3  # building a member takes a while


def test_a_slow_command_never_makes_a_stale_picture():
    clock = FakeClock()
    scene = SlowCommands(clock, cost_s=0.001)
    at = clock.t + 0.05
    stamps, pacer = run_play(scene, clock, fps=25, frames=5, commands=[(at, ("cast", ()))])
    assert all(late < 0.04 for late in scene.late)
    assert pacer.dropped > 0  # the ticks spent building are gone
