"""The ops console in a real browser (issue #17): Debian's headless Chromium
(/usr/bin/chromium, or $KIOSK_CHROMIUM) driven by Playwright against the real
service. Nothing is downloaded: ``playwright install`` is never run, and
without a Chromium (or the playwright package) these tests skip.

Time is the service's clock (a ``SettableClock``), so a kiosk goes stale by
moving it, not by waiting; the page's refresh runs every second here and
counts its refreshes in ``body[data-refreshes]``, which is what the tests
wait on."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from backend.models import Kiosk
from backend.ops import routes
from backend.ops.views import STALE_AFTER_S
from backend.seed import add_kiosk
from tests.backend import conftest as backend_fixtures
from tests.ops.ops_rig import operator

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("KIOSK_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
RED = "rgb(198, 40, 40)"  # var(--bad) in ops.css
WAIT_MS = 15_000  # a ceiling for conditions, far above one refresh (1 s here)

db_url, server, tower = backend_fixtures.db_url, backend_fixtures.server, backend_fixtures.tower
pytestmark = [pytest.mark.allow_threads, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(server):
    # Started after the service and closed before it (per database): the
    # service's teardown checks that no thread outlives it, and Playwright's
    # event loop has an executor thread of its own.
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, server, monkeypatch):
    monkeypatch.setattr(routes, "REFRESH_S", 1.0)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    yield pg
    context.close()


def log_in(page, url: str, name: str, password: str) -> None:
    page.goto(url + "/ops")
    assert page.url.endswith("/ops/login")  # sent to the form
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/ops")


def refreshes(page) -> int:
    return int(page.get_attribute("body", "data-refreshes"))


# Waits in the page for the refresh count to reach n (a MutationObserver, not
# page.wait_for_function: that evaluates a string, which the console's CSP forbids).
_WAIT_REFRESHES = """([n, ms]) => new Promise((resolve, reject) => {
  const count = () => parseInt(document.body.dataset.refreshes, 10);
  if (count() >= n) { resolve(count()); return; }
  const seen = new MutationObserver(() => {
    if (count() >= n) { seen.disconnect(); resolve(count()); } });
  seen.observe(document.body, {attributes: true, attributeFilter: ["data-refreshes"]});
  setTimeout(() => { seen.disconnect(); reject(new Error("refreshes: " + count())); }, ms);
})"""


def wait_refreshes(page, n: int) -> None:
    page.evaluate(_WAIT_REFRESHES, [n, WAIT_MS])


def kiosk_row(page, kiosk_id: str):
    return page.locator("tr.kiosk").filter(
        has=page.locator("td[data-label=Kiosk]", has_text=re.compile(f"^{re.escape(kiosk_id)}$")))


def test_login_and_the_tower_list(page, server, tower):
    name, password = operator(server)
    page.goto(server.url + "/ops/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert page.locator(".flash.bad").inner_text() == "Wrong name or password."
    log_in(page, server.url, name, password)
    towers = page.locator("section", has=page.locator("h2", has_text="Towers"))
    listed = towers.locator("td[data-label=Tower]").all_inner_texts()
    assert "T1" in listed and "T2" in listed and tower.tower_id in listed
    assert page.locator("header .who").inner_text() == name
    towers.locator("a", has_text=tower.tower_id).click()
    page.wait_for_url(re.compile(rf"tower={tower.tower_id}$"))
    assert page.locator("#tower").input_value() == tower.tower_id
    assert kiosk_row(page, tower.kiosk_id).count() == 1 and kiosk_row(page, "K1").count() == 0


def test_a_stale_kiosk_turns_red_within_one_refresh(page, server, tower):
    tower.client.heartbeat("ok", {"version": "9.9.9"}, version="9.9.9")
    log_in(page, server.url, *operator(server))
    page.goto(f"{server.url}/ops?tower={tower.tower_id}")
    row = kiosk_row(page, tower.kiosk_id)
    assert row.get_attribute("class") == "kiosk ok"
    assert row.locator("td.level").evaluate("e => getComputedStyle(e).color") != RED
    server.clock.advance(STALE_AFTER_S + 1)
    # The next refresh may have left before the clock moved; the one after it
    # did not: by the time it is counted the row must be red.
    wait_refreshes(page, refreshes(page) + 2)
    row = kiosk_row(page, tower.kiosk_id)
    assert row.get_attribute("class") == "kiosk stale"
    assert row.locator("td.level").evaluate("e => getComputedStyle(e).color") == RED
    assert row.locator("td.level").inner_text().startswith("no heartbeat")
    # A heartbeat brings it back at the next refresh the same way.
    tower.client.heartbeat("ok", {"version": "9.9.9"})
    wait_refreshes(page, refreshes(page) + 2)
    assert kiosk_row(page, tower.kiosk_id).get_attribute("class") == "kiosk ok"


def test_an_action_and_its_audit_line(page, server, tower):
    name, password = operator(server)
    tower.client.heartbeat("ok", {})
    log_in(page, server.url, name, password)
    page.goto(f"{server.url}/ops?tower={tower.tower_id}")
    row = kiosk_row(page, tower.kiosk_id)
    row.locator("input[name=note]").fill("card reader jammed")
    # The refresh does not wipe what the operator is typing: it waits.
    page.locator("#live", has_text="Refresh paused while you type").wait_for()
    assert row.locator("input[name=note]").input_value() == "card reader jammed"
    row.locator("button", has_text="Take out of service").click()
    page.wait_for_url(re.compile("msg=kiosk_out_of_service"))
    assert page.locator(".flash").inner_text() == "Kiosk taken out of service."
    row = kiosk_row(page, tower.kiosk_id)
    assert row.get_attribute("class") == "kiosk out"
    assert f"by {name}: card reader jammed" in row.inner_text()
    assert tower.client.heartbeat("out_of_service", {}).out_of_service  # the kiosk hears it
    page.click("nav >> text=Audit")
    first = page.locator("tbody tr").first
    cells = dict(zip(["at", "operator", "action", "tower", "target", "result", "note"],
                     first.locator("td").all_inner_texts(), strict=True))
    assert cells["operator"] == name and cells["action"] == "kiosk_out_of_service"
    assert (cells["tower"], cells["target"], cells["result"]) == (tower.tower_id,
                                                                 tower.kiosk_id, "ok")
    assert cells["note"] == "card reader jammed"


def test_hostile_ids_and_notes_stay_text(page, server, tower):
    hostile = '<img src=x onerror="document.title=1">'[:32]
    with server.db.write() as s:
        add_kiosk(s, hostile, tower.tower_id, "hostile-key")
        k = s.get(Kiosk, hostile)
        k.last_seen_at, k.status = server.clock.now(), "ok"
        k.health = {"version": "<script>document.title=2</script>"}
        k.out_of_service_at, k.out_of_service_by = server.clock.now(), "x"
        k.out_of_service_note = "<b id=injected>bold</b>"
    try:
        log_in(page, server.url, *operator(server))
        page.goto(f"{server.url}/ops?tower={tower.tower_id}")
        wait_refreshes(page, refreshes(page) + 1)  # the refreshed fragment too
        assert page.locator("main img, main script, #injected").count() == 0
        row = kiosk_row(page, hostile)
        assert row.count() == 1
        assert "<script>document.title=2</script>" in row.inner_text()
        assert "<b id=injected>bold</b>" in row.inner_text()
        assert page.title() == "Towers & kiosks · Tower ops"
    finally:
        with server.db.write() as s:
            s.delete(s.get(Kiosk, hostile))


def test_on_a_phone_sized_screen_rows_are_cards(browser, server, tower, monkeypatch,
                                               tmp_path):
    monkeypatch.setattr(routes, "REFRESH_S", 1.0)
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        pg = context.new_page()
        pg.set_default_timeout(WAIT_MS)
        tower.client.heartbeat("ok", {})
        log_in(pg, server.url, *operator(server))
        # Nothing wider than the screen: no sideways scrolling.
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        assert pg.locator("thead").first.is_hidden()
        row = kiosk_row(pg, tower.kiosk_id)
        assert row.evaluate("e => getComputedStyle(e).display") == "block"
        label = row.locator("td[data-label=Status]").evaluate(
            "e => getComputedStyle(e, '::before').content")
        assert label == '"Status"'
        button = row.locator("button", has_text="Take out of service")
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        pg.screenshot(path=str(tmp_path / "ops-phone.png"), full_page=True)
        assert (tmp_path / "ops-phone.png").stat().st_size > 10_000
    finally:
        context.close()
