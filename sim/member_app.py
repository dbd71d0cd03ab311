"""The member app's one call, for the demo, the benchmarks and the tests.

A member's phone gets its pass from ``POST /v1/member/pass`` with the
member's own token; nothing else hands out passes. The demo members' tokens
are documented (``backend.seed.demo_member_token``, backend/README.md).
"""

from __future__ import annotations

from typing import Any

import requests


def member_token(member_id: str) -> str:
    """The token of a demo (or seeded test) member."""
    from backend.seed import demo_member_token

    return demo_member_token(member_id)


def fetch_member_pass(base_url: str, member_id: str, tower: str, *, expired: bool = False,
                      http: Any = requests, timeout_s: float = 30.0) -> str:
    """The member's current pass text (``expired``: an old screenshot; demo only)."""
    r = http.post(f"{base_url}/v1/member/pass", json={"tower": tower, "expired": expired},
                  headers={"Authorization": f"Bearer {member_token(member_id)}"},
                  timeout=timeout_s)
    r.raise_for_status()
    return r.json()["pass_text"]


def pay_in_app(base_url: str, member_id: str, payment_id: str, *, decline: bool = False,
               http: Any = requests, timeout_s: float = 30.0) -> str:
    """The member pays (or declines) a paid drive in the app, with their own
    token: what the kiosk's payment QR leads to. Returns the payment's state."""
    action = "cancel" if decline else "pay"
    r = http.post(f"{base_url}/v1/member/payments/{payment_id}/{action}",
                  headers={"Authorization": f"Bearer {member_token(member_id)}"},
                  timeout=timeout_s)
    r.raise_for_status()
    return r.json()["state"]
