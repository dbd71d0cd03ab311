"""What the kiosk core needs from the outside world, in one place.

``Kiosk`` (kiosk/app.py) talks only to a ``Services`` object; the real one is
built from the config by ``kiosk.wiring.build_services`` (backend client,
lift dispatcher, camera source, QR decoder, liveness, face embedder); unit
tests of the core and of single screens may pass a fake with the same
methods. All methods except ``frame_loop``, ``timeouts`` and ``close`` block
and are called through the TaskRunner, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.config import Config
from kiosk.journey import Timeouts


class FrameLoop(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class Services(Protocol):
    config: Config
    backend: Any  # kiosk.backend_client.BackendClient
    camera: Any  # drivers.camera.CameraSource (screens read .latest() for preview)

    def timeouts(self) -> Timeouts: ...

    def frame_loop(self, process: Callable[[Any], Any], on_result: Callable[[Any], None],
                   on_error: Callable[[Any], None]) -> FrameLoop:
        """A latest-frame worker over the camera. ``on_result``/``on_error`` are
        called on the worker thread; the Kiosk passes callbacks that post to
        the GUI thread."""

    def scan_frame(self, frame: Any) -> tuple[str, Any]:
        """Decode one frame: ("nothing", None) | ("seen", hint) |
        ("rejected", (text, PassError)) | ("pass", (text, MemberPass))."""

    def new_liveness(self) -> Any:
        """A fresh LivenessSession with challenges drawn at random."""

    def embed_best(self, liveness: Any) -> list[float]:
        """128-d embedding of the liveness session's best frame."""

    def run_job(self, job_id: str, from_bay: int, to_bay: int, kind: str,
                on_progress: Callable[[Any], None]) -> Any:
        """Move a car through the crash-safe dispatcher; returns its outcome."""

    def reconcile(self) -> list[Any]:
        """Settle lift jobs a crash left unfinished; returns their outcomes."""

    def returned_car_bay(self) -> int | None:
        """The delivery bay a car stands in (presence sensor), or None."""

    def probe_health(self) -> Any:
        """A HealthSnapshot of backend, lift and camera."""

    def close(self) -> None: ...
