"""tools/demo_prereqs.sh names each missing X library once (issue #15: ldd prints
a missing library once for every object that needs it, and the message listed
each name twice)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_LDD = """#!/bin/sh
echo "	libQt6XcbQpa.so.6 => /x/libQt6XcbQpa.so.6 (0x1)"
echo "	libxcb-icccm.so.4 => not found"
echo "	libxkbcommon-x11.so.0 => not found"
echo "	libxcb-icccm.so.4 => not found"
echo "	libxkbcommon-x11.so.0 => not found"
echo "	libxcb-cursor.so.0 => not found"
"""


def _tool(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(body)
    path.chmod(0o755)


def test_each_missing_library_is_named_once(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    plugin_dir = venv / "lib/python3.11/site-packages/PySide6/Qt/plugins/platforms"
    plugin_dir.mkdir(parents=True)
    (plugin_dir / "libqxcb.so").write_bytes(b"")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(bin_dir, "ldd", _LDD)
    _tool(bin_dir, "ldconfig", "#!/bin/sh\necho 'libc.so.6 (libc6,x86-64) => /lib/libc.so.6'\n")
    _tool(bin_dir, "id", "#!/bin/sh\necho 1000\n")  # not root: the script only says what to do
    _tool(bin_dir, "espeak-ng", "#!/bin/sh\nexit 0\n")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "DISPLAY": ":99", "HOME": str(tmp_path)}
    proc = subprocess.run(["bash", str(ROOT / "tools/demo_prereqs.sh"), str(venv)], env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1
    line = next(ln for ln in proc.stderr.splitlines() if "lacks:" in ln)
    names = line.split("lacks:")[1].split()
    assert names == ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libxcb-cursor.so.0"]
    assert "sudo apt-get install" in proc.stderr
