"""``kiosk-backend``: the eligibility service as a process.

    kiosk-backend --db sqlite:///backend.db --seed demo --port 8700

Prints one JSON line ``{"listening": "http://127.0.0.1:PORT", ...}`` on
stdout once it accepts connections (``--port 0`` picks a free port), then
serves until SIGINT/SIGTERM. ``--tls-cert FILE --tls-key FILE`` serves HTTPS
(the announced URL is then ``https://``). ``--workers N`` (PostgreSQL) runs N
replicas on the one socket (``backend/supervisor.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys

import uvicorn

from backend import __version__
from backend.db import redact_url
from backend.errors import StartupError
from backend.metrics import DEFAULT_ALLOW, TOKEN_ENV, MetricsAccess


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-backend", description="Tower kiosk backend service")
    p.add_argument("--db", default=os.environ.get("KIOSK_BACKEND_DB", "sqlite:///backend.db"),
                   help="database URL: sqlite:///path.db or postgresql+psycopg://user@host/db")
    p.add_argument("--seed", choices=("demo", "none"), default="none",
                   help="create the demo tower, kiosks and members (skipped if present)")
    p.add_argument("--demo", action="store_true",
                   help="mount the demo member-app pages (/member) and allow demo-only "
                        "requests; on with --seed demo")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700, help="0 picks a free port")
    p.add_argument("--pass-key", default=None,
                   help="Ed25519 private key PEM for signing passes (created if missing); "
                        "default: a key generated once and kept in the database")
    p.add_argument("--tower", default="T1", help="default tower of the /member pages")
    p.add_argument("--judge-workers", type=int, default=2,
                   help="processes that judge selfies (FaceMesh + dlib, started at once)")
    p.add_argument("--log-level", default="warning",
                   choices=("critical", "error", "warning", "info", "debug"))
    p.add_argument("--tls-cert", metavar="FILE", default=None,
                   help="serve HTTPS with this certificate (PEM, chain after it); "
                        "needs --tls-key")
    p.add_argument("--tls-key", metavar="FILE", default=None,
                   help="the certificate's private key (PEM, unencrypted)")
    p.add_argument("--workers", type=int, default=1,
                   help="service processes accepting on the one socket (PostgreSQL only); "
                        "more replicas elsewhere: run kiosk-backend there on the same --db")
    p.add_argument("--peer-host", default=None,
                   help="address other replicas reach this one at (its private peer port, "
                        "for selfie frames); default: --host, or 127.0.0.1 for a wildcard")
    p.add_argument("--metrics-allow", default=DEFAULT_ALLOW, metavar="CIDRS",
                   help="addresses that may read /metrics without a token, comma-separated "
                        "CIDRs or 'none' (default: loopback)")
    p.add_argument("--metrics-token-file", default=None, metavar="FILE",
                   help="a file holding the bearer token that also opens /metrics "
                        f"(else ${TOKEN_ENV})")
    p.add_argument("--inherit-fd", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=__version__)
    return p


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, announce: dict) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            sys.stdout.write(json.dumps(self._announce) + "\n")
            sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from backend import admin

    if argv and argv[0] in admin.TOOLS:
        return admin.main(argv)
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from common.redact import install

    install()  # keys, tokens, hashes and passes never reach the log, whoever logs them
    if args.workers < 1:
        print("kiosk-backend: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1:
        from backend.supervisor import supervise

        return supervise(args)
    from backend.app import build
    from backend.server import bind_socket, check_tls, url_of, uvicorn_config

    sockets: list = []
    try:
        tls = check_tls(args.tls_cert, args.tls_key)
        access = MetricsAccess.parse(args.metrics_allow, args.metrics_token_file)
        # On PostgreSQL every process is a possible replica: a private peer
        # socket where other replicas bring it the frames of its selfies.
        peer = peer_url = None
        if args.db.startswith("postgresql"):
            wildcard = args.host in ("0.0.0.0", "::", "")
            peer = bind_socket(args.peer_host or ("127.0.0.1" if wildcard else args.host), 0)
            sockets.append(peer)
            peer_url = url_of(peer, tls)
        built = build(args.db, seed=args.seed, demo=args.demo or args.seed == "demo",
                      pass_key_path=args.pass_key,
                      default_tower=args.tower, judge_workers=max(1, args.judge_workers),
                      warm_judge=True, peer_url=peer_url,
                      peer_ca_file=args.tls_cert if tls else None, metrics_access=access)
        sock = (socket.socket(fileno=args.inherit_fd) if args.inherit_fd is not None
                else bind_socket(args.host, args.port))
        sockets.insert(0, sock)
    except StartupError as exc:
        for s in sockets:
            s.close()
        print(f"kiosk-backend: {exc}", file=sys.stderr)
        return 2
    url = url_of(sock, tls)
    announce = {"listening": url, "pid": os.getpid(), "db": redact_url(args.db),
                "version": __version__, "openapi": url + "/openapi.json",
                **({"peer": peer_url} if peer_url else {})}
    server = _AnnouncingServer(uvicorn_config(built.app, args.log_level, args.tls_cert,
                                              args.tls_key), announce)
    # uvicorn shuts down gracefully on these, then re-raises the signal with
    # the handlers found at start: make those no-ops so a stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=sockets)
    finally:
        for s in sockets:
            s.close()
        built.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
