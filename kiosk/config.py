"""One validated configuration object, read from TOML, overridable by env.

``parse_config(data, env)`` is pure: a dict (from TOML) plus an environment
mapping in, a frozen ``Config`` out, or a ``ConfigError`` naming the bad key
and value. Units are in the names (``ack_timeout_s``). Environment variables
``KIOSK_<SECTION>__<KEY>`` (e.g. ``KIOSK_LIFT__URL``) win over the file.

Secrets (the kiosk key, PIN hashes) never show in a repr, str or error
message of the config: ``repr=False`` fields, ``redacted()`` for a dump.
Every key here is read by the kiosk; a key nothing reads any more moves to
``_RETIRED`` so a file still setting it is told so (tests/kiosk/test_config.py
checks that every field is read somewhere).

A bad config never starts a half-working kiosk: ``load_config`` raises before
anything else is built.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import tomllib
import typing
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import platformdirs

from common.errors import ConfigError

APP_NAME = "tower-kiosk"
ENV_PREFIX = "KIOSK_"


def _default_dir(kind: str) -> str:
    fn = {"data": platformdirs.user_data_dir, "log": platformdirs.user_log_dir,
          "config": platformdirs.user_config_dir}[kind]
    return fn(APP_NAME, appauthor=False)


@dataclass(frozen=True)
class KioskSection:
    id: str = "K1"
    tower_id: str = "T1"
    language: str = "en"  # "en" or "zh_CN"
    kiosk_mode: bool = True  # full screen, frameless, locked down
    data_dir: str = field(default_factory=lambda: _default_dir("data"))
    log_dir: str = field(default_factory=lambda: _default_dir("log"))
    log_level: str = "INFO"


@dataclass(frozen=True)
class BackendSection:
    # https:// anywhere; plain http:// only to this machine (the demo's
    # loopback backend) unless ``allow_insecure_http``.
    url: str = "http://127.0.0.1:8700"
    kiosk_key: str = field(default="", repr=False)
    # PEM file of the CA(s) to trust for the backend's certificate instead of
    # the system's; empty = the system's.
    ca_file: str = ""
    # Hex SHA-256 of the backend certificate's DER: with it, that certificate
    # and no other is accepted, CA-signed or not. Checked during the TLS
    # handshake, before the kiosk key is sent.
    pin_sha256: str = ""
    allow_insecure_http: bool = False
    timeout_s: float = 5.0
    retries: int = 2
    # Base64 of the backend's raw Ed25519 public key; empty = fetch it from
    # the backend once at start-up (demo only; production pins it).
    pass_public_key: str = ""
    # A kiosk clock a few seconds fast must not refuse a fresh 60 s pass offline;
    # the backend still enforces expiry with its own clock.
    pass_leeway_s: float = 5.0
    heartbeat_s: float = 30.0
    health_poll_s: float = 5.0


@dataclass(frozen=True)
class CameraSection:
    url: str = "device:0"
    # No new frame for this long = stalled; above the ~1-2 s a model load can
    # hold the interpreter on a 2-core kiosk.
    stall_timeout_s: float = 3.0
    preview_fps: int = 30


@dataclass(frozen=True)
class LiftSection:
    url: str = "/dev/ttyUSB0"
    baudrate: int = 115200
    ack_timeout_s: float = 0.25
    reply_timeout_s: float = 2.0
    max_resends: int = 3
    move_timeout_s: float = 240.0


@dataclass(frozen=True)
class JourneySection:
    warn_s: float = 15.0
    scan_idle_s: float = 60.0
    choose_idle_s: float = 90.0
    selfie_idle_s: float = 90.0
    result_idle_s: float = 45.0  # handover, returned, ordered
    refused_idle_s: float = 30.0


@dataclass(frozen=True)
class SelfieSection:
    # The backend draws the challenges and judges the frames (issue #12); the
    # kiosk's own check only guides the member through them.
    challenge_timeout_s: float = 6.0
    # What the kiosk streams to the backend: ~10 frames/s, 640 px wide, JPEG
    # quality 70 keeps a cooperative selfie near 600 KB and the backend's
    # liveness as good as on full frames. Past the budget only the frames
    # where the check moved on are still sent.
    upload_ready_fps: float = 10.0
    upload_width_px: int = 640
    upload_jpeg_quality: int = 50
    upload_budget_bytes: int = 2_000_000


@dataclass(frozen=True)
class StaffSection:
    # The OFFLINE PIN: scrypt hash "scrypt$n$r$p$salt_b64$hash_b64" (6-12
    # digits) checked on the kiosk only when the backend cannot answer, for
    # local work (health, lift control, logs); audited as "staff". Online,
    # the backend checks each person's own PIN and issues a staff session.
    # Empty and no ``pins``: no offline entry (online logins still work).
    pin_hash: str = field(default="", repr=False)
    # Offline PINs per person, name -> hash: the audit log then says who.
    pins: dict[str, str] = field(default_factory=dict, repr=False)
    max_attempts: int = 5
    # The first offline lockout; later ones escalate (x5, x30, x120) and
    # survive a restart (data_dir/staff_lockout.json).
    lockout_s: float = 300.0
    idle_logout_s: float = 120.0
    corner_press_s: float = 3.0


@dataclass(frozen=True)
class SpeechSection:
    # The "Read aloud" engine (drivers/speech.py): "espeak-ng:" (on PATH),
    # "espeak-ng:/path/to/espeak-ng", or "none:" for no speech.
    url: str = "espeak-ng:"
    rate_wpm: int = 150


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    backend: BackendSection = field(default_factory=BackendSection)
    camera: CameraSection = field(default_factory=CameraSection)
    lift: LiftSection = field(default_factory=LiftSection)
    journey: JourneySection = field(default_factory=JourneySection)
    selfie: SelfieSection = field(default_factory=SelfieSection)
    staff: StaffSection = field(default_factory=StaffSection)
    speech: SpeechSection = field(default_factory=SpeechSection)

    def redacted(self) -> dict[str, Any]:
        """The config as a dict with secrets masked (diagnostics bundle, logs)."""
        out = dataclasses.asdict(self)
        for section, key in SECRETS:
            if out[section][key]:
                out[section][key] = "***"
        out["staff"]["pins"] = {name: "***" for name in out["staff"]["pins"]}
        return out

    def secret_values(self) -> list[str]:
        """Every secret string in the config (to scrub from text as a second net)."""
        values = [getattr(getattr(self, section), key) for section, key in SECRETS]
        return [v for v in (*values, *self.staff.pins.values()) if v]


SECRETS = (("backend", "kiosk_key"), ("staff", "pin_hash"))
_SECRET_KEYS = frozenset({*SECRETS, ("staff", "pins")})
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
LOOPBACK_NAMES = frozenset({"localhost"})


def url_host(url: str) -> str | None:
    """The host of an http(s) URL a client may safely be pointed at, else None.

    Refused: other schemes, no host, and user info, backslashes, whitespace
    or control characters anywhere (``http://127.0.0.1\\@evil`` parses to
    different hosts in different parsers; a backend URL never needs them).
    """
    if not isinstance(url, str) or re.search(r"[\\@\s\x00-\x1f\x7f]", url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: this machine, whatever the network does."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_refusal(url: str, allow_insecure_http: bool) -> str | None:
    """Why the kiosk must not talk to ``url`` without TLS, or None if it may."""
    host = url_host(url)
    if host is None or not url.lower().startswith("http://"):
        return None
    if allow_insecure_http or is_loopback(host):
        return None
    return (f"plain http:// sends the kiosk key unprotected, so it is allowed only to this "
            f"machine (127.0.0.0/8, ::1, localhost), not to {host}: use https:// or set "
            f"backend.allow_insecure_http = true")


# Extra checks beyond the type: (section, key) -> (predicate, "what is expected").
_RULES: dict[tuple[str, str], tuple[Any, str]] = {
    ("kiosk", "language"): (lambda v: v in ("en", "zh_CN"), "one of en, zh_CN"),
    ("kiosk", "log_level"): (lambda v: v in ("DEBUG", "INFO", "WARNING", "ERROR"),
                             "one of DEBUG, INFO, WARNING, ERROR"),
    ("kiosk", "id"): (lambda v: 0 < len(v) <= 32, "1 to 32 characters"),
    ("kiosk", "tower_id"): (lambda v: 0 < len(v) <= 32, "1 to 32 characters"),
    ("backend", "url"): (lambda v: url_host(v) is not None,
                         "an http(s) URL with a host and no user info"),
    ("backend", "pin_sha256"): (lambda v: not v or re.fullmatch(r"[0-9a-f]{64}", v),
                                "64 hex digits (the SHA-256 of the certificate's DER)"),
    ("backend", "ca_file"): (lambda v: not v or Path(v).is_file(), "an existing PEM file"),
    ("backend", "retries"): (lambda v: 0 <= v <= 10, "between 0 and 10"),
    ("lift", "baudrate"): (lambda v: v in (9600, 19200, 38400, 57600, 115200, 230400),
                           "a standard baud rate"),
    ("lift", "max_resends"): (lambda v: 0 <= v <= 10, "between 0 and 10"),
    ("selfie", "upload_ready_fps"): (lambda v: 1 <= v <= 30, "between 1 and 30"),
    ("selfie", "upload_width_px"): (lambda v: 160 <= v <= 1920, "between 160 and 1920"),
    ("selfie", "upload_jpeg_quality"): (lambda v: 30 <= v <= 95, "between 30 and 95"),
    # The backend takes at most 4 MB of one selfie (backend.selfie_routes).
    ("selfie", "upload_budget_bytes"): (lambda v: 100_000 <= v <= 4_000_000,
                                        "between 100000 and 4000000"),
    ("staff", "max_attempts"): (lambda v: 1 <= v <= 20, "between 1 and 20"),
    ("speech", "url"): (lambda v: v == "none:" or v.startswith("espeak-ng:"),
                        "espeak-ng: (optionally espeak-ng:/path/to/program) or none:"),
    ("speech", "rate_wpm"): (lambda v: 80 <= v <= 400, "between 80 and 400"),
}


# Keys that no longer do anything: a file still setting one is told why
# rather than left believing it has an effect.
_RETIRED: dict[tuple[str, str], str] = {
    ("selfie", "challenges"): "the backend draws the selfie's challenges now",
    ("selfie", "audit_keep_images"): "nothing ever read it: the kiosk keeps no face images "
                                     "on disk, whatever it says",
}


def _names_to_text(section: str, key: str, value: Any, from_env: bool) -> dict[str, str]:
    """A table of names to strings (``[staff.pins]``; from the environment as JSON)."""
    where = f"{section}.{key}"
    if from_env and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError(f"{where}: expected a JSON object of name to text",
                              key=where, value="***") from None
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and _NAME_RE.fullmatch(k) and isinstance(v, str) and v
            for k, v in value.items()):
        # The values are secrets: never echo them.
        raise ConfigError(f"{where}: expected a table of names (1-32 of A-Z a-z 0-9 _ . -) "
                          "to non-empty text", key=where, value="***")
    return dict(value)


def _coerce(section: str, key: str, kind: Any, value: Any, from_env: bool) -> Any:
    if typing.get_origin(kind) is dict:
        return _names_to_text(section, key, value, from_env)
    if (section, key) == ("backend", "pin_sha256") and isinstance(value, str):
        # As tools print it: "AB:CD:..." is the same pin as "abcd...".
        value = value.replace(":", "").strip().lower()
    if from_env and isinstance(value, str):
        try:
            if kind is bool:
                low = value.strip().lower()
                if low not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError(value)
                value = low in ("1", "true", "yes", "on")
            elif kind in (int, float):
                value = kind(value)
        except ValueError:
            raise _bad(section, key, value, f"expected {kind.__name__}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(section, key, value, f"expected {kind.__name__}")
    if kind in (int, float) and value < 0:
        raise _bad(section, key, value, "must not be negative")
    rule = _RULES.get((section, key))
    if rule and not rule[0](value):
        raise _bad(section, key, value, f"expected {rule[1]}")
    return value


def _bad(section: str, key: str, value: Any, why: str) -> ConfigError:
    """The error naming a bad value; a secret's value is never echoed."""
    where = f"{section}.{key}"
    if (section, key) in _SECRET_KEYS:
        return ConfigError(f"{where} = ***: {why}", key=where, value="***")
    return ConfigError(f"{where} = {value!r}: {why}", key=where, value=value)


