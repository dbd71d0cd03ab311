"""Member pass parsing and offline verification (docs/PASS_FORMAT.md).

``parse_pass`` checks syntax only; ``verify_pass`` adds the backend's Ed25519
signature, the tower and the expiry. Every bad input raises ``PassError`` with
a reason the scan screen can explain, and nothing else ever escapes (the parser
is fuzzed): a QR code is untrusted input from anyone's phone.

The kiosk never holds a private key: passes are signed by the backend.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from common.errors import ConfigError, PassError, Reason, short_id

PREFIX = "towerpass:"
VERSION = "v1"
MAX_BYTES = 1024
SIGNATURE_CHARS = 86  # 64 bytes, base64url without padding

# (name, pattern) in the only order allowed. ASCII classes on purpose: \d and
# \w would accept other scripts' digits and letters.
_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("t", re.compile(r"[A-Za-z0-9_-]{1,32}")),
    ("m", re.compile(r"[A-Za-z0-9_-]{1,64}")),
    ("p", re.compile(r"[A-Za-z0-9_-]{0,32}")),
    ("e", re.compile(r"[0-9]{1,12}")),
    ("n", re.compile(r"[0-9a-f]{16,32}")),
    ("s", re.compile(r"[A-Za-z0-9_-]{86}")),
)
_FIELD_NAMES = {"t": "tower", "m": "member", "p": "model", "e": "expiry", "n": "nonce",
                "s": "signature"}


@dataclass(frozen=True)
class MemberPass:
    tower_id: str
    member_id: str = field(repr=False)  # logs get short_id() only
    model: str | None  # pre-picked in the app; None when empty
    expires_s: int  # Unix seconds, UTC
    nonce: str
    signature: bytes = field(repr=False)
    signed_text: str = field(repr=False)  # the UTF-8 text the signature covers
    version: int = 1

    def __repr__(self) -> str:
        return (f"MemberPass(tower_id={self.tower_id!r}, member={short_id(self.member_id)!r}, "
                f"model={self.model!r}, expires_s={self.expires_s}, nonce={self.nonce[:6]!r}…)")


def _as_text(text: str | bytes) -> str:
    if isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        if len(raw) > MAX_BYTES:
            raise PassError(f"QR content is {len(raw)} bytes (max {MAX_BYTES})",
                            reason=Reason.QR_TOO_LARGE, size=len(raw))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PassError("QR content is binary data, not a member pass",
                            reason=Reason.QR_NOT_A_PASS, kind="binary") from None
    if not isinstance(text, str):
        raise PassError("QR content is not text", reason=Reason.QR_NOT_A_PASS,
                        kind=type(text).__name__)
    # len() counts characters, each at least one byte: no need to encode a huge string.
    if len(text) > MAX_BYTES:
        raise PassError(f"QR content is over {MAX_BYTES} bytes", reason=Reason.QR_TOO_LARGE,
                        size=len(text))
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # lone surrogates: not text any app would show
        raise PassError("QR content is not valid text", reason=Reason.QR_NOT_A_PASS,
                        kind="binary") from None
    if size > MAX_BYTES:
        raise PassError(f"QR content is {size} bytes (max {MAX_BYTES})",
                        reason=Reason.QR_TOO_LARGE, size=size)
    return text


def _kind(text: str) -> str:
    """What a foreign QR looks like, for the log (never its content)."""
    low = text[:16].lower()
    if low.startswith(("http://", "https://", "www.")):
        return "url"
    if ":" in low[:12] and low.split(":", 1)[0].isalpha():
        return "other-uri"
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return "binary"
    return "text"


def parse_pass(text: str | bytes) -> MemberPass:
    """Parse the pass syntax; no signature, tower or expiry checks."""
    text = _as_text(text)
    if text[: len(PREFIX)].lower() != PREFIX:
        raise PassError("this QR code is not a member pass", reason=Reason.QR_NOT_A_PASS,
                        kind=_kind(text))
    if not text.startswith(PREFIX):
        raise PassError("member pass prefix must be lower case", reason=Reason.PASS_INVALID,
                        field="prefix")
    parts = text[len(PREFIX):].split(";")
    if parts[0] != VERSION:
        raise PassError(f"unsupported member pass version {parts[0][:8]!r}",
                        reason=Reason.PASS_INVALID, field="version")
    if len(parts) != 1 + len(_FIELDS):
        raise PassError(f"member pass has {len(parts) - 1} fields, expected {len(_FIELDS)}",
                        reason=Reason.PASS_INVALID, field="count")
    values: dict[str, str] = {}
    for part, (name, pattern) in zip(parts[1:], _FIELDS, strict=True):
        key, eq, value = part.partition("=")
        if key != name or not eq:
            raise PassError(f"member pass field {name}= expected, found {key[:4]!r}",
                            reason=Reason.PASS_INVALID, field=_FIELD_NAMES[name])
        if not pattern.fullmatch(value):
            raise PassError(f"member pass field {_FIELD_NAMES[name]} is malformed",
                            reason=Reason.PASS_INVALID, field=_FIELD_NAMES[name])
        values[name] = value
    signature = _signature_bytes(values["s"])
    return MemberPass(tower_id=values["t"], member_id=values["m"], model=values["p"] or None,
                      expires_s=int(values["e"]), nonce=values["n"], signature=signature,
                      signed_text=text[: text.rindex(";s=")])


def _signature_bytes(b64: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(b64 + "==")
    except (binascii.Error, ValueError):
        raw = b""
    # 86 characters carry 4 spare bits; only the canonical spelling is accepted,
    # or one signed pass would have 16 valid texts.
    if len(raw) != 64 or base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != b64:
        raise PassError("member pass signature is malformed", reason=Reason.PASS_INVALID,
                        field="signature")
    return raw


def public_key_from_base64(b64: str) -> bytes:
    """The backend's raw 32-byte Ed25519 key from its base64 (config) form."""
    try:
        raw = base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError("backend.pass_public_key is not a base64 32-byte Ed25519 key",
                          key="backend.pass_public_key")
    return raw


def _load_key(public_key: bytes) -> Ed25519PublicKey:
    if len(public_key) != 32:
        raise ConfigError("pass public key must be 32 raw bytes",
                          key="backend.pass_public_key", size=len(public_key))
    try:
        return Ed25519PublicKey.from_public_bytes(bytes(public_key))
    except ValueError as exc:
        raise ConfigError(f"pass public key is invalid: {exc}",
                          key="backend.pass_public_key") from None


def verify_pass(text: str | bytes, public_key: bytes, tower_id: str, now_s: float,
                leeway_s: float = 0.0) -> MemberPass:
    """Parse and check a pass offline: signature, then tower, then expiry.

    The signature comes first so a forgery is reported as a forgery, whatever
    else is wrong with it. A pass is valid while ``now_s < expires_s + leeway_s``.
    Single use is the backend's check (``PASS_REPLAYED`` comes from there).
    """
    key = _load_key(public_key)
    member_pass = parse_pass(text)
    try:
        key.verify(member_pass.signature, member_pass.signed_text.encode("utf-8"))
    except InvalidSignature:
        raise PassError("member pass signature does not verify", reason=Reason.PASS_INVALID,
                        check="signature") from None
    if member_pass.tower_id != tower_id:
        raise PassError("member pass is for another tower", reason=Reason.PASS_WRONG_TOWER,
                        pass_tower=member_pass.tower_id, tower=tower_id)
    if now_s >= member_pass.expires_s + leeway_s:
        raise PassError("member pass has expired", reason=Reason.PASS_EXPIRED,
                        expired_s_ago=round(now_s - member_pass.expires_s, 1))
    return member_pass
