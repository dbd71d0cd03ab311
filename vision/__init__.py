"""Vision: latest-frame worker, QR decoding, scene generation, liveness, faces.

Submodules are imported explicitly (``from vision.qr import QrDecoder``)
so that loading one never pays for another's heavy dependencies (mediapipe,
dlib); keep this file free of imports.
"""
