"""The large-text, high-contrast look, derived from ``assets/theme.qss``.

Rather than a second theme to keep in step by hand, the standard theme is
rewritten: every ``font-size`` x ``TEXT_SCALE``, and every colour moved to a
black / white / yellow palette by what the declaration paints (text, fill or
border) and how light the colour is. White on black is 21:1, yellow
``#FFE14D`` on black 16:1, black on yellow 16:1: all above the 7:1 of
WCAG AAA the mode promises. The result goes on the main window
(``setStyleSheet``), where it beats the application's sheet, so turning the
mode off is clearing it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ui.resources import assets_dir

TEXT_SCALE = 1.4  # reading text (<= 32 px: body, lead, buttons) grows by this
# Headings are already large (42-96 px); grown by 1.4 too they would push the
# reading text off a 1280x800 screen, so they grow less, and the giant bay
# number not at all.
HEADING_PX, HEADING_SCALE, MAX_FONT_PX = 36, 1.15, 200
BLACK, WHITE, YELLOW, GREY = "#000000", "#FFFFFF", "#FFE14D", "#A0A0A0"

_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
_DECL = re.compile(r"(?P<prop>[a-z-]+)\s*:\s*(?P<value>[^;{}]+)")
_FONT = re.compile(r"font-size:\s*(\d+)px")
_BLOCK = re.compile(r"\{[^{}]*\}")  # a rule's declarations (selectors stay untouched)

# Extra rules after the rewritten theme: the language and accessibility
# toggles show "on" as yellow with black text, the header gets a rule line.
_EXTRA = f"""
#header {{ background: {BLACK}; border-bottom: 2px solid {WHITE}; }}
#header[low="true"] {{ border-bottom: none; border-top: 2px solid {WHITE}; }}
QPushButton:checked {{ background: {YELLOW}; color: {BLACK}; border-color: {YELLOW}; }}
QPushButton[role="lang"]:checked {{ background: {YELLOW}; color: {BLACK}; }}
QScrollBar::handle:vertical {{ background: {WHITE}; }}
"""


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of ``#RRGGBB``."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#RRGGBB`` colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _saturated(hex_colour: str) -> bool:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) > 90


def map_colour(prop: str, colour: str) -> str:
    """The high-contrast stand-in for ``colour`` used as ``prop``."""
    lum = luminance(colour)
    if prop == "color":
        if lum < 0.05:
            return BLACK  # text on an accent fill (the primary button)
        if lum < 0.2:
            return GREY  # disabled text: still legible, clearly "off" (7.6:1)
        return YELLOW if _saturated(colour) else WHITE
    if prop.startswith("border"):
        return YELLOW if _saturated(colour) and lum > 0.2 else WHITE
    # Fills: dark surfaces go black, the accent fills yellow.
    if lum < 0.2:
        return BLACK
    return YELLOW if _saturated(colour) else WHITE


def _scale_font(m: re.Match[str]) -> str:
    px = int(m.group(1))
    scaled = round(px * (TEXT_SCALE if px < HEADING_PX else HEADING_SCALE))
    px = max(px, min(MAX_FONT_PX, scaled))
    return f"font-size: {px}px"


def _rewrite_decl(m: re.Match[str]) -> str:
    prop, value = m.group("prop"), m.group("value")
    if "gradient" in value:  # a gradient fill becomes plain black
        return f"{prop}: {BLACK}"
    return f"{prop}: " + _HEX.sub(lambda c: map_colour(prop, c.group(0)), value)


def large_text_qss(theme: str) -> str:
    """``theme`` with fonts scaled and colours in the high-contrast palette."""
    out = _FONT.sub(_scale_font, theme)
    out = _BLOCK.sub(lambda b: _DECL.sub(_rewrite_decl, b.group(0)), out)
    return out + _EXTRA


@lru_cache(maxsize=1)
def _cached(theme: str) -> str:
    return large_text_qss(theme)


def large_text_sheet() -> str:
    """The mode's sheet for the theme on disk now."""
    return _cached((assets_dir() / "theme.qss").read_text(encoding="utf-8"))
