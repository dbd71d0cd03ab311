"""Inventory audit: the controller's bay sensors against the backend's inventory,
mismatches highlighted, and a maintenance switch per storage bay."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ui.staff.common import AnswerLog
from ui.staff.pages import StaffPage
from ui.widgets import button, hbox, label, vbox

MISMATCH_BG = QColor("#4A3A1C")
MISMATCH_FG = QColor("#FBE3B4")
ROW_PX = 68  # a row holds a 60 px button
COLUMNS = ("bay", "level", "controller", "backend", "car", "state", "check", "maintenance")


class AuditPage(StaffPage):
    name = "audit"

    def __init__(self, console: Any, confirm: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(console, confirm, parent)
        lay = vbox(self, margins=(24, 16, 24, 16), spacing=12)
        self.btn_audit = button("staff_btn_audit", primary=True)
        self.btn_audit.clicked.connect(self.run_audit)
        self.summary = label("staff_value", name="staff_audit_summary")
        top = hbox(spacing=16)
        top.addWidget(self.summary, 1)
        top.addWidget(self.btn_audit)
        lay.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("staff_audit_table")
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(ROW_PX)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("car"), QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not finger_scroll: dragging would fight the buttons in its rows (a tap
        # on one got lost); its bar is a finger-wide target instead (staff style).
        for corner in self.table.findChildren(QAbstractButton):
            corner.setObjectName("staff_audit_corner")  # the table's select-all corner
        lay.addWidget(self.table, 1)
        self.answers = AnswerLog("staff_audit_answers")
        self.answers.setFixedHeight(72)
        lay.addWidget(self.answers)
        self.report: Any = None
        self.maint_buttons: dict[int, Any] = {}
        self.retranslate()

    def run_audit(self) -> None:
        self.summary.setText(self.tr("Asking the controller and the backend…"))
        self.btn_audit.setEnabled(False)
        started = self.attempt(lambda: self.console.run_audit(self.show_report, self._failed)
                               or True, self._refused)
        if not started:
            self.btn_audit.setEnabled(True)

    def _refused(self, err: Any) -> None:
        self.answers.add_refusal(err)
        self.summary.setText("")

    def _failed(self, err: Any) -> None:
        from kiosk.staff.diag import answer_of

        self.btn_audit.setEnabled(True)
        self.summary.setText(self.tr("The audit could not finish."))
        self.answers.add(answer_of(err), False)

    def show_report(self, report: Any) -> None:
        self.btn_audit.setEnabled(True)
        self.report = report
        self._render()

    def _render(self) -> None:
        report = self.report
        if report is None:
            return
        n = len(report.mismatches)
        text = self.tr("%n bay(s) checked", "", len(report.rows)) + " · "
        text += self.tr("%n mismatch(es)", "", n) if n else self.tr("no mismatches")
        self.summary.setText(text)
        t = self.table
        t.setRowCount(len(report.rows))
        self.maint_buttons = {}
        yes, no, none = self.tr("car"), self.tr("empty"), "—"
        # Mismatches first: they are what staff came for.
        rows = sorted(report.rows, key=lambda r: (r.mismatch is None, r.bay))
        for row, r in enumerate(rows):
            values = [str(r.bay),
                      self.tr("lobby") if r.delivery else "" if r.level is None else str(r.level),
                      none if r.tower_occupied is None else yes if r.tower_occupied else no,
                      none if r.backend_occupied is None else yes if r.backend_occupied else no,
                      r.car or "", r.backend_state or "", self.mismatch_text(r.mismatch)]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if r.mismatch:
                    item.setBackground(QBrush(MISMATCH_BG))
                    item.setForeground(QBrush(MISMATCH_FG))
                t.setItem(row, col, item)
            t.setCellWidget(row, COLUMNS.index("maintenance"), self._maint_button(r))
        t.setRowCount(len(report.rows))

    def _maint_button(self, r: Any) -> QWidget:
        holder = QWidget()
        holder.setProperty("role", "transparent")
        if r.delivery or r.backend_state is None:
            return holder
        btn = button(f"staff_maint_{r.bay}", role="staff_toggle")
        btn.setCheckable(True)
        btn.setChecked(r.maintenance)
        btn.setText(self.tr("On") if r.maintenance else self.tr("Off"))
        btn.clicked.connect(lambda checked, bay=r.bay: self.set_maintenance(bay, checked))
        lay = hbox(btn, None)
        lay.setContentsMargins(6, 4, 6, 4)
        holder.setLayout(lay)
        self.maint_buttons[r.bay] = btn
        return holder

    def set_maintenance(self, bay: int, on: bool) -> None:
        def refused(err: Any) -> None:
            self._refused(err)
            btn = self.maint_buttons.get(bay)
            if btn is not None:  # the click toggled it: nothing changed
                btn.setChecked(not on)

        self.attempt(lambda: self.console.set_maintenance(bay, on, self._maintenance_done),
                     refused)

    def _maintenance_done(self, result: Any) -> None:
        self.answers.add_result(result)
        bay = result.detail.get("bay")
        btn = self.maint_buttons.get(bay)
        if btn is not None:
            on = result.detail.get("on") if result.ok else not result.detail.get("on")
            btn.setChecked(bool(on))
            btn.setText(self.tr("On") if on else self.tr("Off"))

    def mismatch_text(self, code: str | None) -> str:
        return {
            "tower_only": self.tr("car not in backend"),
            "backend_only": self.tr("car missing"),
            "unknown_bay": self.tr("unknown bay"),
        }.get(code or "", self.tr("OK") if code is None else code)

    def retranslate(self) -> None:
        self.btn_audit.setText(self.tr("Run audit"))
        self.table.setHorizontalHeaderLabels([
            self.tr("Bay"), self.tr("Level"), self.tr("Controller"), self.tr("Backend"),
            self.tr("Car"), self.tr("State"), self.tr("Check"), self.tr("Maintenance")])
        if self.report is None:
            self.summary.setText(self.tr("Compare the controller's bay sensors with the "
                                         "backend's inventory."))
        else:
            self._render()
