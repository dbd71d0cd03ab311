"""The backend's pass signer/verifier: real, hostile and forged inputs."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.errors import Refusal
from backend.passes import load_or_create_key_file, parse_and_verify, sign_pass

KEY = Ed25519PrivateKey.generate()
PUB = KEY.public_key()
GOOD = sign_pass(KEY, "T1", "demo-ok", "Aurora", 1_900_000_060, "0123456789abcdef0123456789abcdef")


def test_round_trip():
    p = parse_and_verify(PUB, GOOD.text)
    assert (p.tower_id, p.member_id, p.model, p.expires_at) == ("T1", "demo-ok", "Aurora",
                                                                1_900_000_060)
    assert GOOD.text.startswith("towerpass:v1;t=T1;m=demo-ok;p=Aurora;e=1900000060;n=")


def test_empty_model_is_none():
    p = sign_pass(KEY, "T1", "m", None, 1)
    assert parse_and_verify(PUB, p.text).model is None


def _swap(text: str, field: str, value: str) -> str:
    parts = text.split(";")
    return ";".join(f"{field}={value}" if x.startswith(field + "=") else x for x in parts)


@pytest.mark.parametrize("text", [
    "",
    "hello",
    "https://example.com/towerpass:v1",
    GOOD.text + ";",
    GOOD.text + "x",
    " " + GOOD.text,
    GOOD.text.replace("towerpass:v1", "towerpass:v2"),
    GOOD.text.replace(";", ",", 1),
    _swap(GOOD.text, "n", "XYZ"),
    _swap(GOOD.text, "e", "-5"),
    _swap(GOOD.text, "t", "T1;t=T2"),
    _swap(GOOD.text, "m", "a" * 65),
    _swap(GOOD.text, "s", "A" * 85),
    GOOD.text[: GOOD.text.index(";s=")],  # unsigned
    "x" * 5000,  # oversize
    GOOD.text.replace("T1", "Ｔ1"),  # full-width lookalike
    "towerpass:v1;m=demo-ok;t=T1;p=;e=1;n=0123456789abcdef;s=" + "A" * 86,  # field order
])
def test_hostile_inputs_are_pass_invalid(text):
    with pytest.raises(Refusal) as info:
        parse_and_verify(PUB, text)
    assert info.value.reason == "PASS_INVALID"


@pytest.mark.parametrize("field, value", [("t", "T2"), ("m", "demo-credit"), ("p", "Comet"),
                                          ("e", "1999999999"), ("n", "f" * 32)])
def test_any_changed_field_breaks_the_signature(field, value):
    with pytest.raises(Refusal) as info:
        parse_and_verify(PUB, _swap(GOOD.text, field, value))
    assert info.value.reason == "PASS_INVALID"


def test_forgery_with_another_key():
    forged = sign_pass(Ed25519PrivateKey.generate(), "T1", "demo-ok", None, 1_900_000_060)
    with pytest.raises(Refusal):
        parse_and_verify(PUB, forged.text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.builds(lambda a, b: GOOD.text[:a] + b + GOOD.text[a:],
                                          st.integers(0, len(GOOD.text)), st.text(max_size=5)))
def test_fuzz_only_ever_refuses(text):
    try:
        p = parse_and_verify(PUB, text)
    except Refusal as exc:
        assert exc.reason == "PASS_INVALID"
    else:
        assert p.text == GOOD.text == text


def test_key_file_created_private_and_reused(tmp_path):
    path = tmp_path / "keys" / "pass.pem"
    k1 = load_or_create_key_file(path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    k2 = load_or_create_key_file(path)
    msg = b"x"
    k1.public_key().verify(k2.sign(msg), msg)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
