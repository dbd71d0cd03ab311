"""The backend for ``kiosk bench liveness --load N --path backend``: the real
service in its own process, as in the demo, judging every selfie.

``Service`` builds a fresh SQLite database in this process (catalog, a bench
tower with cars, a kiosk key; a member enrolled from the selfie's photo for
each selfie, so attacks never lock a member out), then runs
``python -m backend`` on it with its judge workers, and talks to it through
the kiosk's own ``BackendClient``. The judge's private reason for a verdict
is read from the database (the API tells a spoofer only "not live").
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.liveness_backend import KIOSK_KEY, _setup

LIVE = "live"


class Service:
    def __init__(self, n_selfies: int, *, seed: int, include_shared: bool,
                 judge_workers: int = 2) -> None:
        self.n_selfies, self.seed, self.include_shared = n_selfies, seed, include_shared
        self.judge_workers = judge_workers
        self.backend: Any = None
        self._built: Any = None
        self._proc: Any = None
        self._tmp: Path | None = None
        self._templates: list[list[float] | None] = []
        self._log: Any = None

    def __enter__(self) -> Service:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        from backend.app import build
        from backend.enroll import EnrolError, template_from_image
        from backend.server import spawn
        from kiosk.backend_client import BackendClient
        from vision.synth.photos import photo_variants

        for _name, photo in photo_variants(self.include_shared):
            try:
                self._templates.append(template_from_image(photo))
            except EnrolError:
                self._templates.append(None)
        self._tmp = Path(tempfile.mkdtemp(prefix="bench-liveness-"))
        db_url = f"sqlite:///{self._tmp / 'bench.db'}"
        self._built = build(db_url, seed="none", judge_workers=1)
        _setup(SimpleNamespace(db=self._built.db), self.n_selfies + 5)
        self._log = open(self._tmp / "backend.log", "wb")  # noqa: SIM115 - closed in __exit__
        self._proc, url = spawn(db_url, seed="none", stderr=self._log,
                                extra_args=["--judge-workers", str(self.judge_workers)])
        self.backend = BackendClient(url, "KB", KIOSK_KEY, timeout_s=60.0, retries=1)

    def begin(self, kind: str, index: int, photo: int) -> tuple[str, str | None]:
        """A member of their own with a pass, a session and (live) a reservation."""
        from backend.models import Member

        member_id = f"bm-{index}"
        with self._built.db.write() as s:
            if s.get(Member, member_id) is None:
                s.add(Member(id=member_id, name="Bench", credit_score=760, active=True,
                             template=self._templates[photo % len(self._templates)]))
        text = self._built.service.current_pass(member_id, "TB").text
        session = self.backend.redeem_pass(text)
        if kind != LIVE:
            return session.session_id, None
        return session.session_id, self.backend.reserve(session.session_id, "Aurora").reservation_id

    def judge_reason(self, selfie_id: str | None) -> str | None:
        if selfie_id is None:
            return None
        from sqlalchemy import text

        with self._built.db.read() as s:
            return s.execute(text("SELECT reason FROM selfies WHERE id = :id"),
                             {"id": selfie_id}).scalar()

    def verify(self, session_id: str, reservation_id: str, selfie_id: str) -> str | None:
        """None when authorised, else the refusal's reason code."""
        from common.errors import KioskError

        try:
            self.backend.verify(session_id, reservation_id, selfie_id)
        except KioskError as err:
            return str(err.context.get("code") or err.reason.value)
        return None

    def __exit__(self, *exc: object) -> None:
        if self.backend is not None:
            self.backend.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except Exception:  # noqa: BLE001 - it must not outlive the bench
                self._proc.kill()
                self._proc.wait()
            if self._proc.stdout is not None:
                self._proc.stdout.close()
        if self._built is not None:
            self._built.db.dispose()
        if self._log is not None:
            self._log.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
