"""Generated artwork: stylised cars and the tower, drawn with QPainter.

Vector drawing instead of shipped photos keeps the bundle small, works at any
screen size and colours each car exactly as the stock list says. Body styles
are picked deterministically from the model name so a model always looks the
same on every screen.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QRadialGradient,
)

STYLES = ("sedan", "suv", "hatch", "coupe")

# (x, y) outline of each body style in a 100 x 40 box, clockwise from the
# front bumper; the cabin glass is a separate polygon.
_BODY = {
    "sedan": [(2, 30), (3, 22), (14, 19), (30, 17), (40, 8), (66, 8), (78, 17), (95, 19),
              (98, 24), (98, 31)],
    "suv": [(2, 31), (3, 19), (12, 16), (24, 15), (32, 4), (80, 4), (90, 15), (97, 17),
            (98, 24), (98, 32)],
    "hatch": [(2, 30), (3, 21), (14, 18), (28, 16), (38, 6), (72, 6), (88, 16), (96, 18),
              (98, 24), (98, 31)],
    "coupe": [(2, 30), (3, 23), (16, 20), (34, 17), (46, 9), (64, 9), (82, 18), (96, 21),
              (98, 25), (98, 31)],
}
_GLASS = {
    "sedan": [(33, 17), (42, 10), (64, 10), (74, 17)],
    "suv": [(27, 15), (34, 6), (78, 6), (86, 15)],
    "hatch": [(31, 16), (40, 8), (70, 8), (84, 16)],
    "coupe": [(37, 17), (48, 11), (63, 11), (77, 18)],
}
_WHEELS = {"sedan": (22, 78), "suv": (22, 79), "hatch": (21, 78), "coupe": (23, 77)}
WHEEL_Y = 31.0
GROUND_Y = WHEEL_Y + 7.6  # where the tyres touch the floor, in the 100 x 42 box


def car_geometry(rect: QRectF) -> tuple[float, float, float]:
    """(scale, x, y) of the 100 x 42 drawing box fitted and centred in ``rect``."""
    scale = min(rect.width() / 100.0, rect.height() / 42.0)
    return (scale, rect.x() + (rect.width() - 100 * scale) / 2,
            rect.y() + (rect.height() - 42 * scale) / 2)


def style_for(model: str, models: Sequence[str] = ()) -> str:
    """The body style of ``model``. The tower's models (``models``, sorted)
    take the styles in turn, so no two of them look alike (up to four: the
    name's hash gave Aurora and Comet the same body); any other name is
    hashed, the same on every screen."""
    known = sorted(set(models))
    if model in known:
        return STYLES[known.index(model) % len(STYLES)]
    return STYLES[zlib.crc32(model.encode("utf-8")) % len(STYLES)]


def paint_car(p: QPainter, rect: QRectF, colour: QColor | str, style: str = "sedan",
              facing_left: bool = False) -> None:
    """Draw a car filling ``rect`` (kept at its 100:40 aspect, centred)."""
    colour = QColor(colour)
    style = style if style in _BODY else "sedan"
    scale, ox, oy = car_geometry(rect)

    def pt(x: float, y: float) -> QPointF:
        if facing_left:
            x = 100 - x
        return QPointF(ox + x * scale, oy + y * scale)

    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    # Soft floor shadow grounds the car on whatever it stands on.
    shadow = QRadialGradient(QPointF(ox + 50 * scale, oy + GROUND_Y * scale), 50 * scale)
    shadow.setColorAt(0.0, QColor(0, 0, 0, 140))
    shadow.setColorAt(1.0, QColor(0, 0, 0, 0))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(shadow))
    p.drawEllipse(QRectF(ox + 2 * scale, oy + (GROUND_Y - 3) * scale, 96 * scale, 6 * scale))

    body = QPainterPath()
    pts = [pt(x, y) for x, y in _BODY[style]]
    body.moveTo(pts[0])
    for q in pts[1:]:
        body.lineTo(q)
    body.closeSubpath()
    grad = QLinearGradient(pt(50, 4), pt(50, 32))
    grad.setColorAt(0.0, colour.lighter(135))
    grad.setColorAt(0.55, colour)
    grad.setColorAt(1.0, colour.darker(160))
    p.setBrush(QBrush(grad))
    edge = colour.darker(200) if colour.lightness() > 60 else colour.lighter(220)
    p.setPen(QPen(edge, max(1.0, 0.6 * scale)))
    p.drawPath(body)

    # Wheel arches: dark cut-outs in the body behind each wheel.
    p.save()
    p.setClipPath(body)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#07090D"))
    for wx in _WHEELS[style]:
        p.drawEllipse(pt(wx, WHEEL_Y), 9.4 * scale, 9.4 * scale)
    p.restore()

    glass = QPainterPath()
    gpts = [pt(x, y) for x, y in _GLASS[style]]
    glass.moveTo(gpts[0])
    for q in gpts[1:]:
        glass.lineTo(q)
    glass.closeSubpath()
    ggrad = QLinearGradient(pt(50, 6), pt(50, 17))
    ggrad.setColorAt(0.0, QColor("#A9CBEB"))
    ggrad.setColorAt(1.0, QColor("#2B4766"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(ggrad))
    p.drawPath(glass)
    # B-pillar splits the glass into two windows.
    gx = [x for x, _ in _GLASS[style]]
    gy = [y for _, y in _GLASS[style]]
    pillar_x = (gx[1] + gx[2]) / 2
    p.setPen(QPen(colour.darker(130), 2.2 * scale))
    p.drawLine(pt(pillar_x, min(gy) - 0.5), pt(pillar_x, max(gy) + 0.5))

    # Shoulder line, door seam and lamps.
    p.setPen(QPen(QColor(255, 255, 255, 80), 0.8 * scale))
    p.drawLine(pt(8, 22), pt(92, 22))
    p.setPen(QPen(colour.darker(150), 0.6 * scale))
    p.drawLine(pt(pillar_x, max(gy) + 0.5), pt(pillar_x + 1, 29))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#FFF3C4"))
    p.drawRoundedRect(QRectF(pt(94.5, 20.5), pt(98.5, 23.5)).normalized(), scale, scale)
    p.setBrush(QColor("#E0455A"))
    p.drawRoundedRect(QRectF(pt(2.2, 22.5), pt(4.2, 26)).normalized(), scale, scale)

    for wx in _WHEELS[style]:
        centre = pt(wx, WHEEL_Y)
        p.setBrush(QColor("#111419"))
        p.setPen(QPen(QColor("#2A2F38"), 0.8 * scale))
        p.drawEllipse(centre, 7.6 * scale, 7.6 * scale)
        rim = QRadialGradient(centre, 4.6 * scale)
        rim.setColorAt(0.0, QColor("#E6EAF0"))
        rim.setColorAt(1.0, QColor("#7D8796"))
        p.setBrush(QBrush(rim))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(centre, 4.6 * scale, 4.6 * scale)
        p.setBrush(QColor("#3B4250"))
        p.drawEllipse(centre, 1.3 * scale, 1.3 * scale)
    p.restore()


def car_pixmap(colour: QColor | str, style: str, width: int, height: int,
               device_pixel_ratio: float = 1.0) -> QPixmap:
    pm = QPixmap(int(width * device_pixel_ratio), int(height * device_pixel_ratio))
    pm.setDevicePixelRatio(device_pixel_ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    paint_car(p, QRectF(0, 0, width, height), colour, style)
    p.end()
    return pm


def car_icon(colour: QColor | str, style: str, width: int, height: int) -> QIcon:
    """An icon whose disabled form is a faded grey car (out-of-stock colours)."""
    icon = QIcon(car_pixmap(colour, style, width, height, 2.0))
    grey = car_pixmap("#4A5468", style, width, height, 2.0)
    faded = QPixmap(grey.size())
    faded.setDevicePixelRatio(2.0)
    faded.fill(Qt.GlobalColor.transparent)
    p = QPainter(faded)
    p.setOpacity(0.45)
    p.drawPixmap(0, 0, grey)
    p.end()
    icon.addPixmap(faded, QIcon.Mode.Disabled)
    return icon


def model_icon(colour: QColor | str, style: str, swatches: Sequence[str], width: int,
               height: int) -> QIcon:
    """A model's tile: the car in ``colour`` with a row of dots below it, one
    per colour the tower has it in; faded grey when disabled."""
    dot = max(10, min(22, height // 9))
    car_h = height - dot - 12

    def draw(enabled: bool) -> QPixmap:
        pm = QPixmap(width * 2, height * 2)
        pm.setDevicePixelRatio(2.0)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not enabled:
            p.setOpacity(0.45)
        paint_car(p, QRectF(0, 0, width, car_h), colour if enabled else "#4A5468", style)
        step = dot + 10
        x = (width - (len(swatches) * step - 10)) / 2
        for hex_colour in swatches:
            p.setBrush(QColor(hex_colour) if enabled else QColor("#3A4458"))
            p.setPen(QPen(QColor(255, 255, 255, 150), 1.5))
            p.drawEllipse(QRectF(x, height - dot - 2, dot, dot))
            x += step
        p.end()
        return pm

    icon = QIcon(draw(True))
    icon.addPixmap(draw(False), QIcon.Mode.Disabled)
    return icon


def swatch_icon(colour: QColor | str, size: int, enabled: bool = True) -> QIcon:
    pm = QPixmap(size * 2, size * 2)
    pm.setDevicePixelRatio(2.0)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(colour) if enabled else QColor("#3A4458"))
    p.setPen(QPen(QColor(255, 255, 255, 120), 2))
    p.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    p.end()
    return QIcon(pm)
