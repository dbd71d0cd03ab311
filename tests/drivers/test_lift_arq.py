"""The ARQ state machine with a hand-driven clock: resend, NAK, timeout, escalation."""

from __future__ import annotations

import random

import pytest

from drivers.lift_arq import Arq
from drivers.lift_frame import Deframer, Frame, encode_frame
from drivers.lift_proto import Cmd

ACK_S = 0.1


def frames(data: bytes) -> list[Frame]:
    return Deframer().feed(data)


def sender(max_resends: int = 3, **kw: object) -> Arq:
    arq = Arq(ack_timeout_s=ACK_S, max_resends=max_resends, **kw)  # type: ignore[arg-type]
    arq.reset(tx_seq=10)
    return arq


def test_send_then_ack_then_next() -> None:
    a = sender()
    s1, s2 = a.submit(Cmd.STATUS), a.submit(Cmd.HOME)
    assert (s1, s2) == (10, 11)
    assert a.poll(0.0)
    assert frames(a.take_output()) == [Frame(10, Cmd.STATUS)]  # stop-and-wait: one at a time
    assert a.in_flight == 10
    a.on_frame(Frame(10, Cmd.ACK), 0.01)
    assert a.poll(0.01)
    assert frames(a.take_output()) == [Frame(11, Cmd.HOME)]
    a.on_frame(Frame(11, Cmd.ACK), 0.02)
    assert a.idle and a.stats.acked == 2


def test_timeout_resends_then_escalates_to_link_down() -> None:
    a = sender(max_resends=3)
    a.submit(Cmd.STATUS)
    a.poll(0.0)
    a.take_output()
    t, copies = 0.0, 0
    for _ in range(3):
        assert a.poll(t + ACK_S / 2)  # not yet due
        assert a.take_output() == b""
        t += ACK_S
        assert a.poll(t)
        assert frames(a.take_output()) == [Frame(10, Cmd.STATUS)]
        copies += 1
    assert copies == 3 and a.stats.resent == 3
    assert not a.poll(t + ACK_S)  # the fourth silence: link down
    assert a.stats.link_failures == 1


def test_nak_resends_at_once_without_waiting() -> None:
    a = sender()
    a.submit(Cmd.STATUS)
    a.poll(0.0)
    a.take_output()
    a.on_frame(Frame(0, Cmd.NAK), 0.001)
    assert a.poll(0.001)  # long before the ACK timeout
    assert frames(a.take_output()) == [Frame(10, Cmd.STATUS)]
    assert a.stats.naks_received == 1 and a.stats.resent == 1


def test_naks_have_their_own_larger_budget() -> None:
    a = sender(max_resends=1, max_nak_resends=5)
    a.submit(Cmd.STATUS)
    a.poll(0.0)
    for i in range(5):
        a.on_frame(Frame(0, Cmd.NAK), 0.001 * i)
        assert a.poll(0.001 * i)  # a peer that NAKs is alive: keep trying
    a.on_frame(Frame(0, Cmd.NAK), 0.01)
    assert not a.poll(0.01)


def test_late_or_foreign_ack_is_ignored() -> None:
    a = sender()
    a.submit(Cmd.STATUS)
    a.poll(0.0)
    a.on_frame(Frame(9, Cmd.ACK), 0.01)  # an ACK for an older frame
    assert a.in_flight == 10
    a.on_frame(Frame(10, Cmd.ACK), 0.02)
    a.on_frame(Frame(10, Cmd.ACK), 0.03)  # the duplicate ACK of a resend
    assert a.idle and a.stats.acked == 1


def test_receiver_acks_every_copy_and_delivers_once() -> None:
    r = sender()
    f = Frame(42, Cmd.EV_LEVEL, b"\x03")
    assert r.on_frame(f, 0.0) == f
    assert r.on_frame(f, 0.1) is None  # the resend after a lost ACK
    assert frames(r.take_output()) == [Frame(42, Cmd.ACK), Frame(42, Cmd.ACK)]
    assert r.stats.duplicates == 1 and r.stats.received == 1
    nxt = Frame(43, Cmd.EV_LEVEL, b"\x02")
    assert r.on_frame(nxt, 0.2) == nxt


