"""``kiosk audit-ui``: every member and staff screen, both languages, every
accessibility mode, measured against the kiosk's targets (ui/audit/).

One JSON line per screen, then the summary line ``{"screens", "min_target_px",
"min_contrast", "clipped", "untranslated"}``. Exit status 0 when every target
is met (targets >= 60 px, contrast >= 4.5:1, nothing clipped or untranslated),
1 when one is missed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit-ui", help="measure every screen's touch targets, contrast, "
                       "clipped and untranslated texts; JSON lines, summary last")
    p.add_argument("--only", nargs="*", metavar="SCREEN",
                   help="only these screens (the gallery's shot names)")
    p.add_argument("--modes", nargs="*", metavar="MODES",
                   help="only these accessibility mode sets (standard, large_text, "
                   "low_reach, large_text+low_reach); default: all")
    p.add_argument("--language", action="append", choices=("en", "zh_CN"),
                   help="only this language (untranslated strings need both)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Offscreen unless a display was asked for explicitly.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kiosk.logs import setup_logging

    setup_logging(None, os.environ.get("KIOSK_LOG_LEVEL", "WARNING"))
    from ui.a11y import A11yModes
    from ui.audit.walk import LANGUAGES, summary, targets_met, walk
    from ui.gallery import SHOTS

    bad = sorted(set(args.only or ()) - set(SHOTS))
    if bad:
        print(f"kiosk audit-ui: unknown screen {bad[0]!r} (known: {', '.join(SHOTS)})")
        return 2
    try:
        modes = tuple(A11yModes.from_name(m) for m in args.modes) if args.modes else None
    except ValueError as exc:
        print(f"kiosk audit-ui: {exc}")
        return 2
    results = []
    for result in walk(set(args.only) if args.only else None, modes,
                       tuple(args.language) if args.language else LANGUAGES):
        results.append(result)
        print(json.dumps(result.line(), ensure_ascii=False), flush=True)
    total = summary(results)
    print(json.dumps(total, ensure_ascii=False), flush=True)
    return 0 if targets_met(total) else 1
