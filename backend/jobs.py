"""Lift-job reports, returns, orders and the staff/kiosk calls.

``JobsMixin`` is half of ``backend.service.Service``: it uses the helpers
defined there (``now``, ``_session_member``, ``_tower``, ``_delivery_bay``,
``sweep``, ``db``) and runs inside the same write transactions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from backend import rules
from backend.errors import ApiError, Refusal
from backend.models import (
    Bay,
    Car,
    CarModel,
    CarState,
    Drive,
    Job,
    JobKind,
    JobState,
    Kiosk,
    Order,
    Reservation,
    ReservationState,
    Tower,
)
from backend.ops.actions import out_of_service_answer
from backend.rawsql import Raw
from backend.rules import HOUR_S
from backend.util import KioskCtx, new_id


class JobsMixin:
    # -- jobs ----------------------------------------------------------------
    def op_report_job(self, s: Session, ctx: KioskCtx, job_id: str,
                      outcome: str) -> dict[str, Any]:
        now = self.now()
        job = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
        # Only the kiosk that started a job ran its lift and can say how it
        # ended; to any other kiosk the job does not exist.
        if job is None or job.kiosk_id != ctx.kiosk_id:
            raise ApiError(404, "JOB_UNKNOWN", "No such lift job at this kiosk.")
        if job.state != JobState.PENDING.value:
            if job.state != outcome:
                raise ApiError(409, "JOB_ALREADY_REPORTED",
                               f"The job was already reported as {job.state}.",
                               state=job.state)
            return self._job_answer(s, job)
        car = s.get(Car, job.car_id)
        if car is None:
            raise ApiError(500, "INTERNAL", "The job's car is missing.")
        if job.kind == JobKind.DELIVERY.value:
            self._delivery_outcome(s, job, car, outcome, now)
        else:
            self._return_outcome(s, job, car, outcome, now)
        job.state = outcome
        job.reported_at = now
        s.flush()
        return self._job_answer(s, job)

    def _delivery_outcome(self, s: Session, job: Job, car: Car, outcome: str,
                          now: float) -> None:
        r = s.get(Reservation, job.reservation_id) if job.reservation_id else None
        if outcome == JobState.DELIVERED.value:
            tower = self._tower(s, job.tower_id)
            drive = Drive(id=new_id("D"), member_id=job.member_id, car_id=car.id,
                          tower_id=job.tower_id, started_at=now,
                          due_at=now + tower.drive_max_h * HOUR_S)
            s.add(drive)
            job.drive_id = drive.id
            car.state, car.bay = CarState.OUT.value, None
            if r is not None:
                r.state = ReservationState.CONSUMED.value
            return
        if r is not None:
            r.state = ReservationState.RELEASED.value
        # A paid drive that never reached the member is refunded (recorded).
        self.refund_job_payment(Raw.of(s), job.id, "lift_failed", now)
        if outcome == JobState.FAILED_IN_BAY.value:
            car.state = CarState.STORED.value
        else:
            self._to_maintenance(s, job.tower_id, car, job.from_bay, job.id)

    def _return_outcome(self, s: Session, job: Job, car: Car, outcome: str,
                        now: float) -> None:
        drive = s.get(Drive, job.drive_id) if job.drive_id else None
        if outcome == JobState.FAILED_IN_BAY.value:
            return  # the car still stands in the delivery bay; the drive stays open
        if drive is not None and drive.returned_at is None:
            drive.returned_at = now
        car.tower_id = job.tower_id
        if outcome == JobState.DELIVERED.value:
            car.state, car.bay = CarState.STORED.value, job.to_bay
        else:
            self._to_maintenance(s, job.tower_id, car, job.to_bay, job.id)

    @staticmethod
    def _to_maintenance(s: Session, tower_id: str, car: Car, bay_no: int, job_id: str) -> None:
        # Where exactly the car stopped is for staff to find out: the bay is
        # taken out of service with the car booked into it.
        car.state, car.bay = CarState.MAINTENANCE.value, bay_no
        bay = s.get(Bay, (tower_id, bay_no))
        if bay is not None:
            bay.maintenance = True
            bay.note = f"lift job {job_id} failed after the car moved"

    @staticmethod
    def _job_answer(s: Session, job: Job) -> dict[str, Any]:
        out: dict[str, Any] = {"job_id": job.id, "kind": job.kind, "state": job.state,
                               "drive_id": job.drive_id, "return_by": None}
        if job.drive_id and job.kind == JobKind.DELIVERY.value:
            drive = s.get(Drive, job.drive_id)
            if drive is not None:
                out["return_by"] = rules.iso(drive.due_at)
        return out

    # -- returns and orders ---------------------------------------------------
    def op_start_return(self, s: Session, ctx: KioskCtx, session_id: str,
                        from_bay: int | None = None) -> dict[str, Any]:
        now = self.now()
        member_id = self._session_member(Raw.of(s), ctx, session_id, now)
        tower = self._tower(s, ctx.tower_id)
        if from_bay is not None and from_bay not in tower.delivery_bays:
            raise Refusal("RETURN_BAY_INVALID", "Please park the car in a delivery bay.",
                          delivery_bays=list(tower.delivery_bays))
        drive = s.scalars(select(Drive).where(Drive.member_id == member_id,
                                              Drive.returned_at.is_(None))
                          .order_by(Drive.started_at).with_for_update()).first()
        if drive is None:
            raise Refusal("NO_OPEN_DRIVE", "There is no test drive to return.")
        car = s.get(Car, drive.car_id)
        job = s.scalars(select(Job).where(Job.drive_id == drive.id,
                                          Job.kind == JobKind.RETURN.value,
                                          Job.state == JobState.PENDING.value)).first()
        if job is None:
            # Two returns at one tower at once (two kiosks, or two replicas)
            # must not pick the same free bay: the second report would then
            # break the one-car-per-bay index and could never be recorded.
            # The tower's row is the lock; PostgreSQL's next statements see
            # what the previous holder committed (SQLite's writes are serial).
            s.execute(select(Tower.id).where(Tower.id == tower.id).with_for_update())
            to_bay = self._free_bay(s, tower)
            if from_bay is None:
                from_bay = self._delivery_bay(Raw.of(s), tower.id, tower.delivery_bays)
            job = Job(id=new_id("J", 6), kind=JobKind.RETURN.value, tower_id=tower.id,
                      kiosk_id=ctx.kiosk_id, member_id=member_id, car_id=drive.car_id,
                      drive_id=drive.id, to_bay=to_bay,
                      from_bay=from_bay,
                      state=JobState.PENDING.value, created_at=now)
            s.add(job)
        return {"job_id": job.id, "from_bay": job.from_bay, "to_bay": job.to_bay,
                "drive_id": drive.id, "car_id": drive.car_id,
                "model": car.model_id if car else None,
                "colour": car.colour_id if car else None,
                "overdue": now > drive.due_at}

    @staticmethod
    def _free_bay(s: Session, tower: Tower) -> int:
        # One statement, so one snapshot: read as two, a return reported in
        # between (its job no longer pending, its car not yet seen in the
        # bay) left that bay looking free to a concurrent return.
        taken = set(s.scalars(union(
            select(Car.bay).where(Car.tower_id == tower.id, Car.bay.is_not(None)),
            select(Job.to_bay).where(Job.tower_id == tower.id,
                                     Job.kind == JobKind.RETURN.value,
                                     Job.state == JobState.PENDING.value))))
        for bay in s.scalars(select(Bay.bay).where(Bay.tower_id == tower.id,
                                                   Bay.maintenance.is_(False))
                             .order_by(Bay.bay)):
            if bay not in taken:
                return bay
        raise ApiError(409, "TOWER_FULL", "No free storage bay in this tower.")

    def op_buy(self, s: Session, ctx: KioskCtx, session_id: str, model: str,
               base_url: str) -> dict[str, Any]:
        now = self.now()
        member_id = self._session_member(Raw.of(s), ctx, session_id, now)
        if not model:
            # "Buy" right after a return: the model of the member's latest drive.
            model = s.scalar(select(Car.model_id).join(Drive, Drive.car_id == Car.id)
                             .where(Drive.member_id == member_id)
                             .order_by(Drive.started_at.desc()).limit(1)) or ""
            if not model:
                raise ApiError(422, "MODEL_REQUIRED", "Say which model to buy.")
        if s.get(CarModel, model) is None:
            raise ApiError(422, "MODEL_UNKNOWN", "No such model.", model=model)
        order = Order(id=new_id("O"), member_id=member_id, model_id=model,
                      tower_id=ctx.tower_id, kiosk_id=ctx.kiosk_id, created_at=now)
        s.add(order)
        return {"order_id": order.id, "model": model,
                "url": f"{base_url.rstrip('/')}/orders/{order.id}"}

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.db.read() as s:
            o = s.get(Order, order_id)
            if o is None:
                return None
            m = s.get(CarModel, o.model_id)
            return {"order_id": o.id, "model": o.model_id,
                    "model_name": m.name_en if m else o.model_id,
                    "created_at": rules.iso(o.created_at)}

    # -- staff and kiosks -------------------------------------------------------
    def bays(self, ctx: KioskCtx) -> dict[str, Any]:
        self.sweep()
        with self.db.read() as s:
            tower = self._tower(s, ctx.tower_id)
            cars = {c.bay: c for c in s.scalars(select(Car).where(
                Car.tower_id == tower.id, Car.bay.is_not(None)))}
            records = [self._bay_record(b, cars.get(b.bay)) for b in s.scalars(
                select(Bay).where(Bay.tower_id == tower.id).order_by(Bay.bay))]
            return {"tower_id": tower.id, "levels": tower.levels,
                    "bays_per_level": tower.bays_per_level,
                    "delivery_bays": list(tower.delivery_bays), "bays": records}

    @staticmethod
    def _bay_record(b: Bay, car: Car | None) -> dict[str, Any]:
        if b.maintenance:
            state = "maintenance"
        elif car is None:
            state = "free"
        else:
            state = car.state
        return {"bay": b.bay, "level": b.level, "car_id": car.id if car else None,
                "model": car.model_id if car else None,
                "colour": car.colour_id if car else None,
                "state": state, "maintenance": b.maintenance, "note": b.note}

    def op_set_maintenance(self, s: Session, ctx: KioskCtx, bay_no: int, on: bool,
                           note: str | None) -> dict[str, Any]:
        bay = s.get(Bay, (ctx.tower_id, bay_no))
        if bay is None:
            raise ApiError(404, "BAY_UNKNOWN", "No such storage bay in this tower.", bay=bay_no)
        car = s.scalars(select(Car).where(Car.tower_id == ctx.tower_id,
                                          Car.bay == bay_no)).first()
        bay.maintenance, bay.note = on, note
        if not on and car is not None and car.state == CarState.MAINTENANCE.value:
            car.state = CarState.STORED.value  # staff resolved it: back in stock
        s.flush()
        return self._bay_record(bay, car)

    def op_move_car(self, s: Session, ctx: KioskCtx, from_bay: int,
                    to_bay: int) -> dict[str, Any]:
        """Staff moved (or are about to move) the car in storage bay ``from_bay``
        to storage bay ``to_bay``: the inventory follows, so the next delivery
        goes to the right bay. Delivery bays are not tracked per car."""
        tower = self._tower(s, ctx.tower_id)
        bays = {b.bay: b for b in s.scalars(select(Bay).where(
            Bay.tower_id == tower.id, Bay.bay.in_((from_bay, to_bay))))}
        for n in (from_bay, to_bay):
            if n in tower.delivery_bays:
                raise ApiError(422, "BAY_NOT_STORAGE",
                               f"Bay {n} is a delivery bay; the backend tracks cars in "
                               "storage bays only.", bay=n)
            if n not in bays:
                raise ApiError(404, "BAY_UNKNOWN", "No such storage bay in this tower.", bay=n)
        if from_bay == to_bay:
            raise ApiError(422, "SAME_BAY", "A move needs two different bays.", bay=from_bay)
        # Locked (PostgreSQL): a reservation cannot take the car mid-move.
        cars = {c.bay: c for c in s.scalars(select(Car).where(
            Car.tower_id == tower.id, Car.bay.in_((from_bay, to_bay))).with_for_update())}
        car = cars.get(from_bay)
        if car is None:
            raise ApiError(409, "BAY_EMPTY", f"The backend has no car in bay {from_bay}.",
                           bay=from_bay)
        if car.state not in (CarState.STORED.value, CarState.MAINTENANCE.value):
            raise ApiError(409, "CAR_BUSY", f"The car in bay {from_bay} is {car.state} "
                           "(held or on its way for a member).", bay=from_bay, state=car.state)
        if to_bay in cars:
            raise ApiError(409, "BAY_OCCUPIED", f"The backend has a car in bay {to_bay}.",
                           bay=to_bay, car_id=cars[to_bay].id)
        car.bay = to_bay
        s.flush()
        return {"car_id": car.id, "from_bay": from_bay, "to_bay": to_bay, "state": car.state}

    def op_heartbeat(self, s: Session, ctx: KioskCtx, status: str,
                     health: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        kiosk = s.get(Kiosk, ctx.kiosk_id)
        if kiosk is None:
            raise ApiError(404, "KIOSK_UNKNOWN", "No such kiosk.")
        kiosk.last_seen_at, kiosk.status, kiosk.health = now, status, health
        # Staff at the tower see who is locked out of identity checks (short ids).
        alerts = [{"kind": "IDENTITY_LOCKED", **a}
                  for a in self.lock_alerts(Raw.of(s), ctx.tower_id, now)]
        # An operator took this kiosk out of service (the ops console): it says so
        # on its screen until put back (backend/ops/actions.py).
        return {"kiosk_id": kiosk.id, "server_time": rules.iso(now), "alerts": alerts,
                "out_of_service": out_of_service_answer(kiosk)}

    def kiosks(self, ctx: KioskCtx) -> dict[str, Any]:
        with self.db.read() as s:
            rows = s.scalars(select(Kiosk).where(Kiosk.tower_id == ctx.tower_id)
                             .order_by(Kiosk.id)).all()
            return {"kiosks": [
                {"kiosk_id": k.id, "tower_id": k.tower_id,
                 "last_seen_at": rules.iso(k.last_seen_at) if k.last_seen_at else None,
                 "status": k.status, "health": k.health or {}} for k in rows]}
