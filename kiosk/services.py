"""What the kiosk core needs from the outside world, in one place.

``Kiosk`` (kiosk/app.py) talks only to a ``Services`` object; the real one is
built from the config by ``kiosk.wiring.build_services`` (backend client,
lift dispatcher, camera source, QR decoder, liveness guidance); unit tests of
the core and of single screens may pass a fake with the same methods. All
methods except ``frame_loop``, ``new_liveness``, ``timeouts`` and ``close``
block and are called through the TaskRunner or on the vision worker, never
on the GUI thread. The kiosk embeds no faces: the backend judges the selfie.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

    def new_liveness(self, challenges: Sequence[str]) -> Any:
        """A fresh LivenessSession guiding the member through ``challenges``
        (the backend's, in its order)."""

    def encode_frame(self, image: Any) -> bytes:
        """One camera frame as the JPEG the backend judges (scaled down per
        the ``[selfie]`` config); runs on the vision worker."""

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
