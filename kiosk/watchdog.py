"""systemd's notify protocol (sd_notify) in plain Python, for the watchdog.

Under a ``Type=notify`` unit systemd passes ``NOTIFY_SOCKET`` (a unix datagram
socket; a leading ``@`` means the abstract namespace). The kiosk sends
``READY=1`` once its first screen is up and ``WATCHDOG=1`` regularly after
that. With ``WatchdogSec=`` set, systemd exports ``WATCHDOG_USEC`` and kills
and restarts the service when the pings stop for that long.

The pings must come from the GUI thread (the UI drives ``Notifier.ping`` from
a Qt timer): a GUI that is stuck in a call, deadlocked or busy-looping stops
pinging, which is exactly the failure a watchdog exists for. A worker-thread
pinger would keep a frozen screen "alive" forever.

Without ``NOTIFY_SOCKET`` (development, Windows, tests) every call is a
cheap no-op. Sending never raises: a watchdog that crashes the kiosk is worse
than none.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)

# Ping at half the watchdog period, as sd_watchdog_enabled(3) recommends.
PING_FRACTION = 0.5
# Without WATCHDOG_USEC (e.g. a supervisor that only wants READY) ping this often.
DEFAULT_PING_S = 5.0


def _address(raw: str) -> str:
    # "@name" is Linux's abstract namespace: a leading NUL byte on the wire.
    return "\0" + raw[1:] if raw.startswith("@") else raw


def watchdog_period_s(env: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """The watchdog period systemd asked for, or None if no watchdog is armed.

    ``WATCHDOG_PID`` (if set) names the process the watchdog is for; a child
    that inherited the variables must not ping on its parent's behalf.
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    owner = env.get("WATCHDOG_PID", "")
    if owner and owner.isdigit() and int(owner) != (os.getpid() if pid is None else pid):
        return None
    return int(usec) / 1_000_000


def ping_interval_s(env: Mapping[str, str] | None = None) -> float:
    """How often to send WATCHDOG=1: half the period, or a default."""
    period = watchdog_period_s(env)
    return period * PING_FRACTION if period else DEFAULT_PING_S


class Notifier:
    """Sends sd_notify messages to ``NOTIFY_SOCKET`` (no-op when it is unset)."""

    def __init__(self, socket_path: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = socket_path if socket_path is not None else env.get("NOTIFY_SOCKET", "")
        self.address = _address(raw) if raw else ""
        self.sent = 0
        self.failures = 0
        self._sock: socket.socket | None = None
        if self.address:
            try:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._sock.setblocking(False)
            except OSError as exc:  # e.g. a platform without AF_UNIX datagrams
                log.warning("sd_notify disabled: %s", exc)
                self._sock = None

    @property
    def enabled(self) -> bool:
        return self._sock is not None

    def notify(self, *fields: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram; True if it was delivered."""
        if self._sock is None or not fields:
            return False
        try:
            self._sock.sendto("\n".join(fields).encode("utf-8"), self.address)
        except OSError as exc:
            self.failures += 1
            # Log the first failure and then rarely: a missing manager is not news every ping.
            if self.failures == 1 or self.failures % 100 == 0:
                log.warning("sd_notify to %r failed (%d times): %s", self.address, self.failures,
                            exc)
            return False
        self.sent += 1
        return True

    def ready(self, status: str | None = None) -> bool:
        fields = ["READY=1", f"MAINPID={os.getpid()}"]
        if status:
            fields.append(f"STATUS={status}")
        return self.notify(*fields)

    def ping(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
