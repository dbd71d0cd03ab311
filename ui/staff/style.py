"""The staff screens' look: the kiosk palette, denser, with an amber staff band.

Applied on the staff widgets themselves (not the app theme), so the member
screens never pick any of it up. Touch targets stay >= 60 px.
"""

from ui.resources import assets_dir

STAFF_QSS = """
QWidget { font-size: 20px; }
QLabel[role="staff_title"] { font-size: 28px; font-weight: 700; color: #FFFFFF; }
QLabel[role="staff_band"] {
    font-size: 18px; font-weight: 700; color: #2B1D05; background: #F5B94A;
    border-radius: 14px; padding: 6px 16px;
}
QLabel[role="staff_card_title"] { font-size: 20px; font-weight: 700; color: #3DD9C1; }
QLabel[role="staff_key"] { font-size: 18px; color: #A7B3C8; }
QLabel[role="staff_value"] { font-size: 20px; color: #F3F6FB; }
QLabel[role="staff_value_bad"] { font-size: 20px; font-weight: 700; color: #F5B94A; }
QLabel[role="staff_note"] { font-size: 18px; color: #A7B3C8; }
QLabel[role="staff_message"] { font-size: 20px; color: #FBE3B4; }
QLabel[role="staff_ok"] { font-size: 20px; font-weight: 700; color: #3DD9C1; }
QLabel[role="staff_dots"] { font-size: 44px; color: #FFFFFF; letter-spacing: 10px; }
QLabel[role="staff_typed"] { font-size: 40px; color: #FFFFFF; }

QFrame[role="staff_card"] { background: #14213A; border: 1px solid #22345A; border-radius: 18px; }
QFrame[role="staff_bar"] { background: #0E1A2D; border-bottom: 2px solid #F5B94A; }
QFrame[role="staff_rail"] { background: #0E1A2D; border-right: 1px solid #1F2E4A; }

QPushButton { min-height: 60px; padding: 0 22px; font-size: 20px; border-radius: 14px; }
QPushButton[role="primary"] { min-height: 60px; font-size: 22px; padding: 0 26px; }
QPushButton[role="danger"] {
    background: #3A2F1A; border: 2px solid #F5B94A; color: #FBE3B4;
}
QPushButton[role="danger"]:pressed { background: #4A3A1C; }
QPushButton[role="staff_tab"] {
    min-height: 84px; text-align: left; padding: 0 22px; font-size: 22px;
    background: transparent; border: none; border-left: 6px solid transparent;
    border-radius: 0; color: #A7B3C8;
}
QPushButton[role="staff_tab"]:checked {
    background: #14213A; border-left: 6px solid #3DD9C1; color: #FFFFFF;
}
QPushButton[role="staff_filter"] {
    min-height: 56px; min-width: 64px; padding: 0 16px; font-size: 18px; border-radius: 30px;
    background: transparent; color: #A7B3C8;
}
QPushButton[role="staff_filter"]:checked { background: #1B2B48; border-color: #3DD9C1; color: #FFFFFF; }
QPushButton#staff_key_ok {
    min-height: 60px; max-height: 60px; min-width: 100px; max-width: 100px;
    font-size: 26px; padding: 0;
}
QPushButton[role="staff_toggle"]:checked { background: #3A2F1A; border-color: #F5B94A; }
QPushButton[role="key"] {
    min-height: 60px; max-height: 60px; min-width: 100px; max-width: 100px;
    font-size: 30px; border-radius: 16px; padding: 0;
}
QPushButton[role="name_key"] {
    min-height: 64px; min-width: 52px; font-size: 26px; border-radius: 12px; padding: 0;
}

QComboBox {
    min-height: 60px; padding: 0 16px; font-size: 22px; border-radius: 14px;
    background: #1B2B48; border: 2px solid #2F4570; color: #F3F6FB;
}
QComboBox:on { border-color: #3DD9C1; }
QComboBox::drop-down {
    subcontrol-origin: border; subcontrol-position: top right; width: 56px;
    border: none; border-left: 2px solid #2F4570; background: #24395F;
    border-top-right-radius: 12px; border-bottom-right-radius: 12px;
}
QComboBox::down-arrow { image: url("CHEVRON"); width: 24px; height: 24px; }
QComboBox::down-arrow:on { top: 2px; }
QComboBox QAbstractItemView {
    background: #14213A; color: #F3F6FB; selection-background-color: #24395F;
    border: 2px solid #3DD9C1; font-size: 22px; outline: none;
}
QComboBox QAbstractItemView::item { min-height: 60px; padding: 0 16px; }
QLineEdit {
    min-height: 60px; padding: 0 14px; font-size: 20px; border-radius: 14px;
    background: #0F1A2C; border: 2px solid #2F4570; color: #F3F6FB;
}
QPlainTextEdit, QListWidget {
    background: #0A1220; border: 1px solid #22345A; border-radius: 12px; color: #D5DDEA;
    font-family: "DejaVu Sans Mono"; font-size: 15px; padding: 6px;
}
QListWidget { font-size: 17px; }
QListWidget::item { min-height: 30px; }
QTableWidget {
    background: #0F1A2C; alternate-background-color: #122036; gridline-color: #1F2E4A;
    border: 1px solid #22345A; border-radius: 12px; font-size: 18px; color: #E3E9F3;
}
QTableWidget::item { padding: 2px 8px; }
QHeaderView::section {
    background: #14213A; color: #A7B3C8; font-size: 17px; font-weight: 700;
    border: none; border-bottom: 1px solid #2A3B5E; padding: 8px;
}
QTableWidget QPushButton {
    min-height: 60px; min-width: 90px; font-size: 17px; padding: 0 10px; border-radius: 10px;
}
QScrollBar:vertical { background: transparent; width: 14px; margin: 4px; }
QScrollBar::handle:vertical { background: #2F4570; border-radius: 6px; min-height: 40px; }
QScrollBar:horizontal { background: transparent; height: 14px; margin: 4px; }
QScrollBar::handle:horizontal { background: #2F4570; border-radius: 6px; min-width: 40px; }
QScrollBar::add-line, QScrollBar::sub-line { width: 0; height: 0; }
QTableWidget QScrollBar:vertical { width: 60px; margin: 0; }
QTableWidget QScrollBar::handle:vertical { border-radius: 12px; min-height: 60px; }
""".replace(
    # The drop-down's arrow: drawn (a chevron in the accent colour), not the
    # platform's tiny one with square corners poking out of the rounded box.
    "CHEVRON", (assets_dir() / "icons" / "chevron_down@2x.png").as_posix())
