"""Stop-and-wait ARQ for the lift link: ACK/NAK, bounded resends, duplicates.

Pure state machine, no threads and no clock of its own: callers pass
``now`` (``time.monotonic()`` in production, a number in tests) and write
whatever ``take_output()`` returns. Both ends use it: the driver
(lift_link) and the tower simulator (lift_sim).

Rules (LIFT_PROTOCOL.md, "Link layer"):

* Every frame except ACK and NAK is *reliable*: it carries the sender's
  sequence number and is resent until the peer ACKs that number.
* One reliable frame is in flight at a time; later ones wait in a bounded
  queue. Stop-and-wait on a serial line keeps order without windows.
* A frame is resent when ``ack_timeout_s`` passes or a NAK arrives; after
  ``max_resends`` resends without an ACK ``poll`` reports the link down.
* The receiver ACKs every valid reliable frame (duplicates too: the first
  ACK may have been lost) and delivers it once. A duplicate can only be
  the frame received last, because the sender never moves on before an ACK.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field

from drivers.lift_frame import Frame, encode_frame
from drivers.lift_proto import Cmd


@dataclass
class ArqStats:
    sent: int = 0
    resent: int = 0
    acked: int = 0
    naks_sent: int = 0
    naks_received: int = 0
    received: int = 0
    duplicates: int = 0
    dropped: int = 0  # queued frames discarded by a reset or a full queue
    link_failures: int = 0


@dataclass
class _Outstanding:
    seq: int
    cmd: int
    wire: bytes
    deadline: float
    resends: int = 0
    resend_now: bool = False


@dataclass
class Arq:
    ack_timeout_s: float
    max_resends: int
    # After a NAK, further broken frames are not NAKed until a good frame
    # arrives or this much time passes: one mangled frame can contain several
    # false start bytes and each NAK would cost the peer a resend.
    nak_holdoff_s: float | None = None
    queue_limit: int = 64
    stats: ArqStats = field(default_factory=ArqStats)

    def __post_init__(self) -> None:
        if self.nak_holdoff_s is None:
            self.nak_holdoff_s = self.ack_timeout_s / 2
        self._queue: deque[tuple[int, int, bytes]] = deque()
        self._out = bytearray()
        self._outstanding: _Outstanding | None = None
        self._tx_seq = 0
        self._last_rx_seq: int | None = None
        self._nak_ok_at = 0.0
        self.reset()

    # -- session ------------------------------------------------------------
    def reset(self, tx_seq: int | None = None) -> list[tuple[int, int]]:
        """Forget everything in flight; returns the dropped (seq, cmd) pairs.

        A random first sequence number makes a stale ACK from before the reset
        unlikely to match the first new frame.
        """
        dropped = [(s, c) for s, c, _ in self._queue]
        if self._outstanding is not None:
            dropped.insert(0, (self._outstanding.seq, self._outstanding.cmd))
        self.stats.dropped += len(dropped)
        self._queue.clear()
        self._out.clear()
        self._outstanding = None
        self._tx_seq = random.randrange(256) if tx_seq is None else tx_seq & 0xFF
        self._last_rx_seq = None
        self._nak_ok_at = 0.0
        return dropped

    def drop_outbound(self) -> list[tuple[int, int]]:
        """Give up on everything unsent or unacknowledged, keep the numbering.

        For an end that cannot reach its peer but must keep recognising the
        peer's resends as duplicates (the controller after exhausted resends).
        """
        dropped = [(s, c) for s, c, _ in self._queue]
        if self._outstanding is not None:
            dropped.insert(0, (self._outstanding.seq, self._outstanding.cmd))
        self.stats.dropped += len(dropped)
        self._queue.clear()
        self._outstanding = None
        return dropped

    @property
    def idle(self) -> bool:
        return self._outstanding is None and not self._queue

    @property
    def in_flight(self) -> int | None:
        return None if self._outstanding is None else self._outstanding.seq

    # -- sending ----------------------------------------------------------------
    def submit(self, cmd: int, payload: bytes = b"") -> int:
        """Queue one reliable frame; returns its sequence number."""
        seq = self._tx_seq
        self._tx_seq = (self._tx_seq + 1) & 0xFF
        if len(self._queue) >= self.queue_limit:
            # Oldest first: a stuck queue is stale news, the newest frame matters.
            self._queue.popleft()
            self.stats.dropped += 1
        self._queue.append((seq, cmd, encode_frame(seq, cmd, payload)))
        return seq

    def poll(self, now: float) -> bool:
        """Send or resend as due. False: resends exhausted, the link is down."""
        out = self._outstanding
        if out is not None and (out.resend_now or now >= out.deadline):
            if out.resends >= self.max_resends:
                self.stats.link_failures += 1
                return False
            out.resends += 1
            out.resend_now = False
            out.deadline = now + self.ack_timeout_s
            self._out += out.wire
            self.stats.resent += 1
        if self._outstanding is None and self._queue:
            seq, cmd, wire = self._queue.popleft()
            self._outstanding = _Outstanding(seq, cmd, wire, now + self.ack_timeout_s)
            self._out += wire
            self.stats.sent += 1
        return True

    def next_deadline(self) -> float | None:
        return None if self._outstanding is None else self._outstanding.deadline

    def take_output(self) -> bytes:
        data = bytes(self._out)
        self._out.clear()
        return data

    # -- receiving ----------------------------------------------------------------
    def on_frame(self, frame: Frame, now: float) -> Frame | None:
        """Handle one valid frame; returns it if it is new data to deliver."""
        self._nak_ok_at = now  # a good frame re-arms NAKs
        if frame.cmd == Cmd.ACK:
            out = self._outstanding
            if out is not None and frame.seq == out.seq:
                self._outstanding = None
                self.stats.acked += 1
            # Otherwise a late duplicate ACK for a frame already settled: ignore.
            return None
        if frame.cmd == Cmd.NAK:
            self.stats.naks_received += 1
            if self._outstanding is not None:
                self._outstanding.resend_now = True
            # No frame in flight: the peer NAKed noise or one of our ACKs,
            # which are never resent; its own timer recovers. Ignore.
            return None
        self._out += encode_frame(frame.seq, Cmd.ACK)
        if frame.seq == self._last_rx_seq:
            self.stats.duplicates += 1  # our ACK was lost and the peer resent
            return None
        self._last_rx_seq = frame.seq
        self.stats.received += 1
        return frame

    def accept_new_session(self) -> None:
        """The peer restarted its numbering (HELLO): the next frame is new."""
        self._last_rx_seq = None

    def on_bad_frame(self, now: float, seq_hint: int | None = None) -> None:
        """A broken frame arrived: ask for a resend, at most once per holdoff."""
        if now < self._nak_ok_at:
            return
        self._nak_ok_at = now + (self.nak_holdoff_s or 0.0)
        self._out += encode_frame((seq_hint or 0) & 0xFF, Cmd.NAK)
        self.stats.naks_sent += 1
