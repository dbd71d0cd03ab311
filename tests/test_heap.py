"""common/heap.py: the glibc calls that give freed memory back (issue #16)."""

from __future__ import annotations

import platform

import pytest

from common import heap

glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(not glibc, reason="glibc only; elsewhere the calls do nothing")
def test_trim_gives_freed_pages_back_to_the_system():
    # Many small blocks (below mmap's threshold, so they live in the heap),
    # then free all but the last: the heap cannot shrink past a block still
    # in use at its top, so the freed pages below stay until trimmed.
    blocks = [bytearray(b"x" * 64 * 1024) for _ in range(2000)]
    keep = blocks[-1]
    del blocks
    before = _rss_kb()
    heap.trim()
    assert _rss_kb() < before - 32 * 1024, "malloc_trim gave back less than 32 MB of 125"
    assert keep[0] == ord("x")


@pytest.mark.skipif(not glibc, reason="glibc only")
def test_the_arena_limit_is_accepted():
    assert heap.limit_arenas(2) is True


def test_without_glibc_both_do_nothing(monkeypatch):
    monkeypatch.setattr(heap, "_looked", True)
    monkeypatch.setattr(heap, "_libc", None)
    assert heap.trim() is False and heap.limit_arenas() is False
