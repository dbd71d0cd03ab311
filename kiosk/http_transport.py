"""The kiosk's HTTP transport to the backend: who it trusts, and nothing from the environment.

``transport_factory`` makes the ``requests.Session`` factory ``BackendClient``
uses (one session per thread, ``SessionPool``). Each session:

- ignores the process environment (``trust_env = False``): no
  ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` (one of those once made the kiosk
  hand its key to an impostor), no ``*_proxy`` variables, no ``.netrc``;
- trusts the ``[backend] ca_file`` if set, else the system's CAs;
- with ``[backend] pin_sha256``, accepts exactly the certificate with that
  SHA-256 (of its DER), CA-signed or not: urllib3's ``assert_fingerprint``
  checks it during the TLS handshake, so no request, and no kiosk key in its
  headers, is ever written to a server that fails the pin.

Plain ``http://`` is refused to any host but this machine unless the config
allows it (``kiosk.config.plain_http_refusal``).
"""

from __future__ import annotations

import functools
import ssl
import threading
from collections.abc import Callable

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from common.errors import BackendError, ConfigError, Reason
from kiosk.config import plain_http_refusal

SessionFactory = Callable[[], requests.Session]

# urllib3 raises a plain SSLError for a failed pin; its message is the only
# mark (tests/security/test_tls.py proves it still is, against a real server).
_PIN_FAILURES = ("Fingerprints did not match", "No certificate for the peer")


class PinnedAdapter(HTTPAdapter):
    """An adapter whose every HTTPS connection must present the pinned certificate."""

    __attrs__ = [*HTTPAdapter.__attrs__, "pin_sha256"]

    def __init__(self, pin_sha256: str, **kwargs: object) -> None:
        self.pin_sha256 = pin_sha256  # before super(): it builds the pool manager
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: object) -> None:
        pool_kwargs["assert_fingerprint"] = self.pin_sha256
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)


def new_session(ca_file: str = "", pin_sha256: str = "") -> requests.Session:
    """A session that trusts what the config says and nothing the environment says."""
    s = requests.Session()
    s.trust_env = False
    s.proxies.clear()
    if pin_sha256:
        # The pin decides; a CA, if configured too, must also vouch for it.
        s.verify = ca_file or False
        s.mount("https://", PinnedAdapter(pin_sha256))
    else:
        s.verify = ca_file or True
    return s


def check_ca_file(ca_file: str) -> None:
    """A ``ConfigError`` unless ``ca_file`` holds at least one PEM certificate.

    requests would only find out on the first call, with an ``OSError`` that
    is not a request error."""
    try:
        ctx = ssl.create_default_context(cafile=ca_file)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"backend.ca_file {ca_file}: not a PEM file of CA certificates "
                          f"({getattr(exc, 'reason', None) or exc})", key="backend.ca_file",
                          value=ca_file) from None
    if not ctx.get_ca_certs():
        raise ConfigError(f"backend.ca_file {ca_file}: holds no CA certificate",
                          key="backend.ca_file", value=ca_file)


def transport_factory(base_url: str, ca_file: str = "", pin_sha256: str = "",
                      allow_insecure_http: bool = False) -> SessionFactory:
    """Check the transport settings now, before any call; return the session factory."""
    why = plain_http_refusal(base_url, allow_insecure_http)
    if why:
        raise BackendError(f"backend URL {base_url!r}: {why}", reason=Reason.CONFIG_INVALID)
    if ca_file:
        check_ca_file(ca_file)
    return functools.partial(new_session, ca_file=ca_file,
                             pin_sha256=pin_sha256.replace(":", "").lower())


def is_pin_mismatch(exc: BaseException) -> bool:
    """True if ``exc`` (as requests raises it) is a server failing the pin."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, urllib3.exceptions.SSLError) and any(
                mark in str(e) for mark in _PIN_FAILURES):
            return True
        todo += [*e.args, getattr(e, "reason", None), e.__cause__, e.__context__]
    return False


class SessionPool:
    """One session per thread (a ``requests.Session`` is not thread-safe), all
    closed together."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = self._factory()
            with self._lock:
                self._sessions.append(s)
        return s

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
