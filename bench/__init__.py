"""Evaluation and benchmarks: ``kiosk bench <name>`` runs ``bench/<name>.py``.

``evaluation.py`` is the liveness evaluation set (synthetic members and
attackers, APCER/BPCER); the others measure start-up, the lift link, QR
decoding, the backend and the selfie under load. They start real parts (the
backend in its own process, the simulator, the demo), so this package sits
above the core, the backend and sim/; nothing in the product imports it.
"""
