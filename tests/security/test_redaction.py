"""Issue #13, hardening: "a ``%r`` of the config writes the kiosk key and PIN
hash to the log file". Secrets never show in the config's repr or errors, and
the one redacting filter (``common.redact``) masks keys, PINs, hashes, bearer
tokens and pass texts in every record, whatever formats them: through the
kiosk's real logging setup into its real log file, and through the backend's.
"""

from __future__ import annotations

import logging

import pytest

from common.errors import ConfigError
from common.redact import RedactingFilter
from kiosk.config import parse_config
from kiosk.logs import setup_logging
from kiosk.staff.gate import hash_pin

KIOSK_KEY = "kq8Zr-Secret-Kiosk-Key-f00d"
MEMBER_TOKEN = "mt_9fQe2LrVb7c1-member-token"
STAFF_SESSION = "ss_0Jx3-staff-session-token"
PIN = "482913"
PASS = ("towerpass:v1;t=T1;m=member-with-a-long-id;p=;e=1999999999;n=0123456789abcdef;s="
        + "A" * 86)
TOKEN_HASH = "9" * 24 + "abcdef0123456789" * 2 + "8" * 8  # 64 hex digits


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)


@pytest.fixture
def config(pin_hash: str):
    return parse_config({"backend": {"kiosk_key": KIOSK_KEY},
                         "staff": {"pin_hash": pin_hash, "pins": {"alice": pin_hash}}}, {})


def secrets_in(text: str, pin_hash: str) -> list[str]:
    salt_and_digest = pin_hash.split("$", 4)[4]
    found = [s for s in (KIOSK_KEY, MEMBER_TOKEN, STAFF_SESSION, TOKEN_HASH, salt_and_digest,
                         "member-with-a-long-id", "A" * 86) if s in text]
    return found + [f"PIN {PIN}"] * (PIN in text)


def test_the_config_never_shows_a_secret_in_its_repr_str_or_errors(config, pin_hash):
    for text in (repr(config), str(config), repr(config.backend), repr(config.staff),
                 f"{config!r}", "%r" % (config,)):  # noqa: UP031 - the finding's own form
        assert secrets_in(text, pin_hash) == []
        assert "kiosk_key" not in text and "pin_hash" not in text
    assert config.backend.kiosk_key == KIOSK_KEY  # still there for the code that needs it
    # A secret of the wrong type is named, never echoed.
    for data in ({"backend": {"kiosk_key": 12345678}}, {"staff": {"pin_hash": 482913}}):
        with pytest.raises(ConfigError) as err:
            parse_config(data, {})
        assert "12345678" not in str(err.value) and PIN not in str(err.value)
        assert "12345678" not in repr(err.value.to_dict())


def _log_everything(log: logging.Logger, config, pin_hash: str) -> None:
    log.info("config %r", config)
    log.info("config as dict %s", config.__dict__)
    log.info("scanned %s", PASS)
    log.info(f"pre-formatted {PASS!r}")  # noqa: G004 - the point: no args to filter
    log.info("headers %s", {"Authorization": f"Bearer {KIOSK_KEY}", "X-Kiosk-Id": "K1",
                            "X-Staff-Session": STAFF_SESSION})
    log.info("member app sent Authorization: Bearer %s", MEMBER_TOKEN)
    log.info("hash %s and %s", pin_hash, TOKEN_HASH)
    log.info("staff login %s", {"name": "alice", "pin": PIN})
    log.info("kiosk key is %s", config.backend.kiosk_key)  # bare: the config's own secret
    try:
        raise RuntimeError(f"request failed with key={KIOSK_KEY} for {PASS}")
    except RuntimeError:
        log.exception("boom %s", pin_hash)
    log.warning("with stack", stack_info=True)


def test_the_kiosk_log_file_holds_no_secret(tmp_path, config, pin_hash):
    path = setup_logging(tmp_path, "DEBUG", console=False, secrets=config.secret_values())
    try:
        _log_everything(logging.getLogger("kiosk.test_redaction"), config, pin_hash)
        for h in logging.getLogger().handlers:
            h.flush()
    finally:
        setup_logging(None, "INFO", console=False)
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 11 and "Bearer ***" in text and "towerpass:<redacted>" in text
    assert secrets_in(text, pin_hash) == []


def test_the_kiosk_console_holds_no_secret(config, pin_hash, capsys):
    setup_logging(None, "DEBUG", console=True)  # without the config's secrets: shapes only
    try:
        _log_everything(logging.getLogger("kiosk.test_redaction"), config, pin_hash)
    finally:
        setup_logging(None, "INFO", console=False)
    err = capsys.readouterr().err
    assert "config" in err
    assert secrets_in(err, pin_hash) == [KIOSK_KEY] * (KIOSK_KEY in err)  # bare key: see above
    assert f"kiosk_key='{KIOSK_KEY}'" not in err and f"Bearer {KIOSK_KEY}" not in err


