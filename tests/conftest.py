"""Suite-wide fixtures: offscreen Qt, and a guard that fails any test which
leaves a thread behind (napari's habit: dangling workers are bugs)."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Threads owned by libraries for the whole process, not by a test.
_PROCESS_THREADS = ("pydevd", "Dummy-", "asyncio_", "ThreadPoolExecutor-0", "QDBus")


def _foreign(threads: set[threading.Thread]) -> list[threading.Thread]:
    return [t for t in threads if t.is_alive() and not t.name.startswith(_PROCESS_THREADS)]


@pytest.fixture(autouse=True)
def no_dangling_threads(request: pytest.FixtureRequest):
    before = set(threading.enumerate())
    yield
    if request.node.get_closest_marker("allow_threads"):
        return
    # Threads stopped by the test may still be unwinding: give them a moment,
    # by polling their state, before calling them leaked.
    deadline = time.monotonic() + 5.0
    leaked = _foreign(set(threading.enumerate()) - before)
    while leaked and time.monotonic() < deadline:
        leaked[0].join(timeout=0.1)
        leaked = _foreign(set(threading.enumerate()) - before)
    if leaked:
        pytest.fail(f"test left threads running: {sorted(t.name for t in leaked)}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_threads: the test hands threads to a wider fixture")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
