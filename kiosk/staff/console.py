"""Staff maintenance mode without Qt: every intent the staff screens call.

``StaffConsole(kiosk, gate)`` sits between the staff screens and the kiosk's
parts. It decides who may do what (a PIN session, no customer mid-errand, no
customer job on the lift), runs every blocking call through the kiosk's
``TaskRunner`` (lift calls on the ``"lift"`` lane, backend calls on
``"http"``, slow local work on ``"staff-slow"``) and audits every action
through ``gate.record`` (who, when, what, result). Results arrive on the GUI
thread as ``ActionResult`` (the controller's or backend's answer, for display).
Entry, login and logout are ``kiosk.staff.login``'s: changes to the backend's
books (moves, maintenance) go with the token of an online staff login.

Refusals are raised at once as ``StaffError`` whose ``context["why"]`` is a
``Why`` value; failures of the part itself come back as a failed
``ActionResult`` (or ``on_error`` for reads).
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common.errors import KioskError, Reason, StaffError
from kiosk.logs import LOG_FILE, tail
from kiosk.staff import diag
from kiosk.staff.gate import AuditLog, StaffGate
from kiosk.staff.login import ENTRY_STATES, STAFF_LANE, StaffEntry, Why
from kiosk.staff.move import ACTION as ACTION_MOVE
from kiosk.staff.move import RECORD_BACKOFF_S, RECORD_RETRY_S, StaffMove
from kiosk.tasks import HTTP_LANE

log = logging.getLogger(__name__)

LIFT_LANE = "lift"
SLOW_LANE = "staff-slow"  # self-test and bundle export take seconds
FOLLOW_LANE = "staff-follow"  # JOB_STATUS polls of a staff move (reads only)
JOB_PREFIX = "STAFF-"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FOLLOW_POLL_S = 0.5
DEFAULT_EXPORT_DIR = Path.home() / "kiosk-diagnostics"
# Re-exported: the screens read audit rows and answers from here.
__all__ = ["ENTRY_STATES", "STAFF_LANE", "ActionResult", "AuditReport", "AuditRow",
           "StaffConsole", "Why", "build_audit", "new_job_id"]
AuditReport, AuditRow, build_audit = diag.AuditReport, diag.AuditRow, diag.build_audit
ActionResult = diag.ActionResult


def new_job_id() -> str:
    """A staff move's job id: the controller moves each id once, so never reuse one."""
    return f"{JOB_PREFIX}{secrets.token_hex(4).upper()}"


