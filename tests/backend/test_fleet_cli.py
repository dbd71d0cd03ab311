"""Bad fleet options of ``kiosk-backend`` exit 2 with one clear line."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("args, message", [
    (["--workers", "2"], "--workers N needs PostgreSQL"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--metrics-allow", "operators"], "--metrics-allow: 'operators' is not an address or CIDR"),
    (["--metrics-token-file", "/nonexistent/token"], "--metrics-token-file /nonexistent/token"),
])
def test_bad_fleet_options_exit_2_with_a_clear_message(tmp_path, args, message):
    db = f"sqlite:///{tmp_path / 'b.db'}"
    r = subprocess.run([sys.executable, "-m", "backend", "--db", db, "--port", "0", *args],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert r.stdout == ""  # never announced as listening
