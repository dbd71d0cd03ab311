"""#15: start-up flooded the terminal with mediapipe/absl/TFLite lines and
``libpng warning: iCCP``. The native chatter goes to the log at DEBUG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.native_log import split_chatter
from vision.synth.face import png_without_iccp

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("line,chatter", [
    ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", True),
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
     True),
    ("W0000 00:00:1796412808.230442   21290 inference_feedback_manager.cc:114] Feedback", True),
    ("I0000 00:00:1796412808.230442   21290 gl_context.cc:357] GL version", True),
    ("libpng warning: iCCP: known incorrect sRGB profile", True),
    ("Traceback (most recent call last):", False),
    ("WARNING: something of ours", False),
    ("kiosk run: bad configuration", False),
])
def test_only_known_native_chatter_is_taken_off_the_terminal(line, chatter):
    assert split_chatter(line) == (([line], []) if chatter else ([], [line]))


def test_loading_the_models_and_the_demo_member_prints_nothing():
    code = ("import logging, vision.facemesh as f; from vision.synth.face import astronaut_bgr\n"
            "logging.basicConfig(level=logging.WARNING)\n"
            "astronaut_bgr(); f.warm_up(); f.detect(astronaut_bgr()); print('ok')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert done.stderr == ""


def test_png_without_iccp_keeps_the_pixels():
    import cv2
    import numpy as np

    ok, png = cv2.imencode(".png", np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    data = png.tobytes()
    chunk = (len(b"x\x00junk").to_bytes(4, "big") + b"iCCP" + b"x\x00junk" + b"\x00" * 4)
    with_profile = data[:33] + chunk + data[33:]  # after the 8-byte signature + IHDR
    assert png_without_iccp(with_profile) == data
    assert png_without_iccp(b"not a png") == b"not a png"
    assert png_without_iccp(with_profile[:40]) == with_profile[:40]  # truncated: untouched
