"""Issue #13, TLS: the backend serves HTTPS; the kiosk trusts what its config
says (a CA file, a pinned certificate) and nothing the environment says, and
never sends its key where it should not.

Against the real service (in-process ``BackendServer`` and the real
``kiosk-backend`` process), the real client, and a recording impostor that
holds a certificate for the same addresses from another CA.
"""

from __future__ import annotations

import json
import signal

import pytest
import requests

from backend.seed import DEMO_KIOSK_KEY
from backend.server import BackendServer, spawn
from common.errors import BackendError, ConfigError, Reason
from kiosk.backend_client import BackendClient
from kiosk.config import parse_config
from tests.security.tls_rig import Pki, Recorder, make_pki


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"), "backend")


@pytest.fixture(scope="module")
def impostor(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"), "impostor")


@pytest.fixture
def https_backend(tmp_path, real: Pki):
    with BackendServer(f"sqlite:///{tmp_path / 'b.db'}", tls_cert=real.cert_file,
                       tls_key=real.key_file) as srv:
        yield srv


def client(url: str, **tls: object) -> BackendClient:
    return BackendClient(url, "K1", DEMO_KIOSK_KEY, timeout_s=10, retries=0, **tls)


def test_the_backend_process_serves_https_with_the_given_certificate(tmp_path, real: Pki):
    proc, url = spawn(f"sqlite:///{tmp_path / 'b.db'}", port=0, extra_args=[
        "--tls-cert", real.cert_file, "--tls-key", real.key_file, "--judge-workers", "1"])
    try:
        assert url.startswith("https://127.0.0.1:")
        with client(url, ca_file=real.ca_file) as c:
            assert c.health().ok
        with client(url, pin_sha256=real.pin_sha256) as c:
            assert c.bays().bays  # authenticated, over the pinned connection
        with pytest.raises(requests.ConnectionError):  # it speaks TLS only
            requests.get(url.replace("https://", "http://") + "/v1/health", timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=20) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


def test_the_kiosk_trusts_its_ca_file_or_its_pin_and_not_the_system_cas(https_backend, real):
    assert https_backend.url.startswith("https://127.0.0.1:")
    with client(https_backend.url, ca_file=real.ca_file) as c:
        assert c.health().ok and c.bays().bays
    # A pin needs no CA: the pinned certificate decides.
    with client(https_backend.url, pin_sha256=real.pin_sha256.upper()) as c:
        assert c.health().ok
    with client(https_backend.url, ca_file=real.ca_file, pin_sha256=real.pin_sha256) as c:
        assert c.health().ok
    # The system's CAs never signed the test CA.
    with client(https_backend.url) as c, pytest.raises(BackendError) as err:
        c.health()
    assert err.value.reason is Reason.BACKEND_UNREACHABLE


def test_a_pin_mismatch_is_its_own_error_and_the_impostor_never_sees_the_key(impostor, real):
    with Recorder(impostor) as imp:
        with client(imp.url, pin_sha256=real.pin_sha256) as c:
            for call in (c.health, c.bays):
                with pytest.raises(BackendError) as err:
                    call()
                assert err.value.reason is Reason.BACKEND_PIN_MISMATCH
        # Not even a request line reached it: the pin is checked in the
        # handshake, before any header is written.
        assert imp.requests == []
        # The rig itself works: pinned to the impostor's own certificate, the
        # client does talk to it, key included.
        with client(imp.url, pin_sha256=impostor.pin_sha256) as c, \
                pytest.raises(BackendError) as answer:
            c.bays()
        assert answer.value.reason is Reason.BACKEND_BAD_RESPONSE  # its canned answer
        assert "authorization" in imp.headers_seen()


def test_a_pin_mismatch_is_not_retried(impostor, real):
    with Recorder(impostor) as imp, BackendClient(imp.url, "K1", DEMO_KIOSK_KEY, retries=5,
                                                  backoff_s=0.0,
                                                  pin_sha256=real.pin_sha256) as c:
        with pytest.raises(BackendError) as err:
            c.bays()
        assert err.value.reason is Reason.BACKEND_PIN_MISMATCH
    # Its server thread has stopped: the count is final. One handshake, no retry.
    assert imp.connections == 1


def test_requests_ca_bundle_does_not_make_the_kiosk_trust_an_impostor(monkeypatch, impostor,
                                                                      real):
    """The finding: with REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) naming another
    CA, the kiosk trusted that CA's server and sent it the kiosk key."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", impostor.ca_file)
    monkeypatch.setenv("CURL_CA_BUNDLE", impostor.ca_file)
    with Recorder(impostor) as imp:
        for tls in ({}, {"ca_file": real.ca_file}):
            with client(imp.url, **tls) as c, pytest.raises(BackendError) as err:
                c.bays()
            assert err.value.reason is Reason.BACKEND_UNREACHABLE
        assert "authorization" not in imp.headers_seen()
        assert imp.requests == []


def test_proxy_variables_do_not_route_the_kiosk_through_someone_else(monkeypatch, tmp_path):
    """A proxy named in the environment would see every request, key included."""
    with Recorder() as proxy, BackendServer(f"sqlite:///{tmp_path / 'b.db'}") as srv:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        with client(srv.url) as c:
            assert c.bays().bays  # the real backend answered, directly
        assert proxy.requests == []


@pytest.mark.parametrize("url", ["http://10.0.0.5:8700", "http://backend.example:8700",
                                 "http://[2001:db8::1]:8700", "http://127.0.0.1.nip.io:8700"])
def test_the_kiosk_refuses_plain_http_beyond_this_machine(url):
    with pytest.raises(ConfigError) as err:
        parse_config({"backend": {"url": url}}, {})
    assert err.value.context["key"] == "backend.url" and "allow_insecure_http" in str(err.value)
    with pytest.raises(BackendError) as err2:
        client(url)  # the client refuses too, before any connection
    assert err2.value.reason is Reason.CONFIG_INVALID
    # Only when the config says so, in so many words.
    assert parse_config({"backend": {"url": url, "allow_insecure_http": True}}, {}).backend.url
    client(url, allow_insecure_http=True).close()


def test_self_test_reports_a_pin_mismatch_as_the_backend_failing(https_backend, impostor,
                                                                 tmp_path):
    from cli.commands.selftest import _check_drivers

    config = parse_config({
        "kiosk": {"data_dir": str(tmp_path / "data"), "log_dir": str(tmp_path / "logs")},
        "backend": {"url": https_backend.url, "kiosk_key": DEMO_KIOSK_KEY,
                    "pin_sha256": impostor.pin_sha256},
        "camera": {"url": "synthetic:"}, "lift": {"url": "loop://"}}, {})
    results: dict = {}
    _check_drivers(config, results)
    assert results["backend"]["ok"] is False
    assert results["backend"]["reason"] == "BACKEND_PIN_MISMATCH"
    json.dumps(results)  # what `kiosk self-test` prints
