"""UI test fixtures: offscreen Qt, a kiosk on canned services in a real window,
and a guard that fails any test leaving a top-level window open."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402 - the platform must be chosen before Qt is imported

from tests.ui.fakes import Rig, make_rig  # noqa: E402


@pytest.fixture(autouse=True)
def no_window_left_open(qapp):
    before = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    yield
    qapp.processEvents()
    left = [w for w in qapp.topLevelWidgets() if w.isVisible() and id(w) not in before]
    for w in left:
        w.close()
    if left:
        pytest.fail(f"test left windows open: {[w.objectName() or type(w).__name__ for w in left]}")


@pytest.fixture
def rig(qtbot) -> Rig:
    r = make_rig(qtbot)
    yield r
    r.close()


@pytest.fixture
def rig_zh(qtbot) -> Rig:
    r = make_rig(qtbot, language="zh_CN")
    yield r
    r.close()
