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
* A frame is resent when ``ack_timeout_s`` passes or a NAK arrives. After
  ``max_resends`` timeouts (silence) or ``max_nak_resends`` NAKs (a peer
  that is alive but cannot read us) without an ACK, ``poll`` reports the
  link down. NAKs get the larger budget: they prove the peer is there.
* A NAK also repeats the last ACK we sent: the peer may have NAKed our
  mangled ACK and would otherwise wait a whole timeout to resend.
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
    timeouts: int = 0
    naks: int = 0
    resend_now: bool = False


@dataclass
class Arq:
    ack_timeout_s: float
    max_resends: int
    max_nak_resends: int | None = None  # default: 4 * max_resends + 4
    queue_limit: int = 64
    stats: ArqStats = field(default_factory=ArqStats)

    def __post_init__(self) -> None:
        if self.max_nak_resends is None:
            self.max_nak_resends = 4 * self.max_resends + 4
        self._last_ack: bytes | None = None
        self._queue: deque[tuple[int, int, bytes]] = deque()
        self._urgent: set[int] = set()  # seqs of queued urgent frames
        self._out = bytearray()
        self._outstanding: _Outstanding | None = None
        self._tx_seq = 0
        self._last_rx_seq: int | None = None
        self._nak_armed = True
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
        self._urgent.clear()
        self._out.clear()
        self._outstanding = None
        self._tx_seq = random.randrange(256) if tx_seq is None else tx_seq & 0xFF
        self._last_rx_seq = None
        self._last_ack = None
        self._nak_armed = True
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
        self._urgent.clear()
        self._outstanding = None
        return dropped

    @property
    def idle(self) -> bool:
        return self._outstanding is None and not self._queue

    @property
    def in_flight(self) -> int | None:
        return None if self._outstanding is None else self._outstanding.seq

    # -- sending ----------------------------------------------------------------
    def submit(self, cmd: int, payload: bytes = b"", *, urgent: bool = False,
               supersede: bool = False) -> int:
        """Queue one reliable frame; returns its sequence number.

        ``urgent`` frames (replies someone is waiting for) go ahead of queued
        ones. ``supersede`` drops queued, unsent frames with the same command
        first: for snapshots (lift level, job progress) only the latest is
        news, and on a noisy line a backlog of old ones would delay the rest.
        Skipped sequence numbers are harmless: a receiver only compares a
        frame's number with the one it received last.
        """
        seq = self._tx_seq
        self._tx_seq = (self._tx_seq + 1) & 0xFF
        if supersede:
            kept = [item for item in self._queue if item[1] != cmd]
            self.stats.dropped += len(self._queue) - len(kept)
            self._queue = deque(kept)
        if len(self._queue) >= self.queue_limit:
            # Oldest first: a stuck queue is stale news, the newest frame matters.
            self._queue.popleft()
            self.stats.dropped += 1
        item = (seq, cmd, encode_frame(seq, cmd, payload))
        if urgent:
            # Behind other urgent frames, ahead of everything else.
            at = next((i for i, q in enumerate(self._queue) if q[0] not in self._urgent),
                      len(self._queue))
            self._queue.insert(at, item)
            self._urgent.add(seq)
        else:
            self._queue.append(item)
        return seq

    def poll(self, now: float) -> bool:
        """Send or resend as due. False: resends exhausted, the link is down."""
        out = self._outstanding
        if out is not None and (out.resend_now or now >= out.deadline):
            if out.resend_now:
                out.naks += 1
            else:
                out.timeouts += 1
            if out.timeouts > self.max_resends or out.naks > (self.max_nak_resends or 0):
                self.stats.link_failures += 1
                return False
            out.resend_now = False
            out.deadline = now + self.ack_timeout_s
            self._out += out.wire
            self.stats.resent += 1
        if self._outstanding is None and self._queue:
            seq, cmd, wire = self._queue.popleft()
            self._urgent.discard(seq)
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
        self._nak_armed = True
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
            if self._last_ack is not None:
                # Perhaps it was our ACK that arrived mangled; repeating it is
                # harmless (an ACK for a settled frame is ignored).
                self._out += self._last_ack
            return None
        self._last_ack = encode_frame(frame.seq, Cmd.ACK)
        self._out += self._last_ack
        if frame.seq == self._last_rx_seq:
            self.stats.duplicates += 1  # our ACK was lost and the peer resent
            return None
        self._last_rx_seq = frame.seq
        self.stats.received += 1
        return frame

    def accept_new_session(self) -> None:
        """The peer restarted its numbering (HELLO): the next frame is new."""
        self._last_rx_seq = None

    def rearm_nak(self) -> None:
        """A new chunk of bytes arrived: a broken frame in it may be NAKed."""
        self._nak_armed = True

    def on_bad_frame(self, now: float, seq_hint: int | None = None) -> None:
        """A broken frame arrived: ask for a resend.

        At most one NAK per chunk read and none again before a good frame
        or the next chunk: one mangled frame can hold several false start
        bytes, and every NAK costs the peer a resend from its budget.
        """
        if not self._nak_armed:
            return
        self._nak_armed = False
        self._out += encode_frame((seq_hint or 0) & 0xFF, Cmd.NAK)
        self.stats.naks_sent += 1
