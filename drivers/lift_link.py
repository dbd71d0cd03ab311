"""The lift link: frames over any pyserial URL, in its own reader thread.

``LiftLink`` owns the port. Its thread reads bytes, deframes them, runs the
ARQ (lift_arq), keeps the session alive and reopens the port after it
disappears, with exponential backoff. It knows nothing about moves or bays:
valid new frames go to ``on_frame`` and link transitions to ``on_state``,
both called on the link thread with no lock held.

Session handshake: after the port opens (and after resends are exhausted on a
port that is still open) the link sends HELLO with a fresh random nonce. The
controller answers with the same nonce and restarts its numbering; only then
is the link UP. Until then every other frame is from an older session and is
ignored.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

import serial

from common.errors import FrameError, LiftError, Reason
from drivers.lift_arq import Arq, ArqStats
from drivers.lift_frame import Deframer, Frame
from drivers.lift_proto import (
    REPLY_BIT,
    Cmd,
    Result,
    decode_hello_reply,
    decode_reply,
    encode_hello,
)

log = logging.getLogger(__name__)

# Exceptions a port raises when it goes away; anything else is a bug and
# should surface. SerialTimeoutException is a SerialException.
PORT_ERRORS = (serial.SerialException, OSError, ValueError)
# How often the link checks that its port path still names the device it
# opened (see ``_device_of``).
DEVICE_CHECK_S = 0.5


def _device_of(url: str) -> str | None:
    """The device a port path names now, its symlinks resolved (None for a
    pyserial URL handler such as ``socket://``).

    A path like ``/dev/serial/by-id/...`` (or the simulator's ``--link``) is
    a symlink: when the adapter is re-plugged, or the program behind a pty
    dies, it may come to name another device, and a device number freed by
    one is given to the next one opened anywhere on the machine. The link
    opens the device the path named, and drops it when the path names
    another. (A kiosk in a soak, whose simulator was SIGKILLed, followed the
    stale link to a pty a test run had just opened and drove that test's
    simulated lift for nine minutes.)"""
    if "://" in url:
        return None
    return os.path.realpath(url)


class LinkState(str, Enum):
    DOWN = "down"  # no port
    CONNECTING = "connecting"  # port open, handshake running
    UP = "up"


class LiftLink:
    def __init__(self, url: str, *, on_frame: Callable[[Frame], None],
                 on_state: Callable[[bool, str], None] | None = None,
                 baudrate: int = 115200, ack_timeout_s: float = 0.25, max_resends: int = 3,
                 handshake_timeout_s: float = 2.0, keepalive_s: float = 1.0,
                 reconnect_min_s: float = 0.05, reconnect_max_s: float = 2.0,
                 serial_factory: Callable[..., Any] | None = None,
                 name: str = "lift-link") -> None:
        self.url = url
        self.baudrate = baudrate
        self.ack_timeout_s = ack_timeout_s
        self.max_resends = max_resends
        self.handshake_timeout_s = handshake_timeout_s
        self.keepalive_s = keepalive_s
        self.reconnect_min_s = reconnect_min_s
        self.reconnect_max_s = reconnect_max_s
        self._on_frame = on_frame
        self._on_state = on_state or (lambda up, reason: None)
        self._factory = serial_factory or serial.serial_for_url
        self._name = name
        # A read returning nothing for one tick with half a frame buffered
        # means the sender stopped mid-frame (Modbus RTU's "t3.5" idea).
        self._tick_s = max(0.002, min(0.02, ack_timeout_s / 4))
        self._arq = Arq(ack_timeout_s=ack_timeout_s, max_resends=max_resends)
        self._deframer = Deframer()
        self._bad_seen = 0
        self._lock = threading.RLock()
        self._port: Any = None
        self._port_error: BaseException | None = None
        self._state = LinkState.DOWN
        self._up = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._nonce = 0
        self._hello_seq: int | None = None
        self._hello_deadline = 0.0
        self._retry_at: float | None = None
        self._backoff_s = reconnect_min_s
        self._last_rx = 0.0
        # (seq, time.monotonic()) of the latest keep-alive STATUS: the client
        # times its reply (the kiosk's lift round trip, sent with its heartbeat).
        self.keepalive_sent: tuple[int, float] | None = None
        self.reconnects = 0
        self._taps: list[Callable[[str, bytes], None]] = []
        self.device: str | None = None  # what the port path named when it was opened
        self._device_checked = 0.0

    # -- public ------------------------------------------------------------------
    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def stats(self) -> ArqStats:
        return self._arq.stats

    @property
    def bad_frames(self) -> int:
        return self._deframer.bad_frames

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        port = self._port
        cancel = getattr(port, "cancel_read", None)
        if cancel is not None:
            try:
                cancel()
            except PORT_ERRORS:
                pass  # the port is being torn down anyway; the read tick ends the loop
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            if self._thread.is_alive():  # pragma: no cover - would be a bug
                raise LiftError("lift link thread did not stop", reason=Reason.INTERNAL)
            self._thread = None
        with self._lock:
            self._close_port()
            calls = self._set_state(LinkState.DOWN, "closed")
        for fn in calls:
            fn()

    def wait_up(self, timeout_s: float) -> bool:
        return self._up.wait(timeout_s)

    def add_tap(self, callback: Callable[[str, bytes], None]) -> Callable[[], None]:
        """See the raw bytes on the line: ``callback("tx"|"rx", data)``; returns a remover.

        For the staff serial console. Called on the link thread (tx also on the
        caller's thread, under the link lock): it must only copy the bytes.
        """
        with self._lock:
            self._taps = [*self._taps, callback]

        def remove() -> None:
            with self._lock:
                self._taps = [t for t in self._taps if t is not callback]

        return remove

    def send(self, cmd: int, payload: bytes = b"") -> int:
        """Queue a reliable frame and write it if the line is free; returns its seq."""
        with self._lock:
            if self._state is not LinkState.UP:
                raise LiftError("lift link is down", reason=Reason.LIFT_LINK_DOWN,
                                state=self._state.value)
            seq = self._arq.submit(cmd, payload)
            self._arq.poll(time.monotonic())
            self._flush()
            return seq

    # -- thread ------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stopping.is_set():
            if self._port is None and not self._open_port():
                self._stopping.wait(self._next_backoff())
                continue
            try:
                data = self._read()
            except PORT_ERRORS as exc:
                self._lose_port(f"port lost: {exc}")
                continue
            moved = self._device_moved(time.monotonic())
            if moved is not None:
                self._lose_port(f"port moved: {self.url} now names {moved}, not {self.device}")
                continue
            if data and self._taps:
                self._tap("rx", data)
            events = self._step(data, time.monotonic())
            for fn in events:
                fn()

    def _read(self) -> bytes:
        port = self._port
        if self._port_error is not None:
            raise self._port_error
        data = port.read(1)
        if data:
            waiting = port.in_waiting
            if waiting:
                data += port.read(waiting)
        return bytes(data)

    def _step(self, data: bytes, now: float) -> list[Callable[[], None]]:
        """Everything one read triggers, under the lock; returns callbacks to run after."""
        calls: list[Callable[[], None]] = []
        with self._lock:
            if self._port is None:
                return calls
            if data:
                self._arq.rearm_nak()
            frames = self._deframer.feed(data) if data else []
            if not data and self._deframer.pending:
                frames += self._deframer.flush_partial()
            if self._deframer.bad_frames != self._bad_seen:
                self._bad_seen = self._deframer.bad_frames
                self._arq.on_bad_frame(now, self._deframer.last_bad_seq)
            for frame in frames:
                self._last_rx = now
                if self._state is LinkState.UP:
                    fresh = self._arq.on_frame(frame, now)
                    if fresh is not None:
                        calls.append(lambda f=fresh: self._on_frame(f))
                else:
                    calls.extend(self._handshake_frame(frame, now))
            calls.extend(self._timers(now))
            self._flush()
        return calls

    def _timers(self, now: float) -> list[Callable[[], None]]:
        calls: list[Callable[[], None]] = []
        if self._state is LinkState.CONNECTING:
            if self._retry_at is not None and now >= self._retry_at:
                self._begin_handshake(now)
            elif self._hello_seq is not None and (
                    not self._arq.poll(now) or now >= self._hello_deadline):
                # No answer to this HELLO: try a new one later, backing off.
                self._arq.reset()
                self._hello_seq = None
                self._retry_at = now + self._next_backoff()
            return calls
        if self._state is LinkState.UP:
            if not self._arq.poll(now):
                reason = f"no ACK after {self.max_resends} resends"
                calls.extend(self._set_state(LinkState.CONNECTING, reason))
                self._begin_handshake(now)
            elif self._arq.idle and now - self._last_rx >= self.keepalive_s:
                # Status polling doubles as the heartbeat: a dead controller
                # shows up as exhausted resends. The client ignores the
                # reply because nobody asked for it.
                self._last_rx = now
                self.keepalive_sent = (self._arq.submit(Cmd.STATUS), now)
                self._arq.poll(now)
        return calls

    def _handshake_frame(self, frame: Frame, now: float) -> list[Callable[[], None]]:
        if frame.cmd in (Cmd.ACK, Cmd.NAK):
            self._arq.on_frame(frame, now)
            return []
        if frame.cmd != Cmd.HELLO | REPLY_BIT or self._hello_seq is None:
            # A frame of the previous session, written before the controller
            # saw our HELLO. Not ACKed: our ACK could be mistaken for one of
            # the new session's, and the controller drops it on HELLO anyway.
            return []
        try:
            req_seq, result, data = decode_reply(frame.payload)
            nonce, _version = decode_hello_reply(data)
        except FrameError:
            return []  # CRC-valid but malformed: the controller is confused; retry times out
        if req_seq != self._hello_seq or nonce != self._nonce or result is not Result.OK:
            return []  # an answer to an earlier HELLO of ours; ours is still coming
        self._arq.accept_new_session()
        self._arq.on_frame(frame, now)  # ACK it, record its seq
        self._hello_seq = None
        self._backoff_s = self.reconnect_min_s
        return self._set_state(LinkState.UP, "connected")

    def _begin_handshake(self, now: float) -> None:
        self._arq.reset()
        self._deframer.reset()
        self._nonce = random.getrandbits(32)
        self._hello_seq = self._arq.submit(Cmd.HELLO, encode_hello(self._nonce))
        self._hello_deadline = now + self.handshake_timeout_s
        self._retry_at = None
        self._arq.poll(now)

    def _next_backoff(self) -> float:
        delay = self._backoff_s
        self._backoff_s = min(self.reconnect_max_s, self._backoff_s * 2)
        return delay * random.uniform(0.8, 1.2)  # jitter: two kiosks never beat in step

    # -- port ----------------------------------------------------------------------
    def _device_moved(self, now: float) -> str | None:
        """What the port path names now, if that is not the device open (None:
        the same, or not checked yet: once every ``DEVICE_CHECK_S``)."""
        if self.device is None or now - self._device_checked < DEVICE_CHECK_S:
            return None
        self._device_checked = now
        current = _device_of(self.url)
        return None if current == self.device else current

    def _open_port(self) -> bool:
        kwargs: dict[str, Any] = {"baudrate": self.baudrate, "timeout": self._tick_s,
                                  "write_timeout": 1.0}
        device = _device_of(self.url)
        if device is not None:
            kwargs["exclusive"] = True  # a second program on the line would garble both
        try:
            # The device the path names now, resolved once: what is opened is
            # what is checked against later (a path re-pointed in between
            # would otherwise go unnoticed).
            port = self._factory(device or self.url, **kwargs)
        except PORT_ERRORS as exc:
            log.debug("lift port %s not available: %s", self.url, exc)
            return False
        with self._lock:
            self.device, self._device_checked = device, time.monotonic()
            self._port = port
            self._port_error = None
            self.reconnects += 1
            self._set_state(LinkState.CONNECTING, "port open")
            self._begin_handshake(time.monotonic())
            self._flush()
        log.info("lift port %s open", self.url)
        return True

    def _lose_port(self, reason: str) -> None:
        log.warning("lift link: %s", reason)
        with self._lock:
            self._close_port()
            calls = self._set_state(LinkState.DOWN, reason)
        for fn in calls:
            fn()
        self._stopping.wait(self._next_backoff())

    def _close_port(self) -> None:
        port, self._port = self._port, None
        self._arq.reset()
        self._deframer.reset()
        self._hello_seq = None
        if port is not None:
            try:
                port.close()
            except PORT_ERRORS:
                pass  # closing a port that already vanished: nothing left to release

    def _flush(self) -> None:
        data = self._arq.take_output()
        if not data or self._port is None:
            return  # no port: the bytes belong to a session that is gone
        if self._taps:
            self._tap("tx", bytes(data))
        try:
            self._port.write(data)
        except PORT_ERRORS as exc:
            # Leave closing to the link thread, which owns the port's lifetime.
            self._port_error = exc

    def _tap(self, direction: str, data: bytes) -> None:
        for tap in self._taps:
            try:
                tap(direction, data)
            except Exception:  # noqa: BLE001 - a broken console must not take the link down
                log.exception("lift tap failed")

    def _set_state(self, state: LinkState, reason: str) -> list[Callable[[], None]]:
        old, self._state = self._state, state
        if state is LinkState.UP:
            self._up.set()
        else:
            self._up.clear()
        if (old is LinkState.UP) == (state is LinkState.UP):
            return []
        up = state is LinkState.UP
        log.info("lift link %s (%s)", "up" if up else "down", reason)
        return [lambda: self._on_state(up, reason)]