def test_nak_once_per_chunk_and_repeat_last_ack() -> None:
    r = sender()
    r.on_bad_frame(0.0, seq_hint=5)
    r.on_bad_frame(0.0, seq_hint=5)  # same chunk: one NAK is enough
    assert frames(r.take_output()) == [Frame(5, Cmd.NAK)]
    r.rearm_nak()
    r.on_bad_frame(0.1, seq_hint=None)
    assert frames(r.take_output()) == [Frame(0, Cmd.NAK)]
    # A NAK received while idle repeats our last ACK (the peer may have lost it).
    r.on_frame(Frame(7, Cmd.EV_LEVEL, b"\x01"), 0.2)
    r.take_output()
    r.on_frame(Frame(0, Cmd.NAK), 0.3)
    assert frames(r.take_output()) == [Frame(7, Cmd.ACK)]


def test_urgent_jumps_the_queue_and_supersede_drops_stale_snapshots() -> None:
    a = sender()
    a.submit(Cmd.EV_LEVEL, b"\x01")
    a.poll(0.0)
    a.take_output()  # level 1 in flight
    a.submit(Cmd.EV_LEVEL, b"\x02")
    a.submit(Cmd.EV_DOOR, b"\x00\x65\x01")
    a.submit(Cmd.EV_LEVEL, b"\x03", supersede=True)  # level 2 is old news
    reply = a.submit(Cmd.STATUS | 0x80, b"\x00\x00", urgent=True)
    sent = []
    t = 0.0
    while not a.idle:
        a.on_frame(Frame(a.in_flight or 0, Cmd.ACK), t)
        a.poll(t)
        sent += frames(a.take_output())
        t += 0.01
    assert [(f.cmd, f.payload) for f in sent] == [
        (Cmd.STATUS | 0x80, b"\x00\x00"), (Cmd.EV_DOOR, b"\x00\x65\x01"),
        (Cmd.EV_LEVEL, b"\x03")]
    assert sent[0].seq == reply


def test_reset_drops_everything_and_restarts_numbering() -> None:
    a = sender()
    a.submit(Cmd.STATUS)
    a.submit(Cmd.HOME)
    a.poll(0.0)
    dropped = a.reset(tx_seq=0)
    assert dropped == [(10, Cmd.STATUS), (11, Cmd.HOME)]
    assert a.idle and a.take_output() == b""
    assert a.submit(Cmd.STATUS) == 0


def test_drop_outbound_keeps_duplicate_detection() -> None:
    a = sender()
    f = Frame(3, Cmd.MOVE, b"x")
    assert a.on_frame(f, 0.0) == f
    a.submit(Cmd.EV_LEVEL, b"\x01")
    a.poll(0.0)
    a.drop_outbound()
    assert a.idle
    assert a.on_frame(f, 0.1) is None  # still recognised as a resend


def test_queue_is_bounded() -> None:
    a = sender(queue_limit=4)
    for i in range(10):
        a.submit(Cmd.EV_LEVEL, bytes([i]))
    assert a.stats.dropped == 6


@pytest.mark.parametrize("seed", range(5))
def test_two_ends_over_a_lossy_line_deliver_everything_once_in_order(seed: int) -> None:
    """Two Arqs joined by a simulated line that corrupts and drops bytes."""
    rng = random.Random(seed)
    a = Arq(ack_timeout_s=ACK_S, max_resends=50)
    b = Arq(ack_timeout_s=ACK_S, max_resends=50)
    da, db = Deframer(), Deframer()
    sent = [bytes([i]) * (i % 9) for i in range(40)]
    for payload in sent:
        a.submit(Cmd.EV_LEVEL, payload)

    def line(data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            r = rng.random()
            if r < 0.03:
                continue
            out.append(byte ^ (1 << rng.randrange(8)) if r < 0.08 else byte)
        return bytes(out)

    got: list[bytes] = []
    t = 0.0
    for _ in range(20000):
        if a.idle:
            break
        assert a.poll(t)
        b.rearm_nak()
        for f in db.feed(line(a.take_output())):
            fresh = b.on_frame(f, t)
            if fresh is not None:
                got.append(fresh.payload)
        if db.bad_frames:
            b.on_bad_frame(t)
        while db.pending:  # the line goes quiet between turns
            for f in db.flush_partial():
                if (fresh := b.on_frame(f, t)) is not None:
                    got.append(fresh.payload)
        a.rearm_nak()
        for f in da.feed(line(b.take_output())):
            a.on_frame(f, t)
        while da.pending:
            for f in da.flush_partial():
                a.on_frame(f, t)
        t += ACK_S / 3
    assert got == sent


def test_encode_of_ack_is_a_plain_frame() -> None:
    assert encode_frame(1, Cmd.ACK) == Frame(1, Cmd.ACK).encode()
