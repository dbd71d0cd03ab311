"""LiftLink against a hand-operated peer on TCP: handshake, ACK/NAK, resend caps, reconnect."""

from __future__ import annotations

import queue
import select
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator

import pytest

from common.errors import LiftError, Reason
from drivers import lift_proto as p
from drivers.lift_frame import Deframer, Frame, encode_frame
from drivers.lift_link import LiftLink, LinkState
from drivers.lift_proto import REPLY_BIT, Cmd, Result

WAIT_S = 5.0  # generous deadlines: we wait for conditions, never for durations


class Peer:
    """A scripted controller: the test reads and writes frames by hand."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None
        self.deframer = Deframer()
        self.frames: deque[Frame] = deque()
        self.seq = 100

    def accept(self) -> None:
        self.server.settimeout(WAIT_S)
        self.conn, _ = self.server.accept()
        self.deframer = Deframer()
        self.frames.clear()

    def read(self, timeout_s: float = WAIT_S) -> Frame:
        assert self.conn is not None
        deadline = time.monotonic() + timeout_s
        while not self.frames:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("peer: no frame arrived")
            ready, _, _ = select.select([self.conn], [], [], left)
            if ready:
                data = self.conn.recv(4096)
                if not data:
                    raise AssertionError("peer: connection closed")
                self.frames.extend(self.deframer.feed(data))
        return self.frames.popleft()

    def quiet(self, timeout_s: float) -> bool:
        """True if nothing arrives for timeout_s (used only to prove an absence)."""
        try:
            frame = self.read(timeout_s)
        except AssertionError:
            return True
        self.frames.appendleft(frame)
        return False

    def write(self, data: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(data)

    def send(self, cmd: int, payload: bytes = b"", seq: int | None = None) -> int:
        if seq is None:
            self.seq = (self.seq + 1) & 0xFF
            seq = self.seq
        self.write(encode_frame(seq, cmd, payload))
        return seq

    def ack(self, frame: Frame) -> None:
        self.write(encode_frame(frame.seq, Cmd.ACK))

    def handshake(self) -> None:
        hello = self.read()
        assert hello.cmd == Cmd.HELLO
        self.ack(hello)
        nonce = p.decode_hello(hello.payload)
        seq = self.send(Cmd.HELLO | REPLY_BIT,
                        p.encode_reply(hello.seq, Result.OK, p.encode_hello_reply(nonce)))
        assert self.read() == Frame(seq, Cmd.ACK)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.server.close()


@pytest.fixture
def peer(lift_fd_guard: None) -> Iterator[Peer]:
    peer = Peer()
    yield peer
    peer.close()


@pytest.fixture
def make_link(peer: Peer) -> Iterator[Callable[..., tuple[LiftLink, queue.Queue, queue.Queue]]]:
    links: list[LiftLink] = []

    def make(**kw: object) -> tuple[LiftLink, queue.Queue, queue.Queue]:
        got: queue.Queue[Frame] = queue.Queue()
        states: queue.Queue[tuple[bool, str]] = queue.Queue()
        # Long timeouts unless a test wants silence to count: the peer is this
        # test's thread, which a busy machine may not schedule for a while.
        opts = {"ack_timeout_s": 1.0, "max_resends": 2, "keepalive_s": 60.0,
                "handshake_timeout_s": 10.0, "reconnect_min_s": 0.01,
                "reconnect_max_s": 0.05, **kw}
        link = LiftLink(f"socket://127.0.0.1:{peer.port}", on_frame=got.put,
                        on_state=lambda up, why: states.put((up, why)), **opts)  # type: ignore[arg-type]
        links.append(link)
        link.start()
        peer.accept()
        return link, got, states

    yield make
    for link in links:
        link.stop()


def up(link: LiftLink, peer: Peer, states: queue.Queue) -> None:
    peer.handshake()
    assert states.get(timeout=WAIT_S)[0] is True
    assert link.state is LinkState.UP


def test_handshake_then_request_and_reply(make_link, peer: Peer) -> None:
    link, got, states = make_link()
    with pytest.raises(LiftError) as info:
        link.send(Cmd.STATUS)  # no session yet
    assert info.value.reason is Reason.LIFT_LINK_DOWN
    up(link, peer, states)
    seq = link.send(Cmd.STATUS)
    req = peer.read()
    assert (req.seq, req.cmd) == (seq, Cmd.STATUS)
    peer.ack(req)
    rseq = peer.send(Cmd.STATUS | REPLY_BIT, p.encode_reply(seq, Result.OK, b"data"))
    frame = got.get(timeout=WAIT_S)
    assert frame.cmd == Cmd.STATUS | REPLY_BIT
    assert peer.read() == Frame(rseq, Cmd.ACK)


def test_silence_resends_exactly_max_then_link_down_and_new_hello(make_link, peer: Peer) -> None:
    link, got, states = make_link(ack_timeout_s=0.05, max_resends=2)
    up(link, peer, states)
    seq = link.send(Cmd.STATUS)
    copies = []
    while True:
        frame = peer.read()
        if frame.cmd == Cmd.HELLO:
            break
        copies.append(frame)
    assert copies == [Frame(seq, Cmd.STATUS)] * 3  # the first send and two resends
    assert states.get(timeout=WAIT_S) == (False, "no ACK after 2 resends")
    assert link.stats.link_failures == 1


def test_nak_makes_an_immediate_resend(make_link, peer: Peer) -> None:
    # An ACK timeout of a minute: a resend within the test can only come from the NAK.
    link, got, states = make_link(ack_timeout_s=60.0)
    up(link, peer, states)
    seq = link.send(Cmd.HOME)
    assert peer.read() == Frame(seq, Cmd.HOME)
    peer.send(Cmd.NAK, seq=seq)
    # The link repeats its last ACK (in case the NAK was about it), then resends.
    assert peer.read().cmd == Cmd.ACK
    assert peer.read() == Frame(seq, Cmd.HOME)
    peer.ack(Frame(seq, Cmd.HOME))
    assert link.stats.naks_received == 1 and link.stats.resent == 1


def test_corrupted_frame_is_naked_and_duplicate_delivered_once(make_link, peer: Peer) -> None:
    link, got, states = make_link()
    up(link, peer, states)
    wire = bytearray(encode_frame(50, Cmd.EV_LEVEL, b"\x03"))
    wire[4] ^= 0x10
    peer.write(bytes(wire))
    assert peer.read().cmd == Cmd.NAK
    peer.send(Cmd.EV_LEVEL, b"\x03", seq=50)
    peer.send(Cmd.EV_LEVEL, b"\x03", seq=50)  # our "ACK was lost": same frame again
    assert peer.read() == Frame(50, Cmd.ACK)
    assert peer.read() == Frame(50, Cmd.ACK)
    assert got.get(timeout=WAIT_S) == Frame(50, Cmd.EV_LEVEL, b"\x03")
    assert got.empty()
    assert link.stats.duplicates == 1


def test_truncated_frame_is_naked_when_the_line_goes_quiet(make_link, peer: Peer) -> None:
    link, got, states = make_link()
    up(link, peer, states)
    peer.write(bytes([0x02, 40, 7, Cmd.EV_LEVEL, 1, 2]))  # promises 40 bytes, sends 2
    nak = peer.read()
    assert (nak.cmd, nak.seq) == (Cmd.NAK, 7)
    assert link.bad_frames == 1


def test_frames_of_an_old_session_are_ignored_during_handshake(make_link, peer: Peer) -> None:
    link, got, states = make_link()
    hello = peer.read()
    peer.ack(hello)
    peer.send(Cmd.EV_JOB_DONE, b"stale", seq=9)  # written before we saw the HELLO
    nonce = p.decode_hello(hello.payload)
    peer.send(Cmd.HELLO | REPLY_BIT, p.encode_reply(hello.seq, Result.OK, b"\x00\x00\x00\x01\x01"),
              seq=1)  # an answer to someone else's nonce
    seq = peer.send(Cmd.HELLO | REPLY_BIT,
                    p.encode_reply(hello.seq, Result.OK, p.encode_hello_reply(nonce)), seq=0)
    assert peer.read() == Frame(seq, Cmd.ACK)  # the stale frames got no ACK
    assert states.get(timeout=WAIT_S)[0] is True
    assert got.empty()


def test_heartbeat_status_when_idle(make_link, peer: Peer) -> None:
    link, got, states = make_link(keepalive_s=0.05)
    up(link, peer, states)
    assert peer.read().cmd == Cmd.STATUS  # nobody asked: the link polls by itself


def test_reconnects_after_the_port_disappears(make_link, peer: Peer) -> None:
    link, got, states = make_link()
    up(link, peer, states)
    assert peer.conn is not None
    peer.conn.close()
    peer.conn = None
    down = states.get(timeout=WAIT_S)
    assert down[0] is False and "port lost" in down[1]
    peer.accept()  # the link reopens by itself
    up(link, peer, states)
    assert link.reconnects == 2
