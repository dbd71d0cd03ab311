"""The console's changes, each audited by operator name in the same
transaction as the change (a refusal is audited too).

- A kiosk out of service: ``kiosks.out_of_service_*`` set. The kiosk hears it
  in its next heartbeat's answer (``out_of_service``) and shows its out-of-
  service screen once no member is mid-errand; until put back, ``POST
  /v1/sessions`` from it is refused 409 ``KIOSK_OUT_OF_SERVICE`` before the
  pass is used, so a member's pass is not spent.
- A bay in or out of maintenance: the same operation as the staff call
  ``POST /v1/bays/{bay}/maintenance`` (a car in a bay taken out of
  maintenance goes back to stock).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend import rules
from backend.errors import ApiError
from backend.models import Kiosk
from backend.ops.accounts import audit
from backend.util import KioskCtx

NOTE_MAX = 200


def clean_note(note: str) -> str:
    """One line of printable text (what the kiosk and the audit keep)."""
    return "".join(ch for ch in note if ch.isprintable()).strip()[:NOTE_MAX]


def set_kiosk_service(s: Session, operator: str, kiosk_id: str, in_service: bool,
                      note: str, now: float) -> str:
    """"ok" or the refusal's reason (audited either way; nothing raised, so
    the caller's transaction commits the audit line)."""
    action = "kiosk_in_service" if in_service else "kiosk_out_of_service"
    kiosk = s.get(Kiosk, kiosk_id)
    if kiosk is None or kiosk.revoked_at is not None:
        audit(s, operator, action, "KIOSK_UNKNOWN", now, target=kiosk_id)
        return "KIOSK_UNKNOWN"
    if in_service:
        kiosk.out_of_service_at = kiosk.out_of_service_by = kiosk.out_of_service_note = None
    else:
        kiosk.out_of_service_at, kiosk.out_of_service_by = now, operator
        kiosk.out_of_service_note = note or None
    audit(s, operator, action, "ok", now, tower_id=kiosk.tower_id, target=kiosk_id,
          detail={"note": note} if note else None)
    return "ok"


def set_bay_maintenance(s: Session, service: Any, operator: str, tower_id: str, bay: int,
                        on: bool, note: str, now: float) -> str:
    """As ``set_kiosk_service``."""
    action = "bay_maintenance_on" if on else "bay_maintenance_off"
    target = f"bay {bay}"
    detail = {"note": note} if note else None
    try:
        # The staff operation itself: it reads the tower from the context only.
        service.op_set_maintenance(s, KioskCtx(kiosk_id="", tower_id=tower_id), bay, on,
                                   note or None)
    except ApiError as exc:
        audit(s, operator, action, exc.reason, now, tower_id=tower_id, target=target,
              detail=detail)
        return exc.reason
    audit(s, operator, action, "ok", now, tower_id=tower_id, target=target, detail=detail)
    return "ok"


def out_of_service_answer(kiosk: Kiosk | None) -> dict[str, Any] | None:
    """The heartbeat answer's ``out_of_service`` (None: in service)."""
    if kiosk is None or kiosk.out_of_service_at is None:
        return None
    return {"reason": "KIOSK_OUT_OF_SERVICE", "note": kiosk.out_of_service_note or "",
            "since": rules.iso(kiosk.out_of_service_at)}
