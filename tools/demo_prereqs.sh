#!/usr/bin/env bash
# Before `make demo` opens a window: a display, and the X libraries Qt's xcb
# platform plugin needs (pip cannot install them; a minimal Linux lacks some).
set -u
venv=${1:-.venv}
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    cat >&2 <<'MSG'
make demo: there is no display to open the kiosk on (DISPLAY is not set).
  On a desktop, run it from a terminal of that desktop.
  Headless:  xvfb-run -s '-screen 0 1280x800x24' make demo
  Or watch a whole journey offscreen, as PNGs:
             QT_QPA_PLATFORM=offscreen .venv/bin/kiosk autopilot --screenshots out/
MSG
    exit 1
fi
# "Read aloud" speaks through Debian's espeak-ng; the demo runs without it
# (the button then says there is no speech engine), so only say so.
command -v espeak-ng >/dev/null || echo "make demo: no espeak-ng, so Read aloud will say it is unavailable (sudo apt-get install espeak-ng)" >&2
[ -n "${DISPLAY:-}" ] || exit 0  # Wayland or an explicit platform: nothing to check
plugin=$(ls "$venv"/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so 2>/dev/null | head -n 1)
[ -n "$plugin" ] || exit 0
# ldd prints a missing library once for every object that needs it: once each here.
missing=$(ldd "$plugin" | awk '/not found/ && !seen[$1]++ {print $1}')
# libxcb-cursor is opened at run time, so ldd does not list it.
if ! ldconfig -p | grep -q 'libxcb-cursor.so.0' && ! grep -qx 'libxcb-cursor.so.0' <<<"$missing"; then
    missing="$missing libxcb-cursor.so.0"
fi
[ -n "${missing// /}" ] || exit 0
pkgs="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0"
echo "make demo: Qt needs X libraries this machine lacks:" $missing >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing them from Debian's packages: $pkgs" >&2
    apt-get install -y -qq $pkgs >/dev/null || { apt-get update -qq && apt-get install -y -qq $pkgs; }
else
    echo "install them with:  sudo apt-get install $pkgs" >&2
    exit 1
fi
