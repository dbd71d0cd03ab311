"""The QR decoder on generated scenes (rates, never times), hints, tracking, scenes."""

from __future__ import annotations

import numpy as np
import pytest
import segno
from passgen import key_from_seed, sign_pass

from bench.qr import baselines
from common.errors import PassError, Reason
from kiosk.passes import parse_pass, verify_pass
from vision.qr import QrDecoder, ScanHint
from vision.qr_locate import diagnose, has_finders, locate
from vision.synth import scenes as S

PRIVATE, PUBLIC = key_from_seed(b"scan-qr-tests")


def _rates(corpus, decode) -> tuple[float, float]:
    ok = np.array([decode(s.image) == s.text for s in corpus])
    hard = np.array([S.is_hard(s) for s in corpus])
    return float(ok.mean()), float(ok[hard].mean())


def test_corpus_decoded_at_the_target_rate(scan_corpus, scan_decoder):
    rate, rate_hard = _rates(scan_corpus, lambda im: scan_decoder.decode(im).text)
    # Measured 0.675 overall, 1.0 easy, 0.35 hard (seed 5, 40 scenes); floors keep margin.
    assert rate >= 0.6
    easy = [s for s in scan_corpus if not S.is_hard(s)]
    assert np.mean([scan_decoder.decode(s.image).text == s.text for s in easy]) >= 0.9
    # The target: at least the best baseline's rate on the hard half (zxing here).
    _, zxing_hard = _rates(scan_corpus, baselines()["zxing"])
    assert rate_hard >= zxing_hard


def test_a_real_signed_pass_round_trips_through_the_camera_scene(scan_decoder):
    text = sign_pass(PRIVATE, tower="T1", member="M-42", model="EX30", expires_s=2_000_000_000)
    image = S.render_phone_scene(text, np.random.default_rng(3))
    result = scan_decoder.decode(image)
    assert result.text == text and not result.seen and result.hint is None
    assert result.quad is not None and result.quad.shape == (4, 2)
    assert verify_pass(result.text, PUBLIC, "T1", 1_900_000_000).member_id == "M-42"


@pytest.mark.parametrize("seed", range(6))
def test_mild_preset_always_decodes(seed, scan_decoder):
    rng = np.random.default_rng(seed)
    text = S.sample_pass_text(rng)
    assert scan_decoder.decode(S.render_phone_scene(text, rng)).text == text


def test_decoded_quad_matches_the_ground_truth(scan_decoder):
    scene = S.render_scene("towerpass:v1;quad", S.MILD, np.random.default_rng(1))
    quad = scan_decoder.decode(scene.image).quad
    # zxing's corners are the code's own, the scene's include the quiet zone (4 modules).
    centre_error = np.linalg.norm(quad.mean(axis=0) - scene.quad.mean(axis=0))
    assert centre_error < 10


@pytest.mark.parametrize("content, reason", [
    ("https://example.com/member/1", Reason.QR_NOT_A_PASS),
    ("WIFI:T:WPA;S:lobby;P:secret;;", Reason.QR_NOT_A_PASS),
    ("towerpass:v1;t=T1;m=M1", Reason.PASS_INVALID),
])
def test_foreign_codes_decode_and_are_rejected_as_passes(content, reason, scan_decoder):
    result = scan_decoder.decode(S.render_phone_scene(content, np.random.default_rng(0)))
    assert result.text == content
    with pytest.raises(PassError) as info:
        verify_pass(result.text, PUBLIC, "T1", 1_900_000_000)
    assert info.value.reason is reason


def test_binary_junk_code_is_not_a_pass(scan_decoder, monkeypatch):
    junk = bytes(range(256))[::-1][:90]
    matrix = np.pad(np.array(segno.make(junk, error="m", micro=False).matrix, np.uint8), 4)
    monkeypatch.setattr(S, "qr_matrix", lambda text: matrix)
    S._phone_raster.cache_clear()
    try:
        result = scan_decoder.decode(S.render_phone_scene("junk", np.random.default_rng(0)))
    finally:
        S._phone_raster.cache_clear()
    assert result.raw == junk
    with pytest.raises(PassError) as info:
        parse_pass(result.raw)
    assert info.value.reason is Reason.QR_NOT_A_PASS


def test_empty_lobby_is_nothing(scan_decoder):
    result = scan_decoder.decode(S.lobby_background(2).copy())
    assert result.text is None and not result.seen and result.hint is None and result.quad is None
    assert result.ms >= 0


def test_grey_input_is_accepted(scan_decoder):
    import cv2

    image = S.render_phone_scene("towerpass:v1;grey", np.random.default_rng(0))
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert scan_decoder.decode(gray).text == "towerpass:v1;grey"


