"""One validated configuration object, read from TOML, overridable by env.

``parse_config(data, env)`` is pure: a dict (from TOML) plus an environment
mapping in, a frozen ``Config`` out, or a ``ConfigError`` naming the bad key
and value. Units are in the names (``ack_timeout_s``). Environment variables
``KIOSK_<SECTION>__<KEY>`` (e.g. ``KIOSK_LIFT__URL``) win over the file.

A bad config never starts a half-working kiosk: ``load_config`` raises before
anything else is built.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
import typing
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
    url: str = "http://127.0.0.1:8700"
    kiosk_key: str = ""
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
    upload_budget_bytes: int = 1_800_000
    audit_keep_images: bool = False  # staff-enabled only; off keeps faces off disk


@dataclass(frozen=True)
class StaffSection:
    # scrypt hash "scrypt$n$r$p$salt_b64$hash_b64" of a shared PIN (audited as
    # "staff"); empty and no ``pins`` = staff entry disabled.
    pin_hash: str = ""
    # One PIN per person, name -> hash: the audit log then says who did what.
    pins: dict[str, str] = field(default_factory=dict)
    max_attempts: int = 5
    lockout_s: float = 300.0
    idle_logout_s: float = 120.0
    corner_press_s: float = 3.0


@dataclass(frozen=True)
class Config:
    kiosk: KioskSection = field(default_factory=KioskSection)
    backend: BackendSection = field(default_factory=BackendSection)
    camera: CameraSection = field(default_factory=CameraSection)
    lift: LiftSection = field(default_factory=LiftSection)
    journey: JourneySection = field(default_factory=JourneySection)
    selfie: SelfieSection = field(default_factory=SelfieSection)
    staff: StaffSection = field(default_factory=StaffSection)

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
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")

# Extra checks beyond the type: (section, key) -> (predicate, "what is expected").
_RULES: dict[tuple[str, str], tuple[Any, str]] = {
    ("kiosk", "language"): (lambda v: v in ("en", "zh_CN"), "one of en, zh_CN"),
    ("kiosk", "log_level"): (lambda v: v in ("DEBUG", "INFO", "WARNING", "ERROR"),
                             "one of DEBUG, INFO, WARNING, ERROR"),
    ("kiosk", "id"): (lambda v: 0 < len(v) <= 32, "1 to 32 characters"),
    ("kiosk", "tower_id"): (lambda v: 0 < len(v) <= 32, "1 to 32 characters"),
    ("backend", "url"): (lambda v: v.startswith(("http://", "https://")), "an http(s) URL"),
    ("backend", "retries"): (lambda v: 0 <= v <= 10, "between 0 and 10"),
    ("lift", "baudrate"): (lambda v: v in (9600, 19200, 38400, 57600, 115200, 230400),
                           "a standard baud rate"),
    ("lift", "max_resends"): (lambda v: 0 <= v <= 10, "between 0 and 10"),
    ("selfie", "upload_ready_fps"): (lambda v: 1 <= v <= 30, "between 1 and 30"),
    ("selfie", "upload_width_px"): (lambda v: 160 <= v <= 1920, "between 160 and 1920"),
    ("selfie", "upload_jpeg_quality"): (lambda v: 30 <= v <= 95, "between 30 and 95"),
    ("selfie", "upload_budget_bytes"): (lambda v: 100_000 <= v <= 10_000_000,
                                        "between 100000 and 10000000"),
    ("staff", "max_attempts"): (lambda v: 1 <= v <= 20, "between 1 and 20"),
}


# Keys that no longer do anything: a file still setting one is told why
# rather than left believing it has an effect.
_RETIRED: dict[tuple[str, str], str] = {
    ("selfie", "challenges"): "the backend draws the selfie's challenges now",
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
    where = f"{section}.{key}"
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
            raise ConfigError(f"{where} = {value!r}: expected {kind.__name__}",
                              key=where, value=value) from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where} = {value!r}: expected {kind.__name__}",
                          key=where, value=value)
    if kind in (int, float) and value < 0:
        raise ConfigError(f"{where} = {value!r}: must not be negative", key=where, value=value)
    rule = _RULES.get((section, key))
    if rule and not rule[0](value):
        raise ConfigError(f"{where} = {value!r}: expected {rule[1]}", key=where, value=value)
    return value


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


def journey_idle_s(cfg: Config) -> dict[str, float]:
    """Per-state idle limits keyed by journey state value."""
    j = cfg.journey
    return {"scan": j.scan_idle_s, "choose": j.choose_idle_s, "selfie": j.selfie_idle_s,
            "handover": j.result_idle_s, "returned": j.result_idle_s,
            "ordered": j.result_idle_s, "refused": j.refused_idle_s,
            "error": j.refused_idle_s}
