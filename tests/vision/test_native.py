"""One OpenBLAS thread in every process that imports vision (issue #19): its
helper threads froze a busy kiosk for seconds at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vision.native import ENV, blas_threads

ROOT = Path(__file__).resolve().parents[2]


def test_importing_vision_leaves_openblas_one_thread():
    if os.environ.get(ENV, "1") != "1":
        pytest.skip("the operator chose another OPENBLAS_NUM_THREADS")
    assert blas_threads() in (None, 1)


@pytest.mark.parametrize("order", ["numpy first", "vision first"])
def test_a_fresh_process_gets_one_thread_whatever_it_imports_first(order):
    imports = "import numpy, vision" if order == "numpy first" else "import vision, numpy"
    env = {k: v for k, v in os.environ.items() if k != ENV}
    out = subprocess.run([sys.executable, "-c", f"{imports}\nfrom vision.native import "
                          f"blas_threads\nprint(blas_threads())"],
                         capture_output=True, text=True, env=env, timeout=120, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() in ("1", "None")


def test_an_operators_own_setting_is_kept():
    env = dict(os.environ, **{ENV: "2"})
    out = subprocess.run([sys.executable, "-c", "import vision, os\nprint(os.environ['"
                          f"{ENV}'])"], capture_output=True, text=True, env=env, timeout=120,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "2"
