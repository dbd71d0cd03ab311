"""The simulator's control channel: the physical world the protocol cannot change."""

from __future__ import annotations

import pytest

from drivers.lift_client import LiftClient


@pytest.mark.parametrize(("line", "answer"), [
    ("arrive 101", "ok"),
    ("depart 101", "ok"),
    ("arrive 5", "error"),  # storage bays are reached by the lift only
    ("arrive x", "error"),
    ("trigger estop", "ok"),
    ("estop", "ok"),  # the button at the tower...
    ("estop-release", "ok"),  # ... and letting it go
    ("trigger estop_release", "ok"),
    ("estop-release now", "error"),
    ("trigger wrong_job", "ok"),
    ("trigger nonsense", "error"),
    ("fly 101", "error"),
    ("", "error"),
])
def test_control_table(lift_sim_factory, line, answer):
    sim, _ = lift_sim_factory()
    assert sim.control(line).split()[0] == answer


def test_car_driven_in_shows_on_the_bay_map(lift_sim_factory):
    sim, url = lift_sim_factory()
    with LiftClient(url, reply_timeout_s=5.0).open(wait_s=10.0) as client:
        assert dict(client.bay_map().bays)[101] is False
        assert sim.control("arrive 101").startswith("ok")
        assert dict(client.bay_map().bays)[101] is True
        sim.control("depart 101")
        assert dict(client.bay_map().bays)[101] is False
