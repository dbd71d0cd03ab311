"""``kiosk-backend``: the eligibility service as a process.

    kiosk-backend --db sqlite:///backend.db --seed demo --port 8700

Prints one JSON line ``{"listening": "http://127.0.0.1:PORT", ...}`` on
stdout once it accepts connections (``--port 0`` picks a free port), then
serves until SIGINT/SIGTERM. ``--tls-cert FILE --tls-key FILE`` serves HTTPS
(the announced URL is then ``https://``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys

import uvicorn

from backend import __version__
from backend.db import redact_url
from backend.errors import StartupError


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
    from backend.app import build
    from backend.server import bind_socket, check_tls, url_of, uvicorn_config

    try:
        tls = check_tls(args.tls_cert, args.tls_key)
        built = build(args.db, seed=args.seed, demo=args.demo or args.seed == "demo",
                      pass_key_path=args.pass_key,
                      default_tower=args.tower, judge_workers=max(1, args.judge_workers),
                      warm_judge=True)
        sock = bind_socket(args.host, args.port)
    except StartupError as exc:
        print(f"kiosk-backend: {exc}", file=sys.stderr)
        return 2
    url = url_of(sock, tls)
    announce = {"listening": url, "pid": os.getpid(), "db": redact_url(args.db),
                "version": __version__, "openapi": url + "/openapi.json"}
    server = _AnnouncingServer(uvicorn_config(built.app, args.log_level, args.tls_cert,
                                              args.tls_key), announce)
    # uvicorn shuts down gracefully on these, then re-raises the signal with
    # the handlers found at start: make those no-ops so a stop exits 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        built.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
