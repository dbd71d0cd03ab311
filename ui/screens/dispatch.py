"""Dispatch: the car on its way, live (level, door, time left), on a tower diagram."""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from kiosk.journey import Flow, State
from ui.art import car_pixmap, style_for
from ui.car_names import colour_label, colour_swatch, model_name, option_colour_label
from ui.messages import code_of, door_text
from ui.messages_rules import facts_text
from ui.screens.base import Screen
from ui.tower_view import TowerView
from ui.widgets import card, label, vbox

# Lift job phases (drivers.lift_proto.JobPhase) once the car is at its bay,
# and before the lift has picked it up.
_ARRIVED = frozenset({"unloading", "opening_door", "done"})
_EMPTY = frozenset({"unknown", "queued", "closing_door", "to_source"})


_ART = (180, 76)  # the member's car in the showcase


class DispatchScreen(Screen):
    state = State.DISPATCH

    def __init__(self, kiosk: Any, bridge: Any, parent: QWidget | None = None) -> None:
        super().__init__(kiosk, bridge, parent)
        root = QHBoxLayout(self)
        root.setContentsMargins(64, 24, 64, 32)
        root.setSpacing(48)
        self.tower = TowerView()
        root.addWidget(self.tower, 4)
        side = vbox(spacing=12)
        self.side = side
        self.eyebrow = label("eyebrow")
        self.title = label("title")
        self.lead = label("lead")
        # The showcase: the member's car and its key facts while the lift runs
        # (Autobahn plays the car's film; no blank waiting).
        self.showcase = card()
        self.showcase.setObjectName("showcase")
        show = QHBoxLayout(self.showcase)
        show.setContentsMargins(20, 10, 20, 10)
        show.setSpacing(20)
        self.car_art = QLabel()
        self.car_art.setFixedSize(*_ART)
        show.addWidget(self.car_art, 0, Qt.AlignmentFlag.AlignVCenter)
        show_text = vbox(spacing=4)
        self.car_name = label("stat_small")
        self.car_facts = label("body")
        show_text.addWidget(self.car_name)
        show_text.addWidget(self.car_facts)
        show.addLayout(show_text, 1)
        self.stats = card()
        stats = vbox(self.stats, margins=(28, 14, 28, 14), spacing=4)
        self.level_text = label("stat")
        self.route_text = label("body")
        self.door_label = label("body")
        self.eta_text = label("stat_small")
        stats.addWidget(self.level_text)
        stats.addWidget(self.route_text)
        stats.addWidget(self.eta_text)
        stats.addWidget(self.door_label)
        self.wait_note = label("caption")
        side.addStretch(1)
        side.addWidget(self.eyebrow)
        side.addWidget(self.title)
        side.addWidget(self.lead)
        side.addSpacing(8)
        side.addWidget(self.showcase)
        side.addWidget(self.stats)
        side.addWidget(self.wait_note)
        side.addStretch(2)
        root.addLayout(side, 6)
        self.progress: Any = None
        self._eta_deadline: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._render_eta)
        bridge.progress.connect(self.on_progress)
        self.retranslate()

    def enter(self) -> None:
        self.progress = getattr(self.kiosk, "last_progress", None)
        self._eta_deadline = None
        session = self.session
        self.tower.reset()
        # A returned car is the one the member drove (the return job says
        # which): it was drawn silver, the placeholder of a test drive's choice.
        job = getattr(session, "return_job", None)
        colour = session.colour or getattr(job, "colour", None) or "silver"
        model = session.model or getattr(job, "model", None)
        self.tower.car_colour = colour_swatch(str(colour))
        self.tower.car_style = self.car_style(str(model)) if model else style_for(str(colour))
        self.car_art.setPixmap(car_pixmap(self.tower.car_colour, self.tower.car_style, *_ART, 2.0))
        if self.progress is not None:
            self.on_progress(self.progress)
        self._timer.start()
        super().enter()

    def leave(self) -> None:
        self._timer.stop()

    def on_progress(self, progress: Any) -> None:
        self.progress = progress
        level = getattr(progress, "level", None)
        target = getattr(progress, "target_level", None)
        levels = getattr(progress, "levels", None)
        eta = getattr(progress, "eta_s", None)
        if eta is not None:
            self._eta_deadline = time.monotonic() + max(0.0, float(eta))
        phase = code_of(getattr(progress, "phase", None))
        door = code_of(getattr(progress, "door", None))
        self.tower.set_lift(level if isinstance(level, int) else None,
                            target if isinstance(target, int) else None,
                            # The drawing's rows include the street (level 0).
                            levels=levels + 1 if isinstance(levels, int) else None,
                            carrying=self._carrying(phase), door_open=door in ("open", "opening"),
                            fault=code_of(getattr(progress, "fault", None)) not in ("", "none"))
        self.retranslate()

    def _carrying(self, phase: str) -> bool:
        # An unknown phase draws the car: the member should see theirs coming.
        return phase not in _EMPTY

    def _render_eta(self) -> None:
        if self._eta_deadline is None:
            self.eta_text.setText(self.tr("Working out the time…"))
            return
        left = max(0, math.ceil(self._eta_deadline - time.monotonic()))
        if code_of(getattr(self.progress, "phase", None)) in _ARRIVED or left == 0:
            self.eta_text.setText(self.tr("Almost there"))
        elif left >= 60:
            self.eta_text.setText(self.tr("About {m} min {s} s left").format(m=left // 60,
                                                                            s=left % 60))
        else:
            self.eta_text.setText(self.tr("About {s} seconds left").format(s=left))

    def _option(self) -> Any:
        s = self.session
        options = [o for o in getattr(self.kiosk, "options", None) or [] if o.model == s.model]
        return next((o for o in options if o.colour == s.colour), options[0] if options else None)

    def _render_showcase(self) -> None:
        s = self.session
        opt = self._option()
        if not s.model:
            self.showcase.hide()
            return
        colour = (option_colour_label(opt) if opt is not None and opt.colour == s.colour
                  else colour_label(str(s.colour or "")))
        name = model_name(opt) if opt is not None else str(s.model)
        self.car_name.setText(f"{name} · {colour}" if s.colour else name)
        facts = facts_text(getattr(opt, "facts", None))
        # Range and seats on one line, the sprint on its own: it never breaks at its dash.
        self.car_facts.setText("\n".join(filter(None, ("  ·  ".join(facts[:2]),
                                                       "  ·  ".join(facts[2:])))))
        self.car_facts.setVisible(bool(facts))
        self._fit()  # shows it, if it fits

    def _fit(self) -> None:
        """The showcase gives way when the column would not fit (large text,
        low reach): where the lift is and when the car comes must never be
        squeezed (they were cut in half)."""
        width = self.side.geometry().width()
        if not self.session.model or width <= 0:
            return
        need = (self.side.totalHeightForWidth(width) if self.side.hasHeightForWidth()
                else self.side.sizeHint().height())
        extra = self.showcase.sizeHint().height() + self.side.spacing()
        shown = not self.showcase.isHidden()
        if shown:
            need -= extra
        margins = self.layout().contentsMargins()
        fits = need + extra <= self.height() - margins.top() - margins.bottom()
        if shown != fits:
            self.showcase.setVisible(fits)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:
            self._fit()  # a font changed (large text): fit again; stable once decided
        return handled

    def retranslate(self) -> None:
        returning = self.session.flow is Flow.RETURN
        p = self.progress
        self._render_showcase()
        if returning:
            self.eyebrow.setText(self.tr("Returning your car"))
            self.title.setText(self.tr("We're storing your car"))
            self.lead.setText(self.tr("Thanks for bringing it back. Please stay clear of the "
                                      "bay while the lift works."))
        else:
            self.eyebrow.setText(self.tr("You're all set"))
            self.title.setText(self.tr("Your car is on its way"))
            if code_of(getattr(p, "phase", None)) in _EMPTY:
                self.lead.setText(self.tr("The lift is on its way to fetch your car."))
            else:
                self.lead.setText(self.tr("The lift is bringing it down to the delivery bay."))
        level = getattr(p, "level", None)
        target = getattr(p, "target_level", None)
        # The controller reports levels, not the tower's height; a Progress
        # that carries ``levels`` gets the "x of y" form.
        levels = getattr(p, "levels", None)
        # Level 0 is the street, where the delivery bays are: members do not
        # count it as a level.
        if level == 0:
            self.level_text.setText(self.tr("At street level"))
        elif isinstance(level, int) and isinstance(levels, int) and levels > 0:
            self.level_text.setText(self.tr("Level {x} of {y}").format(x=level, y=levels))
        elif isinstance(level, int):
            self.level_text.setText(self.tr("Level {x}").format(x=level))
        else:
            self.level_text.setText(self.tr("Starting the lift…"))
        if isinstance(target, int) and isinstance(level, int) and target != level:
            self.route_text.setText(self.tr("Coming down to the street") if target == 0
                                    else self.tr("Heading to level {y}").format(y=target))
        else:
            self.route_text.setText("")
        self.route_text.setVisible(bool(self.route_text.text()))
        self.door_label.setText(door_text(getattr(p, "door", None)))
        self.door_label.setVisible(bool(self.door_label.text()))
        self.wait_note.setText(
            self.tr("Please wait here: we'll confirm as soon as the car is stored.") if returning
            else self.tr("The bay door opens by itself when the car is ready."))
        self._render_eta()
