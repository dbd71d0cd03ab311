"""What the console's pages show: read-only queries, times on the service's
clock (tests move it), every value still raw (``render`` escapes it).

A kiosk is *stale* when its last heartbeat is older than ``STALE_AFTER_S``
(three of the kiosk's 30 s heartbeats missed) or it never sent one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from backend.models import (
    Bay,
    Car,
    CarState,
    Drive,
    IdentityLock,
    Job,
    JobState,
    Kiosk,
    OpsAudit,
    Payment,
    Selfie,
    Tower,
)
from common.errors import short_id

STALE_AFTER_S = 90.0
STUCK_JOB_S = 15 * 60.0  # a pending lift job this old never got its report
LIMIT = 200  # rows per table: a console, not an export
_HEALTH_FLAGS = (("backend_ok", "backend down"), ("lift_ok", "lift down"),
                 ("camera_ok", "camera down"))


@dataclass
class KioskRow:
    kiosk_id: str
    tower_id: str
    status: str | None
    age_s: float | None  # since the last heartbeat; None: never
    version: str
    alerts: list[str] = field(default_factory=list)
    out_of_service: bool = False
    out_note: str = ""
    out_by: str = ""

    @property
    def level(self) -> str:
        """ok, warn, out or stale: the row's colour."""
        if self.age_s is None or self.age_s > STALE_AFTER_S:
            return "stale"
        if self.out_of_service or self.status == "out_of_service":
            return "out"
        return "warn" if self.alerts or self.status == "maintenance" else "ok"


def _alerts(health: dict[str, Any]) -> list[str]:
    out = [text for key, text in _HEALTH_FLAGS if health.get(key) is False]
    errors = health.get("alerts")
    if isinstance(errors, int) and not isinstance(errors, bool) and errors > 0:
        out.append(f"{errors} error{'s' if errors != 1 else ''}")
    for key in ("last_alert", "alert"):  # the kiosk's latest alert code; free text
        if isinstance(health.get(key), str) and health[key]:
            out.append(health[key][:200])
    return out


def _tower_filter(stmt: Any, column: Any, tower: str | None) -> Any:
    return stmt.where(column == tower) if tower else stmt


def tower_ids(s: Session) -> list[str]:
    return list(s.scalars(select(Tower.id).order_by(Tower.id)))


def kiosks(s: Session, now: float, tower: str | None) -> list[KioskRow]:
    stmt = _tower_filter(select(Kiosk).where(Kiosk.revoked_at.is_(None)), Kiosk.tower_id, tower)
    rows = []
    for k in s.scalars(stmt.order_by(Kiosk.tower_id, Kiosk.id)).all():
        health = k.health if isinstance(k.health, dict) else {}
        version = health.get("version")
        rows.append(KioskRow(
            kiosk_id=k.id, tower_id=k.tower_id, status=k.status,
            age_s=None if k.last_seen_at is None else max(0.0, now - k.last_seen_at),
            version=version[:64] if isinstance(version, str) else "", alerts=_alerts(health),
            out_of_service=k.out_of_service_at is not None,
            out_note=k.out_of_service_note or "", out_by=k.out_of_service_by or ""))
    return rows


def towers(s: Session, now: float, tower: str | None,
           kiosk_rows: list[KioskRow] | None = None) -> list[dict[str, Any]]:
    """One row per tower: its kiosks by colour, cars out and overdue, bays in
    maintenance (``kiosk_rows``: ``kiosks()``'s answer when the caller has it)."""
    by_tower: dict[str, dict[str, Any]] = {}
    for t in s.scalars(_tower_filter(select(Tower), Tower.id, tower).order_by(Tower.id)):
        by_tower[t.id] = {"tower_id": t.id, "name": t.name, "kiosks": 0, "ok": 0, "warn": 0,
                          "out": 0, "stale": 0, "stored": 0, "cars_out": 0, "overdue": 0,
                          "maintenance": 0, "locked": 0}
    for k in kiosk_rows if kiosk_rows is not None else kiosks(s, now, tower):
        if k.tower_id in by_tower:
            by_tower[k.tower_id]["kiosks"] += 1
            by_tower[k.tower_id][k.level] += 1
    stored = select(Car.tower_id, func.count()).where(Car.state == CarState.STORED.value)
    for tid, n in s.execute(stored.group_by(Car.tower_id)):
        if tid in by_tower:
            by_tower[tid]["stored"] = n
    open_drives = select(Drive.tower_id, Drive.due_at).where(Drive.returned_at.is_(None))
    for tid, due in s.execute(_tower_filter(open_drives, Drive.tower_id, tower)):
        if tid in by_tower:
            by_tower[tid]["cars_out"] += 1
            by_tower[tid]["overdue"] += due < now
    maint = select(Bay.tower_id, func.count()).where(Bay.maintenance.is_(True))
    for tid, n in s.execute(maint.group_by(Bay.tower_id)):
        if tid in by_tower:
            by_tower[tid]["maintenance"] = n
    # Members locked out of the identity check now who tried at this tower
    # (what the tower's kiosks are told with each heartbeat).
    locked = (select(Kiosk.tower_id, func.count(distinct(IdentityLock.member_id)))
              .join(Selfie, Selfie.member_id == IdentityLock.member_id)
              .join(Kiosk, Kiosk.id == Selfie.kiosk_id).where(IdentityLock.until > now))
    for tid, n in s.execute(locked.group_by(Kiosk.tower_id)):
        if tid in by_tower:
            by_tower[tid]["locked"] = n
    return list(by_tower.values())


