"""``kiosk self-test``: load every model, font and driver the configuration uses.

The checks are kiosk/selftest.py's (the staff console runs them too); this
command adds the one that needs Qt (fonts and translations) and the parts the
configuration names.

Prints one JSON object ``{component: {"ok": bool, "ms": ..., "reason"/"detail": ...}}``
plus ``version`` and ``build``; exits 0 only if every component is usable.
Without ``--config`` it checks the embedded demo configuration (local backend,
tower simulator, demo camera), so a fresh install can prove itself.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

from common.errors import BackendError, KioskError
from kiosk import __version__
from kiosk.selftest import (
    build_info,
    check,
    check_face_embed,
    check_facemesh,
    check_qr,
    check_running_parts,
    check_speech,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("self-test", help="check every model, font and driver; JSON; exit 0 if ok")
    p.add_argument("--config", metavar="FILE", help="check this configuration (default: demo)")
    p.set_defaults(func=run)


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
    check("fonts_translations", check_fonts_and_translations, results)
    check("facemesh", check_facemesh, results)
    check("face_encoder", check_face_embed, results)
    check("qr_decoder", check_qr, results)
    check("speech", lambda: check_speech(config, strict=config is not None), results)
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
    parts = contextlib.ExitStack()
    try:
        demo_stack = None
        if config is None:
            from sim.demo import DemoStack

            demo_stack = parts.enter_context(DemoStack())
        services = parts.enter_context(build_services(config, demo_stack=demo_stack))
    except Exception as exc:  # noqa: BLE001 - reported below as a failed component
        err = exc if isinstance(exc, KioskError) else None
        # Opening the parts asks the backend for the pass key when the config
        # has none: a backend that fails there (a certificate not matching the
        # pin, say) is the backend component failing, under its own reason.
        name = "backend" if isinstance(exc, BackendError) else "drivers"
        results[name] = {"ok": False, "ms": round((time.monotonic() - t0) * 1000, 1),
                         "reason": err.reason.value if err else "INTERNAL",
                         "error": f"{type(exc).__name__}: {exc}"}
        parts.close()
        return
    with parts:
        check_running_parts(services, results)
