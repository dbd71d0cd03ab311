"""Take the kiosk window through every screen and measure each one.

The walk is the gallery's tour (``ui.gallery.Tour``: the canned services of
``ui.preview`` and a real ``Kiosk`` walked through every errand, refusal,
error and the staff pages); where the gallery saves a PNG, the audit puts
each accessibility mode set on the window in turn and measures it. English
runs first, so each Chinese text can be compared with the same widget's
English one: a text still the same in Chinese (and with Latin words in it)
was not translated.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ui.audit.measure import CONTRAST_MIN, TARGET_MIN_PX, Measure, measure_window
from ui.gallery import Tour, render

LANGUAGES = ("en", "zh_CN")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Unit symbols are written the same in Chinese (SI and computing units).
_UNITS = frozenset({"ms", "GB", "MB", "KB", "kB", "fps", "km", "px", "Hz", "dB", "CNY"})
# Texts the same in every language on purpose: the other language's own name
# on the switch, and the kiosk's data rather than its words (a staff member's
# name, a log line, an id). Matched against the widget's name.
_SAME_IN_EVERY_LANGUAGE = ("btn_lang_en", "btn_lang_zh", "staff_pin_dots", "staff_name_",
                           "staff_typed", "answers", "serial_view", "staff_export_dir")


@dataclass
class ScreenResult:
    screen: str
    language: str
    modes: str
    measure: Measure
    untranslated: list[dict[str, str]] = field(default_factory=list)

    def line(self) -> dict[str, Any]:
        target = self.measure.min_target
        contrast = self.measure.min_contrast
        return {"screen": self.screen, "language": self.language, "modes": self.modes,
                "min_target_px": target[1] if target else None,
                "min_target": target[0] if target else None,
                "min_contrast": contrast["ratio"] if contrast else None,
                "min_contrast_at": contrast,
                "clipped": self.measure.clipped,
                "untranslated": self.untranslated}


def mode_sets() -> tuple[Any, ...]:
    from ui.a11y import ALL_MODE_SETS

    return ALL_MODE_SETS


class AuditTour(Tour):
    """The gallery's tour; each shot measures the window in every mode set."""

    def __init__(self, *args: Any, sink: Callable[[str, str, Measure], None],
                 modes: tuple[Any, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sink = sink
        self.modes = modes

    def shot(self, name: str) -> None:
        from ui.a11y import STANDARD, apply_modes

        if self.only and name not in self.only:
            return
        self.settle()
        # The modes are the member's (the bar is on member screens only):
        # staff pages are measured as staff see them.
        sets = (STANDARD,) if name.startswith("staff_") else self.modes
        before = self.window.a11y.modes
        for modes in sets:
            apply_modes(self.window, modes)
            self.settle()
            self.sink(name, modes.name, measure_window(self.window))
        apply_modes(self.window, before)
        self.settle()


def untranslated(en: Measure | None, zh: Measure) -> list[dict[str, str]]:
    """Texts of ``zh`` that are the very English text of the same widget."""
    if en is None:
        return []
    found = []
    for key, (name, text) in zh.texts.items():
        source = en.texts.get(key)
        if source is None or source[1] != text:
            continue
        if not [w for w in _LATIN_WORD.findall(text) if w not in _UNITS]:
            continue
        if any(part in key for part in _SAME_IN_EVERY_LANGUAGE):
            continue
        found.append({"widget": name, "text": text[:60]})
    return found


def walk(only: set[str] | None = None, modes: tuple[Any, ...] | None = None,
         languages: tuple[str, ...] = LANGUAGES) -> Iterator[ScreenResult]:
    """Every screen x language x mode set, English first."""
    modes = mode_sets() if modes is None else modes
    english: dict[tuple[str, str], Measure] = {}
    for language in languages:
        results: list[ScreenResult] = []

        def sink(screen: str, mode_name: str, measure: Measure, lang: str = language,
                 into: list[ScreenResult] = results) -> None:
            result = ScreenResult(screen, lang, mode_name, measure)
            if lang == "en":
                english[(screen, mode_name)] = measure
            else:
                result.untranslated = untranslated(english.get((screen, mode_name)), measure)
            into.append(result)

        def tour(*args: Any, _sink: Callable[..., None] = sink) -> AuditTour:
            return AuditTour(*args, sink=_sink, modes=modes)

        with tempfile.TemporaryDirectory(prefix="kiosk-audit-") as tmp:
            render(Path(tmp), language, only, tour=tour)
        yield from results


def summary(results: list[ScreenResult]) -> dict[str, Any]:
    targets = [r.measure.min_target[1] for r in results if r.measure.min_target]
    contrasts = [r.measure.min_contrast["ratio"] for r in results if r.measure.min_contrast]
    return {"screens": len(results),
            "min_target_px": min(targets) if targets else None,
            "min_contrast": min(contrasts) if contrasts else None,
            "clipped": sum(len(r.measure.clipped) for r in results),
            "untranslated": sum(len(r.untranslated) for r in results)}


def targets_met(total: dict[str, Any]) -> bool:
    return ((total["min_target_px"] or 0) >= TARGET_MIN_PX
            and (total["min_contrast"] or 0) >= CONTRAST_MIN
            and total["clipped"] == 0 and total["untranslated"] == 0
            and total["screens"] > 0)
