"""``kiosk decode-qr`` and ``kiosk bench qr`` through the real CLI entry."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from cli.main import main
from vision.synth.scenes import render_phone_scene


@pytest.fixture
def scan_files(tmp_path):
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), render_phone_scene("towerpass:v1;cli", np.random.default_rng(0)))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg" * 10)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((120, 160, 3), 200, np.uint8))
    return {"good": good, "junk": junk, "empty": empty, "blank": blank,
            "missing": tmp_path / "missing.png", "dir": tmp_path}


def _lines(capsys) -> list[dict]:
    out = capsys.readouterr().out.strip().splitlines()
    return [json.loads(line) for line in out]


def test_decode_qr_prints_one_json_line_per_file(scan_files, capsys):
    names = ["good", "junk", "empty", "blank", "missing", "dir"]
    rc = main(["decode-qr", *(str(scan_files[n]) for n in names)])
    assert rc == 2  # some files could not be read: the same status as verify-face's
    lines = _lines(capsys)
    assert [line["file"] for line in lines] == [str(scan_files[n]) for n in names]
    good, junk, empty, blank, missing, folder = lines
    assert good["text"] == "towerpass:v1;cli" and good["ms"] > 0 and "error" not in good
    for bad in (junk, empty, missing, folder):
        assert bad["text"] is None and bad["error"]
    assert "no such file" in missing["error"]
    assert blank["text"] is None and "error" not in blank  # an image without a code


def test_decode_qr_strict_exit_status(scan_files, capsys):
    assert main(["decode-qr", "--strict", str(scan_files["good"])]) == 0
    assert main(["decode-qr", "--strict", str(scan_files["good"]), str(scan_files["blank"])]) == 1
    assert main(["decode-qr", str(scan_files["good"]), str(scan_files["blank"])]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("bad", ["missing", "junk", "empty", "dir"])
def test_decode_qr_exits_2_when_a_file_cannot_be_read_like_verify_face(scan_files, capsys, bad):
    """#15: decode-qr exited 0 for a missing file while verify-face exits 2."""
    assert main(["decode-qr", str(scan_files["good"]), str(scan_files[bad])]) == 2
    assert main(["verify-face", str(scan_files[bad]), str(scan_files["good"])]) == 2
    capsys.readouterr()


def test_bench_qr_reports_every_decoder(capsys):
    rc = main(["bench", "qr", "--scenes", "4", "--runs", "1"])
    assert rc == 0
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert set(result) == {"opencv", "opencv_aruco", "zxing", "ours"}
    for figures in result.values():
        assert {"rate", "rate_hard", "median_ms"} <= set(figures)
        assert 0.0 <= figures["rate"] <= 1.0 and figures["median_ms"] > 0
    assert any(line.startswith("decoder") for line in out[:-1])  # the table came first
