"""One OpenBLAS thread in every process that runs vision (issue #19).

numpy's bundled OpenBLAS starts a worker thread per core and hands parts of
BLAS/LAPACK calls to them, then waits for them. Vision makes many tiny such
calls per frame (3x3 poses and 45x2 SVDs in the liveness checks, a batch of
affine solves per rendered synthetic frame) that gain nothing from a second
thread. On a busy machine the helper is often not running when it is handed
work, and the caller waits for the scheduler to give it a turn. Measured on
this 2-core machine beside two busy-loop processes: a 15 ms synthetic frame
took 3.9 s (median; 3 frames in 8 s), so the demo camera delivered 1-2
frames a second with gaps of 2-8 s (the kiosk sat idle, 0.1 of a core,
waiting for them), and ``LivenessSession.feed`` ran at 17 frames a second
instead of 42; with one OpenBLAS thread: 26-37 ms a synthetic frame, and the
kiosk analysed 16-20 frames a second.

``limit_blas_threads()`` runs when the package is imported (``vision/__init__``),
so the kiosk, the backend's judge workers and the camera process all get it
whatever they import first: it sets ``OPENBLAS_NUM_THREADS`` for numpy loaded
later and for child processes, and tells an OpenBLAS already loaded. An
operator's own ``OPENBLAS_NUM_THREADS`` is kept.
"""

from __future__ import annotations

import ctypes
import os

ENV = "OPENBLAS_NUM_THREADS"
# The setter's name in numpy's own build (64-bit ints: "64_"), plain builds
# and scipy-openblas wheels.
_SETTERS = ("openblas_set_num_threads64_", "openblas_set_num_threads",
            "scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads")
_done: int | None = None


def _loaded_openblas() -> list[str]:
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:  # not Linux: the environment variable is all we can do
        return []
    return sorted(p for p in paths if p.startswith("/"))


def limit_blas_threads(n: int = 1) -> int:
    """Use ``n`` OpenBLAS threads (or the operator's ``OPENBLAS_NUM_THREADS``).

    Returns how many OpenBLAS libraries already loaded were told."""
    global _done
    os.environ.setdefault(ENV, str(n))
    try:
        n = max(1, int(os.environ[ENV]))
    except ValueError:
        pass
    if _done == n:
        return 0
    told = 0
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in _SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(n)
                told += 1
                break
    if told:
        _done = n
    return told


def blas_threads() -> int | None:
    """How many threads the loaded OpenBLAS uses (None: none loaded)."""
    for path in _loaded_openblas():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("openblas_get_num_threads64_", "openblas_get_num_threads",
                     "scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads"):
            getter = getattr(lib, name, None)
            if getter is not None:
                return int(getter())
    return None
