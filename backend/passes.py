"""Member passes (docs/PASS_FORMAT.md): issue, sign and verify.

``towerpass:v1;t=<tower>;m=<member>;p=<model>;e=<expiry>;n=<nonce>;s=<sig>``
signed with Ed25519 over the text before ``;s=``. The backend keeps its own
parser (it never imports kiosk code); both follow the same document.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from backend.errors import Refusal

PREFIX = "towerpass:v1"
MAX_PASS_BYTES = 1024
PASS_RE = re.compile(
    r"towerpass:v1;t=(?P<t>[A-Za-z0-9_-]{1,32});m=(?P<m>[A-Za-z0-9_-]{1,64});"
    r"p=(?P<p>[A-Za-z0-9_-]{0,32});e=(?P<e>[0-9]{1,12});n=(?P<n>[0-9a-f]{16,32});"
    r"s=(?P<s>[A-Za-z0-9_-]{86})")


@dataclass(frozen=True)
class MemberPass:
    tower_id: str
    member_id: str
    model: str | None
    expires_at: int
    nonce: str
    text: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_pass(key: Ed25519PrivateKey, tower_id: str, member_id: str, model: str | None,
              expires_at: int, nonce: str | None = None) -> MemberPass:
    nonce = nonce or secrets.token_hex(16)
    body = f"{PREFIX};t={tower_id};m={member_id};p={model or ''};e={int(expires_at)};n={nonce}"
    text = f"{body};s={_b64url(key.sign(body.encode('utf-8')))}"
    if not PASS_RE.fullmatch(text):
        raise ValueError(f"fields do not fit the pass format: {body!r}")
    return MemberPass(tower_id, member_id, model or None, int(expires_at), nonce, text)


def parse_and_verify(public_key: Ed25519PublicKey, text: str) -> MemberPass:
    """Syntax and signature only; expiry, tower and replay are the caller's
    (they need the clock, the kiosk and the database)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PASS_BYTES:
        raise Refusal("PASS_INVALID", "The pass is too long.")
    m = PASS_RE.fullmatch(text)
    if m is None:
        raise Refusal("PASS_INVALID", "This is not a member pass.")
    body, sig_text = text.rsplit(";s=", 1)
    try:
        sig = base64.urlsafe_b64decode(sig_text + "==")
        # Only the one canonical spelling (no padding, zero trailing bits):
        # otherwise one signed pass has several texts, each a "new" pass to
        # anything that compares texts, and Ed25519 accepts them all.
        if _b64url(sig) != sig_text:
            raise ValueError("non-canonical base64")
        public_key.verify(sig, body.encode("utf-8"))
    except (InvalidSignature, binascii.Error, ValueError):
        raise Refusal("PASS_INVALID", "The pass signature is not valid.") from None
    return MemberPass(m["t"], m["m"], m["p"] or None, int(m["e"]), m["n"], text)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def load_private_key_pem(pem: str | bytes) -> Ed25519PrivateKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the pass key is not an Ed25519 private key")
    return key


def load_or_create_key_file(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """Read the PEM at ``path``, creating it (mode 0600) if it does not exist."""
    p = Path(path)
    if p.exists():
        return load_private_key_pem(p.read_bytes())
    key = Ed25519PrivateKey.generate()
    p.parent.mkdir(parents=True, exist_ok=True)
    # Write aside, then link into place: link fails if another process won the
    # race, and nobody ever reads a half-written key.
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(private_key_pem(key))
        try:
            os.link(tmp, p)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return load_private_key_pem(p.read_bytes())
