"""The README's Layout table says what each folder holds: every file it names
exists there, and ``assets/`` holds what it says and nothing it does not
(#15: it promised "demo media" the folder never had)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The words the assets row uses, and what each stands for in the folder.
ASSETS_WORDS = {"theme": "theme.qss", "icons": "icons", "fonts": "fonts", "translations": "i18n"}


def _layout_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)/` \| (.+) \|$", table, re.MULTILINE)
    return dict(rows)


def test_every_file_the_layout_names_exists():
    rows = _layout_rows()
    assert {"kiosk", "backend", "assets", "docs"} <= set(rows)
    for folder, what in rows.items():
        for name in re.findall(r"`([\w/.-]+\.(?:py|md))`", what):
            assert (ROOT / folder / name).exists(), f"README: {folder}/{name} does not exist"


def test_the_assets_row_says_what_assets_holds():
    what = _layout_rows()["assets"].split("(the demo", 1)[0]
    words = [w.strip().split(" ")[0] for w in what.split(",")]
    assert all(w in ASSETS_WORDS for w in words), f"README promises {words} in assets/"
    held = {p.name for p in (ROOT / "assets").iterdir()}
    assert {ASSETS_WORDS[w] for w in words} == held


def test_every_package_has_a_layout_row_and_the_architecture_is_linked():
    """A newcomer finds each package from the README (issue #18)."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    from check_cycles import ROOT_PACKAGES

    rows = _layout_rows()
    assert set(ROOT_PACKAGES) <= set(rows), set(ROOT_PACKAGES) - set(rows)
    assert "(docs/ARCHITECTURE.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
