"""Lift controller framing: pure encode/decode, CRC-16/MODBUS, a streaming deframer.

Wire format (drivers/LIFT_PROTOCOL.md has the full story and worked examples)::

    STX  LEN  SEQ  CMD  PAYLOAD[LEN]  CRC_lo  CRC_hi
    0x02 u8   u8   u8   bytes          CRC-16/MODBUS over LEN..PAYLOAD

Nothing here does I/O or keeps time, so every function is testable with
tables and hypothesis. The only exception this module raises is
``common.errors.FrameError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import FrameError

STX = 0x02
HEADER_LEN = 4  # STX LEN SEQ CMD
CRC_LEN = 2
OVERHEAD = HEADER_LEN + CRC_LEN
# Far below the u8 ceiling on purpose: a corrupted LEN byte above it is
# rejected at once instead of making the receiver wait for bytes that never come.
MAX_PAYLOAD = 128
MAX_FRAME = OVERHEAD + MAX_PAYLOAD


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _crc_table()


def crc16_modbus(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """CRC-16/MODBUS (poly 0x8005 reflected, init 0xFFFF); check value 0x4B37."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True)
class Frame:
    seq: int
    cmd: int
    payload: bytes = b""

    def encode(self) -> bytes:
        return encode_frame(self.seq, self.cmd, self.payload)


def encode_frame(seq: int, cmd: int, payload: bytes = b"") -> bytes:
    """Bytes for one frame; a bad field is a programming error (FrameError)."""
    if not 0 <= seq <= 0xFF or not 0 <= cmd <= 0xFF:
        raise FrameError("seq and cmd must be bytes", seq=seq, cmd=cmd)
    if len(payload) > MAX_PAYLOAD:
        raise FrameError("payload too long", length=len(payload), limit=MAX_PAYLOAD)
    body = bytes((len(payload), seq, cmd)) + bytes(payload)
    crc = crc16_modbus(body)
    return bytes((STX,)) + body + bytes((crc & 0xFF, crc >> 8))


def decode_frame(data: bytes | bytearray) -> Frame:
    """Exactly one frame from ``data``; anything else raises FrameError."""
    data = bytes(data)
    if len(data) < OVERHEAD:
        raise FrameError("frame too short", length=len(data))
    if data[0] != STX:
        raise FrameError("bad start byte", start=data[0])
    length = data[1]
    if length > MAX_PAYLOAD:
        raise FrameError("length out of range", length=length)
    if len(data) != OVERHEAD + length:
        raise FrameError("length mismatch", declared=length, actual=len(data) - OVERHEAD)
    want = crc16_modbus(data[1:HEADER_LEN + length])
    got = data[-2] | (data[-1] << 8)
    if want != got:
        raise FrameError("CRC mismatch", want=want, got=got)
    return Frame(seq=data[2], cmd=data[3], payload=data[HEADER_LEN:HEADER_LEN + length])


class Deframer:
    """Turns an arbitrary byte stream into frames, resynchronising after garbage.

    ``feed`` never raises: broken candidates are counted in ``bad_frames``
    (``last_bad_seq`` keeps the sequence byte they claimed, a hint for NAK)
    and the search restarts one byte after the rejected start byte, so a
    real frame hidden behind noise is still found.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.bad_frames = 0
        self.skipped_bytes = 0
        self.last_bad_seq: int | None = None

    @property
    def pending(self) -> int:
        """Bytes held while waiting for the rest of a candidate frame."""
        return len(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes | bytearray) -> list[Frame]:
        self._buf.extend(data)
        return self._scan()

    def flush_partial(self) -> list[Frame]:
        """Give up on the incomplete candidate at the head of the buffer.

        Called when the line went quiet mid-frame (a lost byte or a corrupted
        LEN that promised more bytes than were sent): the candidate is
        counted as bad and the bytes after its start byte are searched again.
        """
        if not self._buf:
            return []
        self._reject_head()
        return self._scan()

    def _reject_head(self) -> None:
        self.bad_frames += 1
        self.last_bad_seq = self._buf[2] if len(self._buf) > 2 else None
        del self._buf[0]

    def _scan(self) -> list[Frame]:
        frames: list[Frame] = []
        buf = self._buf
        while buf:
            start = buf.find(STX)
            if start < 0:
                self.skipped_bytes += len(buf)
                buf.clear()
                break
            if start:
                self.skipped_bytes += start
                del buf[:start]
            if len(buf) < 2:
                break
            length = buf[1]
            if length > MAX_PAYLOAD:
                # Not a frame start after all: a data byte that happens to be STX.
                self.skipped_bytes += 1
                del buf[0]
                continue
            total = OVERHEAD + length
            if len(buf) < total:
                break
            try:
                frames.append(decode_frame(buf[:total]))
            except FrameError:
                self._reject_head()
                continue
            del buf[:total]
        return frames
