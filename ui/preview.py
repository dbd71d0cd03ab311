"""Canned services and sample data for looking at the screens without hardware.

Used by ``python -m ui.gallery`` and the UI tests; ``kiosk run`` never uses
them (demo mode has the real parts, see ``kiosk.wiring``). Every blocking
call can be held on a gate so a screen that waits for the backend or the
lift (verify, dispatch) stays on screen as long as a test needs it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import segno

from common.errors import Reason, RefusedError
from kiosk.backend_client import CarOption, HeartbeatAnswer, LockAlert
from kiosk.config import Config, parse_config
from kiosk.dispatch import DoorState, JobPhase, Progress  # the lift's enums, as the core sees them
from kiosk.journey import DEFAULT_IDLE_S, Timeouts

GATE_TIMEOUT_S = 30.0


_MODELS = {"Aurora": "极光", "Breeze": "微风", "Comet": "彗星", "Dune": "沙丘"}
_COLOURS = {"white": "白色", "black": "黑色", "red": "红色", "blue": "蓝色", "silver": "银色",
            "green": "绿色"}


def option(model: str, colour: str, count: int) -> CarOption:
    return CarOption(model=model, colour=colour,
                     model_names={"en": model, "zh_CN": _MODELS.get(model, model)},
                     colour_names={"en": colour.title(), "zh_CN": _COLOURS.get(colour, colour)},
                     available_count=count)


# Like the demo tower: one colour out of stock (shown greyed), one model
# entirely out of stock (its card disabled).
SAMPLE_OPTIONS = (
    option("Aurora", "white", 3), option("Aurora", "black", 2), option("Aurora", "red", 0),
    option("Aurora", "blue", 1), option("Breeze", "silver", 2), option("Breeze", "white", 1),
    option("Comet", "red", 1), option("Comet", "blue", 0), option("Dune", "green", 0),
)


def live_update(**fields: Any) -> SimpleNamespace:
    """A LivenessUpdate-shaped object (the real one comes from vision)."""
    base = dict(phase="challenge", guidance=None, challenge="turn_left", challenge_index=0,
                challenges_total=3, time_left_s=4.5, done=False, live=None, reason=None,
                face_box=None)
    base.update(fields)
    return SimpleNamespace(**base)


def lift_progress(**fields: Any) -> Progress:
    base: dict[str, Any] = dict(job_id="J-1", phase=JobPhase.TO_TARGET, level=3, target_level=0,
                                door=DoorState.CLOSED, eta_s=48.0, fault=None)
    base.update(fields)
    return Progress(**base)


class Gate:
    """Open by default; ``hold()`` makes callers wait until ``release()``."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def wait(self) -> None:
        self._open.wait(GATE_TIMEOUT_S)


