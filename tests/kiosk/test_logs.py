"""Logs are JSON lines, rotate, and never carry passes, long ids or vectors."""

from __future__ import annotations

import json
import logging

import pytest

from common.errors import short_id
from kiosk.logs import redact, setup_logging, tail


@pytest.mark.parametrize(("raw", "must_not_contain"), [
    ("scan towerpass:v1;t=T1;m=demo-ok-123;p=;e=1;n=ab;s=xyz ok", "demo-ok-123"),
    ("member m=abcdefghijkl arrived", "abcdefghijkl"),
    ("emb " + ", ".join(["0.123"] * 128), "0.123, 0.123, 0.123"),
])
def test_redact(raw, must_not_contain):
    assert must_not_contain not in redact(raw)


def test_short_id():
    assert short_id("demo-ok-member") == "demo-o…" and short_id(None) == "-"


def test_file_is_json_and_redacted(tmp_path):
    path = setup_logging(tmp_path, "INFO", console=False)
    try:
        log = logging.getLogger("kiosk.test")
        log.info("pass towerpass:v1;t=T1;m=secret-member;e=1 seen")
        log.warning("careful")
        for h in logging.getLogger().handlers:
            h.flush()
        lines = path.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines]
        assert all("secret-member" not in e["msg"] for e in entries)
        assert [e["msg"] for e in tail(path, level="WARNING")] == ["careful"]
    finally:
        setup_logging(None, "INFO", console=False)
