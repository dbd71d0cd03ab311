"""Two requests never get the same car: 50 concurrent contenders, one winner."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from backend.models import Car, Reservation
from common.errors import Reason, RefusedError

pytestmark = pytest.mark.allow_threads
CONTENDERS = 50


def race(fns: list[Callable[[], Any]]) -> list[Any]:
    """Run all at once (released together by a barrier); results or exceptions."""
    barrier = threading.Barrier(len(fns))
    results: list[Any] = [None] * len(fns)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = fns[i]()
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"contender-{i}")
               for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_fifty_contenders_one_car(tower):
    car_id = tower.add_car("Breeze", "red")
    sessions = [tower.session(tower.member()) for _ in range(CONTENDERS)]
    results = race([lambda s=s: tower.client.reserve(s.session_id, "Breeze", "red")
                    for s in sessions])
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and winners[0].car_id == car_id
    assert all(isinstance(e, RefusedError) and e.reason is Reason.CAR_UNAVAILABLE
               for e in losers), {type(e).__name__ for e in losers}
    with tower.server.db.read() as s:
        held = s.scalars(select(Reservation).where(Reservation.car_id == car_id)).all()
        assert [r.state for r in held] == ["held"]
        assert s.get(Car, car_id).state == "reserved"


def test_fifty_contenders_few_cars_no_double_allocation(tower):
    cars = {tower.add_car("Breeze", "red") for _ in range(5)}
    sessions = [tower.session(tower.member()) for _ in range(CONTENDERS)]
    results = race([lambda s=s: tower.client.reserve(s.session_id, "Breeze", "red")
                    for s in sessions])
    won = [r.car_id for r in results if not isinstance(r, Exception)]
    assert sorted(won) == sorted(cars)  # every car once, none twice


def test_one_pass_redeemed_once_under_concurrency(tower):
    text = tower.pass_text(tower.member())
    results = race([lambda: tower.client.redeem_pass(text) for _ in range(20)])
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 1
    others = [r for r in results if isinstance(r, Exception)
              and not (isinstance(r, RefusedError) and r.reason is Reason.PASS_REPLAYED)]
    # (Once, in a CI run beside a soak, one was something else: say what.)
    assert not others, [(type(r).__name__, getattr(r, "reason", None), str(r)[:200])
                        for r in others]


def test_one_member_two_kiosks_one_drive(tower):
    member = tower.member()
    attempts = []
    for colour in ("white", "black"):
        ps = tower.session(member)
        res = tower.client.reserve(ps.session_id, "Aurora", colour)
        attempts.append((ps, res, tower.judged_selfie(ps.session_id)))
    results = race([lambda ps=ps, res=res, selfie=selfie: tower.client.verify(
        ps.session_id, res.reservation_id, selfie) for ps, res, selfie in attempts])
    ok = [r for r in results if not isinstance(r, Exception)]
    assert len(ok) == 1
    refused = [r for r in results if isinstance(r, Exception)]
    assert [r.reason for r in refused] == [Reason.DRIVE_OPEN]
