"""Compute the demo members' 128-d face templates ONCE and write them to
``backend/seed_templates.json`` (committed; the photos are not).

    .venv/bin/python -m backend.tools.make_templates [--faces ../shared/faces]

- ``astronaut``: scikit-image's astronaut photo, the demo's cooperative face;
- ``other_person``: ``obama.jpg`` from the shared test photos, enrolled for
  ``demo-face`` so the cooperative face is refused with FACE_MISMATCH.

The templates come from the enrolment code (``backend.enroll``, the same as
``kiosk-backend enroll``); seeding only reads the JSON, because the shared
photos may not be in the repository.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "seed_templates.json"


def _encode(image_bgr) -> list[float]:
    from backend.enroll import template_from_image

    return template_from_image(image_bgr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", default=str(Path(__file__).resolve().parents[3] / "shared"
                                           / "faces"))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    import cv2

    from vision.synth.face import astronaut_bgr

    astronaut = _encode(astronaut_bgr())
    other = _encode(cv2.imread(str(Path(args.faces) / "obama.jpg"), cv2.IMREAD_COLOR))
    data = {"_about": "128-d dlib templates, num_jitters=10; made by backend.enroll "
                      "(backend/tools/make_templates.py)",
            "astronaut": astronaut, "other_person": other}
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
