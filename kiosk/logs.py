"""Structured logging: JSON lines to a rotating file, short text to the console.

Privacy: member ids are logged only through ``common.errors.short_id``, and
secrets never on purpose; ``common.redact.RedactingFilter`` (the one filter
the backend uses too) is the net on every handler set up here: it masks
passes, keys, bearer tokens, PIN and key hashes, long member ids and number
vectors in each record's final text, and the config's own secret values
wherever they appear.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from common.redact import RedactingFilter

LOG_FILE = "kiosk.log"
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "t": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            # The redacting filter rendered and masked it before this runs.
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(log_dir: str | Path | None, level: str = "INFO", console: bool = True,
                  secrets: Iterable[str] = ()) -> Path | None:
    """Configure the root logger once; returns the log file path (if any).

    ``secrets``: strings to mask verbatim (``Config.secret_values()``), on top
    of what the filter masks by shape."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk", False):
            root.removeHandler(h)
            h.close()
    root.setLevel(level)
    redactor = RedactingFilter(secrets)
    path: Path | None = None
    if log_dir is not None:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        path = Path(log_dir) / LOG_FILE
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES,
                                                  backupCount=BACKUPS, encoding="utf-8")
        fh.setFormatter(JsonFormatter())
        fh.addFilter(redactor)
        fh._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(fh)
    if console:
        ch = logging.StreamHandler(sys.stderr)
        ch.setFormatter(logging.Formatter("%(asctime)s %(levelname).1s %(name)s: %(message)s",
                                          "%H:%M:%S"))
        ch.addFilter(redactor)
        ch._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(ch)
    # Libraries that are chatty at INFO about every request.
    for noisy in ("urllib3", "uvicorn.access", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path


def tail(path: Path, lines: int = 200, level: str | None = None) -> list[dict[str, Any]]:
    """Last ``lines`` JSON entries of the log, optionally at or above ``level``."""
    if not path.exists():
        return []
    order = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
    floor = order.get(level or "DEBUG", 10)
    out: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for raw in fh.readlines()[-lines * 4:]:
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                continue  # a line cut by a crash mid-write: skip it, keep the rest
            if order.get(entry.get("level", "INFO"), 20) >= floor:
                out.append(entry)
    return out[-lines:]
