"""Staff authentication and the staff audit log (no Qt).

- PINs are stored as scrypt hashes (``hash_pin``/``verify_pin``); the
  config holds only the hash.
- ``StaffGate`` counts failed attempts: ``max_attempts`` wrong PINs lock the
  entry for ``lockout_s``; a logged-in session ends after ``idle_logout_s``
  without a touch. Time comes from a monotonic clock passed in.
- ``AuditLog`` appends every staff action (who, when, what, result) as JSON
  lines in the data dir, fsynced, so it survives crashes and restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import Reason, StaffError

# scrypt cost: ~50 ms on the kiosk's CPU; enough to make a stolen config's
# hash slow to brute-force, quick enough for a keypad.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise StaffError("a PIN is 4 to 12 digits", reason=Reason.STAFF_DENIED)
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against a ``hash_pin`` string."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, want = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        got = hashlib.scrypt(pin.encode(), salt=salt, n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        # A malformed stored hash never lets anyone in.
        return False
    return hmac.compare_digest(got, want)


@dataclass
class StaffSession:
    who: str
    since: float
    last_touch: float


class StaffGate:
    """``pin_hash``: a shared PIN (the session's ``who`` is the caller's, e.g.
    "staff"); ``pins``: one PIN per person, name -> hash (``who`` is the name).
    Wrong PINs are counted across both."""

    def __init__(self, pin_hash: str, *, pins: Mapping[str, str] | None = None,
                 max_attempts: int = 5, lockout_s: float = 300.0,
                 idle_logout_s: float = 120.0, clock: Callable[[], float] = time.monotonic,
                 audit: AuditLog | None = None) -> None:
        self._pin_hash = pin_hash
        self._pins = dict(pins or {})
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self.idle_logout_s = idle_logout_s
        self._clock = clock
        self._audit = audit
        self._failures = 0
        self._locked_until = 0.0
        self.session: StaffSession | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._pin_hash or self._pins)

    def _who(self, pin: str, default: str) -> str | None:
        """Whose PIN this is (every hash is checked: the time does not say whose)."""
        found = None
        for name, stored in self._pins.items():
            if verify_pin(pin, stored) and found is None:
                found = name
        if self._pin_hash and verify_pin(pin, self._pin_hash) and found is None:
            found = default
        return found

    def locked_for_s(self) -> float:
        return max(0.0, self._locked_until - self._clock())

    def attempts_left(self) -> int:
        return self.max_attempts - self._failures

    def login(self, pin: str, who: str = "staff") -> StaffSession:
        """Check a PIN; raises StaffError (STAFF_LOCKED or STAFF_DENIED)."""
        now = self._clock()
        if not self.enabled:
            self._record(who, "login", "disabled")
            raise StaffError("staff entry is disabled in this kiosk's config",
                             reason=Reason.STAFF_DENIED)
        if now < self._locked_until:
            self._record(who, "login", "locked")
            raise StaffError("too many wrong PINs", reason=Reason.STAFF_LOCKED,
                             locked_for_s=round(self._locked_until - now))
        matched = self._who(pin, who)
        if matched is None:
            self._failures += 1
            if self._failures >= self.max_attempts:
                self._failures = 0
                self._locked_until = now + self.lockout_s
                self._record(who, "login", "denied; locked")
                raise StaffError("too many wrong PINs", reason=Reason.STAFF_LOCKED,
                                 locked_for_s=round(self.lockout_s))
            self._record(who, "login", "denied")
            raise StaffError("wrong PIN", reason=Reason.STAFF_DENIED,
                             attempts_left=self.attempts_left())
        self._failures = 0
        self.session = StaffSession(who=matched, since=now, last_touch=now)
        self._record(matched, "login", "ok")
        return self.session

    def touch(self) -> None:
        if self.session is not None:
            self.session.last_touch = self._clock()

    def expired(self) -> bool:
        """True (and logs out) once the session has been idle too long."""
        s = self.session
        if s is None:
            return False
        if self._clock() - s.last_touch >= self.idle_logout_s:
            self.logout("idle")
            return True
        return False

    def logout(self, why: str = "exit") -> None:
        if self.session is not None:
            self._record(self.session.who, "logout", why)
        self.session = None

    def record(self, action: str, result: str, **detail: Any) -> None:
        """Audit an action done by the logged-in staff member."""
        who = self.session.who if self.session else "-"
        self._record(who, action, result, **detail)

    def _record(self, who: str, action: str, result: str, **detail: Any) -> None:
        if self._audit is not None:
            self._audit.append(who, action, result, **detail)


class AuditLog:
    """Append-only JSON lines; one fsync per entry (staff actions are rare)."""

    FILE = "staff_audit.jsonl"

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / self.FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._end_torn_line()

    def _end_torn_line(self) -> None:
        # A crash mid-write leaves a line without its newline; start the next
        # entry on a fresh line so only the torn entry is lost.
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("rb+") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")

    def append(self, who: str, action: str, result: str, **detail: Any) -> dict[str, Any]:
        entry = {"t": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "who": who,
                 "action": action, "result": result, **detail}
        line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        return entry

    def entries(self, last: int = 200) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for raw in self.path.read_text(encoding="utf-8", errors="replace").splitlines()[-last:]:
            try:
                out.append(json.loads(raw))
            except json.JSONDecodeError:
                continue  # a line torn by a power cut: the rest is still good
        return out
