"""Selfie: a get-ready page, then the live check with one instruction at a time.

After Start the backend opens the selfie and draws the challenges ("One
moment…" while it does); the local check then guides the member through
them while the frames stream to the backend; when it ends, "Checking your
selfie…" until the backend's verdict moves the journey on. The member only
ever sees pass/fail, never a score. "I can't do this" offers
the alternative every liveness service must offer: a person who cannot turn
their head or blink on request is sent to staff, not refused by a machine.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QWidget

from kiosk.journey import State
from kiosk.selfie_step import SelfieStage
from ui.camera_view import CameraView
from ui.messages import challenge_text, code_of, guidance_text
from ui.screens.base import Screen
from ui.screens.scan import camera_source, preview_fps
from ui.widgets import (
    ChallengeIcon,
    CheckMark,
    StepDots,
    TimeBar,
    button,
    cancel_button,
    card,
    footer,
    hbox,
    label,
    vbox,
)

# The time bar is redrawn between liveness updates so it moves smoothly.
BAR_REFRESH_MS = 50


class SelfieScreen(Screen):
    state = State.SELFIE

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        outer = vbox(self, spacing=0)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self._build_ready()
        self._build_live()
        self._build_help()
        # One bar for both pages, so each action has exactly one button.
        self.bar = QWidget()
        self.btn_cancel = cancel_button()
        self.btn_cancel.clicked.connect(self.kiosk.cancel)
        self.btn_cant = button("btn_cant", role="link")
        self.btn_cant.clicked.connect(self.show_help)
        bar = footer(self.btn_cancel, self.btn_cant, None, self.btn_selfie_start)
        self.bar.setLayout(bar)
        outer.addWidget(self.bar)
        self.update_: Any = None
        self.stage = SelfieStage.READY
        self._was_live = False
        self._window_key: Any = None
        self._window_s: float | None = None
        self._deadline = 0.0
        self._bar_timer = QTimer(self)
        self._bar_timer.setInterval(BAR_REFRESH_MS)
        self._bar_timer.timeout.connect(self._refresh_bar)
        bridge.selfie.connect(self.on_update)
        bridge.selfie_stage.connect(self.on_stage)
        self.retranslate()

    # -- pages -----------------------------------------------------------------
    def _build_ready(self) -> None:
        self.ready = QWidget()
        lay = vbox(self.ready, margins=(96, 28, 96, 12), spacing=18)
        self.ready_title = label("title")
        self.ready_lead = label("lead")
        self.tips_card = card()
        tips = vbox(self.tips_card, margins=(32, 24, 32, 24), spacing=12)
        self.tips = [label("bullet") for _ in range(4)]
        for tip in self.tips:
            tips.addWidget(tip)
        self.privacy = label("caption")
        self.btn_selfie_start = button("btn_selfie_start", primary=True)
        self.btn_selfie_start.clicked.connect(self.begin)
        lay.addWidget(self.ready_title)
        lay.addWidget(self.ready_lead)
        lay.addWidget(self.tips_card)
        lay.addWidget(self.privacy)
        lay.addStretch(1)
        self.btn_selfie_start.setMinimumWidth(360)
        self.pages.addWidget(self.ready)

    def _build_live(self) -> None:
        self.live = QWidget()
        root = QHBoxLayout(self.live)
        root.setContentsMargins(40, 20, 40, 16)
        root.setSpacing(32)
        self.camera = CameraView(camera_source(self.kiosk), guide="selfie", mirror=True,
                                 fps=preview_fps(self.kiosk))
        root.addWidget(self.camera, 6)
        side = vbox(spacing=16)
        self.phase_caption = label("eyebrow")
        self.challenge_icon = ChallengeIcon()
        self.instruction = label("instruction")
        self.time_bar = TimeBar()
        self.dots = StepDots()
        self.guidance = label("lead")
        self.result_mark = CheckMark("ok", 96)
        self.result_mark.hide()
        side.addWidget(self.phase_caption)
        side.addLayout(hbox(self.challenge_icon, self.result_mark, None))
        side.addWidget(self.instruction)
        side.addWidget(self.time_bar)
        side.addWidget(self.dots)
        side.addWidget(self.guidance)
        side.addStretch(1)
        root.addLayout(side, 5)
        self.pages.addWidget(self.live)

    def _build_help(self) -> None:
        self.help = QWidget()
        lay = vbox(self.help, margins=(120, 60, 120, 40), spacing=22)
        self.help_title = label("title")
        self.help_body = label("lead")
        self.btn_help_back = button("btn_help_back", role="secondary")
        self.btn_help_back.clicked.connect(self._help_back)
        self.btn_help_done = button("btn_help_cancel", primary=True)
        self.btn_help_done.clicked.connect(self.kiosk.cancel)
        lay.addStretch(1)
        lay.addLayout(hbox(CheckMark("info", 96), None))
        lay.addWidget(self.help_title)
        lay.addWidget(self.help_body)
        lay.addStretch(1)
        lay.addLayout(hbox(self.btn_help_back, None, self.btn_help_done))
        self.pages.addWidget(self.help)

    # -- journey ---------------------------------------------------------------
    def enter(self) -> None:
        self.update_ = None
        self.stage = SelfieStage.READY
        self._window_s = None
        self._show(self.ready)
        super().enter()

    def leave(self) -> None:
        self.camera.stop()
        self._bar_timer.stop()
        self.update_ = None

    def begin(self) -> None:
        """The member pressed Start: show the live check."""
        # The core asks the backend for the challenges only now, when the
        # member is ready; the page says "One moment…" until they arrive.
        self.kiosk.begin_selfie()
        self.stage = self.kiosk.selfie_stage
        self._show(self.live)
        self.camera.start()
        self._bar_timer.start()
        self.retranslate()

    def show_help(self) -> None:
        self._was_live = self.pages.currentWidget() is self.live
        self._show(self.help)

    def _help_back(self) -> None:
        self._show(self.live if self._was_live else self.ready)

    def _show(self, page: QWidget) -> None:
        self.pages.setCurrentWidget(page)
        self.bar.setVisible(page is not self.help)
        self.btn_selfie_start.setVisible(page is self.ready)
        self.retranslate()

    def on_stage(self, stage: Any) -> None:
        self.stage = stage
        if self.pages.currentWidget() is self.live:
            self._render_live()

    def on_update(self, update: Any) -> None:
        self.update_ = update
        left = getattr(update, "time_left_s", None)
        if left is not None:
            left = max(0.0, float(left))
            key = (code_of(getattr(update, "challenge", None)),
                   getattr(update, "challenge_index", None))
            if key != self._window_key or self._window_s is None:
                # A new challenge: its first time_left is the whole window.
                self._window_key, self._window_s = key, max(left, 0.1)
            self._deadline = time.monotonic() + left
        if self.pages.currentWidget() is self.live:
            self._render_live()

    def _refresh_bar(self) -> None:
        if self._window_s:
            left = max(0.0, self._deadline - time.monotonic())
            self.time_bar.set_fraction(left / self._window_s)

    # -- texts -----------------------------------------------------------------
    def _render_live(self) -> None:
        u = self.update_
        challenge = code_of(getattr(u, "challenge", None))
        total = int(getattr(u, "challenges_total", 0) or 0)
        index = int(getattr(u, "challenge_index", 0) or 0)
        done = bool(getattr(u, "done", False)) or self.stage is SelfieStage.CHECKING
        opening = self.stage is SelfieStage.OPENING
        self.dots.set_progress(index if not done else total, total)
        self.dots.setVisible(total > 0 and not opening)
        self.result_mark.setVisible(done)
        self.challenge_icon.setVisible(not done)
        if opening:
            # The backend is drawing the challenges: nothing to do yet.
            self.phase_caption.setText(self.tr("Getting ready"))
            self.challenge_icon.set_kind("")
            self.instruction.setText(self.tr("One moment…"))
            self.guidance.setText(self.tr("Look at the camera and hold still"))
            self.time_bar.hide()
            self.camera.set_tone("neutral")
            return
        if done:
            # The local check only guides: the backend's verdict is awaited.
            live = bool(getattr(u, "live", False))
            self.result_mark.set_kind("ok" if live else "info")
            self.phase_caption.setText(self.tr("Selfie check"))
            self.instruction.setText(self.tr("Thank you") if live
                                     else self.tr("We'll stop the check here"))
            self.guidance.setText(self.tr("Checking your selfie…"))
            self.time_bar.hide()
            self._bar_timer.stop()
            self.camera.pause()
            return
        if challenge:
            self.phase_caption.setText(
                self.tr("Step {n} of {total}").format(n=index + 1, total=max(total, index + 1)))
            self.challenge_icon.set_kind(challenge)
            self.instruction.setText(challenge_text(challenge))
            self.time_bar.setVisible(self._window_s is not None)
        else:
            self.phase_caption.setText(self.tr("Getting ready"))
            self.challenge_icon.set_kind("")
            self.instruction.setText(self.tr("Fit your face in the oval"))
            self.time_bar.hide()
        guidance = code_of(getattr(u, "guidance", None)) if u is not None else ""
        problem = bool(guidance) and guidance != "ok"
        if problem:
            self.guidance.setText(guidance_text(guidance))
        elif challenge:
            self.guidance.setText(self.tr("Then look back at the camera."))
        else:
            self.guidance.setText(self.tr("Look at the camera and hold still"))
        self.camera.set_tone("warn" if problem else "ok" if u is not None else "neutral")

    def retranslate(self) -> None:
        self.ready_title.setText(self.tr("Time for a quick selfie"))
        self.ready_lead.setText(self.tr("It confirms it's really you. It takes about ten "
                                        "seconds."))
        tips = (self.tr("Take off sunglasses, a hat or a mask."),
                self.tr("Stand about an arm's length from the screen."),
                self.tr("We'll ask you to do two or three simple moves, one at a time."),
                self.tr("Only you in the picture, please."))
        for lab, text in zip(self.tips, tips, strict=True):
            lab.setText(f"•  {text}")
        self.privacy.setText(self.tr("Your photo is only used to confirm it's you. It is "
                                     "never stored."))
        self.btn_selfie_start.setText(self.tr("Start"))
        self.btn_cancel.setText(self.tr("Cancel"))
        self.btn_cant.setText(self.tr("I can't do this"))
        self.help_title.setText(self.tr("No problem, we can help"))
        self.help_body.setText(self.tr("Please ask a member of staff. They can help you confirm "
                                       "who you are another way."))
        self.btn_help_back.setText(self.tr("Back to the selfie"))
        self.btn_help_done.setText(self.tr("Finish here"))
        self._render_live()


