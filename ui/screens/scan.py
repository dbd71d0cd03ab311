"""Scan: live preview, framing guide and what the camera sees, in plain words."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QWidget

from kiosk.journey import Flow, State
from ui.camera_view import CameraView
from ui.messages import code_of, reason_message, scan_hint
from ui.screens.base import Screen
from ui.widgets import CheckMark, cancel_button, card, footer, hbox, label, set_role, vbox

# A rejection stays readable this long even though the camera keeps
# reporting "nothing seen" many times a second after it.
REJECTED_HOLD_S = 5.0
# A "seen but unreadable" hint does not flicker away between frames.
SEEN_HOLD_S = 1.5


def camera_source(kiosk: Any) -> Any:
    camera = getattr(kiosk.services, "camera", None)
    latest = getattr(camera, "latest", None)
    return latest if callable(latest) else (lambda: None)


def preview_fps(kiosk: Any, default: int = 30) -> int:
    cfg = getattr(kiosk.services, "config", None)
    return int(getattr(getattr(cfg, "camera", None), "preview_fps", default) or default)


class ScanScreen(Screen):
    state = State.SCAN

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        outer = vbox(self, spacing=0)
        root = QHBoxLayout()
        root.setContentsMargins(40, 24, 40, 16)
        root.setSpacing(32)
        outer.addLayout(root, 1)
        self.camera = CameraView(camera_source(kiosk), guide="scan", mirror=True,
                                 fps=preview_fps(kiosk))
        root.addWidget(self.camera, 7)

        side = vbox(spacing=18)
        self.title = label("title")
        self.steps = label("lead")
        self.status_card = card("status")
        status_lay = vbox(self.status_card, margins=(24, 20, 24, 20), spacing=8)
        self.status_icon = CheckMark("info", 56)
        self.status_title = label("status_title")
        self.status_text = label("body")
        status_lay.addLayout(hbox(self.status_icon, self.status_title, spacing=16,
                                  stretch_last=False))
        status_lay.addWidget(self.status_text)
        self.btn_cancel = cancel_button()
        self.btn_cancel.clicked.connect(self.kiosk.cancel)
        side.addWidget(self.title)
        side.addWidget(self.steps)
        side.addSpacing(8)
        side.addWidget(self.status_card)
        side.addStretch(1)
        root.addLayout(side, 5)
        outer.addLayout(footer(self.btn_cancel, None))

        self.feedback: Any = None
        self._hold_until = 0.0
        bridge.scan.connect(self.on_scan)
        self.retranslate()

    def enter(self) -> None:
        self.feedback = getattr(self.kiosk, "last_scan", None)
        self._hold_until = 0.0
        self.camera.start()
        super().enter()

    def leave(self) -> None:
        self.camera.stop()

    def on_scan(self, feedback: Any) -> None:
        status = _status(feedback)
        now = time.monotonic()
        if status == "looking" and now < self._hold_until:
            return
        if status == "rejected":
            self._hold_until = now + REJECTED_HOLD_S
        elif status == "seen":
            self._hold_until = now + SEEN_HOLD_S
        else:
            self._hold_until = 0.0
        self.feedback = feedback
        self.camera.set_quad(getattr(feedback, "quad", None) if status != "looking" else None)
        self._render_status()

    def _render_status(self) -> None:
        fb = self.feedback
        status = _status(fb)
        tone, icon = "neutral", "info"
        if status == "seen":
            tone = "warn"
            title, text = self.tr("Almost there"), scan_hint(getattr(fb, "hint", None))
        elif status == "rejected":
            tone = "warn"
            msg = reason_message(getattr(fb, "reason", None))
            title, text = msg.title, msg.body
        elif status == "checking":
            tone, icon = "ok", "ok"
            title, text = self.tr("Pass found"), self.tr("Checking your membership…")
        elif status == "accepted":
            tone, icon = "ok", "ok"
            title, text = self.tr("Welcome"), self.tr("Your pass is accepted. One moment…")
        else:
            title = self.tr("Ready when you are")
            text = self.tr("Hold the QR code inside the frame, about 20 cm from the camera.")
        self.camera.set_tone(tone)
        self.status_icon.set_kind(icon)
        self.status_title.setText(title)
        self.status_text.setText(text)
        set_role(self.status_card, {"warn": "status_warn", "ok": "status_ok"}.get(tone, "status"))

    def retranslate(self) -> None:
        flow = self.session.flow
        if flow is Flow.RETURN:
            self.title.setText(self.tr("Scan your pass to return your car"))
        elif flow is Flow.BUY:
            self.title.setText(self.tr("Scan your pass to buy a car"))
        else:
            self.title.setText(self.tr("Scan your member pass"))
        self.steps.setText(self.tr("Open the app, tap Member pass, and show the QR code to "
                                   "the camera."))
        self.btn_cancel.setText(self.tr("Cancel"))
        self._render_status()


def _status(feedback: Any) -> str:
    return code_of(getattr(feedback, "status", None)) or "looking"

