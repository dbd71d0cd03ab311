"""Replicas of the service on one PostgreSQL, and the one thing that is not
in the database: a selfie being judged.

Everything a rule needs is in the database, so any replica answers any call
but one: the frames of an open selfie must reach the judge worker that holds
its liveness state (``judge.py``), which lives in the replica that opened
it. Rather than ask the load balancer for stickiness, each replica

- has a ``tag`` (8 hex digits, new at each start) that the ids of the
  selfies it opens end with (``S-<24 hex>-<tag>``);
- listens on a second, private socket (its ``peer_url``) and writes
  ``(tag, peer_url)`` to the ``replicas`` table at start, refreshing
  ``seen_at`` with the sweep and deleting its row at a clean stop;
- forwards ``/v1/selfies/{id}/frames`` and ``/finish`` of a selfie it does
  not hold to the replica the tag names, with the kiosk's own credentials
  (the owner authenticates the kiosk again; the forwarder adds no
  authority) and a header that stops a second hop. The owner's answer is
  passed back as it is.

If the owner is gone (crashed, stopped) the frames are answered
``SELFIE_NOT_HERE`` and a finish is judged here as ``interrupted``: the
kiosk starts a new selfie, and the member is not charged a failed attempt.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import delete, update

from backend.db import Database
from backend.models import Replica

log = logging.getLogger(__name__)

FORWARDED_HEADER = "x-replica-forwarded"
_PASSED_HEADERS = ("authorization", "x-kiosk-id", "idempotency-key", "content-type")
URL_CACHE_S = 10.0
FORGET_AFTER_S = 600.0  # a replica not seen for this long is gone (sweep: every 30 s)
FORWARD_TIMEOUT_S = 30.0


def tag_of(selfie_id: str) -> str | None:
    """The tag of the replica that opened the selfie (None: opened by a
    service without replicas)."""
    parts = selfie_id.split("-")
    return parts[2] if len(parts) == 3 and parts[2] else None


class Replicas:
    """This process among its peers: its tag, its registry row, forwarding."""

    def __init__(self, db: Database, peer_url: str, ca_file: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.peer_url, self.clock = db, peer_url, clock
        self.tag = secrets.token_hex(4)
        self.ca_file = ca_file  # the service's own certificate, when peers speak HTTPS
        self._urls: dict[str, tuple[str | None, float]] = {}
        self._local = threading.local()

    # -- the registry ---------------------------------------------------------
    def register(self) -> None:
        now = self.clock()
        with self.db.write() as s:
            s.add(Replica(tag=self.tag, peer_url=self.peer_url, pid=os.getpid(),
                          started_at=now, seen_at=now))
        log.info("replica %s registered at %s", self.tag, self.peer_url)

    def beat(self) -> None:
        """Still here; forget peers that have not said so for a long time."""
        now = self.clock()
        with self.db.write() as s:
            s.execute(update(Replica).where(Replica.tag == self.tag).values(seen_at=now))
            s.execute(delete(Replica).where(Replica.seen_at < now - FORGET_AFTER_S))

    def unregister(self) -> None:
        with self.db.write() as s:
            s.execute(delete(Replica).where(Replica.tag == self.tag))

    def url_of(self, tag: str) -> str | None:
        hit = self._urls.get(tag)
        now = self.clock()
        if hit is not None and now - hit[1] < URL_CACHE_S:
            return hit[0]
        with self.db.read() as s:
            row = s.get(Replica, tag)
            url = row.peer_url if row is not None else None
        self._urls[tag] = (url, now)
        return url

    # -- selfies --------------------------------------------------------------------
    def elsewhere(self, selfie_id: str) -> str | None:
        """The tag of the replica holding this selfie, if it is not this one."""
        tag = tag_of(selfie_id)
        return tag if tag is not None and tag != self.tag else None

    def _session(self) -> Any:
        import requests

        http = getattr(self._local, "http", None)
        if http is None:
            http = self._local.http = requests.Session()
            if self.ca_file:
                http.verify = self.ca_file
        return http

    def _post(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes, str]:
        r = self._session().post(url, data=body, headers=headers, timeout=FORWARD_TIMEOUT_S)
        return r.status_code, r.content, r.headers.get("content-type", "application/json")

    async def forward(self, request: Request, selfie_id: str, body: bytes) -> Response | None:
        """The owner's answer to this request, or None when it cannot be
        asked (not another replica's selfie, already forwarded, owner gone)."""
        import requests

        tag = self.elsewhere(selfie_id)
        if tag is None or request.headers.get(FORWARDED_HEADER):
            return None
        url = await anyio.to_thread.run_sync(self.url_of, tag)
        if url is None:
            return None
        headers = {h: request.headers[h] for h in _PASSED_HEADERS if h in request.headers}
        headers[FORWARDED_HEADER] = self.tag
        try:
            status, content, ctype = await anyio.to_thread.run_sync(
                self._post, url + request.url.path, headers, body)
        except requests.RequestException as exc:
            log.warning("replica %s unreachable for selfie %s: %s", tag, selfie_id[:8],
                        type(exc).__name__)
            self._urls[tag] = (None, self.clock())  # gone: not asked again for a while
            return None
        return Response(content=content, status_code=status, media_type=ctype)
