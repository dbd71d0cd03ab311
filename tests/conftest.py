"""Suite-wide fixtures: offscreen Qt, and a guard that fails any test which
leaves a thread behind (napari's habit: dangling workers are bugs)."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Threads owned by libraries for the whole process, not by a test. AnyIO's
# worker threads belong to an event loop (here a module-scoped in-process
# backend): a request that overlaps another grows that pool during whichever
# test happens to run, and the new thread stays idle for 10 s before it ends
# (a CI run failed a PostgreSQL lockout test on one). They end with their
# loop; a loop left running is caught by its own thread.
_PROCESS_THREADS = ("pydevd", "Dummy-", "asyncio_", "ThreadPoolExecutor-0", "QDBus",
                    "AnyIO worker thread")


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


@pytest.fixture(autouse=True)
def qt_event_loops_still_run():
    """Fail the test after which a Qt event loop no longer runs.

    ``QCoreApplication.exit()`` called outside ``exec()`` (say a safety-net
    timer a test forgot to cancel, firing later) sets Qt's quit flag: every
    ``QEventLoop.exec()`` afterwards returns -1 at once, so ``qtbot.wait``
    and ``waitUntil`` spin without processing events and some later test
    fails for no visible reason. This catches it where it happens."""
    yield
    if "PySide6.QtCore" not in sys.modules:
        return  # this process never loaded Qt
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    if QCoreApplication.instance() is None:
        return
    loop = QEventLoop()
    QTimer.singleShot(0, loop.quit)
    if loop.exec() != 0:
        pytest.fail("Qt's event loops return at once: QCoreApplication.exit() ran outside "
                    "exec() during this test (a pending exit/quit timer?)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_threads: the test hands threads to a wider fixture")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
