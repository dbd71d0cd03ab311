"""Staff PINs: scrypt hashes and the escalating lockout, shared by the kiosk
(its offline PIN) and the backend (staff accounts).

- A PIN is 6 to 12 digits: 4 digits (10,000 guesses) fall to a patient
  guesser even behind a lockout; 6 digits behind the schedule below take decades.
- ``hash_pin``/``verify_pin``: scrypt (~50 ms on the kiosk's CPU: slow to
  brute-force from a stolen hash, quick enough for a keypad).
- ``verify_or_dummy``: the same scrypt whether or not there is a hash to check,
  so "no such person" costs the time a wrong PIN does.
- ``Lockout``: ``LOCK_AFTER`` wrong PINs lock for the first step of the
  schedule, the next ``LOCK_AFTER`` for the second, and so on (the last step
  repeats); a correct PIN starts over. Pure: the caller stores it (the
  backend in the staff row, the kiosk in its data dir), so a restart keeps it.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TextIO

from common.errors import Reason, StaffError

MIN_PIN_DIGITS, MAX_PIN_DIGITS = 6, 12
_N, _R, _P = 2**14, 8, 1
LOCK_AFTER = 5
# 1 min, 5 min, 30 min, then 2 h for every further 5 wrong PINs: at most ~60
# guesses a day, so a 6-digit PIN holds for decades.
LOCK_STEPS_S: tuple[float, ...] = (60.0, 300.0, 1800.0, 7200.0)
_ESCALATION = tuple(s / LOCK_STEPS_S[0] for s in LOCK_STEPS_S)  # 1, 5, 30, 120


def valid_pin(pin: object) -> bool:
    return (isinstance(pin, str) and pin.isascii() and pin.isdigit()
            and MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS)


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64``; a PIN that is not 6-12 digits is refused."""
    if not valid_pin(pin):
        raise StaffError(f"a PIN is {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits",
                         reason=Reason.STAFF_DENIED)
    return scrypt_hash(pin, salt=salt)


def scrypt_hash(secret: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt_b64$hash_b64`` of any secret (PINs, operator passwords)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def scrypt_verify(secret: str, stored: str) -> bool:
    """Constant-time check of ``secret`` against a ``scrypt_hash`` string."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, want = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        got = hashlib.scrypt(str(secret).encode(), salt=salt, n=int(n), r=int(r), p=int(p),
                             dklen=len(want))
    except (ValueError, TypeError):
        # A malformed stored hash never lets anyone in.
        return False
    return hmac.compare_digest(got, want)


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time check of ``pin`` against a ``hash_pin`` string."""
    # Checked after the scrypt: a too-short PIN costs the same time as a wrong one.
    return scrypt_verify(pin, stored) and valid_pin(pin)


_DUMMY: list[str] = []


def verify_or_dummy(pin: str, stored: str | None) -> bool:
    """``verify_pin``, or the same work against a throwaway hash (always False)."""
    if stored is None:
        if not _DUMMY:
            _DUMMY.append(hash_pin("0" * MIN_PIN_DIGITS))
        verify_pin(pin, _DUMMY[0])
        return False
    return verify_pin(pin, stored)


def lock_steps(first_s: float) -> tuple[float, ...]:
    """The schedule scaled so its first lock lasts ``first_s`` (x1, x5, x30, x120)."""
    return tuple(first_s * k for k in _ESCALATION)


@dataclass(frozen=True)
class Lockout:
    """``failures`` since the last lock or success; ``level`` locks so far;
    ``locked_until`` in the caller's (wall-clock) seconds, 0 when not locked."""

    failures: int = 0
    level: int = 0
    locked_until: float = 0.0

    def locked_for(self, now: float) -> float:
        return max(0.0, self.locked_until - now)

    def failed(self, now: float, after: int = LOCK_AFTER,
               steps: Sequence[float] = LOCK_STEPS_S) -> Lockout:
        """One more wrong PIN (not counted while locked: nothing was checked)."""
        if self.locked_for(now) > 0:
            return self
        if self.failures + 1 < after:
            return replace(self, failures=self.failures + 1)
        level = self.level + 1
        return Lockout(0, level, now + steps[min(level, len(steps)) - 1])

    def attempts_left(self, after: int = LOCK_AFTER) -> int:
        return after - self.failures


def read_pin(stdin: TextIO | None = None, prompt: Callable[[str], str] = getpass.getpass
             ) -> str | None:
    """The PIN from the terminal (twice, no echo) or one line of piped stdin;
    None if the two entries differ."""
    return read_secret("PIN (6-12 digits): ", stdin, prompt)


def read_secret(label: str, stdin: TextIO | None = None,
                prompt: Callable[[str], str] = getpass.getpass) -> str | None:
    """``read_pin`` for any secret: twice at a terminal (``label`` first), or one
    line of piped stdin; None if the two entries differ."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().strip()
    first = prompt(label)
    if prompt("Again: ") != first:
        return None
    return first.strip()
