"""Lift control: home, move bay to bay (confirmed), delivery doors, acknowledge a
fault. Every command's answer from the controller goes in the answer list."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from ui.messages import staff_code
from ui.staff.common import AnswerLog, staff_card
from ui.staff.pages import StaffPage
from ui.widgets import button, hbox, label, vbox


def _combo(name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setMinimumWidth(190)
    return box


# The staff style's padding (16 px each side), its 56 px arrow button, borders.
_COMBO_PADDING_PX = 16 + 16 + 56 + 8


def _fit(box: QComboBox) -> None:
    """Wide enough for its longest item (the style's sizeHint leaves out the
    drawn arrow button, which cut "1 · empty" to "1 · ")."""
    fm = box.fontMetrics()
    longest = max((fm.horizontalAdvance(box.itemText(i)) for i in range(box.count())), default=0)
    box.setMinimumWidth(max(190, longest + _COMBO_PADDING_PX))


class LiftPage(StaffPage):
    name = "lift"

    def __init__(self, console: Any, confirm: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(console, confirm, parent)
        lay = vbox(self, margins=(24, 16, 24, 16), spacing=12)
        self.status = label("staff_note", name="staff_lift_status")
        lay.addWidget(self.status)
        cols = hbox(spacing=14)
        lay.addLayout(cols, 1)
        left = vbox(spacing=14)
        cols.addLayout(left, 3)

        move, self.move_title, move_lay = staff_card()
        self.pick_from, self.pick_to = _combo("staff_pick_from"), _combo("staff_pick_to")
        self.from_label, self.to_label = label("staff_key", wrap=False), label("staff_key",
                                                                               wrap=False)
        self.btn_move = button("staff_btn_move", primary=True)
        self.btn_move.clicked.connect(self.ask_move)
        move_lay.addLayout(hbox(self.from_label, self.pick_from, self.to_label, self.pick_to,
                                self.btn_move, None, spacing=12))
        left.addWidget(move)

        ctl, self.ctl_title, ctl_lay = staff_card()
        self.btn_home = button("staff_btn_home")
        self.btn_ack = button("staff_btn_ack_fault")
        self.btn_home.clicked.connect(lambda: self._run(self.console.home))
        self.btn_ack.clicked.connect(lambda: self._run(self.console.ack_fault))
        ctl_lay.addLayout(hbox(self.btn_home, self.btn_ack, None))
        left.addWidget(ctl)

        doors, self.doors_title, doors_lay = staff_card()
        self.pick_door = _combo("staff_pick_door")
        self.btn_open = button("staff_btn_door_open")
        self.btn_close = button("staff_btn_door_close")
        self.btn_open.clicked.connect(lambda: self._door(self.console.open_door))
        self.btn_close.clicked.connect(lambda: self._door(self.console.close_door))
        doors_lay.addLayout(hbox(self.pick_door, self.btn_open, self.btn_close, None))
        left.addWidget(doors)
        left.addStretch(1)

        answers, self.answers_title, answers_lay = staff_card()
        self.answers = AnswerLog("staff_lift_answers")
        answers_lay.addWidget(self.answers, 1)
        cols.addWidget(answers, 2)
        self.bay_map: Any = None
        self.results: list[Any] = []  # every ActionResult, oldest first
        self.retranslate()

    # -- life cycle -----------------------------------------------------------------------
    def enter(self) -> None:
        super().enter()
        self.load_bays()
        self.refresh_status()

    def load_bays(self) -> None:
        self.console.lift_bays(self.show_bays, lambda err: self.answers.add_refusal(err))

    def refresh_status(self) -> None:
        self.console.refresh_lift(self.show_status)

    def show_status(self, d: dict[str, Any]) -> None:
        if d.get("error") or d.get("link") != "up":
            self.status.setText(self.tr("Controller: %1").replace(
                "%1", str(d.get("error") or staff_code(d.get("link")))))
            return
        faults = ", ".join(staff_code(f) for f in d.get("faults") or []) or self.tr("none")
        doors = ", ".join(f"{b} {staff_code(s)}" for b, s in (d.get("doors") or {}).items())
        busy = self.tr("a customer job is running") if d.get("customer_job") else ""
        self.status.setText(" · ".join(x for x in (
            staff_code(d.get("state")), self.tr("level %1").replace("%1", str(d.get("level"))),
            self.tr("doors %1").replace("%1", doors), self.tr("faults: %1").replace("%1", faults),
            busy) if x))

    def show_bays(self, bay_map: Any) -> None:
        self.bay_map = bay_map
        occupied = dict(bay_map.bays)
        keep = (self.pick_from.currentData(), self.pick_to.currentData(),
                self.pick_door.currentData())
        for box in (self.pick_from, self.pick_to, self.pick_door):
            box.clear()
        car, empty = self.tr("car"), self.tr("empty")
        for bay, occ in bay_map.bays:
            text = f"{bay} · {car if occ else empty}"
            self.pick_from.addItem(text, bay)
            self.pick_to.addItem(text, bay)
        for bay in bay_map.delivery_bays:
            self.pick_door.addItem(str(bay), bay)
        src, dst = self.suggest(bay_map)
        self._select(self.pick_from, keep[0] if occupied.get(keep[0]) else src)
        self._select(self.pick_to, keep[1] if keep[1] in occupied and not occupied[keep[1]]
                     else dst)
        self._select(self.pick_door, keep[2])
        for box in (self.pick_from, self.pick_to, self.pick_door):
            _fit(box)

    @staticmethod
    def suggest(bay_map: Any) -> tuple[int | None, int | None]:
        """A car and a free storage bay on the same level if there is one (short move)."""
        storage = [(b, occ) for b, occ in bay_map.bays if b not in bay_map.delivery_bays]
        per = getattr(bay_map, "bays_per_level", 0) or 1
        full = [b for b, occ in storage if occ]
        free = [b for b, occ in storage if not occ]
        for src in full:
            same = [b for b in free if (b - 1) // per == (src - 1) // per]
            if same:
                return src, same[0]
        return (full[0] if full else None), (free[0] if free else None)

    @staticmethod
    def _select(box: QComboBox, bay: Any) -> None:
        i = box.findData(bay) if bay is not None else -1
        if i >= 0:
            box.setCurrentIndex(i)

    # -- commands -------------------------------------------------------------------------
    def answers_final(self) -> list[Any]:
        return [r for r in self.results if r.final]

    def _done(self, result: Any) -> None:
        self.results.append(result)
        self.answers.add_result(result)
        if result.final:
            self.refresh_status()
            if result.action == "lift_move":
                self.load_bays()

    def _run(self, intent: Any) -> None:
        self.attempt(lambda: intent(self._done), self.answers.add_refusal)

    def _door(self, intent: Any) -> None:
        bay = self.pick_door.currentData()
        if bay is not None:
            self.attempt(lambda: intent(bay, self._done), self.answers.add_refusal)

    def ask_move(self) -> None:
        src, dst = self.pick_from.currentData(), self.pick_to.currentData()
        if src is None or dst is None:
            return
        text = self.tr("Move the car in bay %1 to bay %2? The lift starts at once.")
        self.confirm.ask(self.tr("Move a car?"), text.replace("%1", str(src)).replace(
            "%2", str(dst)), self.tr("Move"), lambda: self.move(src, dst))

    def move(self, src: int, dst: int) -> None:
        self.attempt(lambda: self.console.move(src, dst, self._done), self.answers.add_refusal)

    def retranslate(self) -> None:
        self.move_title.setText(self.tr("Move a car"))
        self.from_label.setText(self.tr("From"))
        self.to_label.setText(self.tr("To"))
        self.btn_move.setText(self.tr("Move…"))
        self.ctl_title.setText(self.tr("Lift"))
        self.btn_home.setText(self.tr("Home"))
        self.btn_ack.setText(self.tr("Acknowledge fault"))
        self.doors_title.setText(self.tr("Delivery bay doors"))
        self.btn_open.setText(self.tr("Open"))
        self.btn_close.setText(self.tr("Close"))
        self.answers_title.setText(self.tr("Controller answers"))
        if self.bay_map is not None:
            self.show_bays(self.bay_map)