def _check_backend(backend: BackendSection) -> None:
    """Rules across the ``[backend]`` keys (each key alone was checked already)."""
    why = plain_http_refusal(backend.url, backend.allow_insecure_http)
    if why:
        raise ConfigError(f"backend.url = {backend.url!r}: {why}", key="backend.url",
                          value=backend.url)
    if not backend.url.lower().startswith("https://"):
        for key in ("ca_file", "pin_sha256"):
            if getattr(backend, key):
                # Silently unused, it would look like protection that is not there.
                raise ConfigError(f"backend.{key} needs an https:// backend.url",
                                  key=f"backend.{key}", value=getattr(backend, key))


def _check_journey(journey: JourneySection) -> None:
    """The idle warning comes before the idle timeout of every screen it warns on."""
    timers = {k: v for k, v in vars(journey).items() if k.endswith("_idle_s")}
    for key, value in timers.items():
        if not value > 0:
            raise _bad("journey", key, value, "expected more than 0 seconds")
    shortest = min(timers, key=timers.__getitem__)
    if not 0 < journey.warn_s < timers[shortest]:
        raise _bad("journey", "warn_s", journey.warn_s,
                   f"expected more than 0 and less than journey.{shortest} "
                   f"({timers[shortest]:g} s): the warning comes before the timeout")


