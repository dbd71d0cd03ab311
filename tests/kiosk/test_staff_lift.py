"""The staff console's lift control: refused during a customer job, each command
answered and audited, moves kept in step with the backend (queued while offline)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from common.errors import LiftError, Reason, StaffError
from drivers.lift_proto import (
    FaultCode,
    JobPhase,
    JobState,
    MoveAccepted,
)
from kiosk.staff.console import Why
from tests.kiosk.staff_rig import (
    NAME,
    actions,
    audit,
    login,
    login_offline,
    make_rig,
    results,
    settle,
)


@pytest.fixture
def rig(tmp_path: Path):
    yield from make_rig(tmp_path)


# -- lift control ------------------------------------------------------------------------

def test_lift_controls_need_a_staff_session(rig):
    got, put = results(rig)
    for call in (lambda: rig.console.home(put), lambda: rig.console.move(1, 6, put),
                 lambda: rig.console.ack_fault(put)):
        with pytest.raises(StaffError) as exc:
            call()
        assert exc.value.context["why"] == Why.NOT_LOGGED_IN.value
    assert rig.lift.calls == [] and got == []


def test_lift_controls_are_refused_while_a_customer_job_runs(rig):
    login(rig)
    rig.services.dispatcher.busy = True
    got, put = results(rig)
    calls = {"lift_home": lambda: rig.console.home(put),
             "lift_move": lambda: rig.console.move(1, 6, put),
             "door_open": lambda: rig.console.open_door(101, put),
             "door_close": lambda: rig.console.close_door(101, put),
             "ack_fault": lambda: rig.console.ack_fault(put)}
    for action, call in calls.items():
        with pytest.raises(StaffError) as exc:
            call()
        assert exc.value.context["why"] == Why.CUSTOMER_JOB.value, action
    rig.q.drain(0.05)
    assert rig.lift.calls == [] and got == []
    assert [a for a in actions(rig) if a[0] != "login"] == [
        (a, "refused: customer_job") for a in calls]
    rig.services.dispatcher.busy = False
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert got[0].ok and rig.lift.names() == ["home"]


@pytest.mark.parametrize(("action", "call", "lift_call"), [
    ("lift_home", lambda c, put: c.home(put), ("home",)),
    ("door_open", lambda c, put: c.open_door(101, put), ("open_door", 101)),
    ("door_close", lambda c, put: c.close_door(101, put), ("close_door", 101)),
    ("ack_fault", lambda c, put: c.ack_fault(put), ("ack_fault",)),
])
def test_each_lift_command_shows_the_answer_and_is_audited(rig, action, call, lift_call):
    login(rig)
    got, put = results(rig)
    call(rig.console, put)
    settle(rig.q, lambda: got)
    assert got[0].ok and got[0].answer == "OK" and got[0].action == action
    assert rig.lift.calls == [lift_call]
    assert actions(rig)[-1] == (action, "ok")


def test_a_refused_command_shows_the_controller_answer(rig):
    login(rig)
    rig.lift.refuse["home"] = LiftError("HOME refused: a fault is active", reason=Reason.LIFT_FAULT,
                                        command="HOME", code="FAULT_ACTIVE")
    got, put = results(rig)
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert not got[0].ok and "FAULT_ACTIVE" in got[0].answer
    assert got[0].reason == "LIFT_FAULT"
    entry = audit(rig)[-1]
    assert (entry["action"], entry["result"], entry["reason"]) == ("lift_home", "failed",
                                                                   "LIFT_FAULT")


def test_a_move_is_followed_until_the_car_arrives(rig):
    login(rig)
    got, put = results(rig)
    job_id = rig.console.move(3, 6, put)
    assert job_id.startswith("STAFF-") and len(job_id) <= 32
    settle(rig.q, lambda: got and got[-1].final)
    assert got[0].answer.startswith(f"accepted {job_id}") and not got[0].final
    assert got[-1].ok and got[-1].detail["phase"] == "DONE"
    assert ("move", job_id, 3, 6) in rig.lift.calls
    moves = [e for e in audit(rig) if e["action"] == "lift_move"]
    assert [m["result"] for m in moves] == ["accepted", "done"]
    assert all(m["job_id"] == job_id and m["from_bay"] == 3 for m in moves)


def test_a_move_the_controller_refuses_is_set_back_in_the_backend(rig):
    login(rig)
    rig.lift.refuse["move"] = LiftError("MOVE refused: TARGET_OCCUPIED",
                                        reason=Reason.LIFT_REJECTED, code="TARGET_OCCUPIED")
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got)
    assert not got[0].ok and got[0].final and "TARGET_OCCUPIED" in got[0].answer
    assert actions(rig)[-1] == ("lift_move", "refused")
    # The backend had recorded the move first: it is set back.
    assert got[0].answer.endswith("backend set back"), got[0].answer
    assert rig.backend.calls[-2:] == [("move_car", 3, 6), ("move_car", 6, 3)]
    assert rig.backend.cars[3] == "C3" and 6 not in rig.backend.cars


def test_a_move_is_recorded_by_the_backend_before_the_car_moves(rig):
    login(rig)
    got, put = results(rig)
    job_id = rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].ok and got[-1].answer.endswith("backend updated"), got[-1].answer
    calls = rig.backend.calls
    assert ("move_car", 3, 6) in calls and rig.backend.cars[6] == "C3"
    assert ("move", job_id, 3, 6) in rig.lift.calls
    done = [e for e in audit(rig) if e["action"] == "lift_move"][-1]
    assert (done["result"], done["backend"]) == ("done", "recorded")


@pytest.mark.parametrize(("from_bay", "to_bay", "code"), [(5, 6, "BAY_EMPTY"),
                                                          (1, 2, "BAY_OCCUPIED")])
def test_a_move_the_backend_vetoes_never_reaches_the_lift(rig, from_bay, to_bay, code):
    login(rig)
    got, put = results(rig)
    rig.console.move(from_bay, to_bay, put)
    settle(rig.q, lambda: got)
    assert len(got) == 1 and not got[0].ok and got[0].final
    assert got[0].answer.startswith("Not moved") and code in got[0].answer
    assert rig.lift.names() == []
    assert actions(rig)[-1] == ("lift_move", "refused")


def test_a_move_while_the_backend_is_down_goes_ahead_and_says_so(rig):
    login(rig)
    rig.backend.unreachable = True
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].ok
    assert got[-1].answer.endswith("backend not told (BACKEND_UNREACHABLE): run Audit")
    assert "move" in rig.lift.names()
    done = [e for e in audit(rig) if e["action"] == "lift_move"][-1]
    assert done["backend"] == "not told (BACKEND_UNREACHABLE)"
    # The backend comes back: the move it missed is recorded then.
    rig.backend.unreachable = False
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert got[-1].ok and rig.backend.cars[6] == "C3" and 3 not in rig.backend.cars
    assert actions(rig)[-1] == ("lift_move", "recorded")


def test_a_missed_move_is_given_up_after_a_while(rig):
    login(rig)
    rig.backend.unreachable = True
    rig.console.record_retry_s = 0.1  # instead of 10 minutes
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and "still lacks this move" in got[-1].answer)
    assert not got[-1].ok and got[-1].answer.endswith("run Audit")
    assert actions(rig)[-1] == ("lift_move", "not recorded")


def test_book_changes_carry_the_online_staff_session(rig):
    login(rig)
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    rig.console.set_maintenance(4, True, put)
    settle(rig.q, lambda: got[-1].action == "bay_maintenance")
    assert rig.backend.sent == [{"by": NAME, "made_by": NAME}] * 2


def test_an_offline_login_does_local_work_and_its_move_waits_for_an_online_login(rig):
    login_offline(rig, "carol")
    got, put = results(rig)
    rig.console.home(put)
    settle(rig.q, lambda: got)
    assert got[0].ok  # local work: the lift answers
    job_id = rig.console.move(3, 6, put)
    settle(rig.q, lambda: got[-1].final and got[-1].action == "lift_move" and len(got) > 1)
    assert got[-1].ok and got[-1].answer.endswith("backend not told (offline login): run Audit")
    assert rig.console.owed == {job_id}
    with pytest.raises(StaffError) as exc:  # it moves nothing: it waits for an online login
        rig.console.set_maintenance(4, True, put)
    assert exc.value.reason is Reason.STAFF_SESSION_REQUIRED
    assert exc.value.context["why"] == Why.OFFLINE.value
    rig.backend.unreachable = False  # back, but nobody has logged in online yet
    rig.console.logout()
    login(rig)  # alice, online: the queued move goes with her session
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert rig.backend.cars[6] == "C3" and 3 not in rig.backend.cars
    assert [c for c in rig.backend.calls if c[0] == "move_car"] == [("move_car", 3, 6)]
    assert rig.backend.sent == [{"by": NAME, "made_by": "carol"}]  # the audit has both
    assert rig.console.owed == set()
    recorded = audit(rig)[-1]
    assert (recorded["who"], recorded["result"], recorded["made_by"]) == (NAME, "recorded",
                                                                         "carol")


def test_a_move_whose_session_the_backend_ended_is_recorded_with_the_next_login(rig):
    login(rig)
    rig.backend.tokens.clear()  # e.g. 8 hours are up, or the account was removed
    got, put = results(rig)
    rig.console.move(3, 6, put)
    settle(rig.q, lambda: got and got[-1].final)
    assert got[-1].answer.endswith("backend not told (STAFF_SESSION_REQUIRED): run Audit")
    rig.console.logout()
    login(rig, "bob", "864200")
    settle(rig.q, lambda: got[-1].answer.endswith("the backend has now recorded the move"))
    assert rig.backend.sent == [{"by": "bob", "made_by": NAME}]


def test_the_busy_flag_of_the_dispatcher(tmp_path):
    """Dispatcher.busy is what staff lift control checks: true only while a job runs."""
    from kiosk.dispatch import Dispatcher, DispatchJournal

    release = threading.Event()
    moving = threading.Event()

    class SlowLift:
        def on_event(self, cb):
            return lambda: None

        def move(self, job_id, f, t):
            moving.set()
            release.wait(10)
            return MoveAccepted(JobState(job_id, JobPhase.DONE, car_moved=True), False)

    journal = DispatchJournal(tmp_path / "j.sqlite")
    reporter = SimpleNamespace(report_job=lambda *a: None)
    d = Dispatcher(journal, SlowLift(), reporter)
    assert d.busy is False
    t = threading.Thread(target=d.run_job, args=("J-busy", 1, 101), name="job")
    t.start()
    try:
        assert moving.wait(10)
        assert d.busy is True
    finally:
        release.set()
        t.join(10)
        d.close()
        journal.close()
    assert d.busy is False




def test_a_staff_move_the_controller_runs_for_another_car_is_stopped(rig):
    """#13: every controller answer is checked, the follow-up polls of a staff
    move too: the simulator's ``swap_source`` accepts our bays, then runs and
    reports another source bay."""
    from drivers.lift_client import LiftClient
    from sim.lift.simulator import TowerSimulator

    sim = TowerSimulator(levels=1, bays_per_level=6, delivery_bays=(101,), occupied={1, 2, 3, 4},
                         travel_s_per_level=0.3, door_s=0.3, transfer_s=0.3)
    client = None
    try:
        client = LiftClient(sim.serve_pty(), reply_timeout_s=5.0).open(wait_s=10.0)
        rig.services.lift = client
        login(rig)
        sim.trigger("swap_source")
        got, put = results(rig)
        rig.console.move(4, 6, put)
        settle(rig.q, lambda: got and got[-1].final)
        assert not got[-1].ok and got[-1].reason == "LIFT_ECHO_MISMATCH", got[-1].answer
        assert "run Audit" in got[-1].answer
        with sim.locked() as t:
            assert FaultCode.ESTOP in t.faults and t.current is None  # the kiosk's STOP
    finally:
        if client is not None:
            client.close()
        sim.stop()
