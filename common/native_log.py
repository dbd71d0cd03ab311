"""Native libraries' start-up chatter into the log, not onto the terminal.

mediapipe and TFLite write straight to file descriptor 2 from C++ while a
model loads and runs for the first time ("INFO: Created TensorFlow Lite
XNNPACK delegate", absl's "W0000 ... inference_feedback_manager" lines, the
"before absl::InitializeLog()" notice): no environment variable of theirs
silences all of it. ``native_stderr_to_log`` points fd 2 at a temporary file
for the duration of such a step, then logs each line it caught at DEBUG, so
a field engineer still finds it with ``log_level = "DEBUG"``.

Anything caught that is not the known chatter (a Python traceback another
thread printed meanwhile, say) is written back to the real stderr unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator

# Lines known to be start-up chatter of the native libraries we load.
CHATTER = re.compile(r"^(?:[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] |INFO: |WARNING: All log messages "
                     r"before absl::InitializeLog\(\)|libpng warning: )")
_LOCK = threading.Lock()  # one redirection at a time: fd 2 is one per process


def split_chatter(text: str) -> tuple[list[str], list[str]]:
    """``(chatter, other)`` lines of ``text``; blank lines are dropped."""
    chatter: list[str] = []
    other: list[str] = []
    for line in text.splitlines():
        if line.strip():
            (chatter if CHATTER.match(line) else other).append(line)
    return chatter, other


@contextlib.contextmanager
def native_stderr_to_log(log: logging.Logger) -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):
        yield  # no real fd 2 (an embedded interpreter, a closed stream): nothing to route
        return
    with _LOCK, tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            chatter, other = split_chatter(caught.read().decode("utf-8", "replace"))
            for line in chatter:
                log.debug("native: %s", line)
            if other:
                os.write(2, ("\n".join(other) + "\n").encode("utf-8", "replace"))
