"""Whole errands over HTTP: pass redeem, choose, verify, lift reports, return,
buy, staff bays, heartbeat, member pages."""

from __future__ import annotations

import re

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.models import Member
from backend.passes import sign_pass
from common.errors import BackendError, Reason, RefusedError

pytestmark = pytest.mark.allow_threads


def bay_state(tower, bay: int):
    return next(b for b in tower.client.bays().bays if b.bay == bay)


def drive_out(tower, member=None):
    member = member or tower.member()
    ps = tower.session(member)
    res = tower.client.reserve(ps.session_id, "Aurora", "white")
    auth = tower.verify(ps.session_id, res.reservation_id)
    return member, res, auth


def test_test_drive_then_return(tower):
    member, res, auth = drive_out(tower)
    assert (auth.source_bay, auth.delivery_bay) == (res.bay, 101)
    assert bay_state(tower, res.bay).state == "reserved"
    report = tower.client.report_job(auth.job_id, "delivered")
    assert report.state == "delivered" and report.drive_id
    assert bay_state(tower, res.bay).state == "free"
    # Back at the kiosk with a fresh pass: the member has a drive to return.
    ps = tower.session(member)
    assert ps.has_open_drive
    job = tower.client.start_return(ps.session_id)
    assert (job.from_bay, job.drive_id, job.car_id) == (101, report.drive_id, res.car_id)
    assert tower.client.start_return(ps.session_id) == job  # asked again: same job
    tower.client.report_job(job.job_id, "delivered")
    assert bay_state(tower, job.to_bay).car_id == res.car_id
    ps = tower.session(member)
    assert not ps.has_open_drive
    with pytest.raises(RefusedError) as info:
        tower.client.start_return(ps.session_id)
    assert info.value.reason is Reason.NO_OPEN_DRIVE


def test_report_is_idempotent_and_final(tower):
    _, _, auth = drive_out(tower)
    first = tower.client.report_job(auth.job_id, "delivered", idempotency_key="report-" + auth.job_id)
    again = tower.client.report_job(auth.job_id, "delivered", idempotency_key="report-" + auth.job_id)
    other_key = tower.client.report_job(auth.job_id, "delivered")
    assert first == again == other_key
    with pytest.raises(BackendError) as info:
        tower.client.report_job(auth.job_id, "failed_in_bay")
    assert info.value.context["code"] == "JOB_ALREADY_REPORTED"


def test_failed_in_bay_puts_the_car_back_in_stock(tower):
    member, res, auth = drive_out(tower)
    tower.client.report_job(auth.job_id, "failed_in_bay")
    assert bay_state(tower, res.bay).state == "stored"
    ps = tower.session(member)
    assert not ps.has_open_drive
    res2 = tower.client.reserve(ps.session_id, "Aurora", "white")
    assert tower.verify(ps.session_id, res2.reservation_id).job_id


def test_failed_moved_takes_the_bay_out_of_service_until_staff_resolve(tower):
    _, res, auth = drive_out(tower)
    tower.client.report_job(auth.job_id, "failed_moved")
    rec = bay_state(tower, res.bay)
    assert (rec.state, rec.car_id, rec.maintenance) == ("maintenance", res.car_id, True)
    white = {o.colour: o.available_count for o in tower.client.inventory()}["white"]
    assert white == 1
    rec = tower.client.set_bay_maintenance(res.bay, False, staff_session=tower.staff_token())
    assert (rec.state, rec.maintenance) == ("stored", False)
    assert {o.colour: o.available_count for o in tower.client.inventory()}["white"] == 2


def test_inventory_lists_out_of_stock_options(tower):
    options = {(o.model, o.colour): o for o in tower.client.inventory()}
    assert {k: o.available_count for k, o in options.items()} == {
        ("Aurora", "white"): 2, ("Aurora", "black"): 1, ("Breeze", "red"): 0}
    assert options[("Breeze", "red")].model_name("zh_CN") == "微风"
    assert options[("Aurora", "black")].colour_name("en") == "Black"


def test_reserve_unavailable_and_any_colour(tower):
    ps = tower.session(tower.member())
    with pytest.raises(RefusedError) as info:
        tower.client.reserve(ps.session_id, "Breeze", "red")
    assert info.value.reason is Reason.CAR_UNAVAILABLE
    assert info.value.context == {"model": "Breeze", "colour": "red"}
    with pytest.raises(RefusedError):
        tower.client.reserve(ps.session_id, "NoSuchModel", "")
    res = tower.client.reserve(ps.session_id, "Aurora", "")
    assert res.model == "Aurora" and res.colour in ("white", "black")


