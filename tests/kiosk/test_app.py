"""The Kiosk controller with fake services: every errand end to end, no Qt."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from common.errors import PassError, Reason
from kiosk.app import HealthSnapshot, Kiosk, ScanStatus, SelfieStage
from kiosk.journey import Event, Flow, State
from kiosk.tasks import CallbackQueue, TaskRunner
from tests.kiosk.fakes import FakeServices, settle


@pytest.fixture
def rig():
    q = CallbackQueue()
    services = FakeServices()
    runner = TaskRunner(q)
    kiosk = Kiosk(services, runner, clock=services.clock)
    yield kiosk, services, q
    kiosk.shutdown()


def good_pass(services):
    services.loops[-1].push(("pass", ("towerpass:v1;...", SimpleNamespace(member_id="m", model=None))))


def live(done=True, ok=True, index=0):
    return SimpleNamespace(done=done, live=ok if done else None, challenge_index=index,
                           reason=None if ok else "planar_motion")


def to_selfie(kiosk, services, q):
    kiosk.start()
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)


def begin_selfie(kiosk, q):
    """Start pressed: wait until the backend opened the selfie and frames flow."""
    kiosk.begin_selfie()
    settle(q, lambda: kiosk.selfie_stage is SelfieStage.LIVE)


def test_happy_test_drive(rig):
    kiosk, services, q = rig
    stages = []
    kiosk.subscribe("selfie_stage", stages.append)
    kiosk.start(Flow.TEST_DRIVE)
    assert kiosk.journey.state is State.SCAN and services.loops[-1].running
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE and kiosk.options)
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)
    begin_selfie(kiosk, q)
    # The local check guides with the backend's challenges, in its order.
    assert services.livenesses[0].challenges == ("turn_left", "blink")
    assert kiosk.liveness is services.livenesses[0]
    services.loops[-1].push(live(done=False))
    services.loops[-1].push(live(done=False, index=1))
    services.loops[-1].push(live())
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.HANDOVER)
    backend = services.backend
    names = [n for n, _ in backend.calls if n in ("open_selfie", "upload_frames",
                                                   "finish_selfie", "verify")]
    steps = [n for i, n in enumerate(names) if i == 0 or n != names[i - 1]]
    assert steps == ["open_selfie", "upload_frames", "finish_selfie", "verify"]
    assert backend.named("open_selfie") == [("S1",)]
    uploads = backend.named("upload_frames")
    times = [t for _, ts in uploads for t in ts]
    assert {sid for sid, _ in uploads} == {"F1"}
    # The first frame, both key frames, then the tail the judge may still need.
    assert len(times) > 3 and times == sorted(set(times))
    assert backend.named("verify") == [("S1", "R1", "F1")]
    assert stages == [SelfieStage.OPENING, SelfieStage.LIVE, SelfieStage.CHECKING,
                      SelfieStage.READY]
    summary = kiosk.journey.session.liveness
    assert summary["live"] is True and summary["challenges"] == ["turn_left", "blink"]
    assert summary["frames_sent"] == len(times)
    assert services.jobs == [("J1", 7, 101, "delivery")]
    assert services.livenesses[0].cleared and kiosk.liveness is None  # dropped at verify
    kiosk.done()
    assert kiosk.journey.state is State.ATTRACT


def test_rejected_qr_keeps_scanning_and_is_not_repeated(rig):
    kiosk, services, q = rig
    seen = []
    kiosk.subscribe("scan", seen.append)
    kiosk.start()
    loop = services.loops[-1]
    err = PassError("junk", reason=Reason.QR_NOT_A_PASS)
    loop.push(("rejected", ("hello", err)))
    loop.push(("rejected", ("hello", err)))
    q.drain()
    assert [f.status for f in seen] == [ScanStatus.REJECTED]
    assert kiosk.journey.state is State.SCAN and loop.running


def test_replayed_pass_goes_back_to_scanning(rig):
    kiosk, services, q = rig
    services.backend.refuse["redeem_pass"] = Reason.PASS_REPLAYED
    kiosk.start()
    good_pass(services)
    settle(q, lambda: kiosk.last_scan.status is ScanStatus.REJECTED)
    assert kiosk.last_scan.reason is Reason.PASS_REPLAYED
    assert kiosk.journey.state is State.SCAN and services.loops[-1].running


def test_refusal_at_verify(rig):
    kiosk, services, q = rig
    services.backend.refuse["verify"] = Reason.NOT_SUPER_MEMBER
    to_selfie(kiosk, services, q)
    begin_selfie(kiosk, q)
    services.loops[-1].push(live())
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.journey.session.refusal is Reason.NOT_SUPER_MEMBER


def test_a_failed_local_check_still_asks_the_backend_which_decides(rig):
    """The local check only guides: the kiosk finishes the selfie and verifies
    it anyway, so the backend gives the refusal and counts the failure."""
    kiosk, services, q = rig
    services.backend.live = False
    services.backend.refuse["verify"] = Reason.LIVENESS_FAILED
    to_selfie(kiosk, services, q)
    begin_selfie(kiosk, q)
    services.loops[-1].push(live(ok=False))
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.journey.session.refusal is Reason.LIVENESS_FAILED
    assert services.backend.named("verify") == [("S1", "R1", "F1")]
    summary = kiosk.journey.session.liveness
    assert summary["local_live"] is False and summary["live"] is False


def test_identity_lockout_at_open_is_a_refusal_with_the_time_to_come_back(rig):
    kiosk, services, q = rig
    services.backend.refuse["open_selfie"] = Reason.IDENTITY_LOCKED
    to_selfie(kiosk, services, q)
    kiosk.begin_selfie()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    session = kiosk.journey.session
    assert session.refusal is Reason.IDENTITY_LOCKED
    assert session.refusal_context["retry_at"] == "2030-01-01T10:30:00Z"
    assert not services.livenesses and len(services.loops) == 1  # no check ever ran
    assert kiosk.selfie_stage is SelfieStage.READY


@pytest.mark.parametrize("where", ["open_selfie", "verify"])
def test_identity_lockout_is_a_staff_alert_with_the_short_member_id_only(rig, caplog, where):
    kiosk, services, q = rig
    caplog.set_level("DEBUG")
    alerts = []
    kiosk.subscribe("alert", alerts.append)
    services.backend.refuse[where] = Reason.IDENTITY_LOCKED
    kiosk.start()
    services.loops[-1].push(("pass", ("towerpass:v1;...",
                                      SimpleNamespace(member_id="member-0042-secret", model=None))))
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)
    kiosk.begin_selfie()
    if where == "verify":
        settle(q, lambda: kiosk.selfie_stage is SelfieStage.LIVE)
        services.loops[-1].push(live())
        services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.journey.session.refusal is Reason.IDENTITY_LOCKED  # the member's screen
    assert [a.reason for a in alerts] == [Reason.IDENTITY_LOCKED] and kiosk.alerts == alerts
    assert alerts[0].context == {"member": "member…", "retry_at": "2030-01-01T10:30:00Z"}
    assert "member… is locked out" in caplog.text and "member-0042" not in caplog.text


def test_other_refusals_raise_no_staff_alert(rig):
    kiosk, services, q = rig
    alerts = []
    kiosk.subscribe("alert", alerts.append)
    services.backend.refuse["open_selfie"] = Reason.SESSION_EXPIRED
    to_selfie(kiosk, services, q)
    kiosk.begin_selfie()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert alerts == []


def test_open_failure_goes_to_the_error_presenter(rig):
    from common.errors import BackendError

    kiosk, services, q = rig
    alerts = []
    kiosk.subscribe("alert", alerts.append)
    services.backend.fail["open_selfie"] = BackendError("gone", reason=Reason.BACKEND_ERROR,
                                                        code="SESSION_UNKNOWN", status=404)
    to_selfie(kiosk, services, q)
    kiosk.begin_selfie()
    settle(q, lambda: kiosk.journey.state is State.ERROR)
    assert alerts and alerts[-1].context["code"] == "SESSION_UNKNOWN"


def test_an_upload_error_stops_uploading_and_the_backend_still_decides(rig):
    from common.errors import BackendError

    kiosk, services, q = rig
    services.backend.fail["upload_frames"] = BackendError(
        "rejected", reason=Reason.BACKEND_ERROR, code="SELFIE_REJECTED", status=409)
    services.backend.refuse["verify"] = Reason.LIVENESS_FAILED
    to_selfie(kiosk, services, q)
    begin_selfie(kiosk, q)
    loop = services.loops[-1]
    for i in range(8):  # key frames, each its own step, then the end
        loop.push(live(done=False, index=i))
    settle(q, lambda: services.backend.named("upload_frames"))
    loop.push(live(ok=False))
    loop.push_tail()
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert len(services.backend.named("upload_frames")) == 1  # no chunk after the error
    assert kiosk.journey.session.liveness["stopped"] == "SELFIE_REJECTED"
    assert kiosk.journey.session.refusal is Reason.LIVENESS_FAILED


def test_cancel_during_the_selfie_sends_nothing_more(rig):
    kiosk, services, q = rig
    to_selfie(kiosk, services, q)
    begin_selfie(kiosk, q)
    loop = services.loops[-1]
    loop.push(live(done=False))
    services.backend.gate.clear()  # the backend is slow from here on
    loop.push(live())  # the local check ends: the last chunk and finish are queued
    loop.push_tail()
    q.drain()
    kiosk.cancel()
    services.backend.gate.set()
    settle(q, lambda: ("release", ("R1",)) in services.backend.calls)
    q.drain(timeout_s=0.2)
    assert kiosk.journey.state is State.ATTRACT and not loop.running
    assert not services.backend.named("finish_selfie") and not services.backend.named("verify")
    assert services.livenesses[0].cleared and kiosk.liveness is None


def test_a_selfie_opened_after_cancel_is_dropped(rig):
    kiosk, services, q = rig
    to_selfie(kiosk, services, q)
    services.backend.gate.clear()
    kiosk.begin_selfie()
    assert kiosk.selfie_stage is SelfieStage.OPENING
    kiosk.cancel()
    services.backend.gate.set()
    settle(q, lambda: ("release", ("R1",)) in services.backend.calls)
    q.drain(timeout_s=0.2)
    assert services.backend.named("open_selfie") and not services.livenesses
    assert len(services.loops) == 1 and kiosk.selfie_stage is SelfieStage.READY


def test_cancel_after_reservation_releases_it(rig):
    kiosk, services, q = rig
    to_selfie(kiosk, services, q)
    kiosk.begin_selfie()
    kiosk.cancel()
    settle(q, lambda: ("release", ("R1",)) in services.backend.calls)


def test_late_reservation_after_cancel_is_released(rig):
    kiosk, services, q = rig
    kiosk.start()
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    services.backend.gate.clear()
    kiosk.choose("Aurora", "white")
    kiosk.cancel()
    services.backend.gate.set()
    settle(q, lambda: ("release", ("R1",)) in services.backend.calls)
    assert kiosk.journey.state is State.ATTRACT


def test_lift_fault_goes_to_error_and_alerts_staff(rig):
    kiosk, services, q = rig
    services.job_ok = False
    alerts = []
    kiosk.subscribe("alert", alerts.append)
    kiosk.start()
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    kiosk.choose("Aurora", "white")
    settle(q, lambda: kiosk.journey.state is State.SELFIE)
    begin_selfie(kiosk, q)
    services.loops[-1].push(live())
    services.loops[-1].push_tail()
    settle(q, lambda: kiosk.journey.state is State.ERROR)
    assert kiosk.journey.session.refusal is Reason.LIFT_FAULT
    assert alerts and alerts[0].reason is Reason.LIFT_FAULT


def test_return_then_buy(rig):
    kiosk, services, q = rig
    kiosk.start(Flow.RETURN)
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.RETURNED)
    assert services.jobs == [("J2", 101, 3, "return")]
    assert ("start_return", ("S1", 101)) in services.backend.calls
    kiosk.buy_after_return()
    settle(q, lambda: kiosk.journey.state is State.ORDERED)
    assert kiosk.journey.session.order.order_id == "O1"


def test_buy_flow(rig):
    kiosk, services, q = rig
    kiosk.start(Flow.BUY)
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.CHOOSE)
    kiosk.choose("Aurora")
    settle(q, lambda: kiosk.journey.state is State.ORDERED)


def test_backend_down_puts_kiosk_out_of_service_and_back(rig):
    kiosk, services, q = rig
    services.health = HealthSnapshot(backend_ok=False)
    kiosk.check_health()
    settle(q, lambda: not kiosk._health_inflight)
    assert kiosk.journey.state is State.ATTRACT  # one bad probe is not an outage
    kiosk.check_health()
    settle(q, lambda: kiosk.journey.state is State.OUT_OF_SERVICE)
    services.health = HealthSnapshot()
    kiosk.check_health()
    settle(q, lambda: kiosk.journey.state is State.ATTRACT)


def test_tick_sends_health_check_and_heartbeat(rig):
    kiosk, services, q = rig
    kiosk.tick()
    settle(q, lambda: any(c[0] == "heartbeat" for c in services.backend.calls))
    status, health = [c[1] for c in services.backend.calls if c[0] == "heartbeat"][0]
    assert status == "ok" and health["state"] == "attract"


def test_the_heartbeat_answer_s_lockouts_are_kept_for_staff(rig):
    from datetime import UTC, datetime

    from kiosk.api_answers import LockAlert

    kiosk, services, q = rig
    lock = LockAlert(member="demo-o…", retry_at=datetime(2030, 3, 17, 18, 16, 40, tzinfo=UTC))
    services.backend.lockouts = (lock,)
    kiosk.send_heartbeat()
    settle(q, lambda: kiosk.health.lockouts == (lock,))
    # A health probe makes a new snapshot: the lockouts stay until the next heartbeat.
    kiosk.check_health()
    settle(q, lambda: not kiosk._health_inflight)
    assert kiosk.health.lockouts == (lock,)
    services.backend.lockouts = ()
    kiosk.send_heartbeat()
    settle(q, lambda: kiosk.health.lockouts == ())
    # The staff console shows the running ones (an ended one is dropped there).
    from kiosk.staff import diag as staff_diag

    later = LockAlert(member="abc123…", retry_at=datetime(2030, 3, 17, 19, 0, tzinfo=UTC))
    now = datetime(2030, 3, 17, 18, 30, tzinfo=UTC)
    assert staff_diag.lockouts([later, lock], now) == [
        {"member": "abc123…", "retry_at": "2030-03-17T19:00:00+00:00"}]
    assert [x["member"] for x in staff_diag.lockouts([later, lock], now.replace(hour=17))] == [
        "demo-o…", "abc123…"]


def test_camera_stall_raises_a_staff_alert():
    from types import SimpleNamespace as NS

    q = CallbackQueue()
    services = FakeServices()
    subscribers = []
    services.camera = NS(latest=lambda: None,
                         on_state=lambda cb: subscribers.append(cb) or (lambda: None))
    kiosk = Kiosk(services, TaskRunner(q))
    try:
        alerts = []
        kiosk.subscribe("alert", alerts.append)
        subscribers[0](NS(value="live"), NS(value="stalled"))
        settle(q, lambda: alerts)
        assert alerts[0].reason is Reason.CAMERA_STALLED and not kiosk.health.camera_ok
    finally:
        kiosk.shutdown()


def test_staff_can_take_the_kiosk_out_of_service_and_back(rig):
    kiosk, services, q = rig
    kiosk.set_manual_out_of_service(True)
    assert kiosk.journey.state is State.OUT_OF_SERVICE
    kiosk.check_health()  # healthy parts do not bring it back by themselves
    settle(q, lambda: not kiosk._health_inflight)
    assert kiosk.journey.state is State.OUT_OF_SERVICE
    kiosk.set_manual_out_of_service(False)
    assert kiosk.journey.state is State.ATTRACT


def test_return_needs_a_car_in_a_delivery_bay(rig):
    kiosk, services, q = rig
    services.returned_bay = None
    kiosk.start(Flow.RETURN)
    good_pass(services)
    settle(q, lambda: kiosk.journey.state is State.REFUSED)
    assert kiosk.journey.session.refusal is Reason.RETURN_BAY_EMPTY
    assert not [c for c in services.backend.calls if c[0] == "start_return"]


def test_start_up_stays_out_of_service_until_the_journal_is_settled(rig):
    kiosk, services, q = rig
    from types import SimpleNamespace as NS

    services.interrupted = [NS(job_id="J9", ok=False, outcome="failed_moved")]
    alerts = []
    kiosk.subscribe("alert", alerts.append)
    kiosk.start_up()
    assert kiosk.recovering and kiosk.journey.state is State.OUT_OF_SERVICE
    settle(q, lambda: not kiosk.recovering)
    settle(q, lambda: kiosk.journey.state is State.ATTRACT)
    assert alerts and alerts[0].reason is Reason.LIFT_FAULT


def test_frames_captured_before_a_step_began_are_ignored(rig):
    kiosk, services, q = rig
    from types import SimpleNamespace as NS

    kiosk.start()
    loop = services.loops[-1]
    stale = ("pass", ("towerpass:v1;...", NS(member_id="m", model=None)))
    loop.on_result(loop.process(NS(image=stale, t_mono=-1.0, index=0)))  # before Scan began
    q.drain()
    assert kiosk.journey.state is State.SCAN and not services.backend.calls


def test_a_job_the_backend_was_not_told_of_is_reported_once_it_answers(rig):
    """#16 soak: a car arrived during a backend outage and its report failed;
    the running kiosk never tried again (only a restart settled it)."""
    kiosk, services, q = rig
    from types import SimpleNamespace as NS

    from kiosk.app import HealthSnapshot

    calls = []
    services.reconcile = lambda: calls.append("reconcile") or []
    kiosk._dispatched(NS(ok=True, reported=False, result="delivered"), Event.CAR_DELIVERED)
    services.health = HealthSnapshot(backend_ok=False)
    kiosk.check_health()
    q.drain()
    assert calls == []  # nobody to tell yet
    services.health = HealthSnapshot()
    kiosk.check_health()
    settle(q, lambda: calls == ["reconcile"])
    kiosk.check_health()
    q.drain()
    assert calls == ["reconcile"]  # told: not again
