"""Config parsing is pure: table-driven good and hostile inputs."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from common.errors import ConfigError, Reason
from kiosk.config import Config, load_config, parse_config


def test_defaults_are_valid():
    cfg = parse_config({})
    assert cfg == parse_config({}, {})
    assert cfg.lift.ack_timeout_s > 0 and cfg.backend.allow_insecure_http is False


@pytest.mark.parametrize(("data", "key"), [
    ({"lift": {"ack_timeout_s": "fast"}}, "lift.ack_timeout_s"),
    ({"lift": {"ack_timeout_s": -1}}, "lift.ack_timeout_s"),
    ({"lift": {"baudrate": 12345}}, "lift.baudrate"),
    ({"lift": {"max_resends": True}}, "lift.max_resends"),
    ({"kiosk": {"language": "fr"}}, "kiosk.language"),
    ({"kiosk": {"id": ""}}, "kiosk.id"),
    ({"kiosk": {"kiosk_mode": "yes"}}, "kiosk.kiosk_mode"),
    ({"backend": {"url": "ftp://x"}}, "backend.url"),
    ({"backend": {"retries": 99}}, "backend.retries"),
    ({"selfie": {"upload_ready_fps": 0}}, "selfie.upload_ready_fps"),
    ({"selfie": {"upload_width_px": 64}}, "selfie.upload_width_px"),
    ({"selfie": {"upload_jpeg_quality": 100}}, "selfie.upload_jpeg_quality"),
    ({"selfie": {"upload_budget_bytes": 1.5}}, "selfie.upload_budget_bytes"),
    ({"selfie": {"upload_budget_bytes": 4_000_001}}, "selfie.upload_budget_bytes"),
    ({"lift": {"colour": "red"}}, "lift.colour"),
    ({"printer": {}}, "printer"),
    ({"lift": "fast"}, "lift"),
    # #15: warn_s = 999 was accepted (a warning after every timeout)
    ({"journey": {"warn_s": 999}}, "journey.warn_s"),
    ({"journey": {"warn_s": 30}}, "journey.warn_s"),  # = refused_idle_s: no time to warn
    ({"journey": {"warn_s": 0}}, "journey.warn_s"),
    ({"journey": {"scan_idle_s": 0}}, "journey.scan_idle_s"),
    ({"journey": {"warn_s": 5, "result_idle_s": 4}}, "journey.warn_s"),
])
def test_bad_values_name_the_key(data, key):
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert info.value.reason is Reason.CONFIG_INVALID
    assert info.value.context["key"] == key
    assert key.split(".")[-1] in str(info.value)


@pytest.mark.parametrize(("env", "path", "value"), [
    ({"KIOSK_LIFT__URL": "loop://"}, ("lift", "url"), "loop://"),
    ({"KIOSK_LIFT__ACK_TIMEOUT_S": "0.5"}, ("lift", "ack_timeout_s"), 0.5),
    ({"KIOSK_KIOSK__KIOSK_MODE": "off"}, ("kiosk", "kiosk_mode"), False),
    ({"KIOSK_SELFIE__UPLOAD_READY_FPS": "8"}, ("selfie", "upload_ready_fps"), 8.0),
    ({"UNRELATED": "1"}, ("lift", "max_resends"), 3),
])
def test_environment_overrides_file(env, path, value):
    cfg = parse_config({"lift": {"url": "/dev/ttyS0"}}, env)
    assert getattr(getattr(cfg, path[0]), path[1]) == value


@pytest.mark.parametrize("env", [{"KIOSK_LIFT__MAX_RESENDS": "many"},
                                 {"KIOSK_KIOSK__KIOSK_MODE": "maybe"}])
def test_bad_environment_values_are_refused(env):
    with pytest.raises(ConfigError):
        parse_config({}, env)


@pytest.mark.parametrize(("data", "env", "key", "why"), [
    ({"selfie": {"challenges": 2}}, {}, "selfie.challenges", "backend draws"),
    ({}, {"KIOSK_SELFIE__CHALLENGES": "3"}, "selfie.challenges", "backend draws"),
    ({"selfie": {"audit_keep_images": True}}, {}, "selfie.audit_keep_images", "nothing ever"),
    ({}, {"KIOSK_SELFIE__AUDIT_KEEP_IMAGES": "1"}, "selfie.audit_keep_images", "no face"),
])
def test_a_retired_setting_is_refused_with_the_reason(data, env, key, why):
    """A file or an environment still setting a key that does nothing (the
    backend draws the challenges now; nothing ever read ``audit_keep_images``)
    must not believe it has an effect."""
    with pytest.raises(ConfigError) as info:
        parse_config(data, env)
    assert info.value.context["key"] == key
    assert why in str(info.value)


def test_upload_defaults_match_what_was_measured():
    s = parse_config({}).selfie
    assert (s.upload_ready_fps, s.upload_width_px, s.upload_jpeg_quality, s.upload_budget_bytes) == \
        (10.0, 640, 50, 2_000_000)


def test_int_accepted_for_float():
    assert parse_config({"lift": {"reply_timeout_s": 3}}).lift.reply_timeout_s == 3.0


def test_load_config_file(tmp_path):
    p = tmp_path / "k.toml"
    p.write_text('[lift]\nurl = "socket://127.0.0.1:9"\n[backend]\nkiosk_key = "s3cret"\n')
    cfg = load_config(p, env={})
    assert cfg.lift.url == "socket://127.0.0.1:9"
    assert cfg.redacted()["backend"]["kiosk_key"] == "***"


@pytest.mark.parametrize("content", ["[lift\nurl=", "\xff\xfe", "lift = 3"])
def test_load_config_broken_files(tmp_path, content):
    p = tmp_path / "k.toml"
    p.write_bytes(content.encode("latin-1"))
    with pytest.raises(ConfigError):
        load_config(p, env={})


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml", env={})
    assert "does not exist" in str(info.value)


def test_example_config_is_valid():
    from pathlib import Path
    example = Path(__file__).resolve().parents[2] / "kiosk.example.toml"
    assert isinstance(load_config(example, env={}), Config)


def test_kiosk_config_env_names_the_file(tmp_path):
    p = tmp_path / "k.toml"
    p.write_text('[kiosk]\nid = "K7"\n')
    assert load_config(None, env={"KIOSK_CONFIG": str(p)}).kiosk.id == "K7"


def test_staff_pins_table_is_validated_and_never_echoed():
    from common.errors import ConfigError
    from kiosk.config import parse_config

    good = {"staff": {"pins": {"alice": "scrypt$1", "bob.k": "scrypt$2"}}}
    cfg = parse_config(good)
    assert cfg.staff.pins == {"alice": "scrypt$1", "bob.k": "scrypt$2"}
    assert cfg.redacted()["staff"]["pins"] == {"alice": "***", "bob.k": "***"}
    assert set(cfg.secret_values()) == {"scrypt$1", "scrypt$2"}
    env = {"KIOSK_STAFF__PINS": '{"dave": "scrypt$3"}'}
    assert parse_config({}, env).staff.pins == {"dave": "scrypt$3"}
    for bad in ({"staff": {"pins": "scrypt$1"}}, {"staff": {"pins": {"a b": "scrypt$1"}}},
                {"staff": {"pins": {"alice": ""}}}, {"staff": {"pins": {"alice": 7}}}):
        with pytest.raises(ConfigError) as exc:
            parse_config(bad)
        assert exc.value.context["key"] == "staff.pins" and "scrypt" not in str(exc.value)
    with pytest.raises(ConfigError):
        parse_config({}, {"KIOSK_STAFF__PINS": "not json"})


# -- [backend] transport: TLS, pinning, plain http only on this machine ------------------

@pytest.mark.parametrize(("backend", "ok"), [
    ({"url": "http://127.0.0.1:8700"}, True),
    ({"url": "http://127.8.9.10:8700"}, True),  # all of 127.0.0.0/8
    ({"url": "http://localhost:8700/"}, True),
    ({"url": "http://LOCALHOST:8700"}, True),
    ({"url": "http://[::1]:8700"}, True),
    ({"url": "https://backend.example"}, True),
    ({"url": "https://10.0.0.5:8443"}, True),
    ({"url": "http://10.0.0.5:8700"}, False),
    ({"url": "http://backend.example"}, False),
    ({"url": "http://localhost.example.com"}, False),
    ({"url": "http://127.0.0.1.nip.io"}, False),
    ({"url": "http://[::ffff:127.0.0.1]:8700"}, False),
    ({"url": "http://0.0.0.0:8700"}, False),
    ({"url": "http://10.0.0.5:8700", "allow_insecure_http": True}, True),
    ({"url": "http://127.0.0.1@backend.example"}, False),  # user info: which host?
    ({"url": "http://backend.example\\@127.0.0.1"}, False),
    ({"url": "https://user:pw@backend.example"}, False),
    ({"url": "http://127.0.0.1:port"}, False),
    ({"url": "http://"}, False),
    ({"url": "https://b.example", "pin_sha256": "ab" * 32}, True),
    ({"url": "https://b.example", "pin_sha256": ":".join(["AB"] * 32)}, True),
    ({"url": "https://b.example", "pin_sha256": "ab" * 31}, False),
    ({"url": "https://b.example", "pin_sha256": "zz" * 32}, False),
    ({"url": "http://127.0.0.1:8700", "pin_sha256": "ab" * 32}, False),  # a pin needs TLS
    ({"url": "https://b.example", "ca_file": "/nonexistent/ca.pem"}, False),
])
def test_backend_transport_settings(backend, ok):
    if ok:
        assert parse_config({"backend": backend}, {}).backend.url == backend["url"]
        return
    with pytest.raises(ConfigError) as info:
        parse_config({"backend": backend}, {})
    assert info.value.context["key"].startswith("backend.")


def test_plain_http_beyond_this_machine_says_why_and_what_to_do():
    with pytest.raises(ConfigError) as info:
        parse_config({}, {"KIOSK_BACKEND__URL": "http://10.0.0.5:8700"})
    text = str(info.value)
    assert info.value.context["key"] == "backend.url"
    assert "10.0.0.5" in text and "https://" in text and "allow_insecure_http = true" in text
    env = {"KIOSK_BACKEND__URL": "http://10.0.0.5:8700", "KIOSK_BACKEND__ALLOW_INSECURE_HTTP": "1"}
    assert parse_config({}, env).backend.allow_insecure_http is True


def test_pin_is_kept_in_one_spelling_and_ca_file_must_exist(tmp_path):
    pin = ":".join(["AB"] * 32)
    assert parse_config({"backend": {"url": "https://b", "pin_sha256": pin}}).backend.pin_sha256 \
        == "ab" * 32
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    cfg = parse_config({"backend": {"url": "https://b", "ca_file": str(ca)}})
    assert cfg.backend.ca_file == str(ca)
    with pytest.raises(ConfigError):
        parse_config({"backend": {"url": "https://b", "ca_file": str(tmp_path)}})  # a folder


# -- every key is read, and documented -------------------------------------------------

_ROOT = Path(__file__).resolve().parents[2]


def _names_read(packages: tuple[str, ...] = ("cli", "kiosk", "ui", "drivers", "vision")
                ) -> set[str]:
    """Every attribute read (``x.name``) and every ``getattr(x, "name", ...)`` in
    the product's code, outside kiosk/config.py itself."""
    names: set[str] = set()
    for package in packages:
        for path in (_ROOT / package).rglob("*.py"):
            if path == _ROOT / "kiosk" / "config.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    names.add(node.attr)
                elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                      and node.func.id == "getattr" and len(node.args) >= 2
                      and isinstance(node.args[1], ast.Constant)):
                    names.add(str(node.args[1].value))
    return names


def _schema() -> list[tuple[str, str]]:
    return [(section.name, key.name) for section in dataclasses.fields(Config)
            for key in dataclasses.fields(section.default_factory())]


def test_every_config_key_is_read_by_the_kiosk():
    """A key that nothing reads looks like a setting and does nothing (the
    finding: ``selfie.audit_keep_images``): retire it (``_RETIRED``) instead."""
    read = _names_read()
    unread = [f"{section}.{key}" for section, key in _schema() if key not in read]
    assert unread == [], f"config keys no code reads: {unread}"


def test_the_example_config_documents_every_key_and_no_other():
    documented: set[tuple[str, str]] = set()
    section = ""
    for line in (_ROOT / "kiosk.example.toml").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"\[(\w+)\]", line):
            section = m.group(1)
        elif section and (m := re.match(r"#?\s*([a-z0-9_]+)\s*=", line)):
            documented.add((section, m.group(1)))  # "# key = ..." documents a default too
    schema = set(_schema())
    assert schema - documented == set(), "add these to kiosk.example.toml"
    assert documented - schema == set(), "kiosk.example.toml names keys the kiosk lacks"