def test_tracking_reads_the_next_frame_from_the_last_region():
    decoder = QrDecoder(budget_ms=1e9, track=True)
    rng = np.random.default_rng(0)
    text = "towerpass:v1;tracked"
    first = decoder.decode(S.render_phone_scene(text, rng))
    assert first.text == text and decoder._roi is not None
    moved = S.render_phone_scene(text, rng, center=(0.53, 0.5), roll_deg=8.0)
    assert decoder.decode(moved).text == text
    decoder.reset()
    assert decoder._roi is None


def test_a_code_that_cannot_be_read_is_seen_with_a_hint(scan_decoder):
    # Far away and smeared: the finder patterns survive, the modules do not.
    scene = S.render_scene("towerpass:v1;" + "x" * 140,
                           S.SceneParams(module_px=3.0, motion_px=7.0, noise_sigma=2.0),
                           np.random.default_rng(0))
    result = scan_decoder.decode(scene.image)
    assert result.text is None
    assert result.seen and isinstance(result.hint, ScanHint)
    assert result.quad is not None


def _square(cx: float, cy: float, side: float) -> np.ndarray:
    h = side / 2
    return np.float32([[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h]])


@pytest.mark.parametrize("quad, fill, hint", [
    (_square(640, 360, 700), None, ScanHint.TOO_CLOSE),
    (_square(40, 360, 200), None, ScanHint.PARTIAL),
    (_square(640, 360, 80), None, ScanHint.TOO_FAR),
    (np.float32([[500, 300], [700, 340], [700, 420], [500, 460]]), None, ScanHint.TILT),
    (_square(640, 360, 240), "glare", ScanHint.GLARE),
    (_square(640, 360, 240), "dim", ScanHint.LOW_CONTRAST),
    (_square(640, 360, 240), "texture", ScanHint.BLUR),
])
def test_diagnose(quad, fill, hint):
    gray = np.full((720, 1280), 128, np.uint8)
    x0, y0 = quad.min(axis=0).astype(int)
    x1, y1 = quad.max(axis=0).astype(int)
    patch = (np.indices((y1 - y0, x1 - x0)).sum(axis=0) // 6 % 2).astype(np.uint8)
    if fill == "glare":
        gray[y0:y1, x0:x1] = np.where(patch, 20, 255)
        gray[y0:y0 + (y1 - y0) // 2, x0:x1] = 255
    elif fill == "dim":
        gray[y0:y1, x0:x1] = np.where(patch, 100, 130)
    elif fill == "texture":
        gray[y0:y1, x0:x1] = np.where(patch, 20, 230)
    assert diagnose(gray, quad) is hint


def test_locator_finds_the_code_and_finders_confirm_it(scan_corpus):
    import cv2

    for scene in scan_corpus[::5]:
        gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
        cx, cy = scene.quad.mean(axis=0)
        boxes = [c.box for c in locate(gray)]
        assert any(x <= cx <= x + w and y <= cy <= y + h for x, y, w, h in boxes)
    # Posters, windows and a checkered sign are textured but have no finder patterns.
    for variant in range(6):
        gray = cv2.cvtColor(S.lobby_background(variant).copy(), cv2.COLOR_BGR2GRAY)
        assert not any(has_finders(gray, c.box) for c in locate(gray))


def test_scenes_are_deterministic_and_well_formed():
    a = S.build_corpus(3, seed=9)
    b = S.build_corpus(3, seed=9)
    for x, y in zip(a, b, strict=True):
        assert x.text == y.text and x.params == y.params
        assert np.array_equal(x.image, y.image)
        assert x.image.shape == (S.FRAME_H, S.FRAME_W, 3) and x.image.dtype == np.uint8
        lo, hi = x.quad.min(axis=0), x.quad.max(axis=0)
        assert lo.min() >= 0 and hi[0] <= S.FRAME_W and hi[1] <= S.FRAME_H
    assert [round(s.params.difficulty, 3) for s in a] == [0.167, 0.5, 0.833]


def test_phone_scene_on_a_given_background():
    background = np.zeros((360, 640, 3), np.uint8)
    image = S.render_phone_scene("towerpass:v1;bg", np.random.default_rng(0),
                                 background=background, noise_sigma=0.0)
    assert image.shape == (S.FRAME_H, S.FRAME_W, 3)
    assert image[0, 0].tolist() == [0, 0, 0]  # the given frame, not a lobby
    assert background.max() == 0  # the caller's frame is not drawn on


def test_random_params_get_harder():
    rng = np.random.default_rng(0)
    easy = [S.random_params(rng, 0.0) for _ in range(50)]
    hard = [S.random_params(rng, 1.0) for _ in range(50)]
    assert np.mean([len(p.tags) for p in hard]) > np.mean([len(p.tags) for p in easy]) + 1
    assert np.mean([p.module_px for p in hard]) < np.mean([p.module_px for p in easy])
