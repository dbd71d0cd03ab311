"""The staff area (journey state STAFF): a bar with the idle countdown and Logout,
a rail of tabs, one page per tab."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from kiosk.journey import State
from ui.screens.base import Screen
from ui.staff.audit import AuditPage
from ui.staff.common import Confirm, finger_scroll
from ui.staff.health import HealthPage
from ui.staff.keypad import mmss
from ui.staff.lift import LiftPage
from ui.staff.pages import StaffPage
from ui.staff.service import ServicePage
from ui.staff.style import STAFF_QSS
from ui.widgets import button, card, hbox, label, vbox

PAGES = (HealthPage, LiftPage, AuditPage, ServicePage)


class StaffScreen(Screen):
    state = State.STAFF

    def __init__(self, kiosk: Any, bridge: Any, console: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        self.console = console
        self.setStyleSheet(STAFF_QSS)
        lay = vbox(self, spacing=0)
        bar = card("staff_bar")
        bar.setFixedHeight(84)
        bar_lay = QHBoxLayout(bar)
        bar_lay.setContentsMargins(28, 10, 24, 10)
        bar_lay.setSpacing(18)
        self.band = label("staff_band", wrap=False, name="staff_band")
        self.title = label("staff_title", wrap=False)
        self.idle = label("staff_note", wrap=False, name="staff_idle")
        self.btn_logout = button("staff_btn_logout", role="secondary")
        self.btn_logout.clicked.connect(self.logout)
        for w in (self.band, self.title):
            bar_lay.addWidget(w)
        bar_lay.addStretch(1)
        bar_lay.addWidget(self.idle)
        bar_lay.addWidget(self.btn_logout)
        lay.addWidget(bar)

        body = hbox(spacing=0)
        lay.addLayout(body, 1)
        rail = card("staff_rail")
        rail.setFixedWidth(230)
        rail_lay = vbox(rail, margins=(0, 16, 0, 16), spacing=4)
        body.addWidget(rail)
        self.pages = QStackedWidget()
        self.pages.setObjectName("staff_pages")
        body.addWidget(self.pages, 1)
        self.confirm = Confirm(self)
        self.tabs: dict[str, QPushButton] = {}
        self.page: dict[str, StaffPage] = {}
        for cls in PAGES:
            tab = button(f"staff_tab_{cls.name}", role="staff_tab")
            tab.setCheckable(True)
            tab.clicked.connect(lambda _=False, n=cls.name: self.show_page(n))
            rail_lay.addWidget(tab)
            self.tabs[cls.name] = tab
        rail_lay.addStretch(1)
        self.current = ""
        self._clock = QTimer(self)
        self._clock.setInterval(1000)
        self._clock.timeout.connect(self._render_idle)
        self.retranslate()

    def _build_pages(self) -> None:
        """Pages are built on the first visit: members never wait for them at start-up."""
        if self.page:
            return
        for cls in PAGES:
            page = cls(self.console, self.confirm)
            # Scrolls rather than forcing the window taller (long translations, small screens).
            scroll = QScrollArea()
            scroll.setObjectName(f"staff_scroll_{cls.name}")
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            finger_scroll(scroll)
            self.pages.addWidget(scroll)
            self.page[cls.name] = page

    # -- journey -----------------------------------------------------------------------
    def enter(self) -> None:
        super().enter()
        self.retranslate()  # the title names who logged in
        self._build_pages()
        self.show_page("health")
        self._render_idle()
        self._clock.start()

    def leave(self) -> None:
        self._clock.stop()
        self.confirm.dismiss()
        if self.current:
            self.page[self.current].leave()
        self.current = ""

    def show_page(self, name: str) -> None:
        self._build_pages()
        if self.current and self.current != name:
            self.page[self.current].leave()
        for n, tab in self.tabs.items():
            tab.setChecked(n == name)
        self.pages.setCurrentWidget(self.page[name].parentWidget().parentWidget())
        if self.current != name:
            self.current = name
            self.page[name].enter()
        self.console.touch()

    def logout(self) -> None:
        self.console.logout()

    def _render_idle(self) -> None:
        gate = self.console.gate
        session = gate.session
        if session is None:
            self.idle.setText("")
            return
        left = gate.idle_logout_s - (self.kiosk.clock() - session.last_touch)
        self.idle.setText(self.tr("Auto-logout in %1").replace("%1", mmss(left)))

    def retranslate(self) -> None:
        self.band.setText(self.tr("STAFF"))
        title = self.tr("Maintenance · kiosk %1").replace("%1", self.console.config.kiosk.id)
        session = self.console.gate.session
        if session is not None and session.who != self.console.who:
            title += f" · {session.who}"  # a personal login: who is working here
        if session is not None and not session.online:
            title += " · " + self.tr("offline: local work only")
        self.title.setText(title)
        self.btn_logout.setText(self.tr("Log out"))
        names = {"health": self.tr("Health"), "lift": self.tr("Lift"),
                 "audit": self.tr("Audit"), "service": self.tr("Service")}
        for n, tab in self.tabs.items():
            tab.setText(names[n])
        self._render_idle()
