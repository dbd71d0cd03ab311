"""/v1/selfies: the backend opens a selfie, takes the camera's frames as they
are captured, and decides (``SelfieDesk``).

Evidence checks, in this process before a frame reaches a judge worker:
frames come in order (``t_ms`` strictly increasing over the whole selfie),
never ahead of real time (a frame stamped 3 s after the selfie opened cannot
arrive 1 s after it), not after the selfie expired, at most ``MAX_FRAMES``
and ``MAX_SELFIE_BYTES`` in all, each a JPEG of sane size. A chunk that breaks one of them spoils the selfie:
it will be judged not live and counted as a failed attempt. A retried chunk
(same Idempotency-Key as the last accepted one) gets the same answer.

A selfie is judged once (finish), belongs to one session and one kiosk
(another kiosk's selfie is a 404 to it), and its frames are dropped when
judged. Its frames stay on the replica that opened it (the judge worker
holds the liveness state): another replica forwards ``/v1/selfies/{id}/...``
to it (``backend/replicas.py``); if it is gone, the frames are answered
SELFIE_NOT_HERE and a finish is judged ``interrupted``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from backend import schemas
from backend.errors import ApiError
from backend.identity import NOT_COUNTED, SelfieRow, public_reason
from backend.judge import MAX_JPEG_BYTES, JudgePool, JudgeUnavailable, Verdict
from backend.rawsql import Raw
from common.errors import short_id

log = logging.getLogger(__name__)

MAX_FRAMES = 1800  # 60 s at 30 fps: the kiosk sends every frame once the challenges run
# A kiosk uploads at most its budget (2 MB by default, 4 MB at most:
# kiosk.config); a caller sending more is not a kiosk streaming a camera.
MAX_SELFIE_BYTES = 4_000_000
# How far ahead of the service's own clock a frame's timestamp may be: the
# kiosk's clock starts after the open answer left here, so an honest kiosk
# is always behind; this only absorbs clock-rate and scheduling noise.
PACE_SLACK_MS = 300
FRAMES_BODY_LIMIT = 4 * 1024 * 1024
FRAMES_PATH = r"^/v1/selfies/[^/]+/frames$"


@dataclass
class _Track:
    """What this replica knows of an open selfie (no image data)."""

    opened_mono: float
    limit_ms: int
    last_t_ms: int = -1
    frames: int = 0
    bytes: int = 0
    spoiled: str | None = None
    last_key: str | None = None
    last_answer: dict[str, Any] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def parse_frames(body: bytes) -> list[tuple[int, bytes]]:
    """The frames of a request body, base64 decoded (strict and canonical)."""
    try:
        parsed = schemas.FramesIn.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(422, "REQUEST_INVALID", "The request does not match the API.",
                       errors=[{"loc": [str(p) for p in e.get("loc", ())],
                                "msg": str(e.get("msg", ""))} for e in exc.errors()[:5]]
                       ) from None
    out = []
    for f in parsed.frames:
        try:
            jpeg = base64.b64decode(f.jpeg, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "REQUEST_INVALID", "A frame is not valid base64.") from None
        if base64.b64encode(jpeg).decode("ascii") != f.jpeg:
            raise ApiError(422, "REQUEST_INVALID", "A frame is not canonical base64.")
        out.append((f.t_ms, jpeg))
    return out


class SelfieDesk:
    def __init__(self, service: Any, judge: JudgePool,
                 run_write: Callable[[Callable[[], Any]], Awaitable[Any]],
                 challenge_timeout_s: float = 6.0) -> None:
        self.service = service
        self.judge = judge
        self.run_write = run_write
        self.challenge_timeout_s = challenge_timeout_s
        self._tracks: dict[str, _Track] = {}
        # Finishes judging now: a second finish of the same selfie (the
        # kiosk's client retries a finish whose answer was late) waits for
        # the first one's verdict instead of judging a selfie whose state
        # the first one took ("interrupted" would replace a live verdict).
        self._finishing: dict[str, asyncio.Future[None]] = {}
        self.replicas: Any = None  # backend.replicas.Replicas when run as a replica
        self.metrics: Any = None  # backend.metrics.Metrics: identity failures counted

    async def forwarded(self, request: Request, selfie_id: str, body: bytes) -> Any:
        """The owner replica's answer for a selfie judged elsewhere (None:
        answer here)."""
        if self.replicas is None or self.judge.holds(selfie_id):
            return None
        return await self.replicas.forward(request, selfie_id, body)

    async def _read(self, fn: Callable[[Raw], Any]) -> Any:
        def run() -> Any:
            with self.service.db.read() as s:
                return fn(Raw.of(s))
        return await self.run_write(run)

    async def _write(self, fn: Callable[[Raw], Any]) -> Any:
        def run() -> Any:
            with self.service.db.write_raw() as raw:
                return fn(raw)
        return await self.run_write(run)

    async def opened(self, answer: dict[str, Any]) -> None:
        """Start judging a selfie the database just opened (or a replayed open)."""
        sid = answer["selfie_id"]
        if sid in self._tracks or (self.replicas is not None and self.replicas.elsewhere(sid)):
            return  # a replayed open: the replica that opened it judges it
        expires = datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))
        limit_ms = int(1000 * max(0.0, expires.timestamp() - self.service.now())) + PACE_SLACK_MS
        self._tracks[sid] = _Track(time.monotonic(), limit_ms)
        try:
            await self.judge.open(sid, list(answer["challenges"]), self.challenge_timeout_s)
        except JudgeUnavailable:
            self._tracks.pop(sid, None)
            raise ApiError(503, "JUDGE_UNAVAILABLE", "Selfies cannot be judged right now; "
                                                     "try again.") from None

    async def frames(self, ctx: Any, selfie_id: str, frames: list[tuple[int, bytes]],
                     key: str | None) -> dict[str, Any]:
        row: SelfieRow = await self._read(lambda raw: self.service.selfie_of(raw, ctx, selfie_id))
        if row.state != "open":
            raise ApiError(409, "SELFIE_CLOSED", "This selfie is already finished.")
        if self.service.now() > row.expires_at:
            raise ApiError(410, "SELFIE_EXPIRED", "The selfie took too long; start again.")
        track = self._tracks.get(selfie_id)
        if track is None or not self.judge.holds(selfie_id):
            raise ApiError(409, "SELFIE_NOT_HERE",
                           "This selfie is not being judged here (interrupted); finish it.")
        async with track.lock:
            if key is not None and key == track.last_key and track.last_answer is not None:
                return track.last_answer
            if track.spoiled is None:
                track.spoiled = self._evidence(track, frames)
            if track.spoiled is None:
                try:
                    _fed, bad = await self.judge.frames(selfie_id, frames)
                except JudgeUnavailable:
                    bad = None
                    track.spoiled = "judge_lost"
                if bad == "bad_image":
                    track.spoiled = "bad_image"
            if track.spoiled is not None:
                log.info("selfie %s frames refused: %s", selfie_id[:8], track.spoiled)
                raise ApiError(409, "SELFIE_REJECTED",
                               "These frames cannot be judged; finish the selfie.")
            track.frames += len(frames)
            track.bytes += sum(len(jpeg) for _, jpeg in frames)
            answer = {"selfie_id": selfie_id, "accepted": len(frames),
                      "frames_total": track.frames}
            track.last_key, track.last_answer = key, answer
            return answer

    @staticmethod
    def _evidence(track: _Track, frames: list[tuple[int, bytes]]) -> str | None:
        """Why these frames cannot be the camera's, live (None: they can)."""
        if (track.frames + len(frames) > MAX_FRAMES
                or track.bytes + sum(len(jpeg) for _, jpeg in frames) > MAX_SELFIE_BYTES):
            return "too_many"
        elapsed_ms = 1000.0 * (time.monotonic() - track.opened_mono)
        last = track.last_t_ms
        for t_ms, jpeg in frames:
            if t_ms <= last:
                return "out_of_order"
            if t_ms > elapsed_ms + PACE_SLACK_MS:
                return "too_fast"
            if t_ms > track.limit_ms:
                return "after_expiry"
            if len(jpeg) > MAX_JPEG_BYTES:
                return "bad_image"
            last = t_ms
        track.last_t_ms = last
        return None

    async def finish(self, ctx: Any, selfie_id: str) -> dict[str, Any]:
        row: SelfieRow = await self._read(lambda raw: self.service.selfie_of(raw, ctx, selfie_id))
        if row.state == "open":
            first = self._finishing.get(selfie_id)
            if first is not None:
                await asyncio.shield(first)
            else:
                done = self._finishing[selfie_id] = asyncio.get_running_loop().create_future()
                try:
                    await self._judge_and_store(row)
                finally:
                    del self._finishing[selfie_id]
                    done.set_result(None)
            # The verdict that was stored (ours, or a concurrent finish's).
            row = await self._read(lambda raw: self.service.selfie_of(raw, ctx, selfie_id))
            if row.state == "open":  # the first finish failed before storing one
                raise ApiError(503, "JUDGE_UNAVAILABLE", "Selfies cannot be judged right now; "
                                                         "try again.")
        live, why = bool(row.live), row.reason
        reason = None if live else public_reason("interrupted" if why in NOT_COUNTED else why)
        return {"selfie_id": selfie_id, "live": live, "reason": reason}

    async def _judge_and_store(self, row: SelfieRow) -> None:
        verdict = await self._judge(row)
        stored = await self._write(lambda raw: self.service.op_judged(
            raw, row, verdict.live, verdict.face_match, verdict.reason))
        if stored:  # else another replica's finish stored its verdict first: that one stands
            log.info("selfie %s judged: live=%s reason=%s face=%s member=%s",
                     row.id[:8], verdict.live, verdict.reason, verdict.face_match,
                     short_id(row.member_id))
            self._count(verdict)

    def _count(self, verdict: Verdict) -> None:
        if self.metrics is None or verdict.reason in NOT_COUNTED:
            return
        kind = ("liveness" if not verdict.live
                else "face" if verdict.face_match is False else None)
        if kind is not None:
            self.metrics.identity_failures.labels(kind).inc()

    async def _judge(self, row: SelfieRow) -> Verdict:
        track = self._tracks.pop(row.id, None)
        if track is None:
            return Verdict(False, "unknown", None)
        async with track.lock:
            if track.spoiled is not None:
                await self.judge.drop(row.id)
                return Verdict(False, "judge_lost" if track.spoiled == "judge_lost"
                               else f"evidence_{track.spoiled}", None)
            template, max_distance = await self._read(lambda raw: (
                self.service.template_of(raw, row.member_id),
                self.service.identity_policy_of_kiosk(raw, row.kiosk_id).face_max_distance))
            try:
                return await self.judge.finish(row.id, template, max_distance)
            except JudgeUnavailable:
                return Verdict(False, "unknown", None)

    async def forget_expired(self) -> None:
        """Drop selfies nobody finished (the member walked away, the kiosk
        died): the track here and the frames in the judge worker, which
        would otherwise keep them until another selfie opens on it."""
        now = time.monotonic()
        for sid in [s for s, t in self._tracks.items()
                    if now - t.opened_mono > t.limit_ms / 1000.0 + 120.0]:
            self._tracks.pop(sid, None)
            await self.judge.drop(sid)


