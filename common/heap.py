"""Give freed heap memory back to the system (glibc), for processes that run
for months: the kiosk.

The soak (issue #16) saw a kiosk's RSS climb 5-6 MB a journey for a dozen
journeys at a time, then fall back by tens of MB on its own, while Python's
own allocations (tracemalloc, journey to journey) stayed flat within a few KB.
That is the C allocator holding memory the program has already freed: numpy
frames, mediapipe and OpenCV buffers are allocated and freed by several
threads (camera reader, vision worker, HTTP pool), each with its own glibc
arena, and a freed block inside an arena stays in the process until glibc
decides to trim. Attached to such a kiosk, ``malloc_trim(0)`` returned 33 MB
at once.

So the kiosk (1) allows two arenas at most, before its threads start, which
bounds how much freed memory can sit in per-thread arenas, and (2) trims the
heap when a journey ends. Both are glibc calls; elsewhere they do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)
_libc: ctypes.CDLL | None = None
_looked = False


def _glibc() -> ctypes.CDLL | None:
    global _libc, _looked
    if not _looked:
        _looked = True
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
        except OSError:
            lib = None
        # musl, macOS and Windows have no malloc_trim: nothing to do there.
        if lib is not None and hasattr(lib, "malloc_trim") and hasattr(lib, "mallopt"):
            lib.malloc_trim.argtypes, lib.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
            lib.mallopt.argtypes, lib.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _libc = lib
    return _libc


def limit_arenas(count: int = 2) -> bool:
    """At most ``count`` malloc arenas for threads created from now on; True if set."""
    lib = _glibc()
    return bool(lib is not None and lib.mallopt(M_ARENA_MAX, int(count)) == 1)


def trim() -> bool:
    """Return free heap pages to the system; True if any memory was released."""
    lib = _glibc()
    return bool(lib is not None and lib.malloc_trim(0) == 1)