class StaffConsole(StaffEntry):
    """What staff can do, with whom and when; see the module docstring."""

    def __init__(self, kiosk: Any, gate: StaffGate, *, audit: Any = None,
                 on_exit: Callable[[], None] | None = None,
                 self_test: Callable[[Any], dict[str, Any]] | None = None,
                 who: str = "staff") -> None:
        self.kiosk = kiosk
        self.gate = gate
        self.audit = audit
        self.on_exit = on_exit
        self.self_test = self_test or diag.default_self_test
        self.who = who
        self.last_self_test: dict[str, Any] | None = None
        self.last_bay_map: Any = None
        self.follow_poll_s = FOLLOW_POLL_S
        # Retries of a move the backend missed (kiosk.staff.move).
        self.record_retry_s, self.record_backoff_s = RECORD_RETRY_S, RECORD_BACKOFF_S
        self._closed = threading.Event()
        # Moves the backend is still to hear of (job ids), sent with the next
        # online login's token (kiosk.staff.move).
        self.owed: set[str] = set()
        gate.on_logout = self._end_on_backend

    @classmethod
    def for_kiosk(cls, kiosk: Any, wall_clock: Callable[[], float] = time.time,
                  **kwargs: Any) -> StaffConsole:
        """A console with the gate the kiosk's config describes (``[staff]``); the
        offline PIN's lockout is kept in the data dir, timed by ``wall_clock``."""
        cfg = kiosk.services.config
        s = cfg.staff
        audit = kwargs.pop("audit", None) or diag.LazyAuditLog(cfg.kiosk.data_dir)
        gate = StaffGate(s.pin_hash, pins=s.pins, max_attempts=s.max_attempts,
                         lockout_s=s.lockout_s, idle_logout_s=s.idle_logout_s,
                         clock=kiosk.clock, audit=audit, lock_dir=cfg.kiosk.data_dir,
                         wall_clock=wall_clock)
        return cls(kiosk, gate, audit=audit, **kwargs)

    def close(self) -> None:
        """Stop following staff moves (the app is closing)."""
        self._closed.set()

    # -- parts -------------------------------------------------------------------------
    @property
    def services(self) -> Any:
        return self.kiosk.services

    @property
    def config(self) -> Any:
        return self.services.config

    @property
    def runner(self) -> Any:
        return self.kiosk.runner

    def _part(self, name: str, action: str) -> Any:
        part = getattr(self.services, name, None)
        if part is None:
            raise self._refuse(action, Why.NOT_AVAILABLE, f"this kiosk has no {name}")
        return part

    def _require_lift_free(self, action: str, **detail: Any) -> None:
        dispatcher = getattr(self.services, "dispatcher", None)
        if getattr(dispatcher, "busy", False):
            raise self._refuse(action, Why.CUSTOMER_JOB,
                               "a customer's car is on the lift; wait until it arrives", **detail)

    # -- health ------------------------------------------------------------------------------
    def camera_health(self) -> dict[str, Any]:
        return diag.camera_health(getattr(self.services, "camera", None))

    def system_health(self) -> dict[str, Any]:
        from kiosk import __version__

        cfg = self.config.kiosk
        alerts = [{"reason": a.reason.value, "message": str(a)} for a in self.kiosk.alerts[-5:]]
        return {"ok": True, "version": __version__, "uptime_s": round(diag.process_uptime_s()),
                "kiosk_id": cfg.id, "tower_id": cfg.tower_id, "data_dir": cfg.data_dir,
                "disk": diag.disk_free(cfg.data_dir), "alerts": alerts,
                "lockouts": diag.lockouts(self.kiosk.health.lockouts),
                "out_of_service": self.out_of_service,
                "operator_out_of_service": bool(getattr(self.kiosk, "operator_out_of_service",
                                                        False)),
                "service_ok": self.kiosk.health.service_ok}

    def backend_health(self) -> dict[str, Any]:
        """Blocking: ``refresh_health`` calls it on the http lane."""
        return diag.backend_health(self.services.backend)

    def lift_health(self) -> dict[str, Any]:
        """Blocking: ``refresh_health`` calls it on the lift lane."""
        return diag.lift_health(getattr(self.services, "lift", None),
                                getattr(self.services, "dispatcher", None))

    def refresh_lift(self, on_done: Callable[[dict[str, Any]], None]) -> None:
        """The lift section of the health page alone (after a command)."""
        self.runner.run(LIFT_LANE, self.lift_health, on_done,
                        lambda err: on_done({"ok": False, "error": err.reason.value}))

    def refresh_health(self, on_section: Callable[[str, dict[str, Any]], None]) -> None:
        """Sections "camera", "system" (now), "backend" and "lift" (when they answer)."""
        on_section("camera", self.camera_health())
        on_section("system", self.system_health())

        def failed(name: str) -> Callable[[KioskError], None]:
            return lambda err: on_section(name, {"ok": False, "error": err.reason.value})

        self.runner.run(HTTP_LANE, self.backend_health, lambda d: on_section("backend", d),
                        failed("backend"))
        self.runner.run(LIFT_LANE, self.lift_health, lambda d: on_section("lift", d),
                        failed("lift"))

    def run_self_test(self, on_done: Callable[[dict[str, Any]], None]) -> None:
        self._require_session("self_test")

        def done(result: dict[str, Any]) -> None:
            self.last_self_test = result
            failed = sorted(k for k, v in result.get("components", {}).items() if not v["ok"])
            self.gate.record("self_test", "ok" if result.get("ok") else "failed", failed=failed)
            on_done(result)

        def error(err: KioskError) -> None:
            self.gate.record("self_test", f"failed: {err.reason.value}")
            on_done({"ok": False, "error": err.to_dict(), "components": {}})

        self.runner.run(SLOW_LANE, lambda: self.self_test(self.services), done, error)

    # -- lift control -----------------------------------------------------------------------
    def _lift_action(self, action: str, call: Callable[[Any], Any],
                     on_result: Callable[[ActionResult], None],
                     describe: Callable[[Any], str] = lambda _: "OK", **detail: Any) -> None:
        self._require_session(action, **detail)
        lift = self._part("lift", action)
        self._require_lift_free(action, **detail)

        def done(value: Any) -> None:
            answer = describe(value)
            self.gate.record(action, "ok", answer=answer, **detail)
            on_result(ActionResult(action, True, answer, detail=dict(detail)))

        def failed(err: KioskError) -> None:
            answer = diag.answer_of(err)
            self.gate.record(action, "failed", answer=answer, reason=err.reason.value, **detail)
            on_result(ActionResult(action, False, answer, reason=err.reason.value,
                                   detail=dict(detail)))

        self.runner.run(LIFT_LANE, lambda: call(lift), done, failed)

    def home(self, on_result: Callable[[ActionResult], None]) -> None:
        self._lift_action("lift_home", lambda lift: lift.home(), on_result)

    def open_door(self, bay: int, on_result: Callable[[ActionResult], None]) -> None:
        self._lift_action("door_open", lambda lift: lift.open_door(bay), on_result, bay=bay)

    def close_door(self, bay: int, on_result: Callable[[ActionResult], None]) -> None:
        self._lift_action("door_close", lambda lift: lift.close_door(bay), on_result, bay=bay)

    def ack_fault(self, on_result: Callable[[ActionResult], None]) -> None:
        self._lift_action("ack_fault", lambda lift: lift.ack_fault(), on_result)

    def lift_bays(self, on_done: Callable[[Any], None],
                  on_error: Callable[[KioskError], None]) -> None:
        """The controller's BAY_MAP (for the bay pickers); remembered as ``last_bay_map``."""
        lift = getattr(self.services, "lift", None)
        if lift is None:
            on_error(StaffError("this kiosk has no lift", why=Why.NOT_AVAILABLE.value))
            return

        def done(bay_map: Any) -> None:
            self.last_bay_map = bay_map
            on_done(bay_map)

        self.runner.run(LIFT_LANE, lift.bay_map, done, on_error)

    def move(self, from_bay: int, to_bay: int,
             on_result: Callable[[ActionResult], None]) -> str:
        """Move a car, the backend's inventory first (``kiosk.staff.move``);
        answers: accepted (or refused), progress, then done or failed.

        Returns the job id (``STAFF-<hex>``); the controller moves a job id once.
        """
        job_id = new_job_id()
        detail = {"job_id": job_id, "from_bay": from_bay, "to_bay": to_bay}
        self._require_session(ACTION_MOVE, **detail)
        lift = self._part("lift", ACTION_MOVE)
        self._require_lift_free(ACTION_MOVE, **detail)
        StaffMove(job_id=job_id, from_bay=from_bay, to_bay=to_bay, lift=lift,
                  backend=getattr(self.services, "backend", None), runner=self.runner,
                  record=self.gate.record, on_result=on_result, made_by=self.gate.session.who,
                  token=self.current_token, owed=self.owed, lift_lane=LIFT_LANE,
                  follow_lane=FOLLOW_LANE, move_timeout_s=self.config.lift.move_timeout_s,
                  poll_s=self.follow_poll_s, closed=self._closed,
                  record_retry_s=self.record_retry_s,
                  record_backoff_s=self.record_backoff_s).start()
        return job_id

    # -- inventory audit ---------------------------------------------------------------------
    def run_audit(self, on_done: Callable[[diag.AuditReport], None],
                  on_error: Callable[[KioskError], None]) -> None:
        self._require_session("audit")
        lift = self._part("lift", "audit")
        backend = self.services.backend

        def failed(err: KioskError) -> None:
            self.gate.record("audit", "failed", reason=err.reason.value, answer=diag.answer_of(err))
            on_error(err)

        def got_map(bay_map: Any) -> None:
            self.last_bay_map = bay_map
            self.runner.run(HTTP_LANE, backend.bays, lambda tb: finish(bay_map, tb), failed)

        def finish(bay_map: Any, tower_bays: Any) -> None:
            report = diag.build_audit(bay_map, tower_bays)
            self.gate.record("audit", "ok" if report.ok else "mismatch",
                             mismatches={str(r.bay): r.mismatch for r in report.mismatches})
            on_done(report)

        self.runner.run(LIFT_LANE, lift.bay_map, got_map, failed)

    def set_maintenance(self, bay: int, on: bool, on_result: Callable[[ActionResult], None],
                        note: str | None = None) -> None:
        action = "bay_maintenance"
        detail = {"bay": bay, "on": on}
        self._require_session(action, **detail)
        # Not queued offline: it moves nothing, so it can wait for an online login.
        token = self._staff_token(action, **detail)
        who = self.gate.session.who
        backend = self.services.backend

        def done(rec: Any) -> None:
            answer = f"bay {rec.bay}: {rec.state}"
            self.gate.record(action, "ok", answer=answer, **detail)
            on_result(ActionResult(action, True, answer, detail={**detail, "state": rec.state}))

        def failed(err: KioskError) -> None:
            self.gate.record(action, "failed", answer=diag.answer_of(err), **detail)
            on_result(ActionResult(action, False, diag.answer_of(err), reason=err.reason.value,
                                   detail=dict(detail)))

        note = note or f"staff {'set' if on else 'cleared'} at kiosk {self.config.kiosk.id}"
        self.runner.run(HTTP_LANE, lambda: backend.set_bay_maintenance(
            bay, on, note, staff_session=token, made_by=who), done, failed)

    # -- service -------------------------------------------------------------------------------
    @property
    def out_of_service(self) -> bool:
        return bool(getattr(self.kiosk, "manual_out_of_service", False))

    def set_out_of_service(self, out: bool) -> None:
        self._require_session("service", out=out)
        self.kiosk.set_manual_out_of_service(out)
        self.gate.record("service", "out" if out else "in")

    @property
    def log_path(self) -> Path:
        return Path(self.config.kiosk.log_dir) / LOG_FILE

    def log_tail(self, level: str | None, on_done: Callable[[list[dict[str, Any]]], None],
                 lines: int = 200) -> None:
        if level is not None and level not in LOG_LEVELS:
            raise StaffError(f"unknown log level {level!r}", why=Why.NOT_AVAILABLE.value)
        self._require_session("view_logs", level=level or "ALL")
        self.gate.record("view_logs", "ok", level=level or "ALL")
        self.runner.run(STAFF_LANE, lambda: tail(self.log_path, lines, level), on_done,
                        lambda err: on_done([{"level": "ERROR", "msg": str(err)}]))

    def export_targets(self) -> list[Path]:
        """Where a bundle can go: removable media first, then the default folder."""
        return [*diag.usb_mounts(), DEFAULT_EXPORT_DIR]

    def export_bundle(self, folder: str | Path,
                      on_result: Callable[[ActionResult], None]) -> None:
        action = "export_bundle"
        folder = Path(folder).expanduser()
        self._require_session(action, folder=str(folder))

        def done(path: Path) -> None:
            size = path.stat().st_size
            self.gate.record(action, "ok", path=str(path), bytes=size)
            on_result(ActionResult(action, True, str(path),
                                   detail={"path": str(path), "bytes": size}))

        def failed(err: KioskError) -> None:
            self.gate.record(action, "failed", answer=diag.answer_of(err), folder=str(folder))
            on_result(ActionResult(action, False, diag.answer_of(err), reason=err.reason.value,
                                   detail={"folder": str(folder)}))

        self.runner.run(SLOW_LANE, lambda: self.write_bundle(folder), done, failed)

    def write_bundle(self, folder: Path) -> Path:
        """Write the diagnostics zip into ``folder`` (blocking; never face images)."""
        from kiosk import __version__

        def self_test() -> dict[str, Any]:
            if self.last_self_test is None:
                self.last_self_test = self.self_test(self.services)
            return self.last_self_test

        audit = getattr(self.audit, "path", None) or (
            Path(self.config.kiosk.data_dir) / AuditLog.FILE)
        try:
            return diag.write_bundle(
                Path(folder), self.config, version=__version__, self_test=self_test,
                health={"camera": self.camera_health(), "system": self.system_health()},
                journal=self._journal_path(), audit=Path(audit))
        except (OSError, sqlite3.Error) as exc:
            raise StaffError(f"could not write the bundle: {exc}", reason=Reason.INTERNAL,
                             why=Why.NOT_AVAILABLE.value) from exc

    def _journal_path(self) -> Path | None:
        dispatcher = getattr(self.services, "dispatcher", None)
        path = getattr(getattr(dispatcher, "journal", None), "path", None)
        if path and path != ":memory:":
            return Path(path)
        default = Path(self.config.kiosk.data_dir) / "dispatch.sqlite"
        return default if default.exists() else None

    def serial_status(self, on_result: Callable[[ActionResult], None]) -> None:
        """Send STATUS and show the raw frames on the line while it ran (hex)."""
        action = "serial_status"
        self._require_session(action)
        lift = self._part("lift", action)

        def work() -> tuple[Any, list[dict[str, str]]]:
            seen: list[tuple[str, bytes]] = []
            tap = getattr(lift, "tap", None)
            remove = tap(lambda d, b: seen.append((d, bytes(b)))) if tap else (lambda: None)
            try:
                status = lift.status()
            finally:
                remove()
            return status, diag.describe_frames(list(seen))

        def done(result: tuple[Any, list[dict[str, str]]]) -> None:
            st, frames = result
            faults = ",".join(diag.name_of(f) for f in st.faults) or "none"
            answer = (f"STATUS: {diag.name_of(st.state)}, level {st.level}, faults {faults}, "
                      f"car on lift {'yes' if st.car_on_lift else 'no'}")
            self.gate.record(action, "ok", answer=answer, frames=len(frames))
            on_result(ActionResult(action, True, answer, detail={"frames": frames}))

        def failed(err: KioskError) -> None:
            self.gate.record(action, "failed", answer=diag.answer_of(err))
            on_result(ActionResult(action, False, diag.answer_of(err), reason=err.reason.value,
                                   detail={"frames": []}))

        self.runner.run(LIFT_LANE, work, done, failed)

    def exit_app(self) -> None:
        """Leave the app to the desktop (the UI's callback does the leaving)."""
        self._require_session("exit_app")
        self.gate.record("exit_app", "ok")
        self.gate.logout("exit_app")
        if self.on_exit is not None:
            self.on_exit()

