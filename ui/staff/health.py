"""Health: camera (with a live thumbnail), backend, lift, system, self-test, alerts."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtWidgets import QGridLayout, QWidget

from ui.camera_view import CameraView
from ui.messages import reason_message, staff_code, staff_refusal, to_datetime
from ui.staff.common import Facts, staff_card
from ui.staff.pages import StaffPage
from ui.widgets import button, hbox, label, set_role, vbox

REFRESH_MS = 3000
STALE_S = 15.0  # ask again even if an answer never came
LOCKOUT_LINES = 4  # more locked members than this: "+N more"


def _age(seconds: Any) -> str:
    return "—" if seconds is None else f"{seconds:.1f} s"


def _uptime(seconds: Any) -> str:
    s = int(seconds or 0)
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    return f"{d}d {h:02d}:{rem // 60:02d}" if d else f"{h:02d}:{rem // 60:02d}:{rem % 60:02d}"


def _local_hhmm(value: Any) -> str:
    moment = to_datetime(value)
    if moment is None:
        return "?"
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toLocalTime().toString("HH:mm")


class HealthPage(StaffPage):
    name = "health"

    def __init__(self, console: Any, confirm: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(console, confirm, parent)
        lay = vbox(self, margins=(24, 16, 24, 16), spacing=12)
        grid = QGridLayout()
        grid.setSpacing(14)
        lay.addLayout(grid, 1)

        cam, self.cam_title, cam_lay = staff_card("staff_health_camera_title")
        camera = getattr(console.services, "camera", None)
        self.preview = CameraView(lambda: camera.latest() if camera is not None else None,
                                  guide="none", mirror=False, fps=8)
        self.preview.setObjectName("staff_camera_preview")
        self.preview.setFixedSize(256, 144)
        cam_lay.addWidget(self.preview)
        self.camera = Facts(["state", "fps", "age"], "staff_health_camera")
        cam_lay.addWidget(self.camera)
        cam_lay.addStretch(1)

        back, self.back_title, back_lay = staff_card()
        self.backend = Facts(["reachable", "latency", "version", "db"], "staff_health_backend")
        back_lay.addWidget(self.backend)
        back_lay.addStretch(1)

        lift, self.lift_title, lift_lay = staff_card()
        self.lift = Facts(["link", "state", "level", "doors", "faults", "jobs"],
                          "staff_health_lift")
        lift_lay.addWidget(self.lift)
        lift_lay.addStretch(1)

        sysc, self.sys_title, sys_lay = staff_card()
        self.system = Facts(["version", "uptime", "disk", "kiosk", "service"],
                            "staff_health_system")
        sys_lay.addWidget(self.system)
        sys_lay.addStretch(1)

        test, self.test_title, test_lay = staff_card()
        self.btn_selftest = button("staff_btn_selftest", role="secondary")
        self.btn_selftest.clicked.connect(self.run_self_test)
        self.btn_refresh = button("staff_btn_refresh", role="secondary")
        self.btn_refresh.clicked.connect(self.refresh)
        self.selftest = label("staff_note", name="staff_selftest_result",
                              align=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        test_lay.addLayout(hbox(self.btn_selftest, self.btn_refresh, None, spacing=10))
        test_lay.addWidget(self.selftest, 1)

        alerts, self.alerts_title, alerts_lay = staff_card()
        # The tower's members locked out of the identity check (from the heartbeat):
        # a heading, then one "member until HH:MM" line each, full width.
        self.lockouts_key = label("staff_key", wrap=False, name="staff_health_lockouts_key")
        self.lockouts = label("staff_value", name="staff_health_lockouts")
        alerts_lay.addWidget(self.lockouts_key)
        alerts_lay.addWidget(self.lockouts)
        alerts_lay.addSpacing(6)
        self.alerts = label("staff_note", name="staff_health_alerts",
                            align=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        alerts_lay.addWidget(self.alerts, 1)

        grid.addWidget(cam, 0, 0)
        grid.addWidget(back, 0, 1)
        grid.addWidget(lift, 0, 2)
        grid.addWidget(alerts, 1, 0)
        grid.addWidget(sysc, 1, 1)
        grid.addWidget(test, 1, 2)
        for col in range(3):
            grid.setColumnStretch(col, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.sections: dict[str, dict[str, Any]] = {}
        self._waiting: set[str] = set()
        self._asked = 0.0
        self.retranslate()

    def enter(self) -> None:
        super().enter()
        self.preview.start()
        self.refresh()
        self._timer.start()

    def leave(self) -> None:
        self._timer.stop()
        self.preview.stop()

    def refresh(self) -> None:
        # A slow backend or a busy lift lane must not collect a queue of refreshes.
        if self._waiting and time.monotonic() - self._asked < STALE_S:
            return
        self._waiting = {"backend", "lift"}
        self._asked = time.monotonic()
        self.console.refresh_health(self.show_section)

    def show_section(self, name: str, d: dict[str, Any]) -> None:
        self._waiting.discard(name)
        self.sections[name] = d
        if name == "camera":
            c = self.camera
            c.set("state", staff_code(d.get("state")), bad=not d.get("ok"))
            c.set("fps", d.get("fps"))
            c.set("age", _age(d.get("last_frame_age_s")),
                  bad=(d.get("last_frame_age_s") or 0) > 1.0)
        elif name == "backend":
            b = self.backend
            reachable = d.get("reachable", False)
            error = reason_message(d["error"]).title if d.get("error") else ""
            b.set("reachable", self.tr("yes") if reachable else
                  self.tr("no") + (f" ({error})" if error else ""), bad=not reachable)
            b.set("latency", f"{d.get('latency_ms')} ms" if d.get("latency_ms") is not None
                  else None, bad=(d.get("latency_ms") or 0) > 1000)
            b.set("version", d.get("version"))
            b.set("db", staff_code(d.get("db")), bad=reachable and d.get("db") != "ok")
        elif name == "lift":
            self._show_lift(d)
        elif name == "system":
            self._show_system(d)

    def _show_lift(self, d: dict[str, Any]) -> None:
        f = self.lift
        f.set("link", staff_code(d.get("link")), bad=d.get("link") != "up")
        f.set("state", staff_code(d.get("state")) or d.get("error"), bad=bool(d.get("error")))
        level = d.get("level")
        f.set("level", None if level is None else
              f"{level}" + (f" → {d['target_level']}" if d.get("target_level") != level else ""))
        doors = d.get("doors") or {}
        f.set("doors", ", ".join(f"{b}: {staff_code(s)}" for b, s in doors.items()))
        faults = d.get("faults") or []
        f.set("faults", ", ".join(staff_code(x) for x in faults) if faults else self.tr("none"),
              bad=bool(faults))
        busy = d.get("customer_job")
        jobs = d.get("unfinished_jobs")
        text = self.tr("customer job running") if busy else self.tr("idle")
        if jobs:
            text += " · " + self.tr("%n unfinished", "", int(jobs))
        f.set("jobs", text, bad=bool(jobs))

    def _show_system(self, d: dict[str, Any]) -> None:
        s = self.system
        s.set("version", d.get("version"))
        s.set("uptime", _uptime(d.get("uptime_s")))
        disk = d.get("disk") or {}
        if "free_gb" in disk:
            s.set("disk", f"{disk['free_gb']} GB ({disk.get('free_pct')} %)",
                  bad=(disk.get("free_pct") or 100) < 10)
        else:
            s.set("disk", disk.get("error"), bad=True)
        s.set("kiosk", f"{d.get('kiosk_id')} / {d.get('tower_id')}")
        out, ops = d.get("out_of_service"), d.get("operator_out_of_service")
        s.set("service", self.tr("out of service (staff)") if out else
              self.tr("out of service (operations centre)") if ops else
              self.tr("in service") if d.get("service_ok") else self.tr("parts down"),
              bad=bool(out or ops) or not d.get("service_ok"))
        locks = d.get("lockouts") or []
        lines = [self.tr("{member} until {time}").format(member=x.get("member", "?"),
                                                         time=_local_hhmm(x.get("retry_at")))
                 for x in locks[:LOCKOUT_LINES]]
        if len(locks) > LOCKOUT_LINES:
            lines.append(self.tr("+%n more", "", len(locks) - LOCKOUT_LINES))
        self.lockouts.setText("\n".join(lines) or self.tr("none"))
        role = "staff_value_bad" if locks else "staff_value"
        if self.lockouts.property("role") != role:
            set_role(self.lockouts, role)
        alerts = d.get("alerts") or []
        self.alerts.setText("\n".join(reason_message(a["reason"]).title + f" ({a['reason']})"
                                      for a in reversed(alerts)) or self.tr("No alerts."))

    def run_self_test(self) -> None:
        self.selftest.setText(self.tr("Running… (loads the models; about a minute at most)"))
        self.btn_selftest.setEnabled(False)
        self.attempt(lambda: self.console.run_self_test(self.show_self_test),
                     lambda err: self._self_test_refused(err))

    def _self_test_refused(self, err: Any) -> None:
        self.btn_selftest.setEnabled(True)
        self.selftest.setText(staff_refusal(err))

    def show_self_test(self, result: dict[str, Any]) -> None:
        self.btn_selftest.setEnabled(True)
        comps = result.get("components", {})
        lines = [f"{'✓' if v.get('ok') else '×'} {k}  {v.get('ms', '')} ms"
                 + ("" if v.get("ok") else f"  {v.get('reason', '')}") for k, v in comps.items()]
        bad = [line for line in lines if line.startswith("×")]
        head = self.tr("All parts OK") if result.get("ok") else self.tr("Some parts failed")
        ok = [k for k, v in comps.items() if v.get("ok")]
        self.selftest.setText("\n".join([head, *bad, "✓ " + ", ".join(ok) if ok else ""]))

    def retranslate(self) -> None:
        self.btn_refresh.setText(self.tr("Refresh"))
        self.cam_title.setText(self.tr("Camera"))
        self.back_title.setText(self.tr("Backend"))
        self.lift_title.setText(self.tr("Lift"))
        self.sys_title.setText(self.tr("This kiosk"))
        self.test_title.setText(self.tr("Self-test and refresh"))
        self.alerts_title.setText(self.tr("Latest alerts"))
        self.lockouts_key.setText(self.tr("Identity lockouts"))
        self.btn_selftest.setText(self.tr("Run self-test"))
        for facts, keys in (
                (self.camera, {"state": self.tr("State"), "fps": self.tr("Frames/s"),
                               "age": self.tr("Last frame")}),
                (self.backend, {"reachable": self.tr("Reachable"), "latency": self.tr("Latency"),
                                "version": self.tr("Version"), "db": self.tr("Database")}),
                (self.lift, {"link": self.tr("Link"), "state": self.tr("State"),
                             "level": self.tr("Level"), "doors": self.tr("Doors"),
                             "faults": self.tr("Faults"), "jobs": self.tr("Jobs")}),
                (self.system, {"version": self.tr("App version"), "uptime": self.tr("Uptime"),
                               "disk": self.tr("Disk free"), "kiosk": self.tr("Kiosk / tower"),
                               "service": self.tr("Service")})):
            for key, text in keys.items():
                facts.set_key_text(key, text)
        if not self.selftest.text():
            self.selftest.setText(self.tr("Not run yet."))
        for name, d in list(self.sections.items()):
            self.show_section(name, d)
