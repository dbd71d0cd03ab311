"""The kiosk's health and heartbeat, for ``kiosk.app.Kiosk`` (moved out of
app.py to keep it readable): the periodic probe of the parts a journey needs,
when that puts the kiosk out of service, and the heartbeat the fleet view reads.

``HealthMixin`` uses the Kiosk's journey, runner, services, clock and callbacks.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from common.errors import KioskError
from kiosk.journey import State
from kiosk.reports import HealthSnapshot
from kiosk.tasks import HTTP_LANE

log = logging.getLogger("kiosk.app")


class HealthMixin:
    # Provided by Kiosk.
    journey: Any
    runner: Any
    services: Any
    clock: Any
    health: HealthSnapshot
    figures: Any  # kiosk.figures.KioskFigures
    alerts: list[KioskError]
    options: list[Any]
    _emit: Any
    _load_options: Any
    _reconciled: Any
    _reconcile_retry_later: Any
    # Set by an operator in the ops console; heard with each heartbeat's answer
    # (and from a session refused KIOSK_OUT_OF_SERVICE), cleared the same way.
    operator_out_of_service: bool = False

    def status_word(self) -> str:
        """One word for the fleet view: what this kiosk is doing."""
        state = self.journey.state
        if state is State.OUT_OF_SERVICE:
            return "out_of_service"
        if state is State.STAFF:
            return "maintenance"
        return "ok" if state is State.ATTRACT else "busy"

    def send_heartbeat(self) -> None:
        """Tell the backend we are alive (fleet view); failures only log."""
        from kiosk import __version__

        h = self.health
        health = {"version": __version__, "backend_ok": h.backend_ok, "lift_ok": h.lift_ok, "camera_ok": h.camera_ok,
                  "backend_latency_ms": h.backend_latency_ms, "state": self.journey.state.value,
                  "alerts": len(self.alerts), **{k: v for k, v in h.detail.items()
                                                 if isinstance(v, (str, int, float, bool))}}
        if self.alerts:  # the latest one's reason code, for the ops console
            health["last_alert"] = self.alerts[-1].reason.value
        # GUI stall, vision fps, lift round trip: exported per kiosk by /metrics.
        self.figures.lift_round_trip(h.detail.get("lift_round_trip_ms"))
        health["figures"] = self.figures.take()
        status = self.status_word()
        self.runner.run(HTTP_LANE, lambda: self.services.backend.heartbeat(
            status, health, version=__version__), self._heartbeat_done,
            lambda err: log.warning("heartbeat failed: %s", err.reason.value))

    def _heartbeat_done(self, answer: Any) -> None:
        """Keep the tower's identity lockouts for staff Health (short ids only)."""
        lockouts = tuple(getattr(answer, "alerts", ()))
        if lockouts != self.health.lockouts:
            log.info("identity lockouts: %s", ", ".join(
                f"{a.member} until {a.retry_at:%H:%M}Z" for a in lockouts) or "none")
        self.health.lockouts = lockouts
        self._operator_says(bool(getattr(answer, "out_of_service", False)))

    def _operator_says(self, out: bool) -> None:
        if out != self.operator_out_of_service:
            log.warning("an operator put this kiosk %s", "out of service" if out
                        else "back in service")
            self.operator_out_of_service = out
            self._apply_service()
            # The out-of-service screen names the operations centre as the
            # reason: a kiosk already out (a part down) shows the change too.
            self._emit("health", self.health)

    def note_out_of_service(self, err: KioskError) -> KioskError:
        """``err`` as it is; if it is the backend's KIOSK_OUT_OF_SERVICE, the kiosk
        goes out of service now rather than at the next heartbeat."""
        if err.context.get("code") == "KIOSK_OUT_OF_SERVICE":
            self._operator_says(True)
        return err

    def check_health(self) -> None:
        self._health_inflight = True
        self.runner.run(HTTP_LANE, self.services.probe_health, self._health_done,
                        self._health_failed)

    def _health_done(self, snap: HealthSnapshot) -> None:
        self._health_inflight = False
        snap = replace(snap, lockouts=self.health.lockouts)  # they come with the heartbeat
        # One bad probe (a GC pause, a model loading) is not an outage: it
        # takes two in a row to put the kiosk out of service.
        self._bad_probes = 0 if snap.service_ok else self._bad_probes + 1
        if not snap.service_ok and self._bad_probes < 2 and self.health.service_ok:
            self.health = HealthSnapshot(**{**snap.__dict__, "backend_ok": True,
                                            "lift_ok": True, "camera_ok": True})
            self.health.detail["suspect"] = True
            self._next_health = self.clock()  # look again at the next tick
            return
        self.health = snap
        self._apply_service()
        self._emit("health", snap)
        if self._retry_reconcile and snap.lift_ok and snap.backend_ok:
            self._retry_reconcile = False
            self.runner.run("lift", self.services.reconcile, self._reconciled,
                            self._reconcile_retry_later)
        if snap.backend_ok and not self.options and self.journey.state is State.ATTRACT:
            # The attract loop shows this tower's cars by name: load stock once.
            self._load_options()

    def set_manual_out_of_service(self, out: bool) -> None:
        """Staff take the kiosk out of service (or back); health alone cannot undo it."""
        self.manual_out_of_service = out
        self._apply_service()

    def _apply_service(self) -> None:
        ok = (self.health.service_ok and not self.manual_out_of_service
              and not self.operator_out_of_service and not self.recovering)
        if self.journey.state is not State.STAFF:
            self.journey.set_service(ok, self.clock())
        else:
            self.journey.service_ok = ok  # applied when staff leave

    def _health_failed(self, err: KioskError) -> None:
        self._health_done(HealthSnapshot(backend_ok=False, detail={"error": err.to_dict()}))
