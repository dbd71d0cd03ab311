"""Staff authentication and the staff audit log (no Qt).

- PINs are scrypt hashes (``common.pins``, re-exported here); the config
  holds only the hash.
- ``StaffGate`` holds the staff session. Online, the backend checked the
  person's PIN and issued a token (``enter``); offline (the backend cannot
  be asked), the config's PIN is checked here (``login``) and allows local
  work only. Wrong offline PINs lock the keypad on ``common.pins``'
  escalating schedule, kept in the data dir so a restart does not reset it.
  A session ends after ``idle_logout_s`` without a touch (monotonic clock).
- ``AuditLog`` appends every staff action (who, when, what, result) as JSON
  lines in the data dir, fsynced, so it survives crashes and restarts.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common.errors import Reason, StaffError
from common.pins import LOCK_AFTER, Lockout, hash_pin, lock_steps, verify_pin

__all__ = ["AuditLog", "LockFile", "StaffGate", "StaffSession", "hash_pin", "verify_pin"]

log = logging.getLogger(__name__)


@dataclass
class StaffSession:
    who: str
    since: float
    last_touch: float
    # The backend's staff session (sent as X-Staff-Session on book changes);
    # None: an offline login, local work only. Never logged.
    token: str | None = field(default=None, repr=False)

    @property
    def online(self) -> bool:
        return self.token is not None


class LockFile:
    """The offline PIN's ``Lockout``, as JSON in the data dir (written on change)."""

    FILE = "staff_lockout.json"

    def __init__(self, data_dir: str | Path | None) -> None:
        self.path = Path(data_dir) / self.FILE if data_dir is not None else None

    def load(self, now: float, first_s: float) -> Lockout:
        if self.path is None or not self.path.exists():
            return Lockout()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Lockout(int(data["failures"]), int(data["level"]),
                           float(data["locked_until"]))
        except (OSError, ValueError, KeyError, TypeError):
            # A torn or edited file must not open the keypad: lock as long as
            # the schedule's first step would.
            log.warning("staff lockout file unreadable; starting locked")
            return Lockout(0, 1, now + first_s)

    def save(self, state: Lockout) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(asdict(state), fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


class StaffGate:
    """``pin_hash``: the shared offline PIN (the session's ``who`` is the name
    typed, or "staff"); ``pins``: one offline PIN per person, name -> hash
    (``who`` is that name). ``max_attempts`` wrong offline PINs lock for
    ``lockout_s``, the next ones longer (``common.pins.lock_steps``);
    ``lock_dir`` keeps the lockout across restarts, timed by ``wall_clock``."""

    def __init__(self, pin_hash: str, *, pins: Mapping[str, str] | None = None,
                 max_attempts: int = LOCK_AFTER, lockout_s: float = 60.0,
                 idle_logout_s: float = 120.0, clock: Callable[[], float] = time.monotonic,
                 audit: AuditLog | None = None, lock_dir: str | Path | None = None,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self._pin_hash = pin_hash
        self._pins = dict(pins or {})
        self.max_attempts = max_attempts
        self.steps = lock_steps(lockout_s)
        self.idle_logout_s = idle_logout_s
        self._clock = clock
        self.wall_clock = wall_clock
        self._audit = audit
        self._file = LockFile(lock_dir)
        state = self._file.load(self.wall_clock(), self.steps[0])
        # A wall clock set back must not stretch a lock past the longest step.
        ceiling = self.wall_clock() + self.steps[-1]
        self._lockout = state if state.locked_until <= ceiling else Lockout(
            state.failures, state.level, ceiling)
        self.session: StaffSession | None = None
        # Told of every session that ends (the console ends it on the backend too).
        self.on_logout: Callable[[StaffSession], None] | None = None

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
        return self._lockout.locked_for(self.wall_clock())

    def attempts_left(self) -> int:
        return self._lockout.attempts_left(self.max_attempts)

    def _set_lock(self, state: Lockout) -> None:
        if state != self._lockout:
            self._lockout = state
            try:
                self._file.save(state)
            except OSError:
                log.exception("could not keep the staff lockout in the data dir")

    def login(self, pin: str, who: str = "staff") -> StaffSession:
        """Check the offline PIN; raises StaffError (STAFF_LOCKED or STAFF_DENIED)."""
        now = self.wall_clock()
        if not self.enabled:
            self._record(who, "login", "disabled")
            raise StaffError("staff entry is disabled in this kiosk's config",
                             reason=Reason.STAFF_DENIED)
        if self.locked_for_s() > 0:
            self._record(who, "login", "locked", mode="offline")
            raise StaffError("too many wrong PINs", reason=Reason.STAFF_LOCKED, mode="offline",
                             locked_for_s=round(self.locked_for_s()))
        matched = self._who(pin, who)
        if matched is None:
            self._set_lock(self._lockout.failed(now, self.max_attempts, self.steps))
            if self.locked_for_s() > 0:
                self._record(who, "login", "denied; locked", mode="offline",
                             level=self._lockout.level)
                raise StaffError("too many wrong PINs", reason=Reason.STAFF_LOCKED,
                                 mode="offline", locked_for_s=round(self.locked_for_s()))
            self._record(who, "login", "denied", mode="offline")
            raise StaffError("wrong PIN", reason=Reason.STAFF_DENIED, mode="offline",
                             attempts_left=self.attempts_left())
        self._set_lock(Lockout())
        return self._open(matched, None, "offline")

    def enter(self, who: str, token: str) -> StaffSession:
        """A staff session the backend issued after checking ``who``'s PIN."""
        return self._open(who, token, "online")

    def _open(self, who: str, token: str | None, mode: str) -> StaffSession:
        t = self._clock()
        self.session = StaffSession(who=who, since=t, last_touch=t, token=token)
        self._record(who, "login", "ok", mode=mode)
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
        ended, self.session = self.session, None
        if ended is not None:
            self._record(ended.who, "logout", why)
            if self.on_logout is not None:
                self.on_logout(ended)

    def record(self, action: str, result: str, **detail: Any) -> None:
        """Audit an action done by the logged-in staff member."""
        who = self.session.who if self.session else "-"
        self._record(who, action, result, **detail)

    def note(self, who: str, action: str, result: str, **detail: Any) -> None:
        """Audit an entry of someone not (yet) logged in, e.g. a refused login."""
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