def test_choosing_again_gives_the_first_bay_back(tower):
    ps = tower.session(tower.member())
    first = tower.client.reserve(ps.session_id, "Aurora", "black")
    second = tower.client.reserve(ps.session_id, "Aurora", "white")
    assert first.bay != second.bay
    counts = {o.colour: o.available_count for o in tower.client.inventory()}
    assert counts == {"white": 1, "black": 1, "red": 0}
    assert tower.client.release(second.reservation_id) is True
    assert tower.client.release(second.reservation_id) is False


def test_buy_opens_an_order_page(tower):
    member, _, auth = drive_out(tower)
    tower.client.report_job(auth.job_id, "delivered")
    ps = tower.session(member)
    order = tower.client.buy(ps.session_id, "")  # after a return: the driven model
    assert order.model == "Aurora"
    page = requests.get(order.url, timeout=10)
    assert page.status_code == 200 and order.order_id in page.text
    assert tower.client.buy(ps.session_id, "Comet").model == "Comet"
    fresh = tower.session(tower.member())
    with pytest.raises(BackendError) as info:
        tower.client.buy(fresh.session_id, "")
    assert info.value.context["code"] == "MODEL_REQUIRED"


def test_heartbeat_and_kiosk_list(tower):
    assert tower.client.kiosks()[0].last_seen_at is None
    tower.client.heartbeat("out_of_service", {"camera_fps": 0, "lift": "down"})
    (k,) = tower.client.kiosks()
    assert (k.kiosk_id, k.status, k.health["lift"]) == (tower.kiosk_id, "out_of_service", "down")
    assert k.last_seen_at is not None


def test_bays_match_the_tower_layout(tower):
    bays = tower.client.bays()
    assert (bays.levels, bays.bays_per_level, bays.delivery_bays) == (2, 6, (101,))
    assert [b.bay for b in bays.bays] == list(range(1, 13))
    assert sum(b.occupied for b in bays.bays) == 3


# -- passes ---------------------------------------------------------------------


def test_pass_redeem_replay_and_refresh(tower):
    member = tower.member(preselected="Breeze")
    text = tower.pass_text(member)
    assert tower.pass_text(member) == text  # the page shows the same pass until used
    ps = tower.client.redeem_pass(text)
    assert ps.preselected_model == "Breeze" and re.fullmatch(r"M-[0-9a-f]{10}", ps.member_ref)
    with pytest.raises(RefusedError) as info:
        tower.client.redeem_pass(text)
    assert info.value.reason is Reason.PASS_REPLAYED
    assert tower.pass_text(member) != text  # a fresh pass once redeemed


def test_pass_expiry_and_refresh_before_expiry(tower):
    member = tower.member()
    text = tower.pass_text(member)
    tower.clock.advance(61)
    with pytest.raises(RefusedError) as info:
        tower.client.redeem_pass(text)
    assert info.value.reason is Reason.PASS_EXPIRED
    fresh = tower.pass_text(member)
    tower.clock.advance(41)  # under 20 s left: the page moves on to a new pass
    assert tower.pass_text(member) != fresh


def test_pass_for_another_tower(tower):
    text = tower.pass_text(tower.member(), tower="T1")
    with pytest.raises(RefusedError) as info:
        tower.client.redeem_pass(text)
    assert info.value.reason is Reason.PASS_WRONG_TOWER


def test_forged_and_unissued_passes(tower):
    member = tower.member()
    expiry = int(tower.now()) + 60
    forged = sign_pass(Ed25519PrivateKey.generate(), tower.tower_id, member, None, expiry)
    unissued = sign_pass(tower.server.service.pass_key, tower.tower_id, member, None, expiry)
    for text in (forged.text, unissued.text, "garbage", "towerpass:v1;" + "x" * 2000):
        with pytest.raises(RefusedError) as info:
            tower.client.redeem_pass(text)
        assert info.value.reason is Reason.PASS_INVALID


def test_a_pass_shown_before_the_membership_ended_is_refused(tower):
    member = tower.member()
    text = tower.pass_text(member)
    with tower.server.db.write() as s:
        s.get(Member, member).active = False
    with pytest.raises(RefusedError) as info:
        tower.client.redeem_pass(text)
    assert info.value.reason is Reason.MEMBER_UNKNOWN


def test_public_key_verifies_issued_passes(tower):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from backend.passes import parse_and_verify

    raw = tower.client.pass_public_key()
    p = parse_and_verify(Ed25519PublicKey.from_public_bytes(raw),
                         tower.pass_text(tower.member()))
    assert p.tower_id == tower.tower_id


