"""Logs are JSON lines, rotate, and never carry passes, long ids or vectors
(every shape the filter masks: tests/security/test_redaction.py)."""

from __future__ import annotations

import json
import logging

import pytest

from common.errors import short_id
from common.redact import redact
from kiosk.logs import setup_logging, tail


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


def test_an_exception_is_logged_redacted_and_once(tmp_path):
    path = setup_logging(tmp_path, "INFO", console=False, secrets=["plain-kiosk-key"])
    try:
        try:
            raise ValueError("failed with plain-kiosk-key for towerpass:v1;t=T1;m=someone-long")
        except ValueError:
            logging.getLogger("kiosk.test").exception("call failed")
        for h in logging.getLogger().handlers:
            h.flush()
    finally:
        setup_logging(None, "INFO", console=False)
    (entry,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert entry["msg"] == "call failed" and "ValueError" in entry["exc"]
    assert "plain-kiosk-key" not in entry["exc"] and "someone-long" not in entry["exc"]