def cars_out(s: Session, now: float, tower: str | None) -> list[dict[str, Any]]:
    """Open drives, the overdue first (then by due time)."""
    stmt = (select(Drive, Car).join(Car, Car.id == Drive.car_id)
            .where(Drive.returned_at.is_(None)))
    stmt = _tower_filter(stmt, Drive.tower_id, tower).order_by(Drive.due_at).limit(LIMIT)
    rows = [{"tower_id": d.tower_id, "member": short_id(d.member_id),
             "car": f"{c.model_id} / {c.colour_id}", "started_at": d.started_at,
             "due_at": d.due_at, "overdue_s": max(0.0, now - d.due_at)}
            for d, c in s.execute(stmt)]
    return sorted(rows, key=lambda r: (r["overdue_s"] <= 0, r["due_at"]))


def bays_in_maintenance(s: Session, tower: str | None) -> list[dict[str, Any]]:
    stmt = _tower_filter(select(Bay).where(Bay.maintenance.is_(True)), Bay.tower_id, tower)
    cars = {(c.tower_id, c.bay): c for c in s.scalars(
        _tower_filter(select(Car).where(Car.bay.is_not(None)), Car.tower_id, tower))}
    out = []
    for b in s.scalars(stmt.order_by(Bay.tower_id, Bay.bay).limit(LIMIT)):
        car = cars.get((b.tower_id, b.bay))
        out.append({"tower_id": b.tower_id, "bay": b.bay, "level": b.level,
                    "note": b.note or "",
                    "car": f"{car.model_id} / {car.colour_id} ({car.state})" if car else ""})
    return out


def payments(s: Session, tower: str | None) -> list[dict[str, Any]]:
    stmt = _tower_filter(select(Payment), Payment.tower_id, tower)
    return [{"tower_id": p.tower_id, "payment_id": p.id, "kiosk_id": p.kiosk_id,
             "member": short_id(p.member_id),
             "amount": f"{p.amount_minor // 100}.{p.amount_minor % 100:02d} {p.currency}",
             "state": p.state, "created_at": p.created_at,
             "refund_reason": p.refund_reason or ""}
            for p in s.scalars(stmt.order_by(Payment.created_at.desc()).limit(LIMIT))]


def failed_jobs(s: Session, now: float, tower: str | None) -> list[dict[str, Any]]:
    """Lift jobs that failed, and pending ones nobody reported for ``STUCK_JOB_S``."""
    failed = (JobState.FAILED_IN_BAY.value, JobState.FAILED_MOVED.value)
    stmt = select(Job).where((Job.state.in_(failed)) | (
        (Job.state == JobState.PENDING.value) & (Job.created_at < now - STUCK_JOB_S)))
    stmt = _tower_filter(stmt, Job.tower_id, tower)
    return [{"tower_id": j.tower_id, "job_id": j.id, "kiosk_id": j.kiosk_id, "kind": j.kind,
             "state": "stuck (no report)" if j.state == JobState.PENDING.value else j.state,
             "bays": f"{j.from_bay} → {j.to_bay}", "at": j.reported_at or j.created_at}
            for j in s.scalars(stmt.order_by(Job.created_at.desc()).limit(LIMIT))]


def audit_lines(s: Session, tower: str | None) -> list[dict[str, Any]]:
    stmt = _tower_filter(select(OpsAudit), OpsAudit.tower_id, tower)
    return [{"at": a.at, "operator": a.operator, "action": a.action,
             "tower_id": a.tower_id or "", "target": a.target or "", "result": a.result,
             "note": str((a.detail or {}).get("note", ""))[:200]}
            for a in s.scalars(stmt.order_by(OpsAudit.id.desc()).limit(LIMIT))]
