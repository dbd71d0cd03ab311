"""``kiosk self-test``: load every model, font and driver the configuration uses.

Prints one JSON object ``{component: {"ok": bool, "ms": ..., "reason"/"detail": ...}}``
plus ``version`` and ``build``; exits 0 only if every component is usable.
Without ``--config`` it checks the embedded demo configuration (local backend,
tower simulator, demo camera), so a fresh install can prove itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from common.errors import BackendError, KioskError
from kiosk import __version__


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("self-test", help="check every model, font and driver; JSON; exit 0 if ok")
    p.add_argument("--config", metavar="FILE", help="check this configuration (default: demo)")
    p.set_defaults(func=run)


def assets_dir() -> Path:
    """Where the assets live, from source or inside a PyInstaller bundle."""
    base = getattr(sys, "_MEIPASS", None)
    if base:
        return Path(base) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"


def _check(name: str, fn: Callable[[], Any], results: dict[str, Any]) -> None:
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
    from vision.synth import astronaut_bgr

    faces = facemesh.detect(astronaut_bgr())
    if len(faces) != 1:
        raise KioskError(f"FaceMesh found {len(faces)} faces in the reference photo")
    return {"landmarks": int(len(faces[0].points)) if hasattr(faces[0], "points") else None}


def check_face_embed() -> Any:
    from vision.face_embed import FaceEmbedder
    from vision.synth import astronaut_bgr

    emb = FaceEmbedder().embed(astronaut_bgr())
    if np.asarray(emb).shape != (128,):
        raise KioskError("the face encoder did not return 128 numbers")
    return {"dims": 128}


def check_qr() -> Any:
    from vision.qr import QrDecoder
    from vision.scenes import render_phone_scene

    text = "towerpass:v1;t=T1;m=self-test;p=;e=1;n=0123456789abcdef;s=" + "A" * 86
    got = QrDecoder().decode(render_phone_scene(text)).text
    if got != text:
        raise KioskError("the QR decoder could not read a reference pass")
    return None


def check_fonts_and_translations() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.selfcheck import self_check  # Qt lives in ui/; the CLI may start it

    return self_check()


def run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.logs import setup_logging

    setup_logging(None, "ERROR")
    results: dict[str, Any] = {}
    config = None
    if args.config:
        try:
            config = load_config(args.config)
            results["config"] = {"ok": True, "ms": 0.0}
        except KioskError as err:
            results["config"] = {"ok": False, "reason": err.reason.value, "error": str(err)}
    else:
        results["config"] = {"ok": True, "ms": 0.0, "detail": "embedded demo configuration"}
    _check("fonts_translations", check_fonts_and_translations, results)
    _check("facemesh", check_facemesh, results)
    _check("face_encoder", check_face_embed, results)
    _check("qr_decoder", check_qr, results)
    if results["config"]["ok"]:
        _check_drivers(config, results)
    ok = all(v["ok"] for v in results.values())
    print(json.dumps({"ok": ok, "version": __version__, "build": build_info(),
                      "components": results}, sort_keys=True))
    return 0 if ok else 1


def _check_drivers(config: Any, results: dict[str, Any]) -> None:
    """Open the backend, camera and lift the config names (or the demo's)."""
    import contextlib

    from kiosk.wiring import build_services

    t0 = time.monotonic()
    try:
        cm = build_services(config, demo=config is None)
        services = cm.__enter__()
    except Exception as exc:  # noqa: BLE001 - reported below as a failed component
        err = exc if isinstance(exc, KioskError) else None
        # Opening the parts asks the backend for the pass key when the config
        # has none: a backend that fails there (a certificate not matching the
        # pin, say) is the backend component failing, under its own reason.
        name = "backend" if isinstance(exc, BackendError) else "drivers"
        results[name] = {"ok": False, "ms": round((time.monotonic() - t0) * 1000, 1),
                         "reason": err.reason.value if err else "INTERNAL",
                         "error": f"{type(exc).__name__}: {exc}"}
        return
    with contextlib.ExitStack() as stack:
        stack.push(cm)
        _check("backend", lambda: _backend(services), results)
        _check("lift", lambda: _lift(services), results)
        _check("camera", lambda: _camera(services), results)


def _backend(services: Any) -> Any:
    h = services.backend.health()
    if not h.ok:
        raise KioskError("the backend reports it is not healthy")
    return {"version": h.version}


def _lift(services: Any) -> Any:
    if not services.lift.wait_up(10.0):
        raise KioskError("no lift controller answered", reason=_reason("LIFT_LINK_DOWN"))
    st = services.lift.status()
    return {"state": getattr(getattr(st, "state", None), "value", str(st))}


def _camera(services: Any) -> Any:
    deadline = time.monotonic() + 10.0
    while services.camera.latest() is None:
        if time.monotonic() > deadline:
            raise KioskError("the camera delivered no frame", reason=_reason("CAMERA_UNAVAILABLE"))
        time.sleep(0.05)
    frame = services.camera.latest()
    return {"size": [int(frame.image.shape[1]), int(frame.image.shape[0])]}


def _reason(name: str) -> Any:
    from common.errors import Reason

    return Reason[name]


def build_info() -> dict[str, Any]:
    """Version and build facts: set by the packaging step, else from the checkout."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
    info_file = base / "BUILD_INFO.json"
    if info_file.exists():
        try:
            return json.loads(info_file.read_text())
        except (OSError, json.JSONDecodeError):
            pass
    return {"frozen": bool(getattr(sys, "frozen", False)), "python": sys.version.split()[0]}