def test_demo_member_page_signs_in_with_the_token_and_draws_the_pass(tower):
    page = requests.get(f"{tower.url}/member", params={"tower": tower.tower_id}, timeout=10)
    assert page.status_code == 200
    assert 'type="password"' in page.text and "/v1/member/pass" in page.text
    text = tower.pass_text(tower.member())
    svg = requests.post(f"{tower.url}/member/qr.svg", data=text, timeout=10)
    assert svg.status_code == 200 and svg.text.startswith("<svg")
    # It draws passes only: it is no general QR service.
    junk = requests.post(f"{tower.url}/member/qr.svg", data="https://evil.example", timeout=10)
    assert junk.status_code == 422


def test_demo_member_page_pass_decodes_back(tower):
    import io

    import cv2
    import numpy as np
    import segno

    text = tower.pass_text("demo-ok", tower="T1")
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=6, border=4)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    # zxing-cpp, as the kiosk uses: cv2.QRCodeDetector misses some clean codes.
    import zxingcpp

    assert [r.text for r in zxingcpp.read_barcodes(img)] == [text]


def test_old_screenshot_of_a_pass_is_signed_but_expired(tower):
    member = tower.member()
    with pytest.raises(RefusedError) as info:
        tower.client.redeem_pass(tower.pass_text(member, expired=True))
    assert info.value.reason is Reason.PASS_EXPIRED
    # The live pass is unaffected.
    assert tower.client.redeem_pass(tower.pass_text(member)).member_ref


def test_return_from_the_bay_the_lift_sees(tower):
    member, _, auth = drive_out(tower)
    tower.client.report_job(auth.job_id, "delivered")
    ps = tower.session(member)
    with pytest.raises(RefusedError) as info:
        tower.client.start_return(ps.session_id, from_bay=5)  # a storage bay
    assert info.value.reason is Reason.RETURN_BAY_INVALID
    with pytest.raises(RefusedError):
        tower.client.start_return(ps.session_id, from_bay=102)  # not a bay of this tower
    job = tower.client.start_return(ps.session_id, from_bay=101)
    assert job.from_bay == 101


# -- staff moves ---------------------------------------------------------------------

def _occupied(tower) -> dict[int, str]:
    return {b.bay: b.car_id for b in tower.client.bays().bays if b.car_id}


def test_a_staff_move_moves_the_car_in_the_books(tower):
    """The next delivery of that car comes from its new bay."""
    car = tower.add_car("Breeze", "red")
    src = {c: b for b, c in _occupied(tower).items()}[car]
    free = min(b.bay for b in tower.client.bays().bays if not b.car_id)
    token = tower.staff_token()
    moved = tower.client.move_car(src, free, idempotency_key="staff-move-T1",
                                  staff_session=token)
    assert (moved.car_id, moved.from_bay, moved.to_bay, moved.state) == (car, src, free, "stored")
    assert _occupied(tower).get(free) == car and src not in _occupied(tower)
    # A repeat with the same key is the same answer and changes nothing.
    again = tower.client.move_car(src, free, idempotency_key="staff-move-T1",
                                  staff_session=token)
    assert again == moved
    ps = tower.session(tower.member())
    assert tower.client.reserve(ps.session_id, "Breeze", "red").bay == free


def test_staff_moves_the_backend_refuses(tower):
    occupied = _occupied(tower)
    a, b = sorted(occupied)[:2]
    empty = min(x.bay for x in tower.client.bays().bays if not x.car_id)

    staff = {"X-Staff-Session": tower.staff_token()}

    def code(from_bay: int, to_bay: int) -> tuple[int, str]:
        answer = tower.post(f"/v1/bays/{from_bay}/move", {"to_bay": to_bay}, headers=staff)
        return answer.status_code, answer.json()["error"]["reason"]

    assert code(empty, a) == (409, "BAY_EMPTY")
    assert code(a, b) == (409, "BAY_OCCUPIED")
    assert code(a, a) == (422, "SAME_BAY")
    assert code(a, 101) == (422, "BAY_NOT_STORAGE")
    assert code(101, empty) == (422, "BAY_NOT_STORAGE")
    assert code(a, 9999) == (404, "BAY_UNKNOWN")
    assert tower.post(f"/v1/bays/{a}/move", {"to_bay": "x"}, headers=staff).status_code == 422
    # A car held for a member stays where the member's lift job expects it.
    ps = tower.session(tower.member())
    res = tower.client.reserve(ps.session_id, "Aurora", "black")
    assert code(res.bay, empty) == (409, "CAR_BUSY")
    assert _occupied(tower) == occupied
