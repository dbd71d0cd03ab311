"""The lift picture (#15): no stray bar on the tower's edge."""

from __future__ import annotations

from PySide6.QtGui import QColor

from ui.tower_view import TowerView
from ui.widgets import SURFACE


def test_a_closed_door_leaves_no_bar_on_the_towers_edge(qtbot):
    view = TowerView()
    qtbot.addWidget(view)
    view.resize(300, 500)
    image = view.grab().toImage()
    # The old door bar sat at x 10..18 over the tower's bottom-left edge
    # (border at x 12): between the border and the bays is the tower's own surface.
    row = (500 - 2 * 12 - 2 * 14) / view.levels
    y = int(500 - 12 - 14 - row / 2)
    assert QColor(image.pixel(17, y)) == QColor(SURFACE)
