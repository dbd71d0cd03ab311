"""HTML pages: the order page a Buy QR opens and, only when the service
runs as a demo (``--seed demo`` or ``--demo``), a stand-in for the member
app that signs in with the member's token and shows the pass as a QR code.

Passes come only from ``POST /v1/member/pass`` with the member's own token
(the Guard checks it); these pages hold no credential of their own.
"""

from __future__ import annotations

import html
import re

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from backend.passes import MAX_PASS_BYTES, PASS_RE
from backend.service import Service

_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
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


def _page(title: str, content: str) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), content=content),
                        headers={"Cache-Control": "no-store"})


def _not_found(what: str) -> HTMLResponse:
    page = _page("Not found", f"<h1>Not found</h1><p>{html.escape(what)}</p>")
    page.status_code = 404
    return page


_MEMBER_PAGE = """<h1>Member pass</h1>
<p><small>Demo of the member app: sign in with the member's token
(backend/README.md lists the demo members' tokens).</small></p>
<form id="signin"><p><input id="token" type="password" autocomplete="off"
 placeholder="member token" required> <input id="tower" value="{tower}" size="6"
 aria-label="tower"> <button>Show my pass</button></p></form>
<div class="qr" id="qr" hidden></div><p><small id="status"></small></p>
<script>
// The token stays in this page's memory: it is sent only as a bearer
// token to the API, never in a URL, a cookie or storage.
let token = null, timer = null;
const status = (t) => document.getElementById("status").textContent = t;
async function show() {{
  const tower = document.getElementById("tower").value;
  const r = await fetch("/v1/member/pass", {{method: "POST",
    headers: {{"Authorization": "Bearer " + token, "Content-Type": "application/json"}},
    body: JSON.stringify({{tower: tower}})}});
  if (!r.ok) {{ status(r.status === 429 ? "Too many attempts; wait a while."
                                       : "Sign-in failed."); return; }}
  const p = await r.json();
  const svg = await fetch("/member/qr.svg", {{method: "POST", body: p.pass_text}});
  const qr = document.getElementById("qr");
  qr.innerHTML = await svg.text(); qr.hidden = false;
  const left = Math.max(0, Math.floor(p.expires_at - Date.now() / 1000));
  status("Valid for " + left + " s. Single use.");
  clearTimeout(timer); timer = setTimeout(show, 3000);
}}
document.getElementById("signin").addEventListener("submit", (e) => {{
  e.preventDefault(); token = document.getElementById("token").value; show(); }});
</script>"""


_PAY_PAGE = """<h1>Paid test drive</h1>
<p><small>Demo of the member app's payment: sign in with the member's token
(backend/README.md lists the demo members' tokens). Nothing is charged.</small></p>
<form id="signin"><p><input id="token" type="password" autocomplete="off"
 placeholder="member token" required> <button>Sign in</button></p></form>
<div id="bill" hidden><p id="what"></p>
<p><button id="pay">Pay</button> <button id="decline">Decline</button></p></div>
<p><small id="status"></small></p>
<script>
// As on /member: the token stays in this page's memory, sent only as a
// bearer token to the API.
let token = null;
const api = "/v1/member/payments/{payment_id}";
const status = (t) => document.getElementById("status").textContent = t;
async function call(method, path) {{
  const r = await fetch(api + path, {{method: method,
    headers: {{"Authorization": "Bearer " + token}}}});
  const body = await r.json();
  if (!r.ok) {{ status(body.error ? body.error.message : "Sign-in failed."); return null; }}
  return body;
}}
function show(p) {{
  document.getElementById("what").textContent =
    "A 3-day test drive: " + p.amount + " " + p.currency + " (" + p.state + ")";
  document.getElementById("bill").hidden = false;
  status(p.state === "paid" ? "Paid. The kiosk continues in a moment." : "");
}}
document.getElementById("signin").addEventListener("submit", async (e) => {{
  e.preventDefault(); token = document.getElementById("token").value;
  const p = await call("GET", ""); if (p) show(p); }});
document.getElementById("pay").addEventListener("click", async () => {{
  const p = await call("POST", "/pay"); if (p) show(p); }});
document.getElementById("decline").addEventListener("click", async () => {{
  const p = await call("POST", "/cancel"); if (p) show(p); }});
</script>"""


def router(service: Service, default_tower: str, demo: bool) -> APIRouter:
    """The order page; with ``demo``, also the member-app stand-in pages."""
    r = APIRouter(tags=["pages"])
    if demo:
        @r.get("/member", response_class=HTMLResponse,
               summary="Demo member app: sign in with a member token, see the pass QR")
        def member_page(tower: str = Query(default_tower, max_length=32)):
            safe = tower if _ID_RE.fullmatch(tower) else default_tower
            return _page("Member pass", _MEMBER_PAGE.format(tower=html.escape(safe)))

        @r.post("/member/qr.svg", summary="Demo: a pass text drawn as a QR code")
        async def pass_qr(request: Request):
            text = (await request.body()).decode("utf-8", "replace")
            # Draws only what looks like a pass: this is no general QR service.
            if len(text) > MAX_PASS_BYTES or not PASS_RE.fullmatch(text):
                return PlainTextResponse("not a pass\n", status_code=422)
            svg = segno.make(text, error="m").svg_inline(scale=6, border=4)
            return Response(svg, media_type="image/svg+xml",
                            headers={"Cache-Control": "no-store"})

        @r.get("/member/pay/{payment_id}", response_class=HTMLResponse,
               summary="Demo member app: pay a paid drive (what the kiosk's QR opens)")
        def pay_page(payment_id: str):
            if not _ID_RE.fullmatch(payment_id):
                return _not_found("No such payment.")
            # The page holds no data: the payment is fetched with the member's token.
            return _page("Paid test drive", _PAY_PAGE.format(payment_id=payment_id))

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
