"""Fakes for unit tests of the core controller alone (never used by the product)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from common.errors import BackendError, Reason, RefusedError
from kiosk.api_answers import HeartbeatAnswer, LockAlert
from kiosk.config import Config, parse_config
from kiosk.journey import Timeouts
from kiosk.tasks import CallbackQueue


class FakeBackend:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.refuse: dict[str, Reason] = {}
        self.fail: dict[str, BackendError] = {}  # name -> a non-refusal error to raise
        self.gate = threading.Event()
        self.gate.set()
        self.challenges = ("turn_left", "blink")
        self.live = True  # the backend's verdict at finish
        self.lockouts: tuple[LockAlert, ...] = ()  # what the heartbeat answers
        self.out_of_service = False  # ... and whether an operator took the kiosk out
        self.eligibility: Any = None  # what redeem says (None: not said, an older backend)
        self.payment_states: list[str] = []  # what each payment poll answers, in turn

    def _call(self, name: str, *args: Any) -> None:
        self.gate.wait(5)
        self.calls.append((name, args))
        if name in self.refuse:
            raise RefusedError(name, reason=self.refuse[name], retry_at="2030-01-01T10:30:00Z")
        if name in self.fail:
            raise self.fail[name]

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for n, args in self.calls if n == name]

    def redeem_pass(self, text):
        self._call("redeem_pass", text)
        return SimpleNamespace(session_id="S1", member_ref="m-1", preselected_model=None,
                               eligibility=self.eligibility)

    def inventory(self):
        self._call("inventory")
        return [SimpleNamespace(model="Aurora", colour="white", available_count=2)]

    def reserve(self, session_id, model, colour):
        self._call("reserve", session_id, model, colour)
        return SimpleNamespace(reservation_id="R1", bay=7)

    def release(self, reservation_id):
        self._call("release", reservation_id)

    def open_selfie(self, session_id):
        self._call("open_selfie", session_id)
        return SimpleNamespace(selfie_id="F1", challenges=self.challenges, expires_at=0,
                               max_frames_per_chunk=20)

    def upload_frames(self, selfie_id, frames):
        # Record the times only: the frames are dropped by the uploader after this.
        self._call("upload_frames", selfie_id, [t for t, _ in frames])
        return len(frames)

    def finish_selfie(self, selfie_id):
        self._call("finish_selfie", selfie_id)
        return SimpleNamespace(selfie_id=selfie_id, live=self.live,
                               reason=None if self.live else "no_motion")

    def verify(self, session_id, reservation_id, selfie_id, payment_id=None):
        self._call("verify", session_id, reservation_id, selfie_id, *(
            (payment_id,) if payment_id else ()))
        return SimpleNamespace(job_id="J1", source_bay=7, delivery_bay=101, return_by=0)

    def start_return(self, session_id, from_bay=None):
        self._call("start_return", session_id, from_bay)
        return SimpleNamespace(job_id="J2", from_bay=101, to_bay=3, model="Aurora")

    def heartbeat(self, status, health, version=None):
        self._call("heartbeat", status, health)
        return HeartbeatAnswer(server_time=datetime.now(UTC), alerts=self.lockouts,
                               out_of_service=self.out_of_service)

    def _payment(self, state):
        from kiosk.rules_api import Payment, PaymentState

        return Payment(payment_id="P1", session_id="S1", amount="99.00", currency="CNY",
                       state=PaymentState(state), expires_at=datetime(2030, 1, 1, tzinfo=UTC),
                       pay_url="http://x/member/pay/P1")

    def open_payment(self, session_id):
        self._call("open_payment", session_id)
        return self._payment("pending")

    def payment(self, payment_id):
        self._call("payment", payment_id)
        return self._payment(self.payment_states.pop(0) if self.payment_states else "pending")

    def cancel_payment(self, payment_id):
        self._call("cancel_payment", payment_id)
        return self._payment("cancelled")

    def buy(self, session_id, model):
        self._call("buy", session_id, model)
        return SimpleNamespace(order_id="O1", url="http://x/orders/O1")


FRAME_PERIOD_S = 0.05


def settle(q: CallbackQueue, cond: Callable[[], Any], timeout_s: float = 10.0) -> None:
    """Run the callbacks the core posts until ``cond()`` holds (or fail)."""
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "condition never became true"
        q.drain(timeout_s=0.05)


class FakeClock:
    """Monotonic time the test moves by hand: idle timeouts without waiting,
    and here frame times (``FakeLoop.push`` advances it one camera period)
    exact, so what the selfie uploader keeps is too."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class FakeLoop:
    def __init__(self, services: FakeServices, process, on_result) -> None:
        self.services, self.process, self.on_result = services, process, on_result
        self.running = False

    def start(self) -> None:
        self.running = True
        self.services.loops.append(self)

    def stop(self) -> None:
        self.running = False

    def push_tail(self) -> None:
        """The frames the camera still streams after the local check ended
        (``kiosk.selfie_step.tail_complete``), after which the selfie is finished."""
        from kiosk.selfie_step import TAIL_FRAMES, TAIL_S

        for _ in range(max(int(TAIL_S / FRAME_PERIOD_S) + 1, TAIL_FRAMES)):
            self.push(None)

    def push(self, frame: Any) -> None:
        """Deliver one frame as the real loop would (result via poster).

        The fakes' processors hand the frame's payload straight back, so a
        test pushes the scan result or liveness update it wants to see. Each
        frame is captured one camera period after the last one."""
        self.services.clock.advance(FRAME_PERIOD_S)
        self.on_result(self.process(SimpleNamespace(image=frame, t_mono=self.services.clock(),
                                                    index=0)))


@dataclass
class FakeLiveness:
    challenges: tuple = ("blink",)
    cleared: bool = False

    def feed(self, image, t):
        return image  # tests push LivenessUpdate-like objects as "frames"

    def clear(self):
        self.cleared = True


class FakeServices:
    def __init__(self) -> None:
        self.config: Config = parse_config({})
        self.backend = FakeBackend()
        self.clock = FakeClock()  # give it to the Kiosk: frames are stamped with it
        self.camera = SimpleNamespace(latest=lambda: None)
        self.loops: list[FakeLoop] = []
        self.jobs: list[tuple] = []
        self.job_ok = True
        self.livenesses: list[FakeLiveness] = []
        self.health = None

    def timeouts(self) -> Timeouts:
        return Timeouts({})

    def frame_loop(self, process, on_result, on_error):
        return FakeLoop(self, process, on_result)

    def scan_frame(self, frame):
        return frame.image  # tests push ready-made scan results

    def new_liveness(self, challenges):
        lv = FakeLiveness(tuple(challenges))
        self.livenesses.append(lv)
        return lv

    def encode_frame(self, image):
        return b"\xff\xd8jpeg"

    def run_job(self, job_id, from_bay, to_bay, kind, on_progress):
        self.jobs.append((job_id, from_bay, to_bay, kind))
        on_progress(SimpleNamespace(phase="moving", level=2))
        return SimpleNamespace(ok=self.job_ok, result="done" if self.job_ok else "failed")

    returned_bay: int | None = 101
    interrupted: list = []

    def reconcile(self):
        return list(self.interrupted)

    def returned_car_bay(self):
        return self.returned_bay

    def probe_health(self):
        if self.health is None:
            from kiosk.app import HealthSnapshot
            return HealthSnapshot()
        return self.health

    def close(self) -> None:
        pass
