"""One redaction for every log record, the kiosk's and the backend's alike.

Callers keep secrets out of their messages (``short_id`` for member ids, no
keys or hashes in f-strings, ``repr=False`` on secret fields); this is the net
under them. ``RedactingFilter`` works on the record's fully formatted text
(message with its arguments, exception and stack text), so a secret is masked
whatever put it there: ``%r`` of a config, a dict of headers, an exception
message. What it masks, by shape:

- member pass texts (``towerpass:...``, also URL-encoded), which open Return and Buy;
- bearer and basic credentials (``Authorization: Bearer <kiosk key or member token>``);
- password hashes (``scrypt$...``, ``pbkdf2...$``, ``argon2...$``) and long hex
  strings (40+ digits: SHA-1/SHA-256 digests such as key and token hashes);
- the value of any ``name=value`` / ``'name': value`` whose name says secret
  (``kiosk_key``, ``token``, ``password``, ``pin``, ``pin_hash``, ``secret``,
  ``X-Staff-Session``, ...;
  public keys, idempotency keys and a bare ``key`` are not secrets);
- member ids after ``m=`` (cut to 6 characters) and long runs of decimals (an
  embedding must never reach a log);
- and, exactly, any string handed to the filter as a known secret (the kiosk
  passes its config's key and hashes, whatever their shape).

Leaf module: the standard library only, so ``kiosk/`` and ``backend/`` share it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "***"
# Known secrets shorter than this are not replaced verbatim: masking "1" or
# "K1" everywhere would garble every log line and protect nothing.
MIN_SECRET_CHARS = 6

_STOP = r"\s\"',;(){}\[\]<>"
# The pass's own alphabet (docs/PASS_FORMAT.md), plus % for one inside a URL.
_PASS = re.compile(r"towerpass(?::|%3A)[A-Za-z0-9_;=:%-]+", re.IGNORECASE)
_CREDENTIAL = re.compile(rf"\b(Bearer|Basic)(\s+)(?!\*\*\*)[^{_STOP}]+", re.IGNORECASE)
_PW_HASH = re.compile(rf"\b(scrypt|pbkdf2[\w-]*|argon2\w*)\$[^{_STOP}]+", re.IGNORECASE)
_HEX = re.compile(r"\b[0-9a-fA-F]{40,}\b")
_NAMED = re.compile(
    r"(?<![\w-])(?P<name>(?:[A-Za-z0-9]+[_-])*"
    r"(?:key|token|secret|password|passwd|pin|pins|pin_hash|pass_text|credentials?"
    r"|staff[_-]session)s?)"
    r"(?P<sep>['\"]?\s*[=:]\s*)"
    rf"(?P<value>'[^']*'|\"(?:[^\"\\]|\\.)*\"|[^{_STOP}]+)",
    re.IGNORECASE)
_NOT_SECRET = ("public", "idempotency")
# A bare "key" names a config key or a table key far more often than a secret
# (``ConfigError`` context: ``key='backend.url'``); secret keys have a prefix.
_PLAIN_NAMES = frozenset({"key", "keys"})
_MEMBER = re.compile(r"\b(m=)([A-Za-z0-9_-]{7,})")
_FLOATS = re.compile(r"(?:-?\d+\.\d+,\s*){16,}-?\d+\.\d+")


def _named(m: re.Match[str]) -> str:
    name, value = m.group("name"), m.group("value")
    if name.lower() in _PLAIN_NAMES or any(word in name.lower() for word in _NOT_SECRET):
        return m.group(0)
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{name}{m.group('sep')}{quote}{MASK}{quote}"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret-shaped part (and every string in ``secrets``) masked."""
    for secret in sorted((s for s in secrets if len(s) >= MIN_SECRET_CHARS), key=len,
                         reverse=True):
        text = text.replace(secret, MASK)
    text = _PASS.sub("towerpass:<redacted>", text)
    text = _CREDENTIAL.sub(rf"\1\2{MASK}", text)
    text = _PW_HASH.sub(rf"\1${MASK}", text)
    text = _HEX.sub(MASK, text)
    text = _NAMED.sub(_named, text)
    text = _MEMBER.sub(lambda m: f"{m.group(1)}{m.group(2)[:6]}…", text)
    return _FLOATS.sub("<vector redacted>", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final text; never drops a record.

    The record leaves with its message formatted and redacted and no
    arguments left (so no formatter can render an argument again), and with
    its exception and stack text already rendered and redacted (formatters
    reuse ``exc_text`` rather than format the exception again).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            msg = record.getMessage()
        except Exception:  # noqa: BLE001 - logging would print the raw args to stderr
            msg = f"{record.msg} [log arguments did not format]"
        record.msg, record.args = redact(msg, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(logger: logging.Logger | None = None, secrets: Iterable[str] = ()) -> RedactingFilter:
    """Put one ``RedactingFilter`` on every handler of ``logger`` (the root by
    default) that has none yet; returns the filter.

    On handlers, not on the logger: a logger's own filters do not see records
    that propagate up from child loggers, its handlers do.
    """
    logger = logger or logging.getLogger()
    redactor = RedactingFilter(secrets)
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    return redactor
