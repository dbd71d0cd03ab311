"""Translations are complete, keep their placeholders, match the sources, and
every character they use is in the bundled font (no tofu boxes)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QRawFont

from ui import i18n_build
from ui.resources import FONT_FAMILY, app_font, load_fonts

TS = i18n_build.TS
PLACEHOLDER = re.compile(r"\{\w+\}|%n")


def _messages():
    for msg in ET.parse(TS).getroot().iter("message"):
        tr = msg.find("translation")
        forms = [f.text or "" for f in tr.findall("numerusform")] or [tr.text or ""]
        yield msg.findtext("source"), tr, forms


def test_every_string_is_translated():
    assert i18n_build.untranslated() == []
    assert sum(1 for _ in _messages()) > 200


def test_translations_keep_their_placeholders():
    for source, _, forms in _messages():
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(source)), source


def test_the_ts_file_covers_every_string_in_the_sources(tmp_path):
    """lupdate on today's sources finds nothing the shipped .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    lupdate = i18n_build.tool("pyside6-lupdate")
    if not shutil.which(lupdate) and not Path(lupdate).exists():
        pytest.skip("pyside6-lupdate not installed")
    subprocess.run([lupdate, *i18n_build.sources(), "-ts", str(fresh)], cwd=i18n_build.ROOT,
                   check=True, capture_output=True)
    shipped = {(m.findtext("source")) for m in ET.parse(TS).getroot().iter("message")}
    new = {(m.findtext("source")) for m in ET.parse(fresh).getroot().iter("message")}
    assert new - shipped == set(), "run: python -m ui.i18n_build, then translate"


def test_the_shipped_qm_is_compiled_from_the_ts(tmp_path):
    out = tmp_path / "check.qm"
    subprocess.run([i18n_build.tool("pyside6-lrelease"), str(TS), "-qm", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == TS.with_suffix(".qm").read_bytes(), \
        "kiosk_zh_CN.qm is stale: run python -m ui.i18n_build"


def test_the_bundled_font_draws_every_translated_character(qapp):
    assert load_fonts() == FONT_FAMILY
    raw = QRawFont.fromFont(app_font())
    assert raw.familyName() == FONT_FAMILY
    chars = {c for _, _, forms in _messages() for f in forms for c in f if not c.isspace()}
    chars |= set("中文极光微风彗星白色黑色红色蓝色")  # language switch, demo stock names
    # glyph 0 is the "missing glyph" box (QRawFont.supportsCharacter misreports
    # some CFF code points that render fine, so ask for the glyph itself).
    missing = sorted(c for c in chars if raw.glyphIndexesForString(c) in ([], [0]))
    assert not missing, f"characters missing from the font subset: {''.join(missing)}"


def test_font_files_are_small_and_licensed():
    fonts = Path(i18n_build.ROOT, "assets", "fonts")
    for otf in fonts.glob("*.otf"):
        assert otf.stat().st_size < 5_000_000
    assert "SIL OPEN FONT LICENSE" in (fonts / "OFL.txt").read_text(encoding="utf-8")


def test_build_script_check_mode_passes():
    done = subprocess.run([sys.executable, "-m", "ui.i18n_build", "--check"],
                          cwd=i18n_build.ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- English plurals (#15: "in 15 second(s)", "4 attempt(s) left") --------------------------

@pytest.mark.parametrize("source,one,other", [
    ("%n bay(s) checked", "%n bay checked", "%n bays checked"),
    ("%n mismatch(es)", "%n mismatch", "%n mismatches"),
    ("Wrong PIN. %n attempt(s) left.", "Wrong PIN. %n attempt left.",
     "Wrong PIN. %n attempts left."),
    ("%n available", "%n available", "%n available"),
    ("+%n more", "+%n more", "+%n more"),
])
def test_english_plural_forms(source, one, other):
    assert i18n_build.plural_forms(source) == (one, other)


def test_the_english_plurals_file_is_made_from_the_sources(tmp_path):
    assert i18n_build.TS_EN.read_text(encoding="utf-8") == i18n_build.english_ts(), \
        "kiosk_en.ts is stale: run python -m ui.i18n_build"
    numerus = {m.findtext("source") for m in ET.parse(TS).getroot().iter("message")
               if m.get("numerus") == "yes"}
    english = {m.findtext("source") for m in
               ET.parse(i18n_build.TS_EN).getroot().iter("message")}
    assert numerus and english == numerus
    out = tmp_path / "en.qm"
    subprocess.run([i18n_build.tool("pyside6-lrelease"), str(i18n_build.TS_EN), "-qm", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == i18n_build.QM_EN.read_bytes(), "kiosk_en.qm is stale"


def test_english_says_one_second_and_fifteen_seconds(qapp):
    from PySide6.QtCore import QCoreApplication

    from ui.i18n import LanguageManager

    manager = LanguageManager()
    try:
        manager.set_language("en")
        text = "To keep your details private, we'll start over in %n second(s)."

        def said(n: int) -> str:
            return QCoreApplication.translate("StillThereOverlay", text, "", n)

        assert said(1).endswith("in 1 second.") and said(15).endswith("in 15 seconds.")
        manager.set_language("zh_CN")
        assert "15" in said(15) and "second" not in said(15)
    finally:
        manager.set_language("en")


@pytest.mark.parametrize("code,language,shown", [
    ("CNY", "en", "CNY"), ("CNY", "zh_CN", "元"), ("cny", "zh_CN", "元"),
    ("USD", "zh_CN", "美元"), ("XYZ", "zh_CN", "XYZ"),
])
def test_amounts_name_the_currency_in_the_members_language(code, language, shown):
    from ui.i18n import currency_name

    assert currency_name(code, language) == shown
