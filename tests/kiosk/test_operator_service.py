"""An operator takes the kiosk out of service in the ops console (issue #17):
the kiosk hears it in the heartbeat's answer, or from a session the backend
refused KIOSK_OUT_OF_SERVICE, and shows its out-of-service screen until the
operator puts it back. Kiosk core with fake services (no Qt); the backend's
side is tests/ops/test_ops_console.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from common.errors import BackendError, Reason
from kiosk.api_answers import heartbeat_answer
from kiosk.journey import Flow, State
from tests.kiosk import test_app as app_fixtures
from tests.kiosk.fakes import settle

rig = app_fixtures.rig  # the Kiosk with fake services


def healthy(kiosk, q) -> None:
    """The first health probe done: in service, at Attract."""
    kiosk.check_health()
    settle(q, lambda: kiosk.journey.state is State.ATTRACT and not kiosk._health_inflight)


def test_the_heartbeat_answer_takes_the_kiosk_out_and_back(rig):
    kiosk, services, q = rig
    healthy(kiosk, q)
    services.backend.out_of_service = True
    kiosk.send_heartbeat()
    settle(q, lambda: kiosk.journey.state is State.OUT_OF_SERVICE)
    assert kiosk.status_word() == "out_of_service"  # what the next heartbeat reports
    # A good health probe does not bring it back: the operator's word stands.
    kiosk.check_health()
    settle(q, lambda: not kiosk._health_inflight)
    assert kiosk.journey.state is State.OUT_OF_SERVICE
    services.backend.out_of_service = False
    kiosk.send_heartbeat()
    settle(q, lambda: kiosk.journey.state is State.ATTRACT)


def test_a_member_mid_errand_finishes_first(rig):
    kiosk, services, q = rig
    healthy(kiosk, q)
    kiosk.start(Flow.TEST_DRIVE)
    assert kiosk.journey.state is State.SCAN
    services.backend.out_of_service = True
    kiosk.send_heartbeat()
    settle(q, lambda: kiosk.operator_out_of_service)
    assert kiosk.journey.state is State.SCAN  # the member in front is not thrown out
    kiosk.cancel()
    settle(q, lambda: kiosk.journey.state is State.OUT_OF_SERVICE)


def test_a_session_refused_kiosk_out_of_service_takes_it_out_at_once(rig):
    kiosk, services, q = rig
    healthy(kiosk, q)
    services.backend.fail["redeem_pass"] = BackendError(
        "An operator took this kiosk out of service.", reason=Reason.BACKEND_ERROR,
        status=409, code="KIOSK_OUT_OF_SERVICE")
    kiosk.start(Flow.TEST_DRIVE)
    services.loops[-1].push(("pass", ("towerpass:v1;...",
                                      SimpleNamespace(member_id="m", model=None))))
    settle(q, lambda: kiosk.operator_out_of_service)
    kiosk.cancel()
    kiosk.done()
    settle(q, lambda: kiosk.journey.state is State.OUT_OF_SERVICE)


@pytest.mark.parametrize("answer, out, note", [
    ({}, False, ""),  # an older backend says nothing: in service
    ({"out_of_service": None}, False, ""),
    ({"out_of_service": {"reason": "KIOSK_OUT_OF_SERVICE", "note": "screen cracked",
                         "since": "2030-03-17T10:00:00Z"}}, True, "screen cracked"),
    ({"out_of_service": {"reason": "KIOSK_OUT_OF_SERVICE"}}, True, ""),
    ({"out_of_service": {"note": "bell\x07"}}, True, "bell"),  # printable only
])
def test_heartbeat_answer_out_of_service_is_read(answer, out, note):
    a = heartbeat_answer({"server_time": "2030-03-17T10:00:00Z", "alerts": [], **answer})
    assert (a.out_of_service, a.out_of_service_note) == (out, note)


@pytest.mark.parametrize("bad", ["yes", 1, ["x"], {"note": 5}, {"note": "x" * 201}])
def test_a_malformed_out_of_service_is_a_bad_answer(bad):
    from kiosk.api_read import BadAnswer

    with pytest.raises(BadAnswer):
        heartbeat_answer({"server_time": "2030-03-17T10:00:00Z", "alerts": [],
                          "out_of_service": bad})


def test_the_heartbeat_names_the_latest_alert_for_the_ops_console(rig):
    from common.errors import KioskError

    kiosk, services, q = rig
    kiosk.send_heartbeat()
    settle(q, lambda: services.backend.named("heartbeat"))
    assert "last_alert" not in services.backend.named("heartbeat")[-1][1]
    kiosk._alert(KioskError("lift stopped", reason=Reason.LIFT_FAULT))
    kiosk.send_heartbeat()
    settle(q, lambda: len(services.backend.named("heartbeat")) == 2)
    health = services.backend.named("heartbeat")[-1][1]
    assert health["alerts"] == 1 and health["last_alert"] == "LIFT_FAULT"