class CannedBackend:
    def __init__(self, options: tuple[CarOption, ...] = SAMPLE_OPTIONS) -> None:
        self.options = list(options)
        self.calls: list[str] = []
        self.gates: dict[str, Gate] = {}
        self.refuse: dict[str, Reason] = {}
        self.refuse_context: dict[str, dict[str, Any]] = {}  # e.g. a lockout's retry_at
        self.preselected_model: str | None = None
        self.lockouts: tuple[LockAlert, ...] = ()  # the tower's, with each heartbeat
        self.out_of_service = False  # an operator's hold (the ops console), with each heartbeat
        self.payment_state = "pending"  # what a paid drive's poll answers

    def gate(self, name: str) -> Gate:
        return self.gates.setdefault(name, Gate())

    def release_all(self) -> None:
        for gate in self.gates.values():
            gate.release()

    def _call(self, name: str) -> None:
        self.calls.append(name)
        self.gate(name).wait()
        if name in self.refuse:
            raise RefusedError(name, reason=self.refuse[name],
                               **self.refuse_context.get(name, {}))

    def redeem_pass(self, text: str) -> Any:
        self._call("redeem_pass")
        return SimpleNamespace(session_id="S-demo", member_ref="m-4f2a",
                               preselected_model=self.preselected_model)

    def inventory(self) -> list[CarOption]:
        self._call("inventory")
        return list(self.options)

    def reserve(self, session_id: str, model: str, colour: str) -> Any:
        self._call("reserve")
        return SimpleNamespace(reservation_id="R-1", bay=17)

    def release(self, reservation_id: str) -> None:
        self._call("release")

    def open_selfie(self, session_id: str) -> Any:
        self._call("open_selfie")
        return SimpleNamespace(selfie_id="F-1", challenges=("turn_left", "blink"),
                               expires_at=dt.datetime(2025, 6, 10, 17, 31, tzinfo=dt.UTC),
                               max_frames_per_chunk=20)

    def upload_frames(self, selfie_id: str, frames: Any) -> int:
        self._call("upload_frames")
        return len(frames)

    def finish_selfie(self, selfie_id: str) -> Any:
        self._call("finish_selfie")
        return SimpleNamespace(selfie_id=selfie_id, live=True, reason=None)

    def verify(self, session_id: str, reservation_id: str, selfie_id: str,
               payment_id: str | None = None) -> Any:
        self._call("verify")
        return sample_authorisation()

    def open_payment(self, session_id: str) -> Any:
        self._call("open_payment")
        return sample_payment()

    def payment(self, payment_id: str) -> Any:
        self._call("payment")
        return sample_payment(self.payment_state)

    def cancel_payment(self, payment_id: str) -> Any:
        self._call("cancel_payment")
        return sample_payment("cancelled")

    def start_return(self, session_id: str, from_bay: int | None = None) -> Any:
        self._call("start_return")
        return SimpleNamespace(job_id="J-ret", from_bay=from_bay or 101, to_bay=23,
                               model="Aurora",
                               colour="white")

    def buy(self, session_id: str, model: str) -> Any:
        self._call("buy")
        return sample_order()

    def heartbeat(self, status: str, health: Any, version: str = "") -> HeartbeatAnswer:
        self._call("heartbeat")
        return HeartbeatAnswer(server_time=dt.datetime.now(dt.UTC), alerts=self.lockouts,
                               out_of_service=self.out_of_service)


def sample_authorisation() -> Any:
    # A fixed, readable deadline: 72 h after a round start time.
    return SimpleNamespace(job_id="J-1", source_bay=17, delivery_bay=2,
                           return_by=dt.datetime(2025, 6, 13, 17, 30, tzinfo=dt.UTC))


def sample_payment(state: str = "pending") -> Any:
    from kiosk.rules_api import Payment, PaymentState

    return Payment(payment_id="P-1", session_id="S-demo", amount="99.00", currency="CNY",
                   state=PaymentState(state),
                   expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=165),
                   pay_url="https://tower.example/member/pay/P-1")


def sample_order() -> Any:
    return SimpleNamespace(order_id="O-20250610-0042",
                           url="https://tower.example/orders/O-20250610-0042")


