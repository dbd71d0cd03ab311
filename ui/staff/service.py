"""Service: in/out of service, the log (level filter), the diagnostics bundle,
the serial console and leaving the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton, QWidget

from kiosk.staff.console import LOG_LEVELS
from ui.messages import staff_refusal
from ui.staff.common import finger_scroll, staff_card
from ui.staff.pages import StaffPage
from ui.widgets import button, hbox, label, vbox

LOG_LINES = 200


class _TextView(QPlainTextEdit):
    """A read-only monospace view that takes the room it is given, not more."""

    def sizeHint(self) -> QSize:
        return QSize(320, 120)


def _text_view(name: str) -> QPlainTextEdit:
    view = _TextView()
    view.setObjectName(name)
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setFont(QFont("DejaVu Sans Mono", 11))
    finger_scroll(view)
    return view


class ServicePage(StaffPage):
    name = "service"

    def __init__(self, console: Any, confirm: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(console, confirm, parent)
        lay = vbox(self, margins=(24, 16, 24, 16), spacing=12)
        cols = hbox(spacing=14)
        lay.addLayout(cols, 1)
        left, right = vbox(spacing=14), vbox(spacing=14)
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)

        svc, self.svc_title, svc_lay = staff_card()
        self.svc_state = label("staff_value", name="staff_service_state")
        self.btn_service = button("staff_btn_service", role="staff_toggle")
        self.btn_service.setCheckable(True)
        self.btn_service.clicked.connect(self.toggle_service)
        self.btn_exit = button("staff_btn_exit", role="danger")
        self.btn_exit.clicked.connect(self.ask_exit)
        self.exit_note = label("staff_note")
        svc_lay.addWidget(self.svc_state)
        svc_lay.addLayout(hbox(self.btn_service, None))
        svc_lay.addWidget(self.exit_note)
        svc_lay.addLayout(hbox(self.btn_exit, None))
        left.addWidget(svc)

        exp, self.exp_title, exp_lay = staff_card()
        self.export_dir = QLineEdit()
        self.export_dir.setObjectName("staff_export_dir")
        self.btn_export = button("staff_btn_export", primary=True)
        self.btn_export.clicked.connect(self.export)
        self.targets = hbox(spacing=10)
        self.export_result = label("staff_note", name="staff_export_result")
        exp_lay.addLayout(hbox(self.export_dir, self.btn_export, spacing=10))
        exp_lay.addLayout(self.targets)
        exp_lay.addWidget(self.export_result)
        left.addWidget(exp)
        left.addStretch(1)

        logs, self.log_title, log_lay = staff_card()
        self.level_buttons: dict[str | None, QPushButton] = {}
        row = hbox(spacing=8)
        for level in (None, *LOG_LEVELS[1:]):
            btn = button(f"staff_log_{(level or 'all').lower()}", role="staff_filter")
            btn.setCheckable(True)
            btn.clicked.connect(lambda _=False, lv=level: self.show_logs(lv))
            row.addWidget(btn)
            self.level_buttons[level] = btn
        row.addStretch(1)
        log_lay.addLayout(row)
        self.log_view = _text_view("staff_log_view")
        log_lay.addWidget(self.log_view, 1)
        right.addWidget(logs, 1)

        ser, self.ser_title, ser_lay = staff_card()
        self.btn_serial = button("staff_btn_serial_status")
        self.btn_serial.clicked.connect(self.send_status)
        self.serial_view = _text_view("staff_serial_view")
        ser_lay.addLayout(hbox(self.btn_serial, None))
        ser_lay.addWidget(self.serial_view, 1)
        right.addWidget(ser, 1)
        self.level: str | None = None
        self.retranslate()

    # -- life cycle -------------------------------------------------------------------------
    def enter(self) -> None:
        super().enter()
        self._render_service()
        self._render_targets()
        self.show_logs(self.level)

    def _render_service(self) -> None:
        out = self.console.out_of_service
        self.btn_service.setChecked(out)
        self.svc_state.setText(self.tr("Out of service: members see \"temporarily "
                                       "unavailable\".") if out else
                               self.tr("In service: members can use the kiosk."))
        self.btn_service.setText(self.tr("Put back in service") if out else
                                 self.tr("Take out of service"))

    def _render_targets(self) -> None:
        while self.targets.count():
            item = self.targets.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        targets = self.console.export_targets()
        if not self.export_dir.text():
            self.export_dir.setText(str(targets[0]))
        if len(targets) < 2:
            return  # the field already holds the only choice
        for i, path in enumerate(targets[:3]):
            btn = button(f"staff_export_target_{i}", role="secondary")
            btn.setText(Path(path).name or str(path))
            btn.clicked.connect(lambda _=False, p=str(path): self.export_dir.setText(p))
            self.targets.addWidget(btn)
        self.targets.addStretch(1)

    # -- actions ------------------------------------------------------------------------------
    def toggle_service(self, out: bool) -> None:
        self.attempt(lambda: self.console.set_out_of_service(out),
                     lambda err: self.svc_state.setText(staff_refusal(err)))
        self._render_service()

    def show_logs(self, level: str | None) -> None:
        self.level = level
        for lv, btn in self.level_buttons.items():
            btn.setChecked(lv == level)
        self.attempt(lambda: self.console.log_tail(level, self._logs, LOG_LINES),
                     lambda err: self.log_view.setPlainText(staff_refusal(err)))

    def _logs(self, entries: list[dict[str, Any]]) -> None:
        lines = [f"{e.get('t', '')[11:19]} {e.get('level', ''):7} {e.get('logger', '')}: "
                 f"{e.get('msg', '')}" for e in entries]
        self.log_view.setPlainText("\n".join(lines) or self.tr("(no log lines)"))
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def export(self) -> None:
        folder = self.export_dir.text().strip()
        if not folder:
            return
        self.btn_export.setEnabled(False)
        self.export_result.setText(self.tr("Writing the bundle…"))
        started = self.attempt(lambda: self.console.export_bundle(folder, self._exported)
                               or True, lambda err: self.export_result.setText(
                                   staff_refusal(err)))
        if not started:
            self.btn_export.setEnabled(True)

    def _exported(self, result: Any) -> None:
        self.btn_export.setEnabled(True)
        if result.ok:
            kb = result.detail.get("bytes", 0) / 1024
            self.export_result.setText(self.tr("Saved %1 (%2 KB)").replace(
                "%1", result.answer).replace("%2", f"{kb:.0f}"))
        else:
            self.export_result.setText(self.tr("Not saved: %1").replace("%1", result.answer))

    def send_status(self) -> None:
        self.attempt(lambda: self.console.serial_status(self._serial),
                     lambda err: self.serial_view.appendPlainText(staff_refusal(err)))

    def _serial(self, result: Any) -> None:
        arrows = {"tx": "→", "rx": "←"}
        for f in result.detail.get("frames", []):
            self.serial_view.appendPlainText(
                f"{arrows.get(f['dir'], f['dir'])} {f['what']:<20} {f['hex']}")
        self.serial_view.appendPlainText(("= " if result.ok else "! ") + result.answer)

    def ask_exit(self) -> None:
        self.confirm.ask(self.tr("Exit to the desktop?"),
                         self.tr("The kiosk stops serving members until it is started again."),
                         self.tr("Exit"), self._exit)

    def _exit(self) -> None:
        self.attempt(self.console.exit_app, lambda err: self.exit_note.setText(
            staff_refusal(err)))

    def retranslate(self) -> None:
        self.svc_title.setText(self.tr("Service and exit"))
        self.exp_title.setText(self.tr("Diagnostics bundle"))
        self.btn_export.setText(self.tr("Export"))
        self.exit_note.setText(self.tr("Exit closes the kiosk app and shows the desktop."))
        self.btn_exit.setText(self.tr("Exit to desktop…"))
        self.log_title.setText(self.tr("Log"))
        names = {None: self.tr("All"), "INFO": self.tr("Info"), "WARNING": self.tr("Warning"),
                 "ERROR": self.tr("Error")}
        for lv, btn in self.level_buttons.items():
            btn.setText(names[lv])
        self.ser_title.setText(self.tr("Serial console"))
        self.btn_serial.setText(self.tr("Send STATUS"))
        if not self.export_result.text():
            self.export_result.setText(self.tr("Logs, settings without secrets, self-test, lift "
                                               "journal, staff audit. Never photos."))
        self._render_service()
