"""Camera sources: synthetic, folder, file, device (fake webcam), stall and recovery."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from common.errors import CameraError, Reason
from drivers.camera import CameraSource, CameraState
from drivers.camera_url import open_camera, register_scheme, split_url

S = CameraState


def test_synthetic_delivers_timestamped_increasing_frames(camera_open, camera_wait):
    cam = camera_open("synthetic:?fps=60&w=320&h=240")
    first = camera_wait(cam.latest, "a first frame")
    later = camera_wait(lambda: (f := cam.latest()) and f.index >= first.index + 5 and f,
                        "five more frames")
    assert first.image.shape == (240, 320, 3) and first.image.dtype == np.uint8
    assert later.t_mono > first.t_mono
    assert not np.array_equal(later.image, first.image)  # the pattern moves
    camera_wait(lambda: cam.stats().state is S.LIVE, "LIVE")
    stats = cam.stats()
    assert stats.fps > 0 and stats.last_frame_age_s is not None and stats.reopen_count == 0


def test_wait_newer_returns_a_newer_frame(camera_open, camera_wait):
    cam = camera_open("synthetic:?fps=60&w=64&h=48")
    first = camera_wait(cam.latest, "a first frame")
    newer = cam.wait_newer(first.index, 5.0)
    assert newer is not None and newer.index > first.index


def test_stop_keeps_the_last_frame_and_reports_stopped(camera_open, camera_wait):
    cam = camera_open("synthetic:?fps=60&w=64&h=48")
    camera_wait(cam.latest, "a frame")
    cam.stop()
    assert cam.state is S.STOPPED
    assert cam.latest() is not None
    assert not [t for t in threading.enumerate() if t.name.startswith("synthetic-")]


def _write_images(folder: Path, n: int) -> list[np.ndarray]:
    images = []
    for k in range(n):
        image = np.full((48, 64, 3), 40 * (k + 1), np.uint8)
        cv2.imwrite(str(folder / f"img{k}.png"), image)
        images.append(image)
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    return images


def test_folder_cycles_its_images_and_skips_junk(camera_open, camera_wait, tmp_path):
    images = _write_images(tmp_path, 3)
    cam = camera_open(f"folder:{tmp_path}?fps=100")
    seen: set[int] = set()

    def all_seen() -> bool:
        frame = cam.latest()
        if frame is not None:
            seen.add(int(frame.image[0, 0, 0]))
        return len(seen) == 3

    camera_wait(all_seen, "every image of the folder")
    assert seen == {int(i[0, 0, 0]) for i in images}


def test_missing_folder_fails_and_says_why(camera_open, camera_states, tmp_path):
    log = camera_states()
    cam = camera_open(f"folder:{tmp_path / 'nope'}", start=False, fail_after=2)
    cam.on_state(log)
    cam.start()
    log.wait_seen(S.STARTING, S.REOPENING, S.FAILED)
    assert "does not exist" in (cam.last_error or "")


def _write_video(path: Path, n: int, fps: float = 50.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    assert writer.isOpened()
    for k in range(n):
        writer.write(np.full((48, 64, 3), 20 + 10 * k, np.uint8))
    writer.release()


def test_file_plays_to_its_end(camera_open, camera_states, camera_wait, tmp_path):
    video = tmp_path / "clip.avi"
    _write_video(video, 8)
    log = camera_states()
    cam = camera_open(f"file:{video}", start=False, stall_timeout_s=5.0)
    cam.on_state(log)
    cam.start()
    log.wait_seen(S.LIVE, S.ENDED)
    assert cam.latest().index == 7  # every frame delivered once, then the end


def test_file_loops_when_asked(camera_open, camera_wait, tmp_path):
    video = tmp_path / "clip.avi"
    _write_video(video, 5)
    cam = camera_open(f"file:{video}?loop=1")
    camera_wait(lambda: (f := cam.latest()) and f.index >= 12, "frames past the end of the file")
    assert cam.state is S.LIVE


def test_synthetic_stall_is_detected_and_recovered(camera_open, camera_states, camera_wait):
    log = camera_states()
    cam = camera_open("synthetic:?fps=60&w=64&h=48&stall_after=10&stall=repeat", start=False)
    cam.on_state(log)
    cam.start()
    log.wait_seen(S.LIVE, S.STALLED, S.REOPENING, S.LIVE)
    stalled_at = cam.latest().index
    camera_wait(lambda: cam.latest().index > stalled_at + 3, "frames after the reopen")
    assert cam.stats().reopen_count >= 1


@pytest.mark.parametrize("mode", ["repeat", "block", "fail"])
def test_device_unplug_and_replug(mode, camera_open, camera_webcam, camera_states, camera_wait):
    webcam = camera_webcam(mode=mode)
    log = camera_states()
    cam = camera_open("device:0", start=False, video_capture_factory=webcam, fail_after=2)
    cam.on_state(log)
    cam.start()
    log.wait_seen(S.STARTING, S.LIVE)
    webcam.plugged = False
    pos = log.wait_seen(S.STALLED, S.REOPENING, S.FAILED)
    assert cam.stats().last_frame_age_s >= cam.stall_timeout_s
    unplugged_at = cam.latest().index
    opens = webcam.opens
    camera_wait(lambda: webcam.opens > opens + 1, "retries while failed")
    webcam.plugged = True
    log.wait_seen(S.LIVE, start=pos)
    camera_wait(lambda: cam.latest().index > unplugged_at + 3, "new frames after the replug")
    # Every capture but the live one was released.
    assert all(c._released.is_set() for c in webcam.captures[:-1])


def test_device_that_never_opens_fails(camera_open, camera_webcam, camera_states):
    webcam = camera_webcam()
    webcam.plugged = False
    log = camera_states()
    cam = camera_open("device:/dev/video9", start=False, video_capture_factory=webcam,
                      fail_after=3)
    cam.on_state(log)
    cam.start()
    log.wait_seen(S.FAILED)
    assert S.LIVE not in log.snapshot()
    assert "cannot be opened" in cam.last_error


def test_a_failing_state_callback_does_not_stop_the_camera(camera_open, camera_wait):
    cam = camera_open("synthetic:?fps=60&w=64&h=48", start=False)

    def broken(old: CameraState, new: CameraState) -> None:
        raise RuntimeError("listener bug")

    cam.on_state(broken)
    cam.start()
    camera_wait(lambda: cam.state is S.LIVE, "LIVE despite the listener")


def test_unsubscribe(camera_open, camera_states, camera_wait):
    log = camera_states()
    cam = camera_open("synthetic:?fps=60&w=64&h=48", start=False)
    remove = cam.on_state(log)
    remove()
    cam.start()
    camera_wait(lambda: cam.state is S.LIVE, "LIVE")
    assert log.snapshot() == []


def test_register_scheme_plugs_in_a_source(camera_open, camera_wait):
    from drivers.camera_sources import PacedCapture

    def demo(target: str, params: dict[str, str], **options) -> CameraSource:
        colour = int(params.get("v", "7"))
        return CameraSource(
            lambda: PacedCapture(lambda i, t: np.full((8, 8, 3), colour, np.uint8), 60),
            name=f"demo:{target}", detect_duplicates=False, **options)

    register_scheme("demo_test", demo)
    cam = camera_open("demo_test:actor?v=9")
    frame = camera_wait(cam.latest, "a frame from the plugged-in scheme")
    assert frame.image[0, 0, 0] == 9


@pytest.mark.parametrize("url, part", [
    ("", "no scheme"),
    ("nonsense", "no scheme"),
    ("warp:1", "unknown camera scheme"),
    ("synthetic:?fps=abc", "not a number"),
    ("synthetic:?fps=0", "outside"),
    ("synthetic:?w=-5", "outside"),
    ("synthetic:?stall=explode", "expected repeat"),
    ("folder:/tmp?fps=1e9", "outside"),
])
def test_bad_urls_raise_camera_error(url, part):
    with pytest.raises(CameraError) as info:
        open_camera(url)
    assert part in str(info.value)
    assert info.value.reason is Reason.CONFIG_INVALID


def test_unknown_option_is_refused():
    with pytest.raises(CameraError, match="unknown camera option"):
        open_camera("synthetic:", stall_timeot_s=1)


@pytest.mark.parametrize("url, expected", [
    ("device:0", ("device", "0", {})),
    ("device:", ("device", "", {})),
    ("device:/dev/video0?w=640&h=480", ("device", "/dev/video0", {"w": "640", "h": "480"})),
    ("device:rtsp://cam.local/live?token=a&b=c", ("device", "rtsp://cam.local/live?token=a&b=c", {})),
    ("file:/media/clip.mp4?loop=1", ("file", "/media/clip.mp4", {"loop": "1"})),
    ("synthetic:", ("synthetic", "", {})),
])
def test_split_url(url, expected):
    assert split_url(url) == expected
