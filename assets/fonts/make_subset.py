"""Regenerate the bundled CJK font subsets (see README.md in this folder).

Not part of the app: it needs fontTools, which the kiosk does not depend on,
so run it from a throwaway virtualenv. The subset keeps Latin, common
punctuation and symbols, all 6,763 hanzi of GB2312 (levels 1 and 2: model
and colour names come from the backend, so the set must be broad, e.g. the
demo's 彗星 needs level 2) and every character of the shipped translations,
so no text falls back to tofu boxes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent
# Face index of "Noto Sans CJK SC" inside Debian's fonts-noto-cjk collections.
SC_INDEX = 2
FACES = {
    "Regular": "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "Bold": "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
}
RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 supplement, Latin extended-A
    (0x2000, 0x206F),  # general punctuation (dashes, quotes, ellipsis)
    (0x2190, 0x21FF),  # arrows (challenge icons)
    (0x2460, 0x24FF),  # enclosed numerals
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2713, 0x2717),  # check marks and crosses
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
]


def gb2312_hanzi() -> set[str]:
    chars = set()
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the unused tail of row 55
    return chars


def translation_chars() -> set[str]:
    chars: set[str] = set()
    for ts in (ASSETS / "i18n").glob("*.ts"):
        text = ts.read_text(encoding="utf-8")
        for body in re.findall(r"<(?:translation|numerusform)[^>]*>(.*?)</", text, re.S):
            chars.update(body)
    return chars


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    chars = gb2312_hanzi() | translation_chars()
    unicodes = {ord(c) for c in chars if c.isprintable()}
    for lo, hi in RANGES:
        unicodes.update(range(lo, hi + 1))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # CFF hints barely matter at kiosk sizes; keeps files small
    for style, path in FACES.items():
        font = TTCollection(path).fonts[SC_INDEX]
        sub = subset.Subsetter(options)
        sub.populate(unicodes=unicodes)
        sub.subset(font)
        out = args.out / f"NotoSansCJKsc-{style}-subset.otf"
        font.save(out)
        print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB, {len(unicodes)} code points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
