"""TLS test rig: certificates made at test time (nothing downloaded, nothing
stored) and a recording server to play an impostor or a proxy.

``make_pki(folder, name)`` writes a CA and a server certificate it signed for
127.0.0.1, ::1 and localhost; two calls with different names give the real
backend's and an impostor's, each valid for the same addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pki:
    ca_file: str  # the CA's certificate (PEM): what a client trusts
    cert_file: str  # the server certificate (PEM)
    key_file: str  # its private key (PEM, unencrypted)
    pin_sha256: str  # hex SHA-256 of the server certificate's DER


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


def make_pki(folder: Path, name: str) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name(f"{name} test CA"))
          .issuer_name(_name(f"{name} test CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([
        x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1"))])
    cert = (x509.CertificateBuilder().subject_name(_name(f"{name} backend"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(san, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: folder / f"{name}-{k}.pem" for k in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, paths["key"])
    der = cert.public_bytes(serialization.Encoding.DER)
    return Pki(ca_file=str(paths["ca"]), cert_file=str(paths["cert"]),
               key_file=str(paths["key"]), pin_sha256=hashlib.sha256(der).hexdigest())


class Recorder:
    """A server on loopback that answers every request like a healthy backend
    and records what it was sent: an impostor (with ``pki``: HTTPS under that
    certificate) or, without, a plain HTTP proxy in the environment's way.

    ``requests`` holds (request line, headers) for every request it read;
    ``connections`` counts the connections it accepted (TLS handshake done).
    """

    def __init__(self, pki: Pki | None = None) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.connections = 0
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.requests.append((self.requestline, dict(self.headers.items())))
                body = json.dumps({"status": "ok", "version": "impostor", "db": "ok",
                                   "time": "2030-01-01T00:00:00Z"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.HTTPServer):
            def get_request(self):  # type: ignore[no-untyped-def]
                accepted = super().get_request()
                recorder.connections += 1
                return accepted

        self.server = Server(("127.0.0.1", 0), Handler)
        if pki is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(pki.cert_file, pki.key_file)
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        host, port = self.server.server_address[:2]
        self.url = f"{'https' if pki else 'http'}://{host}:{port}"
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"recorder-{port}", daemon=True)

    def headers_seen(self) -> list[str]:
        """Every header name it was sent, lower-cased."""
        return [name.lower() for _, headers in self.requests for name in headers]

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self._thread.join(10)
        self.server.server_close()