def parse_config(data: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Config:
    """Validate ``data`` (+ ``KIOSK_*`` overrides in ``env``) into a Config."""
    env = env or {}
    for (section, key), why in _RETIRED.items():
        env_key = f"{ENV_PREFIX}{section.upper()}__{key.upper()}"
        if env_key in env:
            raise ConfigError(f"{env_key} is no longer a setting: {why}", key=f"{section}.{key}",
                              value=env[env_key])
    hints = get_type_hints(Config)
    unknown = set(data) - set(hints)
    if unknown:
        bad = sorted(unknown)[0]
        raise ConfigError(f"unknown section [{bad}]", key=bad, value=None)
    sections: dict[str, Any] = {}
    for name, section_type in hints.items():
        raw = data.get(name, {})
        if not isinstance(raw, Mapping):
            raise ConfigError(f"[{name}] must be a table", key=name, value=raw)
        field_types = get_type_hints(section_type)
        unknown = set(raw) - set(field_types)
        if unknown:
            bad = sorted(unknown)[0]
            why = _RETIRED.get((name, bad))
            raise ConfigError(f"{name}.{bad} is no longer a setting: {why}" if why
                              else f"unknown key {name}.{bad}", key=f"{name}.{bad}",
                              value=raw[bad])
        values: dict[str, Any] = {}
        for key, kind in field_types.items():
            env_key = f"{ENV_PREFIX}{name.upper()}__{key.upper()}"
            if env_key in env:
                values[key] = _coerce(name, key, kind, env[env_key], from_env=True)
            elif key in raw:
                values[key] = _coerce(name, key, kind, raw[key], from_env=False)
        sections[name] = section_type(**values)
    _check_backend(sections["backend"])
    _check_journey(sections["journey"])
    return Config(**sections)


CONFIG_FILE = "kiosk.toml"


def default_config_path(env: Mapping[str, str]) -> Path | None:
    """``$KIOSK_CONFIG``, else the platform's config dir file if it exists."""
    if env.get("KIOSK_CONFIG"):
        return Path(env["KIOSK_CONFIG"])
    candidate = Path(_default_dir("config")) / CONFIG_FILE
    return candidate if candidate.exists() else None


def load_config(path: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (``path``, else ``default_config_path``) and the
    environment into a Config."""
    env = os.environ if env is None else env
    if path is None:
        path = default_config_path(env)
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {p} does not exist", key="--config",
                              value=str(p)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid TOML: {exc}", key="--config",
                              value=str(p)) from None
    return parse_config(data, env)