def test_the_backend_process_logging_redacts_too(tmp_path, config, pin_hash, capsys):
    """``kiosk-backend`` installs the same filter on the handlers it sets up
    (here it stops at once on a missing certificate, after its logging setup)."""
    from backend.__main__ import main

    root = logging.getLogger()
    saved, saved_level = root.handlers[:], root.level
    root.handlers = []  # as in a fresh process: basicConfig adds the handler
    try:
        assert main(["--db", f"sqlite:///{tmp_path / 'b.db'}", "--port", "0",
                     "--tls-cert", str(tmp_path / "none.pem"), "--tls-key",
                     str(tmp_path / "none.key"), "--log-level", "debug"]) == 2
        assert root.handlers and all(any(isinstance(f, RedactingFilter) for f in h.filters)
                                     for h in root.handlers)
        _log_everything(logging.getLogger("backend.test_redaction"), config, pin_hash)
        _log_everything(logging.getLogger("uvicorn.error"), config, pin_hash)
    finally:
        for h in root.handlers:
            h.close()
        root.handlers, root.level = saved, saved_level
    err = capsys.readouterr().err
    assert "Bearer ***" in err
    assert secrets_in(err, pin_hash) == [KIOSK_KEY] * (KIOSK_KEY in err)


@pytest.mark.parametrize(("raw", "secret", "kept"), [
    ("scan towerpass:v1;t=T1;m=demo-ok-123;p=;e=1;n=ab;s=xyz ok", "demo-ok-123", "scan"),
    ("url /pass?p=towerpass%3Av1%3Bt%3DT1%3Bm%3Dsecret-m&x=1", "secret-m", "&x=1"),
    ("member m=abcdefghijkl arrived", "abcdefghijkl", "m=abcdef"),
    ("emb " + ", ".join(["0.123"] * 128), "0.123, 0.123, 0.123", "emb"),
    ("Authorization: Bearer abc.def-ghi", "abc.def-ghi", "Authorization: Bearer"),
    ("authorization: basic dXNlcjpwdw==", "dXNlcjpwdw", "basic"),
    ("hash scrypt$16384$8$1$c2FsdA==$ZGlnZXN0 end", "ZGlnZXN0", "end"),
    ("key hash " + "ab" * 32, "ab" * 32, "key hash"),
    ("Config(kiosk_key='s3cr3t-value', url='https://b')", "s3cr3t-value", "url='https://b'"),
    ('{"kiosk_key": "s3cr3t \\"q\\" v", "key": "backend.url"}', "s3cr3t", "backend.url"),
    ("token=tok-123 password = 'pw 1' pin: 482913", "tok-123", "token="),
    ("token=tok-123 password = 'pw 1' pin: 482913", "pw 1", "password"),
    ("token=tok-123 password = 'pw 1' pin: 482913", "482913", "pin"),
    ("{'X-Staff-Session': 'ss-1', 'Idempotency-Key': 'idem-1'}", "ss-1", "idem-1"),
    ("pass_public_key=AAAA job job-0123456789abcdef", "", "job job-0123456789abcdef"),
    ("ping=3 spin=4 monkey=5 key=backend.url", "", "ping=3 spin=4 monkey=5 key=backend.url"),
])
def test_redaction_by_shape(raw, secret, kept):
    from common.redact import redact

    out = redact(raw)
    assert (secret not in out) if secret else out == raw
    assert kept in out
    assert redact(out) == out  # idempotent: a record filtered twice reads the same


def test_a_record_whose_arguments_do_not_format_is_kept_redacted():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %d %s",
                               (f"Bearer {KIOSK_KEY}",), None)
    assert RedactingFilter().filter(record)
    assert KIOSK_KEY not in record.getMessage() and record.args is None


def test_the_diagnostics_bundle_masks_what_an_older_log_file_still_holds(tmp_path, config,
                                                                         pin_hash):
    """Logs written before this filter existed go to a USB stick with the bundle:
    they pass through the same redaction on the way out."""
    import dataclasses
    import zipfile

    from kiosk.staff.diag import write_bundle

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "kiosk.log").write_text(
        f'{{"msg": "config Config(kiosk_key=\'{KIOSK_KEY}\', pin_hash=\'{pin_hash}\')"}}\n'
        f'{{"msg": "scanned {PASS} with Authorization: Bearer {MEMBER_TOKEN}"}}\n',
        encoding="utf-8")
    cfg = dataclasses.replace(config, kiosk=dataclasses.replace(config.kiosk,
                                                                log_dir=str(logs)))
    bundle = write_bundle(tmp_path / "usb", cfg, version="test", self_test=lambda: {},
                          health={}, journal=None, audit=None)
    with zipfile.ZipFile(bundle) as z:
        text = "\n".join(z.read(name).decode("utf-8") for name in z.namelist())
    assert "kiosk.log" in text and "towerpass:<redacted>" in text
    assert secrets_in(text, pin_hash) == []
