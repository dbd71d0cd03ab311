"""``kiosk check-liveness`` and ``kiosk verify-face``: the selfie checks on files.

``kiosk check-liveness VIDEO --challenges turn_left,blink`` runs the live
flow's LivenessSession over unmirrored camera footage (frame times from the
file's frame rate) with that challenge order. Last line:
``{"live": true|false, "reason": ..., "challenges": [...], ...}``. Exit 0 when
live, 1 when not, 2 when the input is unusable (``"error"`` in the JSON).

``kiosk verify-face ENROLLED_IMAGE PROBE_IMAGE`` embeds the single face of
each image and compares them. Last line: ``{"match": true|false, "distance":
...}``. Exit 0 on a match, 1 on no match, 2 when an image is unreadable or has
no face or several faces (``"error"`` names the image and the reason).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_NO, EXIT_ERROR = 0, 1, 2
MAX_IMAGE_BYTES = 64 * 1024 * 1024
DEFAULT_TOLERANCE = 0.5  # vision.face_embed.DEFAULT_TOLERANCE, without importing dlib


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check-liveness", help="run the liveness checks on a video (JSON)")
    p.add_argument("video", metavar="VIDEO", help="unmirrored camera footage")
    p.add_argument("--challenges", required=True,
                   help="comma-separated order, e.g. turn_left,blink "
                        "(turn_left/turn_right/blink/nod/smile)")
    p.add_argument("--fps", type=float, default=None,
                   help="frame rate to assume (default: the file's, else 25)")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="seconds allowed per challenge (default 6)")
    p.add_argument("--mirrored", action="store_true",
                   help="the footage is mirrored (selfie view): flip it back first")
    p.add_argument("--verbose", action="store_true", help="a JSON line per phase change")
    p.set_defaults(func=check_liveness)

    v = sub.add_parser("verify-face", help="compare the faces of two images (JSON)")
    v.add_argument("enrolled", metavar="ENROLLED_IMAGE")
    v.add_argument("probe", metavar="PROBE_IMAGE")
    v.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE,
                   help=f"largest distance that still matches (default {DEFAULT_TOLERANCE})")
    v.set_defaults(func=verify_face)


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


# -- check-liveness -------------------------------------------------------------
def check_liveness(args: argparse.Namespace) -> int:
    from vision.liveness_actions import parse_challenges

    try:
        challenges = parse_challenges(args.challenges)
    except ValueError as exc:
        _emit({"live": False, "reason": None, "challenges": [], "error": str(exc)})
        return EXIT_ERROR
    names = [c.value for c in challenges]
    path = Path(args.video)
    if not path.is_file():
        _emit({"live": False, "reason": None, "challenges": names,
               "error": f"no such file: {args.video}"})
        return EXIT_ERROR
    try:
        return _run_video(path, challenges, args)
    except Exception as exc:  # noqa: BLE001 - the CLI answers in JSON, never a traceback
        from common.errors import KioskError

        err = exc.to_dict() if isinstance(exc, KioskError) else f"{type(exc).__name__}: {exc}"
        _emit({"live": False, "reason": None, "challenges": names, "error": err})
        return EXIT_ERROR


def _run_video(path: Path, challenges: list[Any], args: argparse.Namespace) -> int:
    import cv2

    from vision.liveness import LivenessConfig, LivenessSession

    names = [c.value for c in challenges]
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        _emit({"live": False, "reason": None, "challenges": names,
               "error": "not a video (or a format OpenCV cannot read)"})
        return EXIT_ERROR
    fps = args.fps or cap.get(cv2.CAP_PROP_FPS)
    if not fps or not math.isfinite(fps) or fps <= 0 or fps > 240:
        fps = 25.0
    config = LivenessConfig() if args.timeout is None else LivenessConfig(
        challenge_timeout_s=args.timeout)
    session = LivenessSession(challenges, config=config)
    update = None
    frames = 0
    last_key = None
    try:
        while True:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            if args.mirrored:
                frame = cv2.flip(frame, 1)
            update = session.feed(frame, frames / fps)
            frames += 1
            if args.verbose:
                key = (update.phase, update.challenge_index, update.done)
                if key != last_key:
                    last_key = key
                    _emit({"t": round((frames - 1) / fps, 3), "phase": update.phase.value,
                           "challenge": update.challenge.value if update.challenge else None,
                           "guidance": update.guidance.value if update.guidance else None})
            if update.done:
                break
    finally:
        cap.release()
        session.clear()
    if frames == 0:
        _emit({"live": False, "reason": None, "challenges": names,
               "error": "the video has no readable frame"})
        return EXIT_ERROR
    out: dict[str, Any] = {"challenges": names, "frames": frames, "fps": round(fps, 3),
                           "seconds": round(frames / fps, 3)}
    if update is not None and update.done:
        out.update(live=bool(update.live), reason=update.reason,
                   passed=update.challenge_index)
    else:
        # The footage ended first: what was shown is not enough to call it live.
        out.update(live=False, reason="video_ended",
                   passed=update.challenge_index if update is not None else 0)
    _emit({"live": out.pop("live"), "reason": out.pop("reason"), **out})
    return EXIT_OK if update is not None and update.live else EXIT_NO


# -- verify-face ----------------------------------------------------------------
def _read_image(path: str) -> Any:
    import cv2
    import numpy as np

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError("no such file")
    if p.stat().st_size > MAX_IMAGE_BYTES:
        raise ValueError(f"file larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    data = np.frombuffer(p.read_bytes(), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None or image.size == 0:
        raise ValueError("not an image (or a format OpenCV cannot read)")
    return image


def verify_face(args: argparse.Namespace) -> int:
    from common.errors import KioskError

    if not (0.0 < args.tolerance < 2.0):
        _emit({"match": None, "distance": None, "error": {"reason": "BAD_ARGUMENT",
               "message": "--tolerance must be between 0 and 2"}})
        return EXIT_ERROR
    embeddings = []
    embedder = None
    for role, path in (("enrolled", args.enrolled), ("probe", args.probe)):
        try:
            image = _read_image(path)
            if embedder is None:
                from vision.face_embed import FaceEmbedder

                embedder = FaceEmbedder()
            embeddings.append(embedder.embed(image))
        except KioskError as exc:
            _emit({"match": None, "distance": None,
                   "error": {"image": role, "file": path, "reason": exc.reason.value,
                             "message": str(exc)}})
            return EXIT_ERROR
        except Exception as exc:  # noqa: BLE001 - unreadable input is an answer, not a crash
            _emit({"match": None, "distance": None,
                   "error": {"image": role, "file": path, "reason": "BAD_IMAGE",
                             "message": str(exc)}})
            return EXIT_ERROR
    from vision.face_embed import distance

    d = distance(embeddings[0], embeddings[1])
    match = d <= args.tolerance
    _emit({"match": match, "distance": round(d, 4), "tolerance": args.tolerance})
    return EXIT_OK if match else EXIT_NO
