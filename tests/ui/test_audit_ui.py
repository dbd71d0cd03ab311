"""``kiosk audit-ui`` (ui/audit/): the measurements on small hand-built windows,
then the whole audit offscreen against the kiosk's targets (issue #15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from ui.audit.measure import contrast_ratio, measure_window
from ui.audit.walk import untranslated

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("#000000", "#FFFFFF", 21.0),
    ("#FFFFFF", "#FFFFFF", 1.0),
    ("#777777", "#FFFFFF", 4.48),  # the classic just-below-AA grey
    ("#767676", "#FFFFFF", 4.54),  # the lightest grey that passes AA on white
])
def test_contrast_ratio_is_wcag(a: str, b: str, ratio: float) -> None:
    assert contrast_ratio(QColor(a), QColor(b)) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(QColor(b), QColor(a)) == pytest.approx(ratio, abs=0.01)


def _window(qtbot, sheet: str) -> tuple[QWidget, QVBoxLayout]:
    w = QWidget()
    w.setStyleSheet(sheet)
    lay = QVBoxLayout(w)
    qtbot.addWidget(w)
    return w, lay


def test_measures_targets_contrast_and_clipping(qtbot) -> None:
    # The window's own sheet: the kiosk theme an earlier test put on the app
    # would make every button at least 64 px tall.
    w, lay = _window(qtbot, "QWidget { background: #FFFFFF; font-size: 20px; }"
                     "QPushButton { min-height: 0; padding: 0; border: none; color: #000000; }"
                     "QLabel { color: #000000; } QLabel#faint { color: #BBBBBB; }")
    small = QPushButton("Go")
    small.setObjectName("small")
    small.setFixedSize(120, 40)
    faint, dark = QLabel("faint grey words"), QLabel("black words")
    faint.setObjectName("faint")
    dark.setObjectName("dark")
    squeezed = QLabel("a sentence far too long for forty pixels")
    squeezed.setObjectName("squeezed")
    squeezed.setFixedWidth(40)
    for x in (small, faint, dark, squeezed):
        lay.addWidget(x)
    w.resize(400, 300)
    w.show()
    qtbot.waitExposed(w)
    m = measure_window(w)
    assert ("small", 40) in m.targets and m.min_target == ("small", 40)
    ratios = {c["widget"]: c["ratio"] for c in m.contrasts}
    assert ratios["faint"] == pytest.approx(contrast_ratio(QColor("#BBBBBB"), QColor("#FFFFFF")),
                                            abs=0.05)
    assert ratios["dark"] == pytest.approx(21.0, abs=0.05)
    assert m.min_contrast["widget"] == "faint"
    assert [c["widget"] for c in m.clipped] == ["squeezed"]


def test_checked_button_contrast_is_the_drawn_colour(qtbot) -> None:
    """A :checked rule draws another text colour than the palette says."""
    w, lay = _window(qtbot, "QPushButton { background: #14213A; color: #FFFFFF; font-size: 24px;"
                     " border: none; min-height: 60px; }"
                     "QPushButton:checked { background: #FFE14D; color: #000000; }")
    btn = QPushButton("English")
    btn.setCheckable(True)
    btn.setChecked(True)
    lay.addWidget(btn)
    w.show()
    qtbot.waitExposed(w)
    (entry,) = measure_window(w).contrasts
    assert entry["bg"] == "#ffe14d" and entry["fg"] == "#000000"


def test_a_widget_under_an_overlay_is_not_on_screen(qtbot) -> None:
    w, lay = _window(qtbot, "QWidget { font-size: 20px; }")
    under = QPushButton("under")
    under.setObjectName("under")
    under.setFixedHeight(30)
    lay.addWidget(under)
    w.resize(300, 200)
    w.show()
    qtbot.waitExposed(w)
    cover = QWidget(w)
    cover.setGeometry(w.rect())
    cover.show()
    cover.raise_()
    assert "under" not in [name for name, _ in measure_window(w).targets]


def test_untranslated_is_the_same_english_text_on_the_same_widget() -> None:
    from ui.audit.measure import Measure

    en = Measure(texts={"a/title": ("title", "Choose your car"), "a/n": ("n", "12"),
                        "a/btn_lang_en": ("btn_lang_en", "English"),
                        "a/unit": ("unit", "0.5 ms")})
    zh = Measure(texts={"a/title": ("title", "Choose your car"), "a/n": ("n", "12"),
                        "a/btn_lang_en": ("btn_lang_en", "English"),
                        "a/unit": ("unit", "0.5 ms")})
    assert untranslated(en, zh) == [{"widget": "title", "text": "Choose your car"}]
    zh.texts["a/title"] = ("title", "选择您的车")
    assert untranslated(en, zh) == []


def test_bad_arguments_exit_2() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for args in (["--only", "no_such_screen"], ["--modes", "sparkly"]):
        proc = subprocess.run([sys.executable, "-m", "cli", "audit-ui", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "unknown" in proc.stdout


def test_a_row_half_scrolled_out_of_a_list_is_not_clipped(qtbot) -> None:
    from PySide6.QtWidgets import QScrollArea

    w, lay = _window(qtbot, "QWidget { font-size: 20px; } QLabel { color: #000000; }"
                     "QScrollArea, QScrollArea QWidget { background: #FFFFFF; }")
    area = QScrollArea()
    area.setWidgetResizable(True)
    inner = QWidget()
    rows = QVBoxLayout(inner)
    for i in range(12):
        rows.addWidget(QLabel(f"row {i}"))
    area.setWidget(inner)
    area.setFixedHeight(88)  # the third row is cut by the viewport's edge
    lay.addWidget(area)
    w.show()
    qtbot.waitExposed(w)
    m = measure_window(w)
    assert any(t.startswith("row") for _, t in m.texts.values())
    assert m.clipped == []


@pytest.mark.slow
def test_every_screen_meets_the_targets() -> None:
    """The whole audit, as `kiosk audit-ui` runs it: every member and staff
    screen, both languages, every accessibility mode."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "cli", "audit-ui"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, proc.stderr[-2000:]
    summary = lines[-1]
    assert set(summary) == {"screens", "min_target_px", "min_contrast", "clipped",
                            "untranslated"}
    failing = [line for line in lines[:-1]
               if line["min_target_px"] < 60 or (line["min_contrast"] or 99) < 4.5
               or line["clipped"] or line["untranslated"]]
    assert summary["screens"] == len(lines) - 1 >= 60
    assert proc.returncode == 0, json.dumps(failing[:5], ensure_ascii=False)[:3000]
    assert summary["min_target_px"] >= 60 and summary["min_contrast"] >= 4.5
    assert summary["clipped"] == 0 and summary["untranslated"] == 0
