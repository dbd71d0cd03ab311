"""HTML pages: the member's pass (a stand-in for the member app, so a phone
or the demo camera can show it to a kiosk) and the order page a Buy QR opens.

These pages carry no kiosk credentials: in production the member app would
fetch passes with the member's own login; here they exist for the demo.
"""

from __future__ import annotations

import html
import math
import re

import segno
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from backend.rules import iso
from backend.service import PASS_REFRESH_MARGIN_S, Service

_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{refresh_s}">
<title>{title}</title>
<style>
 body {{ font-family: sans-serif; text-align: center; background: #f4f4f4; margin: 0; }}
 main {{ max-width: 28rem; margin: 0 auto; padding: 1rem; }}
 .qr {{ background: #fff; display: inline-block; padding: 1rem; border-radius: 1rem; }}
 .qr svg {{ width: 18rem; height: 18rem; }}
 small {{ color: #666; }}
</style></head>
<body><main>{content}</main></body></html>
"""


def _page(title: str, content: str, refresh_s: int = 3600) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), content=content,
                                     refresh_s=max(1, refresh_s)),
                        headers={"Cache-Control": "no-store"})


def _not_found(what: str) -> HTMLResponse:
    page = _page("Not found", f"<h1>Not found</h1><p>{html.escape(what)}</p>")
    page.status_code = 404
    return page


def router(service: Service, default_tower: str) -> APIRouter:
    r = APIRouter(tags=["member (demo)"])

    def live_pass(member_id: str, tower: str):
        if not (_ID_RE.fullmatch(member_id) and _ID_RE.fullmatch(tower)):
            return None
        return service.current_pass(member_id, tower)

    @r.get("/member/{member_id}", response_class=HTMLResponse,
           summary="The member's current pass as a QR code, refreshing itself")
    def member_page(member_id: str, tower: str = Query(default_tower, max_length=32)):
        p = live_pass(member_id, tower)
        if p is None:
            return _not_found("No such member or tower.")
        left_s = p.expires_at - service.now()
        # Reload a little after the pass would be replaced, and often enough
        # that a pass redeemed at the kiosk is replaced quickly on the phone.
        refresh_s = int(min(5.0, max(1.0, left_s - PASS_REFRESH_MARGIN_S + 1)))
        svg = segno.make(p.text, error="m").svg_inline(scale=6, border=4)
        content = (f"<h1>Member pass</h1><p>{html.escape(member_id)} &middot; tower "
                   f"{html.escape(p.tower_id)}</p><div class='qr'>{svg}</div>"
                   f"<p><small>Valid until {iso(p.expires_at)} "
                   f"({max(0, math.floor(left_s))} s). Single use.</small></p>")
        return _page("Member pass", content, refresh_s)

    @r.get("/member/{member_id}/pass.txt", response_class=PlainTextResponse,
           summary="The member's current pass text (automation: the demo phone)")
    def member_pass_text(member_id: str, tower: str = Query(default_tower, max_length=32),
                         expired: bool = Query(False, description="an old screenshot: a "
                                               "pass that expired 10 minutes ago")):
        if expired:
            ok = _ID_RE.fullmatch(member_id) and _ID_RE.fullmatch(tower)
            p = service.stale_pass(member_id, tower) if ok else None
        else:
            p = live_pass(member_id, tower)
        if p is None:
            return PlainTextResponse("not found\n", status_code=404)
        return PlainTextResponse(p.text, headers={"Cache-Control": "no-store"})

    @r.get("/orders/{order_id}", response_class=HTMLResponse, summary="An order opened by Buy")
    def order_page(order_id: str):
        o = service.order(order_id) if _ID_RE.fullmatch(order_id) else None
        if o is None:
            return _not_found("No such order.")
        content = (f"<h1>Your order</h1><p>Order {html.escape(o['order_id'])}</p>"
                   f"<p>{html.escape(o['model_name'])}</p>"
                   f"<p><small>Opened {o['created_at']}. Finish it in the member app."
                   f"</small></p>")
        return _page("Order", content)

    return r
