"""Build the real parts from the config: the ``Services`` the Kiosk runs on.

``build_services(config)`` is a context manager: it opens the camera, the
lift link, the dispatch journal and the backend client, and closes them all
on exit. Given a started ``demo_stack`` (sim/demo.py: local backend, tower
simulator, demo camera; the entry point starts it) it uses that one's config.

The heavy models (FaceMesh, the QR decoder) are not loaded here: ``warm_up``
loads them in the background after the first screen is up. The kiosk loads
no face embedder: the backend embeds and matches the selfie it judged.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from common.errors import KioskError, PassError
from drivers.camera_url import open_camera
from drivers.lift_client import LiftClient
from kiosk.app import HealthSnapshot
from kiosk.backend_client import BackendClient
from kiosk.config import Config
from kiosk.journey import State, Timeouts
from kiosk.passes import public_key_from_base64, verify_pass
from kiosk.selfie import encode_jpeg
from vision.loop import LatestFrameLoop

log = logging.getLogger(__name__)


class RealServices:
    """The product's Services (see kiosk/services.py for the contract)."""

    def __init__(self, config: Config, *, backend: BackendClient, camera: Any, lift: LiftClient,
                 dispatcher: Any, pass_key: bytes) -> None:
        self.config = config
        self.backend = backend
        self.camera = camera
        self.lift = lift
        self.dispatcher = dispatcher
        self.pass_key = pass_key
        self._decoder: Any = None

    # -- journey ---------------------------------------------------------------
    def timeouts(self) -> Timeouts:
        j = self.config.journey
        return Timeouts({State.SCAN: j.scan_idle_s, State.CHOOSE: j.choose_idle_s,
                         State.SELFIE: j.selfie_idle_s, State.HANDOVER: j.result_idle_s,
                         State.RETURNED: j.result_idle_s, State.ORDERED: j.result_idle_s,
                         State.REFUSED: j.refused_idle_s, State.ERROR: j.refused_idle_s},
                        warn_s=j.warn_s)

    def frame_loop(self, process: Callable[[Any], Any], on_result: Callable[[Any], None],
                   on_error: Callable[[Any], None]) -> LatestFrameLoop:
        return LatestFrameLoop(self.camera, process, on_result, on_error)

    # -- scan --------------------------------------------------------------------
    @property
    def decoder(self) -> Any:
        if self._decoder is None:
            from vision.qr import QrDecoder

            self._decoder = QrDecoder()
        return self._decoder

    def scan_frame(self, frame: Any) -> tuple[str, Any]:
        result = self.decoder.decode(frame.image)
        if result.text is not None:
            try:
                mp = verify_pass(result.text, self.pass_key, self.config.kiosk.tower_id,
                                 time.time(), leeway_s=self.config.backend.pass_leeway_s)
            except PassError as err:
                return "rejected", (result.text, err)
            return "pass", (result.text, mp)
        if result.seen:
            return "seen", result.hint
        return "nothing", None

    # -- selfie --------------------------------------------------------------------
    def new_liveness(self, challenges: Sequence[str]) -> Any:
        from vision.liveness import LivenessSession, guide_config
        from vision.liveness_actions import parse_challenges

        return LivenessSession(parse_challenges(challenges), config=guide_config(
            self.config.selfie.challenge_timeout_s))

    def encode_frame(self, image: Any) -> bytes:
        cfg = self.config.selfie
        return encode_jpeg(image, cfg.upload_width_px, cfg.upload_jpeg_quality)

    def warm_up(self) -> None:
        """Load the heavy models; called in the background after the first screen."""
        from vision import facemesh

        facemesh.warm_up()
        self.decoder  # noqa: B018 - builds the decoder now rather than on first scan

    # -- lift --------------------------------------------------------------------
    def run_job(self, job_id: str, from_bay: int, to_bay: int, kind: str,
                on_progress: Callable[[Any], None]) -> Any:
        return self.dispatcher.run_job(job_id, from_bay, to_bay, kind=kind,
                                       on_progress=on_progress)

    def reconcile(self) -> list[Any]:
        """Settle jobs a crash left unfinished (blocks while such a car moves)."""
        return self.dispatcher.reconcile()

    def returned_car_bay(self) -> int | None:
        bay_map = self.lift.bay_map()
        occupied = dict(bay_map.bays)
        cars = [b for b in bay_map.delivery_bays if occupied.get(b)]
        return cars[0] if cars else None

    # -- health --------------------------------------------------------------------
    def probe_health(self) -> HealthSnapshot:
        snap = HealthSnapshot()
        t0 = time.monotonic()
        try:
            h = self.backend.health()
            snap.backend_ok = bool(h.ok)
            snap.detail["backend_version"] = getattr(h, "version", None)
        except KioskError as err:
            snap.backend_ok = False
            snap.detail["backend_error"] = err.reason.value
        snap.backend_latency_ms = round((time.monotonic() - t0) * 1000, 1)
        snap.lift_ok = self.lift.link_up
        snap.detail["lift_round_trip_ms"] = getattr(self.lift, "last_round_trip_ms", None)
        status = getattr(self.lift, "last_status", None)  # kept fresh by the link's heartbeat
        faults = [f.name for f in getattr(status, "faults", ())]
        if faults:
            # A fault the controller holds (an E-stop, a stop after a bad
            # echo) refuses every move until staff acknowledge it: a member
            # would choose, do the selfie and then be refused. Out of service.
            snap.lift_ok = False
            snap.detail["lift_faults"] = faults
        stats = self.camera.stats()
        snap.camera_ok = stats.state.value in ("live", "starting")
        snap.detail.update(camera_state=stats.state.value, camera_fps=round(stats.fps, 1),
                           lift_link=self.lift.link_up)
        return snap

    def close(self) -> None:
        for closer in (self.camera.stop, self.lift.close, self.backend.close,
                       getattr(self.dispatcher, "close", lambda: None)):
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing everything matters more
                log.exception("closing %r failed", closer)


