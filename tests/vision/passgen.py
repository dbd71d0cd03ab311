"""Test-side pass signing: the kiosk never holds a private key, the tests do.

Same format as docs/PASS_FORMAT.md and the backend's signer.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def new_key() -> tuple[Ed25519PrivateKey, bytes]:
    """A private key and its raw 32-byte public key."""
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, public


def key_from_seed(seed: bytes) -> tuple[Ed25519PrivateKey, bytes]:
    """A deterministic key (32-byte seed) for reproducible corpora."""
    private = Ed25519PrivateKey.from_private_bytes(seed.ljust(32, b"\0")[:32])
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_pass(private: Ed25519PrivateKey, tower: str = "T1", member: str = "M0001",
              model: str = "", expires_s: int = 2_000_000_000,
              nonce: str | None = None) -> str:
    nonce = nonce or secrets.token_hex(8)
    body = f"towerpass:v1;t={tower};m={member};p={model};e={expires_s};n={nonce}"
    return f"{body};s={b64url(private.sign(body.encode()))}"
