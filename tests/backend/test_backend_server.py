"""Starting the service: as ``python -m backend`` (what ``kiosk-backend`` and the
kiosk's demo mode run) and in-process; migrations on a fresh file; restarts."""

from __future__ import annotations

import os
import signal
import threading

import pytest
import requests

from backend.__main__ import main
from backend.errors import StartupError
from backend.server import BackendServer, bind_socket, spawn


def _stop(proc) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_process_announces_serves_and_restarts_on_the_same_db(tmp_path):
    db = f"sqlite:///{tmp_path / 'b.db'}"
    proc, url = spawn(db, seed="demo", port=0)
    try:
        assert url.startswith("http://127.0.0.1:")
        health = requests.get(url + "/v1/health", timeout=10).json()
        assert health["status"] == "ok" and health["db"] == "ok"
        key1 = requests.get(url + "/v1/pass-key", timeout=10).json()["public_key"]
        headers = {"Authorization": "Bearer demo-kiosk-key", "X-Kiosk-Id": "K1"}
        bays = requests.get(url + "/v1/bays", headers=headers, timeout=10).json()
        assert len(bays["bays"]) == 30 and bays["delivery_bays"] == [101, 102]
    finally:
        assert _stop(proc) == 0
    # Same file again: migrations are a no-op, the seed is not repeated, the
    # pass key kept in the database is the same one.
    proc, url = spawn(db, seed="demo", port=0)
    try:
        assert requests.get(url + "/v1/pass-key", timeout=10).json()["public_key"] == key1
        bays2 = requests.get(url + "/v1/bays", headers=headers, timeout=10).json()
        assert bays2 == bays
    finally:
        assert _stop(proc) == 0


def test_bad_database_url_fails_fast(tmp_path, capsys):
    assert main(["--db", "nosuchdb://x", "--port", "0"]) == 2
    assert "kiosk-backend:" in capsys.readouterr().err
    with pytest.raises(StartupError):
        spawn(f"sqlite:///{tmp_path / 'missing-dir' / 'x' / 'b.db'}", port=0)


def test_in_process_server_with_key_file_and_busy_port(tmp_path):
    key = tmp_path / "pass.pem"
    before = set(threading.enumerate())
    with BackendServer(f"sqlite:///{tmp_path / 'b.db'}", pass_key_path=str(key)) as srv:
        assert oct(os.stat(key).st_mode & 0o777) == "0o600"
        assert requests.get(srv.url + "/v1/health", timeout=10).status_code == 200
        port = int(srv.url.rsplit(":", 1)[1])
        with pytest.raises(StartupError):
            bind_socket("127.0.0.1", port)
    assert not [t for t in set(threading.enumerate()) - before if t.is_alive()
                and t.name.startswith("backend-")]


def test_in_memory_sqlite_is_refused():
    with pytest.raises(StartupError):
        BackendServer("sqlite://").start()


def test_migrations_match_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from backend.db import Database
    from backend.models import Base

    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        db.migrate()
        db.migrate()  # idempotent
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def pkis(tmp_path_factory):
    from tests.security.tls_rig import make_pki

    folder = tmp_path_factory.mktemp("pki")
    return make_pki(folder, "backend"), make_pki(folder, "other")


def _tls_cases(tmp_path, pkis):
    real, other = pkis
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    missing = str(tmp_path / "missing.pem")
    return [
        (["--tls-cert", missing, "--tls-key", real.key_file], "missing.pem"),
        (["--tls-cert", real.cert_file, "--tls-key", missing], "missing.pem"),
        (["--tls-cert", str(junk), "--tls-key", real.key_file], "junk.pem"),
        (["--tls-cert", real.cert_file, "--tls-key", other.key_file], "not the certificate"),
        (["--tls-cert", real.cert_file], "--tls-key"),
        (["--tls-key", real.key_file], "--tls-cert"),
    ]


def test_unusable_tls_files_stop_the_start_with_one_clear_line(tmp_path, pkis, capsys):
    for args, named in _tls_cases(tmp_path, pkis):
        db = tmp_path / "b.db"
        assert main(["--db", f"sqlite:///{db}", "--port", "0", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("kiosk-backend: ") and named in err, (args, err)
        assert "Traceback" not in err
        assert not db.exists()  # refused before anything else was set up


def test_the_in_process_server_serves_https_or_refuses_unusable_files(tmp_path, pkis):
    real, other = pkis
    with BackendServer(f"sqlite:///{tmp_path / 'b.db'}", tls_cert=real.cert_file,
                       tls_key=real.key_file) as srv:
        assert srv.url.startswith("https://127.0.0.1:")
        assert requests.get(srv.url + "/v1/health", verify=real.ca_file,
                            timeout=10).json()["status"] == "ok"
    with pytest.raises(StartupError, match="not usable"):
        BackendServer(f"sqlite:///{tmp_path / 'c.db'}", tls_cert=real.cert_file,
                      tls_key=other.key_file).start()
