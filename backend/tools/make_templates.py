"""Compute the demo members' 128-d face templates ONCE and write them to
``backend/seed_templates.json`` (committed; the photos are not).

    .venv/bin/python -m backend.tools.make_templates [--faces ../shared/faces]

- ``astronaut``: scikit-image's astronaut photo, the demo's cooperative face;
- ``other_person``: ``obama.jpg`` from the shared test photos, enrolled for
  ``demo-face`` so the cooperative face is refused with FACE_MISMATCH.

Seeding only reads the JSON: face_recognition is never imported at run time.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "seed_templates.json"


def _encode(image) -> list[float]:
    import face_recognition

    boxes = face_recognition.face_locations(image, number_of_times_to_upsample=1)
    if not boxes:
        raise SystemExit("no face found")
    # The largest face is the person (the astronaut's suit patch can look like one).
    top, right, bottom, left = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
    (vec,) = face_recognition.face_encodings(image, [(top, right, bottom, left)],
                                             num_jitters=10)
    return [round(float(x), 8) for x in vec]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", default=str(Path(__file__).resolve().parents[3] / "shared"
                                           / "faces"))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    import face_recognition
    import skimage.data

    astronaut = _encode(skimage.data.astronaut())
    other = _encode(face_recognition.load_image_file(str(Path(args.faces) / "obama.jpg")))
    data = {"_about": "128-d face_recognition (dlib) templates, num_jitters=10; made by "
                      "backend/tools/make_templates.py",
            "astronaut": astronaut, "other_person": other}
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
