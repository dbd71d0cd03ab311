"""The live preview: a mirror for the member, unmirrored coordinates from vision,
and calm notices when the camera has nothing to show."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from ui.camera_view import CameraView, frame_to_qimage


class Source:
    def __init__(self) -> None:
        self.frame = None

    def __call__(self):
        return self.frame

    def show(self, image: np.ndarray, index: int, t_mono: float | None = None) -> None:
        self.frame = SimpleNamespace(image=image, index=index,
                                     t_mono=time.monotonic() if t_mono is None else t_mono)


def _left_red_right_blue() -> np.ndarray:
    img = np.zeros((120, 160, 3), np.uint8)
    img[:, :80] = (0, 0, 255)  # BGR red on the camera's left
    img[:, 80:] = (255, 0, 0)  # blue on its right
    return img


@pytest.fixture
def view(qtbot):
    src = Source()
    v = CameraView(src, guide="none", mirror=True, fps=60)
    v.resize(320, 240)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    yield v, src
    v.stop()


def _colour_at(view: CameraView, x: int, y: int) -> tuple[int, int, int]:
    c = view.grab().toImage().pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def test_preview_is_mirrored_for_the_member(view, qtbot):
    v, src = view
    src.show(_left_red_right_blue(), 1)
    v.start()
    qtbot.waitUntil(lambda: v.frames_painted > 0, timeout=3000)
    r, _, b = _colour_at(v, 60, 120)
    assert b > 200 and r < 50  # the camera's right half appears on the left
    v.mirror = False
    r, _, b = _colour_at(v, 60, 120)
    assert r > 200 and b < 50


def test_vision_coordinates_map_through_the_mirror(view, qtbot):
    v, src = view
    src.show(_left_red_right_blue(), 1)
    v.start()
    qtbot.waitUntil(lambda: v.frames_painted > 0, timeout=3000)
    p = v.to_widget(0, 0)  # the camera's top-left corner...
    assert p.x() == pytest.approx(v.width()) and p.y() == pytest.approx(0)  # ...is top-right
    v.set_quad([(10, 10), (50, 10), (50, 50), (10, 50)])
    v.set_quad("nonsense")  # a malformed quad is ignored, never raised
    v.grab()


def test_only_new_frames_are_converted_and_stop_drops_the_last_frame(view, qtbot):
    v, src = view
    img = _left_red_right_blue()
    src.show(img, 7)
    v.start()
    qtbot.waitUntil(lambda: v.frames_painted > 0, timeout=3000)
    first = v._image
    v._poll()
    assert v._image is first  # same index: no new conversion
    v.stop()
    assert v._image is None and v._array is None and not v.running


@pytest.mark.parametrize("image", [
    np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3), np.float32), "not an image", None,
    np.zeros((10, 10, 3), np.uint8)[:, ::2],  # not contiguous
])
def test_unusable_frames_are_ignored(image):
    assert frame_to_qimage(image) is None


def test_a_stale_frame_shows_the_reconnecting_notice(view, qtbot):
    v, src = view
    src.show(_left_red_right_blue(), 1, t_mono=time.monotonic() - 60)
    v.start()
    qtbot.waitUntil(lambda: v._image is not None, timeout=3000)
    assert v._stalled()
    src.frame = None
    v._poll()
    assert v._image is None  # no camera: "starting the camera" placeholder