def synthetic_frame(index: int, width: int = 1280, height: int = 720,
                    subject: str = "phone") -> np.ndarray:
    """A lobby-like BGR frame with a phone showing a QR code, or a head outline."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 40 + 30 * (yy / height) + 12 * np.sin(xx / 90.0 + index * 0.05)
    img = np.stack([base + 18, base + 8, base], axis=-1)
    if subject == "phone":
        qr = segno.make("towerpass:v1;t=T1;m=demo;p=;e=0;n=00000000000000000;s=x", error="m")
        mat = np.array([[bool(v) for v in row] for row in qr.matrix], dtype=bool)
        n = mat.shape[0]
        cell = 6
        qw = n * cell
        cx, cy = width // 2 + int(20 * np.sin(index / 15)), height // 2
        pw, ph = qw + 80, qw + 260
        img[cy - ph // 2:cy + ph // 2, cx - pw // 2:cx + pw // 2] = (30, 30, 34)
        sx, sy = cx - pw // 2 + 16, cy - ph // 2 + 40
        img[sy:sy + ph - 80, sx:sx + pw - 32] = (250, 250, 250)
        big = np.kron(mat, np.ones((cell, cell), dtype=bool))
        ox, oy = cx - qw // 2, cy - qw // 2
        region = img[oy:oy + qw, ox:ox + qw]
        region[big] = (20, 20, 20)
    elif subject == "face":
        cx, cy = width / 2, height / 2 + 10
        head = ((xx - cx) / 150) ** 2 + ((yy - cy) / 200) ** 2 <= 1
        shoulders = ((xx - cx) / 380) ** 2 + ((yy - (cy + 420)) / 260) ** 2 <= 1
        img[shoulders] = (90, 70, 60)
        img[head] = (120, 150, 196)
    return np.clip(img, 0, 255).astype(np.uint8)


class CannedCamera:
    """``latest()`` returns a fresh synthetic frame (~30 fps worth of indexes)."""

    def __init__(self, subject: str = "phone") -> None:
        self.subject = subject
        self._t0 = time.monotonic()
        self._cache: dict[tuple[int, str], np.ndarray] = {}

    def latest(self) -> Any:
        now = time.monotonic()
        index = int((now - self._t0) * 30)
        key = (index % 60, self.subject)  # a short loop: cheap to keep
        if key not in self._cache:
            self._cache[key] = synthetic_frame(key[0], subject=self.subject)
        return SimpleNamespace(image=self._cache[key], t_mono=now, index=index)


class CannedLoop:
    """A frame loop without a thread: the test pushes what vision "found"."""

    def __init__(self, on_result: Callable[[Any], None]) -> None:
        self.on_result = on_result
        self.running = False

    def start(self) -> None:
        self.running = True

    def stop(self) -> None:
        self.running = False

    def push(self, result: Any) -> None:
        self.on_result(result)

    def push_tail(self) -> None:
        """The camera's tail after the local check ended has been sent
        (``kiosk.selfie_step``): the selfie is finished."""
        from kiosk.selfie_step import TAIL_DONE

        self.on_result(TAIL_DONE)


class CannedLiveness:
    def __init__(self, challenges: Any = ("turn_left", "blink")) -> None:
        self.challenges = tuple(challenges)

    def feed(self, image: Any, t: float) -> Any:
        return live_update()

    def clear(self) -> None:
        pass


class CannedServices:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config or parse_config({})
        self.backend = CannedBackend()
        self.camera = CannedCamera()
        self.loops: list[CannedLoop] = []
        self.lift_gate = Gate()
        self.progress: list[Any] = [lift_progress()]
        self.closed = False

    def timeouts(self) -> Timeouts:
        return Timeouts(dict(DEFAULT_IDLE_S))

    def frame_loop(self, process: Callable[[Any], Any], on_result: Callable[[Any], None],
                   on_error: Callable[[Any], None] | None = None) -> CannedLoop:
        loop = CannedLoop(on_result)
        self.loops.append(loop)
        return loop

    def scan_frame(self, frame: Any) -> tuple[str, Any]:
        return ("nothing", None)

    def new_liveness(self, challenges: Any) -> CannedLiveness:
        return CannedLiveness(challenges)

    def encode_frame(self, image: Any) -> bytes:
        return b"\xff\xd8canned"

    def run_job(self, job_id: str, from_bay: int, to_bay: int, kind: str,
                on_progress: Callable[[Any], None]) -> Any:
        for p in self.progress:
            on_progress(p)
        self.lift_gate.wait()
        return SimpleNamespace(ok=True, result="done")

    def returned_car_bay(self) -> int | None:
        return 101  # the member parked in the first delivery bay

    def probe_health(self) -> Any:
        from kiosk.app import HealthSnapshot

        return HealthSnapshot()

    def release_all(self) -> None:
        self.backend.release_all()
        self.lift_gate.release()

    def close(self) -> None:
        self.release_all()
        self.closed = True
