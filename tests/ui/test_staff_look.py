"""How staff mode looks and takes touches: a phone-sized PIN pad, drawn
drop-down arrows, lists that scroll by finger (split from test_staff_mode.py,
whose rig and helpers it shares)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_staff_mode import (  # noqa: F401 - srig is a fixture
    NAME,
    corner_press,
    keypad,
    login,
    page,
    srig,
    touch,
    type_name,
)


def test_the_pin_pad_has_phone_sized_keys_centred_not_the_screen_s_height(srig):  # noqa: F811 - srig, the shared fixture
    """Issue #15: the keypad filled the screen's height."""
    corner_press(srig)
    srig.wait(lambda: keypad(srig).isVisible())
    type_name(srig, NAME)
    panel = keypad(srig).panel
    window = srig.window
    srig.wait(lambda: srig.button("staff_key_5").isVisible())
    assert panel.height() <= 0.8 * window.height()
    centre = panel.mapTo(window, panel.rect().center())
    assert abs(centre.y() - window.height() / 2) <= 2
    assert abs(centre.x() - window.width() / 2) <= 2
    for key in [str(d) for d in range(10)] + ["ok", "back"]:
        btn = srig.button(f"staff_key_{key}")
        assert 60 <= btn.height() <= 72 and 60 <= btn.width() <= 120, (key, btn.size())
    touch(srig, "staff_key_cancel")


def test_drop_downs_have_a_drawn_arrow_inside_their_rounded_box(srig):  # noqa: F811 - srig, the shared fixture
    """Issue #15: a tiny platform arrow with square corners poked out."""
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QStyle, QStyleOptionComboBox

    from ui.staff.style import STAFF_QSS

    login(srig)
    touch(srig, "staff_tab_lift")
    box = page(srig, "lift").pick_from
    srig.wait(lambda: box.isVisible() and box.count() > 0)
    opt = QStyleOptionComboBox()
    opt.initFrom(box)
    arrow = box.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                       QStyle.SubControl.SC_ComboBoxArrow, box)
    assert arrow.width() >= 48 and box.rect().contains(arrow)
    chevron = STAFF_QSS.split('image: url("')[1].split('")')[0]
    assert not QImage(chevron).isNull()


def test_staff_lists_scroll_by_finger_and_their_thin_bars_take_no_touches(srig):  # noqa: F811 - srig, the shared fixture
    from PySide6.QtWidgets import QAbstractScrollArea, QHeaderView, QScroller

    login(srig)
    for tab in ("lift", "audit", "service"):
        touch(srig, f"staff_tab_{tab}")
    # Not the drop-downs' own popup lists, nor a table's header.
    views = [v for v in srig.window.staff.screen.findChildren(QAbstractScrollArea)
             if v.window() is srig.window and not isinstance(v, QHeaderView)]
    assert len(views) >= 5
    for view in views:
        bars = (view.verticalScrollBar(), view.horizontalScrollBar())
        if view.objectName() == "staff_audit_table":
            # Buttons in its rows: no dragging, a finger-wide bar instead.
            assert bars[0].width() >= 60
            continue
        assert QScroller.hasScroller(view.viewport()), view.objectName()
        for bar in bars:
            assert bar.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
