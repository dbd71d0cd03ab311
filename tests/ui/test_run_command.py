"""``kiosk run``: a bad config stops before any window, the parts are built by
the wiring, and the app gets the configured language and mode."""

from __future__ import annotations

import contextlib
import logging
import sys

import pytest

from cli.main import main
from ui.preview import CannedServices


@pytest.fixture(autouse=True)
def restore_logging():
    """``kiosk run`` configures the root logger: undo it so no handler keeps a
    file in a deleted tmp dir or a closed captured stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
            h.close()
    root.setLevel(level)


def test_bad_config_exits_2_naming_the_key_before_building_anything(tmp_path, capsys,
                                                                   monkeypatch):
    import kiosk.wiring

    monkeypatch.setattr(kiosk.wiring, "build_services",
                        lambda *a, **k: pytest.fail("services built despite a bad config"))
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text('[kiosk]\nlanguage = "fr"\n', encoding="utf-8")
    assert main(["run", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "kiosk.language" in err and "'fr'" in err


@pytest.mark.parametrize("url", ["nonsense", "webcam:0", ":0"])
def test_a_junk_camera_url_exits_2_before_the_backend_is_asked(tmp_path, capsys, url):
    """#15: a junk camera.url was found only after the backend answered, and
    exited 3, which the systemd unit restarts forever. The backend here is a
    listening socket that is never answered: asking it would hang the test."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        cfg = tmp_path / "kiosk.toml"
        cfg.write_text(f'[kiosk]\ndata_dir = "{tmp_path}/d"\nlog_dir = "{tmp_path}/l"\n'
                       f'[backend]\nurl = "http://127.0.0.1:{silent.getsockname()[1]}"\n'
                       f'timeout_s = 30.0\nretries = 0\n[camera]\nurl = "{url}"\n',
                       encoding="utf-8")
        assert main(["run", "--config", str(cfg)]) == 2
    finally:
        silent.close()
    err = capsys.readouterr().err
    assert "bad configuration" in err and "camera" in err


def test_missing_config_file_is_a_config_error(tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_without_wiring_run_says_so(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KIOSK_KIOSK__LOG_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "kiosk.wiring", None)
    assert main(["run"]) == 3
    assert "kiosk.wiring" in capsys.readouterr().err


def test_run_builds_the_kiosk_and_starts_the_app(monkeypatch, tmp_path):
    import kiosk.wiring
    import ui.app

    services = CannedServices()
    seen = {}

    @contextlib.contextmanager
    def fake_build(config, demo_stack=None):
        seen["demo"] = demo_stack
        yield services

    def fake_run_app(kiosk, windowed, language):
        seen.update(kiosk=kiosk, windowed=windowed, language=language)
        return 0

    class Director:  # demo mode plays a member; not under test here
        def __init__(self, kiosk, demo):
            seen["director"] = demo

        def close(self):
            seen["director_closed"] = True

    import sim.demo

    services.demo = "demo-stack"
    monkeypatch.setattr(sim.demo, "DemoDirector", Director)
    # The entry point starts the demo stack and hands it to build_services.
    monkeypatch.setattr(sim.demo, "DemoStack", lambda: contextlib.nullcontext("demo-stack"))
    monkeypatch.setattr(kiosk.wiring, "build_services", fake_build)
    monkeypatch.setattr(ui.app, "run_app", fake_run_app)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nlanguage = "zh_CN"\nlog_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["run", "--demo", "--config", str(cfg)]) == 0
    assert seen["demo"] == "demo-stack" and seen["language"] == "zh_CN"
    assert seen["windowed"] is False
    assert seen["kiosk"].services is services
    assert main(["run", "--windowed", "--language", "en", "--config", str(cfg)]) == 0
    assert seen["windowed"] is True and seen["language"] == "en" and seen["demo"] is None


def test_the_demo_logs_into_its_own_folder_not_the_installed_kiosks(monkeypatch, tmp_path):
    """#15: in demo mode the staff log viewer said "(no log lines)" and the
    diagnostics bundle had no log: the logger wrote to the configured folder
    while the viewer read the demo's, and the demo wrote into the real one."""
    import kiosk.wiring
    import sim.demo
    import ui.app
    from kiosk.config import parse_config
    from kiosk.logs import LOG_FILE

    real, demo_logs = tmp_path / "real-logs", tmp_path / "demo-logs"
    services = CannedServices(parse_config({"kiosk": {"log_dir": str(demo_logs)}}))
    services.demo = None

    @contextlib.contextmanager
    def fake_build(config, demo_stack=None):
        yield services

    def fake_run_app(kiosk, windowed, language):
        logging.getLogger("sim.demo").warning("a line the staff log viewer must show")
        return 0

    class Director:  # plays a member in demo mode; not under test here
        def __init__(self, kiosk, demo):
            pass

        def close(self):
            pass

    monkeypatch.setattr(sim.demo, "DemoDirector", Director)
    monkeypatch.setattr(sim.demo, "DemoStack", lambda: contextlib.nullcontext(None))
    monkeypatch.setattr(kiosk.wiring, "build_services", fake_build)
    monkeypatch.setattr(ui.app, "run_app", fake_run_app)
    cfg = tmp_path / "kiosk.toml"
    cfg.write_text(f'[kiosk]\nlog_dir = "{real}"\n', encoding="utf-8")
    assert main(["run", "--demo", "--config", str(cfg)]) == 0
    for h in logging.getLogger().handlers:
        h.flush()
    assert not (real / LOG_FILE).exists()
    assert "staff log viewer" in (demo_logs / LOG_FILE).read_text(encoding="utf-8")
