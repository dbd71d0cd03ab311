"""Refresh and compile the translations.

    python -m ui.i18n_build            # lupdate (extract) + lrelease (compile), and
                                       # the English plurals file made from it
    python -m ui.i18n_build --check    # fail if a string lacks a translation

English is the source language: every user-facing string in ``ui/`` goes
through ``self.tr()``, ``QCoreApplication.translate()`` or
``QT_TRANSLATE_NOOP()``. lupdate collects them into
``assets/i18n/kiosk_zh_CN.ts`` (keeping existing translations); translate
the new entries there (Qt Linguist, ``pyside6-linguist``, or any editor),
then run this again to compile the ``.qm`` the app loads. Regenerate the
font subset afterwards if new characters appeared (assets/fonts/README.md).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "ui"
TS = ROOT / "assets" / "i18n" / "kiosk_zh_CN.ts"
QM = TS.with_suffix(".qm")
# English needs a file too, for its plurals only: "in %n second(s)" is the
# source text; "in 1 second" / "in 15 seconds" are its English translations.
TS_EN = TS.with_name("kiosk_en.ts")
QM_EN = TS_EN.with_suffix(".qm")


def tool(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in UI.rglob("*.py")
                  if p.name not in ("i18n_build.py", "gallery.py", "preview.py"))


def untranslated(ts: Path = TS) -> list[str]:
    """Source texts whose translation is missing, unfinished or obsolete-free empty."""
    missing = []
    for msg in ET.parse(ts).getroot().iter("message"):
        tr = msg.find("translation")
        if tr is None or tr.get("type") in ("obsolete", "vanished"):
            continue
        forms = [f.text for f in tr.findall("numerusform")] or [tr.text]
        if tr.get("type") == "unfinished" or not all(forms):
            missing.append(msg.findtext("source") or "")
    return missing


def plural_forms(source: str) -> tuple[str, str]:
    """English (one, other) of a ``%n`` source text written with "(s)"/"(es)"."""
    one = source.replace("(es)", "").replace("(s)", "")
    other = source.replace("(es)", "es").replace("(s)", "s")
    return one, other


def english_ts(zh_ts: Path = TS) -> str:
    """The English plurals file: every numerus message of ``zh_ts``, with its
    English singular and plural (the other English texts are the sources)."""
    root = ET.Element("TS", version="2.1", language="en", sourcelanguage="en")
    for ctx in ET.parse(zh_ts).getroot().iter("context"):
        msgs = [m for m in ctx.iter("message") if m.get("numerus") == "yes"]
        if not msgs:
            continue
        out_ctx = ET.SubElement(root, "context")
        ET.SubElement(out_ctx, "name").text = ctx.findtext("name")
        for msg in msgs:
            source = msg.findtext("source") or ""
            out = ET.SubElement(out_ctx, "message", numerus="yes")
            ET.SubElement(out, "source").text = source
            tr = ET.SubElement(out, "translation")
            for form in plural_forms(source):
                ET.SubElement(tr, "numerusform").text = form
    ET.indent(root)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
            + ET.tostring(root, encoding="unicode") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report missing translations")
    args = parser.parse_args(argv)
    if not args.check:
        subprocess.run([tool("pyside6-lupdate"), *sources(), "-no-obsolete",
                        "-source-language", "en", "-target-language", "zh_CN", "-ts", str(TS)],
                       cwd=ROOT, check=True)
    missing = untranslated()
    for text in missing:
        print(f"untranslated: {text!r}", file=sys.stderr)
    if args.check:
        return 1 if missing else 0
    subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], cwd=ROOT, check=True)
    TS_EN.write_text(english_ts(), encoding="utf-8")
    subprocess.run([tool("pyside6-lrelease"), str(TS_EN), "-qm", str(QM_EN)], cwd=ROOT,
                   check=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
