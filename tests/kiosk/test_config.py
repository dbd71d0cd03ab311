"""Config parsing is pure: table-driven good and hostile inputs."""

from __future__ import annotations

import pytest

from common.errors import ConfigError, Reason
from kiosk.config import Config, load_config, parse_config


def test_defaults_are_valid():
    cfg = parse_config({})
    assert cfg == parse_config({}, {})
    assert cfg.lift.ack_timeout_s > 0 and cfg.selfie.audit_keep_images is False


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
    ({"lift": {"colour": "red"}}, "lift.colour"),
    ({"printer": {}}, "printer"),
    ({"lift": "fast"}, "lift"),
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


@pytest.mark.parametrize(("data", "env"), [
    ({"selfie": {"challenges": 2}}, {}),
    ({}, {"KIOSK_SELFIE__CHALLENGES": "3"}),
])
def test_a_retired_setting_is_refused_with_the_reason(data, env):
    """The backend draws the challenges now: a file or an environment still
    setting their count must not believe it has an effect."""
    with pytest.raises(ConfigError) as info:
        parse_config(data, env)
    assert info.value.context["key"] == "selfie.challenges"
    assert "backend draws" in str(info.value)


def test_upload_defaults_match_what_was_measured():
    s = parse_config({}).selfie
    assert (s.upload_ready_fps, s.upload_width_px, s.upload_jpeg_quality, s.upload_budget_bytes) == \
        (10.0, 640, 50, 1_800_000)


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
