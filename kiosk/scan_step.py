"""The scan step, for ``Kiosk``: read the member pass off the camera, redeem it.

The vision worker reports what each fresh frame holds (nothing, a QR seen,
a QR rejected, a pass); a pass is redeemed with the backend, which opens the
member's session (or says why not: a refusal the member can fix by showing a
fresh pass keeps them on the scan). A return asks the lift which delivery bay
holds the car first.

``ScanMixin`` is part of ``kiosk.app.Kiosk`` and uses its journey, runner,
services and callbacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from common.errors import KioskError, Reason, short_id
from kiosk.journey import Event, Flow, State
from kiosk.reports import ScanFeedback, ScanStatus
from kiosk.tasks import HTTP_LANE

log = logging.getLogger("kiosk.app")  # the app's log lines, as before the split

# Refusals at redeem time that leave the member on the scan screen: the pass
# was not good, but trying again with a fresh pass is the right next step.
_RESCAN_REASONS = frozenset({Reason.PASS_INVALID, Reason.PASS_EXPIRED, Reason.PASS_REPLAYED,
                             Reason.PASS_WRONG_TOWER, Reason.QR_NOT_A_PASS,
                             Reason.QR_TOO_LARGE})
# The same rejected QR is reported once per this many seconds, not per frame.
_REPEAT_HOLDOFF_S = 3.0


class ScanMixin:
    def _start_scan(self) -> None:
        self._loop = self.services.frame_loop(self._fresh(self.services.scan_frame),
                                             self.runner.posted(self._scan_result),
                                             self.runner.posted(self._present_error))
        self._loop.start()

    def _fresh(self, process: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """Only frames captured after this step began reach ``process``.

        A busy camera thread can hand over a frame from seconds ago: the
        previous member's pass, or the phone the member just put away, which
        then became the selfie's "best frame". Stale frames give None."""
        started = self.clock()
        return lambda frame: process(frame) if frame.t_mono >= started else None

    def _scan_result(self, result: Any) -> None:
        """Runs on the GUI thread with what the vision worker found."""
        if self.journey.state is not State.SCAN or self._loop is None or result is None:
            return
        kind, payload = result
        now = self.clock()
        if kind == "nothing":
            self._scan_feedback(ScanFeedback(ScanStatus.LOOKING))
        elif kind == "seen":
            self._scan_feedback(ScanFeedback(ScanStatus.SEEN, hint=payload))
        elif kind == "rejected":
            text, err = payload
            if now - self._rejected.get(text, -1e9) < _REPEAT_HOLDOFF_S:
                return
            self._rejected[text] = now
            log.info("scan rejected: %s", err.reason.value)
            self._scan_feedback(ScanFeedback(ScanStatus.REJECTED, reason=err.reason))
        elif kind == "pass":
            text, member_pass = payload
            self._stop_loop()
            self._scan_feedback(ScanFeedback(ScanStatus.CHECKING))
            self.runner.run(HTTP_LANE, lambda: self.services.backend.redeem_pass(text),
                            lambda ps: self._redeemed(ps, member_pass),
                            lambda err: self._redeem_failed(err, text))

    def _scan_feedback(self, fb: ScanFeedback) -> None:
        self.last_scan = fb
        self._emit("scan", fb)

    def _redeemed(self, ps: Any, member_pass: Any) -> None:
        if self.journey.state is not State.SCAN:
            return
        member = short_id(getattr(member_pass, "member_id", None))
        log.info("pass redeemed for member %s", member)
        self._scan_feedback(ScanFeedback(ScanStatus.ACCEPTED))
        session = self.journey.session
        model = getattr(ps, "preselected_model", None) or getattr(member_pass, "model", None)
        if session.flow is Flow.RETURN:
            session.session_id, session.member_ref = ps.session_id, ps.member_ref
            session.member_short = member
            # The lift's presence sensors say which delivery bay the car is in.
            self.runner.run("lift", self.services.returned_car_bay,
                            lambda bay: self._start_return(ps.session_id, bay),
                            self._refuse_or_fail)
            return
        ids = {"session_id": ps.session_id, "member_ref": ps.member_ref, "member_short": member}
        eligibility = getattr(ps, "eligibility", None)
        if session.flow is Flow.TEST_DRIVE and eligibility is not None \
                and not eligibility.can_drive:
            # Said before the member chooses or poses (verify checks again).
            self._refused_at_scan(eligibility, **ids)
            return
        self._fire(Event.PASS_ACCEPTED, eligibility=eligibility, model=model or None, **ids)

    def _start_return(self, session_id: str, bay: int | None) -> None:
        if self.journey.state is not State.SCAN:
            return
        if bay is None:
            self._fire(Event.REFUSED, refusal=Reason.RETURN_BAY_EMPTY)
            return
        self.runner.run(HTTP_LANE, lambda: self.services.backend.start_return(session_id, bay),
                        lambda job: self._fire(Event.RETURN_AUTHORISED, return_job=job,
                                               model=getattr(job, "model", None)),
                        self._refuse_or_fail)

    def _redeem_failed(self, err: KioskError, text: str) -> None:
        if self.journey.state is not State.SCAN:
            return
        if err.reason in _RESCAN_REASONS:
            self._rejected[text] = self.clock()
            self._scan_feedback(ScanFeedback(ScanStatus.REJECTED, reason=err.reason))
            self._start_scan()
            return
        self._refuse_or_fail(self.note_out_of_service(err))
