"""A stand-in kiosk for the watchdog restart test (run by tools/sd_supervise.py).

A real window with the real ``FieldRuntime`` (READY=1, WATCHDOG=1 from a GUI
timer). The first start freezes its GUI thread after a few pings, the way a
deadlocked screen would; the second start pings a few times and then leaves
through the staff exit (status 64), which ends supervision.
"""

from __future__ import annotations

import os
import sys
import threading
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from ui.lockdown import FieldRuntime, request_exit  # noqa: E402

PINGS_BEFORE_ACTING = 5


def main() -> int:
    start = int(os.environ.get("SD_SUPERVISE_START", "1"))
    app = QApplication(sys.argv[:1])
    window = QWidget()
    window.kiosk_mode = False
    window.show()
    field = FieldRuntime(app, window, SimpleNamespace(), ping_s=0.1)
    pings = [0]

    def counted() -> None:
        pings[0] += 1
        if pings[0] == PINGS_BEFORE_ACTING:
            if start == 1:
                print("freezing the GUI thread", flush=True)
                threading.Event().wait()  # deadlock: never returns
            else:
                request_exit(window)

    field.ping_timer.timeout.connect(counted)
    try:
        return int(app.exec())
    finally:
        field.stop()


if __name__ == "__main__":
    sys.exit(main())