@contextlib.contextmanager
def build_services(config: Config | None,
                   demo_stack: Any = None) -> Iterator[RealServices]:
    """Open every part the config names; close them all on exit."""
    with contextlib.ExitStack() as stack:
        if demo_stack is not None:
            config = demo_stack.config
        assert config is not None
        # Built (not started) before anything is asked of the network: a junk
        # camera.url is a configuration error (exit 2, not restarted), found
        # at once rather than after the backend answers.
        camera = open_camera(config.camera.url, stall_timeout_s=config.camera.stall_timeout_s)
        backend = BackendClient(config.backend.url, config.kiosk.id, config.backend.kiosk_key,
                                timeout_s=config.backend.timeout_s,
                                retries=config.backend.retries,
                                ca_file=config.backend.ca_file,
                                pin_sha256=config.backend.pin_sha256,
                                allow_insecure_http=config.backend.allow_insecure_http)
        stack.callback(backend.close)
        pass_key = _pass_key(config, backend)
        camera.start()
        stack.callback(camera.stop)
        lift = LiftClient(config.lift.url, ack_timeout_s=config.lift.ack_timeout_s,
                          reply_timeout_s=config.lift.reply_timeout_s,
                          max_resends=config.lift.max_resends, baudrate=config.lift.baudrate)
        lift.open()
        stack.callback(lift.close)
        from kiosk.dispatch import Dispatcher, DispatchJournal

        data_dir = Path(config.kiosk.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        journal = DispatchJournal(data_dir / "dispatch.sqlite")
        stack.callback(journal.close)
        dispatcher = Dispatcher(journal, lift, backend,
                                move_timeout_s=config.lift.move_timeout_s)
        services = RealServices(config, backend=backend, camera=camera, lift=lift,
                                dispatcher=dispatcher, pass_key=pass_key)
        services.demo = demo_stack  # type: ignore[attr-defined]
        yield services


def _pass_key(config: Config, backend: BackendClient) -> bytes:
    if config.backend.pass_public_key:
        return public_key_from_base64(config.backend.pass_public_key)
    # Demo only: trust on first use from our own loopback backend.
    return backend.pass_public_key()
