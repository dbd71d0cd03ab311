"""Shared pieces of the ops console tests: an operator account per test and a
logged-in browser-like HTTP client (cookies, the forms' CSRF tokens)."""

from __future__ import annotations

import re
import secrets
from typing import Any

import requests

from backend.ops.accounts import add_operator

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def operator(server: Any) -> tuple[str, str]:
    """A fresh account (the password hashed for real)."""
    name, password = f"op-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    add_operator(server.db, name, password, server.clock.now())
    return name, password


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(url: str, name: str, password: str, http: requests.Session | None = None
          ) -> tuple[requests.Session, requests.Response]:
    """The login form, then the POST a browser makes; no redirects followed."""
    http = http or requests.Session()
    http.trust_env = False
    form = http.get(f"{url}/ops/login", timeout=10)
    answer = http.post(f"{url}/ops/login", data={"csrf": csrf_of(form.text), "name": name,
                                                   "password": password},
                       allow_redirects=False, timeout=10)
    return http, answer


class Console:
    """A logged-in operator."""

    def __init__(self, url: str, name: str, password: str) -> None:
        self.url, self.name = url, name
        self.http, answer = login(url, name, password)
        assert answer.status_code == 303 and answer.headers["location"] == "/ops", answer.text

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.url + path, allow_redirects=False, timeout=10, **kw)

    def csrf(self) -> str:
        return csrf_of(self.get("/ops").text)

    def post(self, path: str, data: dict[str, str], csrf: str | None = None,
             **kw: Any) -> requests.Response:
        body = {"csrf": self.csrf() if csrf is None else csrf, **data}
        return self.http.post(self.url + path, data=body, allow_redirects=False, timeout=10,
                              **kw)

    def fragment(self, path: str = "/ops", **query: str) -> str:
        r = self.get(path, params={**query, "fragment": "1"}, headers={"X-Ops-Refresh": "1"})
        assert r.status_code == 200, r.text
        return r.text
