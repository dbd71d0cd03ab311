"""Framing: CRC-16/MODBUS check values, round trips, hostile bytes, resynchronisation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.errors import FrameError, Reason
from drivers.lift_frame import (
    MAX_PAYLOAD,
    OVERHEAD,
    STX,
    Deframer,
    Frame,
    crc16_modbus,
    decode_frame,
    encode_frame,
)


@pytest.mark.parametrize(("data", "crc"), [
    (b"123456789", 0x4B37),  # the catalogue check value of CRC-16/MODBUS
    (b"", 0xFFFF),  # the initial value, untouched
    (bytes.fromhex("01030000000A"), 0xCDC5),  # Modbus read holding registers, sent C5 CD
    (bytes.fromhex("1103006B0003"), 0x8776),  # Modbus spec example, sent 76 87
    (bytes.fromhex("010600010003"), 0x0B98),  # write single register, sent 98 0B
])
def test_crc16_modbus_published_values(data: bytes, crc: int) -> None:
    assert crc16_modbus(data) == crc


def test_crc_is_incremental() -> None:
    assert crc16_modbus(b"56789", crc16_modbus(b"1234")) == 0x4B37


@pytest.mark.parametrize(("seq", "cmd", "payload", "wire"), [
    # The worked examples of drivers/LIFT_PROTOCOL.md, byte for byte.
    (0x00, 0x21, b"", "02 00 00 21 B1 D8"),
    (0x05, 0x06, b"", "02 00 05 06 F2 92"),
    (0x2A, 0x23, b"\x04J-42\x00\x07\x00\x65", "02 09 2A 23 04 4A 2D 34 32 00 07 00 65 04 B4"),
])
def test_protocol_document_examples(seq: int, cmd: int, payload: bytes, wire: str) -> None:
    raw = bytes.fromhex(wire)
    assert encode_frame(seq, cmd, payload) == raw
    assert decode_frame(raw) == Frame(seq, cmd, payload)


@pytest.mark.parametrize(("seq", "cmd", "payload"), [
    (0, 0x21, b""),
    (255, 0xFF, b"\x00"),
    (17, 0x23, bytes([STX]) * 10),  # start bytes inside the payload
    (1, 0xA1, bytes(range(MAX_PAYLOAD))),  # the longest payload
    (200, 0x45, b"\x02\x00\x02\x02"),
])
def test_round_trip(seq: int, cmd: int, payload: bytes) -> None:
    wire = encode_frame(seq, cmd, payload)
    assert len(wire) == OVERHEAD + len(payload)
    assert decode_frame(wire) == Frame(seq, cmd, payload)
    assert Frame(seq, cmd, payload).encode() == wire


@pytest.mark.parametrize(("seq", "cmd", "payload"), [
    (256, 1, b""), (-1, 1, b""), (0, 256, b""), (0, 1, bytes(MAX_PAYLOAD + 1)),
])
def test_encode_rejects_bad_fields(seq: int, cmd: int, payload: bytes) -> None:
    with pytest.raises(FrameError) as info:
        encode_frame(seq, cmd, payload)
    assert info.value.reason is Reason.FRAME_INVALID


GOOD = encode_frame(7, 0x21, b"ab")


@pytest.mark.parametrize(("data", "why"), [
    (b"", "too short"),
    (GOOD[:-1], "length mismatch"),
    (GOOD[:5], "too short"),
    (b"\x03" + GOOD[1:], "bad start"),
    (GOOD[:1] + bytes([MAX_PAYLOAD + 1]) + GOOD[2:], "length out of range"),
    (GOOD + b"\x00", "length mismatch"),
    (GOOD[:1] + b"\x01" + GOOD[2:], "length mismatch"),
    (GOOD[:-1] + bytes([GOOD[-1] ^ 0x01]), "CRC"),
    (GOOD[:4] + b"aB" + GOOD[-2:], "CRC"),  # one payload bit flipped
    (b"\x02\x00\x00\x00\x00\x00", "CRC"),
    (bytes(200), "bad start"),
])
def test_decode_rejects_hostile_frames(data: bytes, why: str) -> None:
    with pytest.raises(FrameError, match=why):
        decode_frame(data)


def test_deframer_splits_and_joins_chunks() -> None:
    frames = [Frame(i, 0x40, bytes([i]) * i) for i in range(5)]
    stream = b"".join(f.encode() for f in frames)
    d = Deframer()
    got = []
    for i in range(len(stream)):  # one byte at a time
        got += d.feed(stream[i:i + 1])
    assert got == frames
    assert Deframer().feed(stream) == frames  # all at once
    assert d.pending == 0 and d.bad_frames == 0


def test_deframer_resynchronises_after_garbage_and_broken_frames() -> None:
    a, b = Frame(1, 0x21, b"x"), Frame(2, 0x46, b"\x02\x02")
    broken = bytearray(a.encode())
    broken[4] ^= 0xFF
    stream = b"\xff\x02\x7f noise \x02" + bytes(broken) + a.encode() + b"\x00\x02" + b.encode()
    d = Deframer()
    got = d.feed(stream)
    # "\x02\x7f" looks like the start of a 127-byte frame: the deframer waits
    # for it until the line goes quiet, then searches again behind it.
    while d.pending:
        got += d.flush_partial()
    assert got == [a, b]
    assert d.bad_frames >= 2
    assert d.skipped_bytes > 0


def test_deframer_gives_up_on_a_truncated_frame_when_told() -> None:
    a = Frame(9, 0x21, b"hello")
    # A frame whose length byte promises more than ever comes, then a good one.
    liar = bytes([STX, 60, 1, 0x21]) + b"zz"
    d = Deframer()
    assert d.feed(liar + a.encode()) == []  # still waiting for the 60 bytes
    assert d.pending > 0
    assert d.flush_partial() == [a]
    assert d.bad_frames == 1 and d.last_bad_seq == 1
    assert d.pending == 0


def test_deframer_reset_drops_partial() -> None:
    d = Deframer()
    d.feed(GOOD[:3])
    d.reset()
    assert d.pending == 0
    assert d.feed(GOOD) == [decode_frame(GOOD)]


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_decode_frame_fuzz_raises_only_frame_error(data: bytes) -> None:
    try:
        frame = decode_frame(data)
    except FrameError:
        return
    assert frame.encode() == data  # anything accepted is exactly a frame


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12))
def test_deframer_fuzz_never_raises(chunks: list[bytes]) -> None:
    d = Deframer()
    for chunk in chunks:
        for frame in d.feed(chunk):
            assert decode_frame(frame.encode()) == frame
    while d.pending:
        d.flush_partial()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.binary(max_size=60), st.integers(0, 255), st.binary(max_size=40))
def test_deframer_finds_a_frame_behind_any_garbage(garbage: bytes, seq: int,
                                                   payload: bytes) -> None:
    frame = Frame(seq, 0x45, payload)
    d = Deframer()
    got = d.feed(garbage + frame.encode())
    while d.pending:
        got += d.flush_partial()
    assert got[-1] == frame


def test_protocol_document_examples_decode() -> None:
    """Every byte example in LIFT_PROTOCOL.md is a valid frame (CRCs included)."""
    doc = (Path(__file__).resolve().parents[2] / "drivers" / "LIFT_PROTOCOL.md").read_text()
    examples = re.findall(r"((?:\b[0-9A-F]{2} ){5,}[0-9A-F]{2})\s*$", doc, re.MULTILINE)
    assert len(examples) >= 15
    for text in examples:
        wire = bytes.fromhex(text)
        assert decode_frame(wire).encode() == wire, text
