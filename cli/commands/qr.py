"""``kiosk decode-qr FILE...``: one JSON line per image, never a traceback.

``{"file": ..., "text": <decoded text or null>, "ms": <decode time>}``; a file
that is missing, unreadable or not an image has ``"text": null`` and an
``"error"``. A code that is in view but unreadable adds ``"seen": true`` and
the ``"hint"`` the scan screen would show. Exit status as ``verify-face``:
2 when a file could not be read as an image (missing, unreadable, not an
image), else 1 with ``--strict`` if some image gave no text, else 0.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

# Bigger than any camera still; reading a huge file by mistake must not hang the CLI.
MAX_FILE_BYTES = 64 * 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decode-qr", help="decode QR codes in image files (JSON lines)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 if any file gave no decoded text")
    p.set_defaults(func=main)


def decode_file(path: str, decoder: Any) -> dict[str, Any]:
    import cv2
    import numpy as np

    out: dict[str, Any] = {"file": path, "text": None, "ms": None}
    p = Path(path)
    try:
        if not p.exists():
            out["error"] = "no such file"
            return out
        if not p.is_file():
            out["error"] = "not a regular file"
            return out
        if p.stat().st_size > MAX_FILE_BYTES:
            out["error"] = f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            return out
        data = np.frombuffer(p.read_bytes(), dtype=np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
        if image is None or image.size == 0:
            out["error"] = "not an image (or a format OpenCV cannot read)"
            return out
        result = decoder.decode(image)
    except Exception as exc:  # noqa: BLE001 - one bad file must not end the batch
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    out["text"] = result.text
    out["ms"] = round(result.ms, 2)
    if result.text is None and result.seen:
        out["seen"] = True
        out["hint"] = result.hint.value if result.hint else None
    return out


def main(args: argparse.Namespace) -> int:
    from vision.qr import QrDecoder

    decoder = QrDecoder(track=False)  # files are unrelated: no region tracking
    missed = unreadable = 0
    for path in args.files:
        line = decode_file(path, decoder)
        unreadable += "error" in line
        missed += line["text"] is None
        print(json.dumps(line, ensure_ascii=False), flush=True)
    if unreadable:
        return 2  # the input was wrong, not the code in it: as verify-face says
    return 1 if args.strict and missed else 0

