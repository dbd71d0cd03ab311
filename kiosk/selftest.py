"""The self-test's checks that need no screen: models, decoder, the running parts.

``kiosk self-test`` (cli/commands/selftest.py) runs them at the command line,
with the font check that needs Qt; the staff console's health page runs them
on the kiosk's own running parts (``running_parts``). Each check returns a
detail (or None) and raises ``KioskError`` with a reason when the part is not
usable; ``check`` turns that into one JSON-able entry.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import KioskError, Reason
from kiosk import __version__


def check(name: str, fn: Callable[[], Any], results: dict[str, Any]) -> None:
    """Run one check into ``results[name]``: ok, detail or reason, milliseconds."""
    t0 = time.monotonic()
    try:
        detail = fn()
        entry: dict[str, Any] = {"ok": True}
        if detail is not None:
            entry["detail"] = detail
    except KioskError as err:
        entry = {"ok": False, "reason": err.reason.value, "error": str(err)}
    except Exception as exc:  # noqa: BLE001 - self-test reports, never crashes
        entry = {"ok": False, "reason": "INTERNAL", "error": f"{type(exc).__name__}: {exc}"}
    entry["ms"] = round((time.monotonic() - t0) * 1000, 1)
    results[name] = entry


def check_facemesh() -> Any:
    from vision import facemesh
    from vision.synth.face import astronaut_bgr

    faces = facemesh.detect(astronaut_bgr())
    if len(faces) != 1:
        raise KioskError(f"FaceMesh found {len(faces)} faces in the reference photo")
    return {"landmarks": int(len(faces[0].points)) if hasattr(faces[0], "points") else None}


def check_face_embed() -> Any:
    from vision.face_embed import FaceEmbedder
    from vision.synth.face import astronaut_bgr

    emb = FaceEmbedder().embed(astronaut_bgr())
    if np.asarray(emb).shape != (128,):
        raise KioskError("the face encoder did not return 128 numbers")
    return {"dims": 128}


def check_qr() -> Any:
    from vision.qr import QrDecoder
    from vision.synth.scenes import render_phone_scene

    text = "towerpass:v1;t=T1;m=self-test;p=;e=1;n=0123456789abcdef;s=" + "A" * 86
    got = QrDecoder().decode(render_phone_scene(text)).text
    if got != text:
        raise KioskError("the QR decoder could not read a reference pass")
    return None


def check_backend(services: Any) -> Any:
    h = services.backend.health()
    if not h.ok:
        raise KioskError("the backend reports it is not healthy")
    return {"version": h.version}


def check_lift(services: Any) -> Any:
    if not services.lift.wait_up(10.0):
        raise KioskError("no lift controller answered", reason=Reason.LIFT_LINK_DOWN)
    st = services.lift.status()
    return {"state": getattr(getattr(st, "state", None), "value", str(st))}


def check_camera(services: Any) -> Any:
    deadline = time.monotonic() + 10.0
    while services.camera.latest() is None:
        if time.monotonic() > deadline:
            raise KioskError("the camera delivered no frame", reason=Reason.CAMERA_UNAVAILABLE)
        time.sleep(0.05)
    frame = services.camera.latest()
    return {"size": [int(frame.image.shape[1]), int(frame.image.shape[0])]}


def check_speech(config: Any, strict: bool = True) -> Any:
    """The Read aloud engine the config names: engine, version, a voice per
    language, or missing. A kiosk configured for speech (``strict``) fails
    without it; the embedded demo configuration only reports it, since the
    engine is an optional Debian package (apt-get install espeak-ng)."""
    from drivers.speech import SpeechStatus, open_speaker

    url = getattr(getattr(config, "speech", None), "url", "espeak-ng:")
    info = open_speaker(url).info()
    detail = {"url": url, **info.to_dict()}
    if strict and info.status not in (SpeechStatus.READY, SpeechStatus.DISABLED):
        raise KioskError(f"text-to-speech {info.status.value}: {json.dumps(detail)} "
                         "(Debian: apt-get install espeak-ng, or [speech] url = \"none:\")",
                         reason=Reason.CONFIG_INVALID)
    return detail


def check_running_parts(services: Any, results: dict[str, Any]) -> None:
    """The backend, lift and camera a kiosk has open."""
    check("backend", lambda: check_backend(services), results)
    check("lift", lambda: check_lift(services), results)
    check("camera", lambda: check_camera(services), results)


def running_parts(services: Any) -> dict[str, Any]:
    """The self-test on a running kiosk's parts, for the staff console (the font
    check needs the GUI thread and ran at start-up)."""
    results: dict[str, Any] = {}
    check("facemesh", check_facemesh, results)
    check("face_encoder", check_face_embed, results)
    check("qr_decoder", check_qr, results)
    check("speech", lambda: check_speech(services.config), results)
    check_running_parts(services, results)
    return {"ok": all(v["ok"] for v in results.values()), "version": __version__,
            "build": build_info(), "components": results}


def build_info() -> dict[str, Any]:
    """Version and build facts: set by the packaging step, else from the checkout."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1]))
    info_file = base / "BUILD_INFO.json"
    if info_file.exists():
        try:
            return json.loads(info_file.read_text())
        except (OSError, json.JSONDecodeError):
            pass
    return {"frozen": bool(getattr(sys, "frozen", False)), "python": sys.version.split()[0]}
