"""Escaped HTML of the console's pages: every value from the database goes
through ``esc`` (kiosk ids, versions, alert texts and notes are anyone's
text), and links carry values URL-quoted, then escaped.

Tables carry ``data-label`` on each cell: on a phone-sized screen the CSS
lays each row out as a card with the labels beside the values.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlencode

from backend.ops.views import KioskRow

_HERE = Path(__file__).resolve().parent
PAGE = Template((_HERE / "templates" / "page.html").read_text(encoding="utf-8"))
LOGIN = Template((_HERE / "templates" / "login.html").read_text(encoding="utf-8"))

# path -> title, in the order of the navigation
PAGES = {"/ops": "Towers & kiosks", "/ops/cars": "Cars out", "/ops/bays": "Bays",
         "/ops/payments": "Payments", "/ops/jobs": "Failed jobs", "/ops/audit": "Audit"}
KIOSKS_LISTED_MAX = 100  # across all towers; more: only those needing attention
LEVEL_TEXT = {"ok": "OK", "warn": "attention", "out": "out of service", "stale": "no heartbeat"}
# Outcome codes of an action -> what the page says (never text from the request).
MESSAGES = {"kiosk_out_of_service": "Kiosk taken out of service.",
            "kiosk_in_service": "Kiosk back in service.",
            "bay_maintenance_on": "Bay put in maintenance.",
            "bay_maintenance_off": "Bay out of maintenance.",
            "KIOSK_UNKNOWN": "No such kiosk.", "BAY_UNKNOWN": "No such bay in that tower.",
            "BAD_FORM": "The form was incomplete or invalid."}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def link(path: str, **query: str) -> str:
    q = urlencode({k: v for k, v in query.items() if v})
    return esc(path + ("?" + q if q else ""))


def when(t: float | None) -> str:
    return "" if t is None else time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)) + "Z"


def age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def _cls(c: str) -> str:
    return f' class="{esc(c)}"' if c else ""


def table(caption: str, heads: Sequence[str], rows: Iterable[Sequence[tuple[str, str]]],
          row_classes: Iterable[str] | None = None, empty: str = "None.") -> str:
    """``rows``: cells as (html, css class); heads double as the phone labels."""
    rows = list(rows)
    classes = list(row_classes) if row_classes is not None else [""] * len(rows)
    if not rows:
        return f"<section><h2>{esc(caption)}</h2><p class=\"empty\">{esc(empty)}</p></section>"
    body = []
    for cells, cls in zip(rows, classes, strict=True):
        tds = "".join(f"<td data-label=\"{esc(h)}\"{_cls(c)}>{v}</td>"
                      for h, (v, c) in zip(heads, cells, strict=True))
        body.append(f"<tr class=\"{esc(cls)}\">{tds}</tr>" if cls else f"<tr>{tds}</tr>")
    head = "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in heads)
    return (f"<section><h2>{esc(caption)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></section>")


def _c(value: Any, cls: str = "") -> tuple[str, str]:
    return esc(value), cls


def hidden(csrf: str, back: str, tower: str | None) -> str:
    return (f"<input type=\"hidden\" name=\"csrf\" value=\"{esc(csrf)}\">"
            f"<input type=\"hidden\" name=\"back\" value=\"{esc(back)}\">"
            f"<input type=\"hidden\" name=\"tower_filter\" value=\"{esc(tower or '')}\">")


def kiosk_action(k: KioskRow, csrf: str, tower: str | None) -> str:
    base = (f"<form method=\"post\" action=\"/ops/kiosks/service\" class=\"act\">"
            f"{hidden(csrf, '/ops', tower)}"
            f"<input type=\"hidden\" name=\"kiosk_id\" value=\"{esc(k.kiosk_id)}\">")
    if k.out_of_service:
        return (base + "<input type=\"hidden\" name=\"in_service\" value=\"1\">"
                "<button type=\"submit\">Back in service</button></form>")
    return (base + "<input type=\"hidden\" name=\"in_service\" value=\"0\">"
            "<input name=\"note\" maxlength=\"200\" placeholder=\"reason\" "
            "aria-label=\"reason\"><button type=\"submit\">Take out of service</button></form>")


def overview(towers: list[dict[str, Any]], kiosks: list[KioskRow], csrf: str,
             tower: str | None, show_all: bool = False) -> str:
    """Every tower; every kiosk of the tower picked, and across all towers the
    kiosks that need attention once there are more than ``KIOSKS_LISTED_MAX``
    (1,000 rows every 10 s hide the red ones and weigh ~1 MB)."""
    hidden = 0
    if tower is None and not show_all and len(kiosks) > KIOSKS_LISTED_MAX:
        listed = [k for k in kiosks if k.level != "ok"]
        hidden, kiosks = len(kiosks) - len(listed), listed
    t_rows = []
    for t in towers:
        kiosk_cls = "stale" if t["stale"] else ("out" if t["out"] else "")
        t_rows.append([
            (f"<a href=\"{link('/ops', tower=t['tower_id'])}\">{esc(t['tower_id'])}</a>", ""),
            _c(t["name"]),
            _c(f"{t['kiosks']} ({t['ok']} ok, {t['warn']} attention, {t['out']} out, "
               f"{t['stale']} no heartbeat)", kiosk_cls),
            _c(t["stored"]), _c(t["cars_out"]),
            _c(t["overdue"], "overdue" if t["overdue"] else ""), _c(t["maintenance"]),
            _c(t["locked"], "warn" if t["locked"] else "")])
    k_rows = []
    for k in kiosks:
        status = LEVEL_TEXT[k.level] + (f" ({k.status})" if k.status else "")
        out = f"by {k.out_by}" + (f": {k.out_note}" if k.out_note else "") \
            if k.out_of_service else ""
        k_rows.append([_c(k.kiosk_id), _c(k.tower_id), _c(status, "level"), _c(age(k.age_s)),
                       _c(k.version), _c("; ".join(k.alerts)), _c(out),
                       (kiosk_action(k, csrf, tower), "")])
    note = (f"<p class=\"empty\">{hidden} kiosks that are OK are not listed: pick a tower, "
            f"or <a href=\"{link('/ops', all='1')}\">list every kiosk</a>.</p>"
            if hidden else "")
    return (table("Towers", ("Tower", "Name", "Kiosks", "Cars stored", "Cars out", "Overdue",
                             "Bays in maintenance", "Members locked out"), t_rows)
            + table("Kiosks needing attention" if hidden else "Kiosks",
                    ("Kiosk", "Tower", "Status", "Last heartbeat", "Version", "Alerts",
                     "Out of service", "Action"), k_rows,
                    [f"kiosk {k.level}" for k in kiosks], "Every kiosk is OK.")
            + note)


def cars(rows: list[dict[str, Any]]) -> str:
    return table("Cars out", ("Tower", "Member", "Car", "Since", "Due", "Overdue by"),
                 ([_c(r["tower_id"]), _c(r["member"]), _c(r["car"]),
                   _c(when(r["started_at"])), _c(when(r["due_at"])),
                   _c(age(r["overdue_s"]) if r["overdue_s"] > 0 else "", "overdue"
                      if r["overdue_s"] > 0 else "")] for r in rows),
                 ["overdue" if r["overdue_s"] > 0 else "" for r in rows], "No car is out.")


def bays(rows: list[dict[str, Any]], towers: list[str], csrf: str, tower: str | None) -> str:
    def off(r: dict[str, Any]) -> str:
        return (f"<form method=\"post\" action=\"/ops/bays/maintenance\" class=\"act\">"
                f"{hidden(csrf, '/ops/bays', tower)}"
                f"<input type=\"hidden\" name=\"tower\" value=\"{esc(r['tower_id'])}\">"
                f"<input type=\"hidden\" name=\"bay\" value=\"{esc(r['bay'])}\">"
                "<input type=\"hidden\" name=\"on\" value=\"0\">"
                "<button type=\"submit\">Back in use</button></form>")

    options = "".join(f"<option value=\"{esc(t)}\"{' selected' if t == tower else ''}>"
                      f"{esc(t)}</option>" for t in towers)
    put = (f"<section><h2>Put a bay in maintenance</h2>"
           f"<form method=\"post\" action=\"/ops/bays/maintenance\" class=\"act wide\">"
           f"{hidden(csrf, '/ops/bays', tower)}<input type=\"hidden\" name=\"on\" value=\"1\">"
           f"<label>Tower <select name=\"tower\">{options}</select></label> "
           "<label>Bay <input name=\"bay\" inputmode=\"numeric\" pattern=\"[0-9]{1,7}\" "
           "required size=\"5\"></label> <input name=\"note\" maxlength=\"200\" "
           "placeholder=\"reason\" aria-label=\"reason\"> "
           "<button type=\"submit\">Put in maintenance</button></form></section>")
    listing = table("Bays in maintenance", ("Tower", "Bay", "Level", "Note", "Car in it",
                                            "Action"),
                    ([_c(r["tower_id"]), _c(r["bay"]), _c(r["level"]), _c(r["note"]),
                      _c(r["car"]), (off(r), "")] for r in rows), None,
                    "No bay is in maintenance.")
    return listing + put


def payments(rows: list[dict[str, Any]]) -> str:
    return table("Payments (newest first)", ("Tower", "Payment", "Kiosk", "Member", "Amount",
                                             "State", "Opened", "Refund"),
                 ([_c(r["tower_id"]), _c(r["payment_id"]), _c(r["kiosk_id"]), _c(r["member"]),
                   _c(r["amount"]), _c(r["state"], f"pay-{r['state']}"),
                   _c(when(r["created_at"])), _c(r["refund_reason"])] for r in rows),
                 None, "No payment yet.")


def jobs(rows: list[dict[str, Any]]) -> str:
    return table("Failed and stuck lift jobs", ("Tower", "Job", "Kiosk", "Kind", "State",
                                                "Bays", "At"),
                 ([_c(r["tower_id"]), _c(r["job_id"]), _c(r["kiosk_id"]), _c(r["kind"]),
                   _c(r["state"], "overdue"), _c(r["bays"]), _c(when(r["at"]))]
                  for r in rows), None, "No failed job.")


def audit(rows: list[dict[str, Any]]) -> str:
    return table("Audit (newest first)", ("At", "Operator", "Action", "Tower", "Target",
                                          "Result", "Note"),
                 ([_c(when(r["at"])), _c(r["operator"]), _c(r["action"]), _c(r["tower_id"]),
                   _c(r["target"]), _c(r["result"]), _c(r["note"])] for r in rows),
                 ["audit" for _ in rows], "Nothing yet.")


def page(path: str, content: str, *, operator: str, csrf: str, towers: list[str],
         tower: str | None, refresh_s: float, now: float, message: str = "",
         show_all: bool = False) -> str:
    current = ' aria-current="page"'
    nav = "".join(f"<a href=\"{link(p, tower=tower or '')}\"{current if p == path else ''}>"
                  f"{esc(t)}</a>" for p, t in PAGES.items())
    options = "<option value=\"\">All towers</option>" + "".join(
        f"<option value=\"{esc(t)}\"{' selected' if t == tower else ''}>{esc(t)}</option>"
        for t in towers)
    flash = f"<p class=\"flash\" role=\"status\">{esc(MESSAGES[message])}</p>" \
        if message in MESSAGES else ""
    return PAGE.substitute(
        title=esc(PAGES[path]), nav=nav, operator=esc(operator), csrf=esc(csrf),
        path=esc(path), options=options, flash=flash, content=fragment(content, now),
        fragment=link(path, tower=tower or "", all="1" if show_all else "", fragment="1"),
        refresh_s=str(int(refresh_s)),
        refresh_ms=str(int(refresh_s * 1000)))


def fragment(content: str, now: float) -> str:
    """What the page's script swaps in on each refresh."""
    return f"{content}<p class=\"updated\">Updated {esc(when(now))}</p>"


def login_page(form_token: str, error: str = "") -> str:
    return LOGIN.substitute(token=esc(form_token),
                            error=f"<p class=\"flash bad\" role=\"alert\">{esc(error)}</p>"
                            if error else "")
