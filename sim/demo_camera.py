"""The demo camera: the member in front of the kiosk, played in its own process.

``DemoActor`` is what the ``demo:`` camera sees: an empty lobby, a phone with
a member pass, a synthetic face that performs the challenges the selfie
screen asks for, or an attacker. The pictures are rendered by
``sim.stage.Stage`` in a ``drivers.camera_feed.ProcessCamera``
child process, at real-time pace and stamped with the moment they show:
when the kiosk is busy it gets fewer frames, as from a real camera, and the
member never moves slower (issue #19: rendered in a kiosk thread, the
member's turn fell between frames seconds apart).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from common.errors import KioskError, Reason
from drivers.camera import CameraSource
from drivers.camera_feed import ProcessCamera
from drivers.camera_url import register_scheme

log = logging.getLogger(__name__)

FRAME_W, FRAME_H = 1280, 720
STAGE = "sim.stage:Stage"


def _name(x: Any) -> str | None:
    value = getattr(x, "value", x)
    return None if value is None else str(value)


class DemoActor:
    """Tells the demo camera's stage who stands in front of the kiosk.

    Thread-safe: the GUI thread, the demo director and an autopilot all call
    it. ``start()`` launches the camera process (``DemoStack`` does), which
    builds the demo member in the background while showing the lobby."""

    def __init__(self, fps: float = 30.0, seed: int = 0) -> None:
        self.fps = fps
        self.seed = seed
        self.camera = ProcessCamera(STAGE, {"seed": seed, "demo_member": True},
                                    size=(FRAME_W, FRAME_H), fps=fps, name="demo-camera")

    def start(self) -> DemoActor:
        self.camera.start()
        return self

    def wait_ready(self, timeout_s: float = 60.0) -> bool:
        """The camera shows its first frame."""
        return self.camera.wait_ready(timeout_s)

    def stop(self) -> None:
        self.camera.stop()

    def _send(self, name: str, *args: Any) -> None:
        try:
            self.camera.send(name, *args)
        except KioskError:
            raise
        except Exception as exc:  # noqa: BLE001 - the camera process has gone
            raise KioskError(f"the demo camera is not running ({exc})",
                             reason=Reason.CAMERA_UNAVAILABLE) from exc

    # -- what to show --------------------------------------------------------
    def show_idle(self) -> None:
        self._send("idle")

    def show_pass(self, text: str) -> None:
        """Hold up a phone showing ``text`` (a still phone)."""
        self._send("phone", text)

    def show_member(self) -> None:
        """Step in front of the camera as a live (synthetic) member."""
        self._send("member", time.monotonic())

    def show_attack(self, kind: str, asked: list[str] | None = None) -> None:
        """An attacker (``vision.synth.attacks.AttackKind`` value) with the
        member's photo; ``asked``: the challenges a replay avoids."""
        self._send("attack", time.monotonic(), str(kind), [_name(c) for c in asked or ()])

    def ask(self, challenge: Any) -> None:
        """The screen asks for ``challenge`` now (None: nothing): a
        cooperative member does it, and again if the screen still asks a
        while later."""
        self._send("ask", time.monotonic(), _name(challenge))

    def member(self, timeout_s: float = 60.0) -> bool:
        """Wait until the camera shows frames (its member is built there)."""
        if not self.camera.wait_ready(timeout_s):
            raise KioskError("the demo camera did not start", reason=Reason.CAMERA_UNAVAILABLE)
        return True

    # -- as a camera ------------------------------------------------------------
    def capture(self) -> Any:
        return self.camera.capture()


_ACTORS: dict[str, DemoActor] = {}


def add_actor(name: str, actor: DemoActor) -> None:
    _ACTORS[name] = actor


def remove_actor(name: str) -> None:
    _ACTORS.pop(name, None)


def _demo_factory(target: str, params: dict[str, str], **options: Any) -> CameraSource:
    actor = _ACTORS.get(target or "default")
    if actor is None:
        raise KioskError(f"no demo actor named {target!r}", reason=Reason.CAMERA_UNAVAILABLE)
    options.setdefault("stall_timeout_s", 2.0)
    return actor.camera.source(**options)


register_scheme("demo", _demo_factory)
