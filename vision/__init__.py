"""Vision: latest-frame worker, QR decoding, scene generation, liveness, faces.

Submodules are imported explicitly (``from vision.qr import QrDecoder``)
so that loading one never pays for another's heavy dependencies (mediapipe,
dlib); keep this file free of heavy imports.

The one thing done here: every process that runs vision uses a single
OpenBLAS thread (``vision.native``: on a busy machine its helper threads
froze the kiosk for seconds, issue #19).
"""

from vision.native import limit_blas_threads

limit_blas_threads()
