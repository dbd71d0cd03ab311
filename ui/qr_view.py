"""A QR code drawn crisply at any size from segno's module matrix."""

from __future__ import annotations

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget


class QrView(QWidget):
    def __init__(self, size: int = 320, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self._matrix: list[list[bool]] = []
        self.setFixedSize(size, size)

    def set_text(self, text: str) -> None:
        self.text = text or ""
        if self.text:
            qr = segno.make(self.text, error="m", micro=False)
            self._matrix = [[bool(v) for v in row] for row in qr.matrix]
        else:
            self._matrix = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = QRectF(self.rect())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#FFFFFF"))
        p.drawRoundedRect(rect, 18, 18)
        if not self._matrix:
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        n = len(self._matrix)
        quiet = 4  # the standard quiet zone keeps phone scanners happy
        cell = min(rect.width(), rect.height()) // (n + 2 * quiet)
        off_x = (rect.width() - cell * n) // 2
        off_y = (rect.height() - cell * n) // 2
        p.setBrush(QColor("#000000"))  # pure black: the most robust contrast for any scanner
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    p.drawRect(QRectF(off_x + x * cell, off_y + y * cell, cell, cell))
        p.end()