def add_routes(r: APIRouter, desk: SelfieDesk, write: Any,
               ctx_of: Callable[[Request], Any]) -> None:
    service = desk.service

    @r.post("/selfies", response_model=schemas.SelfieOut, tags=["identity"],
            summary="Open a selfie: the backend draws its challenges")
    async def open_selfie(request: Request, body: schemas.SelfieIn) -> JSONResponse:
        answer = await write(request, body, lambda raw, ctx: service.op_open_selfie(
            raw, ctx, body.session_id), raw_op=True)
        if answer.status_code == 200:
            await desk.opened(json.loads(answer.body))
        return answer

    @r.post("/selfies/{selfie_id}/frames", response_model=schemas.FramesOut, tags=["identity"],
            summary="Frames of an open selfie, as they are captured",
            openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/FramesIn"}}}}})
    async def frames(request: Request, selfie_id: schemas.Ident) -> JSONResponse:
        body = await request.body()
        owner = await desk.forwarded(request, selfie_id, body)
        if owner is not None:
            return owner
        parsed = await anyio.to_thread.run_sync(parse_frames, body)
        answer = await desk.frames(ctx_of(request), selfie_id, parsed,
                                   request.headers.get("idempotency-key"))
        return JSONResponse(answer)

    @r.post("/selfies/{selfie_id}/finish", response_model=schemas.FinishOut, tags=["identity"],
            summary="The backend's decision on the selfie (live or not; never a score)")
    async def finish(request: Request, selfie_id: schemas.Ident) -> JSONResponse:
        owner = await desk.forwarded(request, selfie_id, await request.body())
        if owner is not None:
            return owner
        return JSONResponse(await desk.finish(ctx_of(request), selfie_id))
