"""What the kiosk can ask: sessions, inventory, reservations, verify (jobs,
returns, orders and staff calls: ``backend.jobs``). Every ``op_*`` runs inside
one write transaction handed in by ``backend.txn.idempotent``: an ORM Session,
or for the hot path (reserve, verify) a ``backend.rawsql.Raw``; reads open
their own.

Allocation is a conditional ``UPDATE cars SET state='reserved' WHERE id=? AND
state='stored'`` checked by rowcount: whichever database, only one
transaction can move a car out of ``stored``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from backend import rules
from backend.clock import SystemClock
from backend.db import Database
from backend.errors import ApiError, Refusal
from backend.identity import IdentityMixin
from backend.jobs import JobsMixin
from backend.models import (
    Bay,
    Car,
    CarModel,
    CarState,
    Colour,
    Drive,
    Kiosk,
    KioskSession,
    Member,
    Offering,
    Pass,
    Reservation,
    ReservationState,
    Tower,
)
from backend.passes import MemberPass, parse_and_verify, public_key_b64, sign_pass
from backend.payments import PaymentsMixin
from backend.rawsql import Raw, json_value
from backend.util import KioskCtx, new_id

# A pass shown on the member page is replaced once less than this is left, so
# the kiosk never reads one that expires while it is being redeemed.
PASS_REFRESH_MARGIN_S = 20.0
RECORDS_KEEP_S = 86400.0


class Service(JobsMixin, IdentityMixin, PaymentsMixin):
    """Every operation of the API (jobs, returns, orders, staff: ``JobsMixin``;
    paid drives: ``PaymentsMixin``)."""

    def __init__(self, db: Database, pass_key: Ed25519PrivateKey, ref_secret: bytes,
                 clock: Any = None) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.pass_key = pass_key
        self.public_key = pass_key.public_key()
        self.public_key_b64 = public_key_b64(pass_key)
        self._ref_secret = ref_secret

    def now(self) -> float:
        return self.clock.now()

    def member_ref(self, member_id: str) -> str:
        """An opaque, stable short id that is safe to show and log."""
        digest = hmac.new(self._ref_secret, member_id.encode("utf-8"), hashlib.sha256)
        return "M-" + digest.hexdigest()[:10]

    # -- helpers ---------------------------------------------------------
    @staticmethod
    def _tower(s: Session, tower_id: str) -> Tower:
        tower = s.get(Tower, tower_id)
        if tower is None:
            raise ApiError(404, "TOWER_UNKNOWN", "This kiosk's tower is not configured.")
        return tower

    @staticmethod
    def _release(s: Session, r: Reservation, to: ReservationState) -> None:
        r.state = to.value
        s.execute(update(Car).where(Car.id == r.car_id, Car.state == CarState.RESERVED.value)
                  .values(state=CarState.STORED.value))

    def expire_reservations(self, s: Session, now: float) -> int:
        rows = s.scalars(select(Reservation).where(
            Reservation.state == ReservationState.HELD.value,
            Reservation.expires_at <= now)).all()
        for r in rows:
            self._release(s, r, ReservationState.EXPIRED)
        return len(rows)

    def _has_expired_holds(self, now: float) -> bool:
        with self.db.read() as s:
            return s.scalar(select(Reservation.id).where(
                Reservation.state == ReservationState.HELD.value,
                Reservation.expires_at <= now).limit(1)) is not None

    def sweep(self) -> int:
        """Release expired holds (also done lazily by every read that counts stock)."""
        now = self.now()
        if not self._has_expired_holds(now):
            return 0
        with self.db.write() as s:
            return self.expire_reservations(s, now)

    def purge(self, keep_s: float = RECORDS_KEEP_S) -> None:
        """Forget stored idempotent answers and used-up passes after a day: a
        retry never comes that late, and the tables would only grow."""
        cutoff = self.now() - keep_s
        with self.db.write() as s:
            s.execute(text("DELETE FROM idempotency WHERE created_at < :t"), {"t": cutoff})
            s.execute(text("DELETE FROM passes WHERE expires_at < :t"), {"t": cutoff})

    _Q_BUSY_BAYS = ("SELECT to_bay FROM jobs WHERE tower_id = :tower AND kind = 'delivery' "
                    "AND state = 'pending' UNION "
                    "SELECT from_bay FROM jobs WHERE tower_id = :tower AND kind = 'return' "
                    "AND state = 'pending'")

    @classmethod
    def _delivery_bay(cls, raw: Raw, tower_id: str, delivery_bays: list[int]) -> int:
        """A delivery bay no pending job is using (the first one if all are)."""
        busy = {b for (b,) in raw.all(cls._Q_BUSY_BAYS, {"tower": tower_id})}
        free = [b for b in delivery_bays if b not in busy]
        return (free or list(delivery_bays))[0]

    _Q_POLICY = ("SELECT credit_min, quota_drives, quota_window_days, drive_max_h, "
                 "delivery_bays, repeat_model_days, paid_drive_fee, currency "
                 "FROM towers WHERE id = :id")
    _Q_MEMBER = "SELECT credit_score FROM members WHERE id = :id"
    # With each drive's model: the next drive is of a different one.
    _Q_DRIVES = ("SELECT d.started_at, d.due_at, d.returned_at, c.model_id FROM drives d "
                 "LEFT JOIN cars c ON c.id = d.car_id WHERE d.member_id = :member")
    _Q_PENDING = ("SELECT count(*) FROM jobs WHERE member_id = :member AND kind = 'delivery' "
                  "AND state = 'pending'")

    def policy(self, raw: Raw, tower_id: str) -> rules.Policy:
        return self.policy_and_bays(raw, tower_id)[0]

    def policy_and_bays(self, raw: Raw, tower_id: str) -> tuple[rules.Policy, list[int]]:
        """The tower's member rules and its delivery bays, in one statement."""
        t = raw.one(self._Q_POLICY, {"id": tower_id})
        if t is None:
            raise ApiError(404, "TOWER_UNKNOWN", "This kiosk's tower is not configured.")
        return rules.Policy(credit_min=t[0], quota_drives=t[1], quota_window_days=t[2],
                            drive_max_h=t[3], repeat_model_days=t[5],
                            paid_drive_fee_minor=rules.to_minor(t[6]),
                            currency=t[7]), json_value(t[4])

    def member_facts(self, raw: Raw, member_id: str, lock: bool = False
                     ) -> tuple[int, list[rules.DriveFact], int]:
        """Credit score, drives (with models) and deliveries on their way.
        ``lock``: the member row is locked (PostgreSQL) for the transaction."""
        (credit,) = raw.one(self._Q_MEMBER + (raw.for_update if lock else ""),
                            {"id": member_id})
        drives = [rules.DriveFact(*d) for d in raw.all(self._Q_DRIVES, {"member": member_id})]
        (pending,) = raw.one(self._Q_PENDING, {"member": member_id})
        return credit, drives, pending or 0

    # -- passes ----------------------------------------------------------
    _Q_PASS_SUBJECT = ("SELECT m.preselected_model, t.pass_lifetime_s, "
                       "(SELECT count(*) FROM passes p WHERE p.member_id = m.id "
                       "AND p.tower_id = t.id) FROM members m, towers t "
                       "WHERE m.id = :member AND m.active AND t.id = :tower")

    def current_pass(self, member_id: str, tower_id: str, expired_s: float | None = None
                     ) -> MemberPass | None:
        """The member's live pass for a tower. None: unknown or inactive
        member, or unknown tower.

        Read-only: a pass is a pure function of (member, tower, time window,
        passes redeemed so far), signed on the fly, so showing it writes
        nothing; only redeeming it records its nonce. Each window starts
        ``PASS_REFRESH_MARGIN_S`` before the previous pass expires, so the pass
        shown always has at least that long left; a redeemed pass bumps the
        count and the next view shows a new one at once. ``expired_s``: the
        pass as an old screenshot shows it, expired about that long ago (the
        demo's expired pass)."""
        with self.db.read() as s:
            row = s.execute(text(self._Q_PASS_SUBJECT),
                            {"member": member_id, "tower": tower_id}).first()
        if row is None:
            return None
        model, lifetime_s, redeemed = row[0], int(row[1]), int(row[2])
        now = self.now() - (0.0 if expired_s is None else expired_s + lifetime_s)
        step_s = max(1, int(lifetime_s - PASS_REFRESH_MARGIN_S))
        expires_at = int(now // step_s) * step_s + lifetime_s
        return sign_pass(self.pass_key, tower_id, member_id, model, expires_at,
                         nonce=self._pass_nonce(member_id, tower_id, expires_at, redeemed))

    def _pass_nonce(self, member_id: str, tower_id: str, expires_at: int, redeemed: int) -> str:
        """Keyed by the service's secret: a pass is issued only when its nonce
        is this MAC, so even the signing key alone cannot mint one."""
        msg = f"pass|{member_id}|{tower_id}|{int(expires_at)}|{redeemed}".encode()
        return hmac.new(self._ref_secret, msg, hashlib.sha256).hexdigest()[:32]

    def stale_pass(self, member_id: str, tower_id: str, age_s: int = 600) -> MemberPass | None:
        """A pass as an old screenshot on the member's phone would show it:
        genuinely issued and signed, but expired about ``age_s`` ago."""
        return self.current_pass(member_id, tower_id, expired_s=age_s)

    _I_REDEEMED = ("INSERT INTO passes (nonce, member_id, tower_id, text, issued_at, "
                   "expires_at, redeemed_at, redeemed_by) VALUES (:nonce, :member, :tower, "
                   ":text, :issued, :expires, :now, :kiosk) ON CONFLICT (nonce) DO NOTHING")

    def op_redeem(self, s: Session, ctx: KioskCtx, pass_text: str) -> dict[str, Any]:
        now = self.now()
        kiosk = s.get(Kiosk, ctx.kiosk_id)
        if kiosk is not None and kiosk.out_of_service_at is not None:
            # Before the pass is looked at: the member's pass is not spent.
            raise ApiError(409, "KIOSK_OUT_OF_SERVICE", "An operator took this kiosk out of "
                           "service.", note=kiosk.out_of_service_note or "")
        p = parse_and_verify(self.public_key, pass_text)
        if p.tower_id != ctx.tower_id:
            raise Refusal("PASS_WRONG_TOWER", "This pass is for another tower.")
        if now > p.expires_at:
            raise Refusal("PASS_EXPIRED", "The pass has expired; show a fresh one.")
        # Issued means: our signature, and the nonce current_pass gives for
        # the member's redemptions so far. The nonce, recorded here and only
        # here, makes it single use (the primary key picks one winner).
        # The count is read before the nonce is looked up: a racing
        # redemption of this very pass that commits in between is then seen
        # as used (PostgreSQL's READ COMMITTED: each statement sees the
        # latest commit), never as a nonce the count no longer matches.
        redeemed = s.scalar(select(func.count()).select_from(Pass).where(
            Pass.member_id == p.member_id, Pass.tower_id == p.tower_id))
        if s.get(Pass, p.nonce) is not None:
            raise Refusal("PASS_REPLAYED", "This pass was already used; show a fresh one.")
        if not hmac.compare_digest(p.nonce, self._pass_nonce(p.member_id, p.tower_id,
                                                              p.expires_at, redeemed or 0)):
            raise Refusal("PASS_INVALID", "This pass was not issued by this service, "
                                          "or a newer one replaced it.")
        member = s.get(Member, p.member_id)
        if member is None or not member.active:
            raise Refusal("MEMBER_UNKNOWN", "This membership is not active.")
        tower = self._tower(s, ctx.tower_id)
        used = s.execute(text(self._I_REDEEMED), {
            "nonce": p.nonce, "member": p.member_id, "tower": p.tower_id, "text": p.text,
            "issued": p.expires_at - tower.pass_lifetime_s, "expires": p.expires_at,
            "now": now, "kiosk": ctx.kiosk_id})
        if used.rowcount != 1:
            raise Refusal("PASS_REPLAYED", "This pass was already used; show a fresh one.")
        sess = KioskSession(id=new_id("S", 12), member_id=member.id, kiosk_id=ctx.kiosk_id,
                            tower_id=ctx.tower_id, created_at=now,
                            expires_at=now + tower.session_s)
        s.add(sess)
        open_drive = s.scalar(select(Drive.id).where(
            Drive.member_id == member.id, Drive.returned_at.is_(None)).limit(1))
        # Said now, before the member chooses or poses; verify checks again.
        raw = Raw.of(s)
        credit, drives, pending = self.member_facts(raw, member.id)
        lock = raw.one(self._Q_LOCK, {"member": member.id})
        return {"session_id": sess.id, "member_ref": self.member_ref(member.id),
                "preselected_model": p.model or member.preselected_model or None,
                "has_open_drive": open_drive is not None,
                "expires_at": rules.iso(sess.expires_at),
                "eligibility": rules.eligibility(self.policy(raw, ctx.tower_id), credit, drives,
                                                 pending, lock[0] if lock else None, now)}

    # -- inventory and reservations ----------------------------------------
    def inventory(self, ctx: KioskCtx) -> dict[str, Any]:
        self.sweep()
        with self.db.read() as s:
            self._tower(s, ctx.tower_id)
            offers = s.execute(
                select(Offering.model_id, Offering.colour_id, CarModel.name_en,
                       CarModel.name_zh, Colour.name_en, Colour.name_zh, CarModel.range_km,
                       CarModel.seats, CarModel.accel_s)
                .join(CarModel, CarModel.id == Offering.model_id)
                .join(Colour, Colour.id == Offering.colour_id)
                .where(Offering.tower_id == ctx.tower_id)
                .order_by(Offering.model_id, Offering.colour_id)).all()
            counts = dict(((m, c), n) for m, c, n in s.execute(
                select(Car.model_id, Car.colour_id, func.count(Car.id))
                .join(Bay, (Bay.tower_id == Car.tower_id) & (Bay.bay == Car.bay))
                .where(Car.tower_id == ctx.tower_id, Car.state == CarState.STORED.value,
                       Bay.maintenance.is_(False))
                .group_by(Car.model_id, Car.colour_id)))
        return {"tower_id": ctx.tower_id, "options": [
            {"model": m, "colour": c, "model_name": {"en": men, "zh_CN": mzh},
             "colour_name": {"en": cen, "zh_CN": czh},
             "available_count": int(counts.get((m, c), 0)),
             "range_km": rng, "seats": seats, "accel_s": accel}
            for m, c, men, mzh, cen, czh, rng, seats, accel in offers]}

    # The reserve path is the hot one (every kiosk, every contender): DBAPI-level
    # SQL (backend.rawsql), no ORM identity map, as few statements as the rules allow.
    _Q_SESSION = "SELECT member_id, kiosk_id, expires_at FROM sessions WHERE id = :id"
    _Q_EXPIRED = "SELECT id, car_id FROM reservations WHERE state = 'held' AND expires_at <= :now"
    _Q_HELD_BY = "SELECT id, car_id FROM reservations WHERE session_id = :sid AND state = 'held'"
    _U_RES_STATE = "UPDATE reservations SET state = :to WHERE id = :id AND state = 'held'"
    _U_CAR_BACK = "UPDATE cars SET state = 'stored' WHERE id = :id AND state = 'reserved'"
    _U_CAR_TAKE = "UPDATE cars SET state = 'reserved' WHERE id = :id AND state = 'stored'"
    _Q_CANDIDATES = ("SELECT c.id, c.bay, c.colour_id FROM cars c JOIN bays b "
                     "ON b.tower_id = c.tower_id AND b.bay = c.bay "
                     "WHERE c.tower_id = :tower AND c.model_id = :model AND c.state = 'stored' "
                     "AND b.maintenance = :no {colour}ORDER BY c.bay LIMIT 20")
    _Q_ANY_COLOUR = _Q_CANDIDATES.format(colour="")
    _Q_ONE_COLOUR = _Q_CANDIDATES.format(colour="AND c.colour_id = :colour ")
    _Q_HOLD_S = "SELECT reservation_s FROM towers WHERE id = :id"
    _Q_REPEAT = ("SELECT max(d.started_at), t.repeat_model_days FROM towers t "
                 "LEFT JOIN drives d ON d.member_id = :member AND d.started_at > "
                 ":now - t.repeat_model_days * 86400.0 AND d.car_id IN "
                 "(SELECT id FROM cars WHERE model_id = :model) "
                 "WHERE t.id = :tower GROUP BY t.repeat_model_days")
    _I_RESERVATION = (
        "INSERT INTO reservations (id, session_id, member_id, tower_id, car_id, bay, "
        "created_at, expires_at, state) VALUES (:id, :sid, :member, :tower, :car, :bay, "
        ":now, :expires, 'held')")

    def _release_rows(self, raw: Raw, rows: list[tuple], to: ReservationState) -> int:
        for res_id, car_id in rows:
            if raw.run(self._U_RES_STATE, {"to": to.value, "id": res_id}) == 1:
                raw.run(self._U_CAR_BACK, {"id": car_id})
        return len(rows)

    @classmethod
    def _session_member(cls, raw: Raw, ctx: KioskCtx, session_id: str, now: float) -> str:
        """The member of a live session of this kiosk (404 unknown, 410 expired)."""
        row = raw.one(cls._Q_SESSION, {"id": session_id})
        if row is None or row[1] != ctx.kiosk_id:
            raise ApiError(404, "SESSION_UNKNOWN", "No such session at this kiosk.")
        member_id, _kiosk, expires_at = row
        if expires_at <= now:
            raise ApiError(410, "SESSION_EXPIRED", "The session has expired; scan again.")
        return member_id

    def op_reserve(self, raw: Raw, ctx: KioskCtx, session_id: str, model: str,
                   colour: str) -> dict[str, Any]:
        """A DBAPI-level op: ``idempotent(..., raw_op=True)``."""
        now = self.now()
        member_id = self._session_member(raw, ctx, session_id, now)
        self._release_rows(raw, raw.all(self._Q_EXPIRED, {"now": now}),
                           ReservationState.EXPIRED)
        # One bay per session: choosing again gives the previous bay back.
        self._release_rows(raw, raw.all(self._Q_HELD_BY, {"sid": session_id}),
                           ReservationState.RELEASED)
        repeat = raw.one(self._Q_REPEAT, {"member": member_id, "now": now, "model": model,
                                          "tower": ctx.tower_id})
        if repeat is not None and repeat[0] is not None and repeat[1] > 0:
            started = rules.DriveFact(float(repeat[0]), 0.0, 0.0, model)
            rules.check_model(rules.Policy(repeat_model_days=repeat[1]), [started], model, now)
        params = {"tower": ctx.tower_id, "model": model, "no": False}
        if colour:
            params["colour"] = colour
        query = self._Q_ONE_COLOUR if colour else self._Q_ANY_COLOUR
        for car_id, bay, car_colour in raw.all(query, params):
            if raw.run(self._U_CAR_TAKE, {"id": car_id}) != 1:
                continue  # another transaction took it first (PostgreSQL)
            (hold_s,) = raw.one(self._Q_HOLD_S, {"id": ctx.tower_id})
            res_id = new_id("R")
            raw.run(self._I_RESERVATION, {
                "id": res_id, "sid": session_id, "member": member_id, "tower": ctx.tower_id,
                "car": car_id, "bay": bay, "now": now, "expires": now + hold_s})
            return {"reservation_id": res_id, "car_id": car_id, "bay": bay, "model": model,
                    "colour": car_colour, "expires_at": rules.iso(now + hold_s)}
        raise Refusal("CAR_UNAVAILABLE", "No car of that model and colour is free right now.",
                      model=model, colour=colour)

    def _own_reservation(self, s: Session, ctx: KioskCtx, reservation_id: str) -> Reservation:
        r = s.get(Reservation, reservation_id)
        if r is not None:
            sess = s.get(KioskSession, r.session_id)
            if sess is not None and sess.kiosk_id == ctx.kiosk_id:
                return r
        raise ApiError(404, "RESERVATION_UNKNOWN", "No such reservation at this kiosk.")

    def op_release(self, s: Session, ctx: KioskCtx, reservation_id: str) -> dict[str, Any]:
        r = self._own_reservation(s, ctx, reservation_id)
        released = r.state == ReservationState.HELD.value
        if released:
            self._release(s, r, ReservationState.RELEASED)
        return {"reservation_id": r.id, "released": released, "state": r.state}

    # -- verify ------------------------------------------------------------
    _Q_RESERVATION = ("SELECT r.session_id, r.car_id, r.bay, r.state, r.expires_at, "
                      "r.tower_id, s.kiosk_id FROM reservations r "
                      "JOIN sessions s ON s.id = r.session_id WHERE r.id = :id")
    _Q_CAR_IN_BAY = ("SELECT c.state, c.bay, c.model_id, c.colour_id, b.maintenance FROM cars c "
                     "LEFT JOIN bays b ON b.tower_id = :tower AND b.bay = :bay WHERE c.id = :car")
    _U_RES_AUTHORISE = "UPDATE reservations SET state = 'authorised' WHERE id = :id"
    _I_JOB = ("INSERT INTO jobs (id, kind, tower_id, kiosk_id, member_id, car_id, reservation_id, "
              "from_bay, to_bay, state, created_at) VALUES (:id, 'delivery', :tower, :kiosk, "
              ":member, :car, :res, :from_bay, :to_bay, 'pending', :now)")

    def op_verify(self, raw: Raw, ctx: KioskCtx, session_id: str, reservation_id: str,
                  selfie_id: str, payment_id: str | None = None) -> dict[str, Any]:
        """Identity (the lock, then the selfie the backend judged), member rules
        and the hold, then a delivery job.

        A DBAPI-level op (``idempotent(..., raw_op=True)``): every winner's
        second call, so it is on the hot path with reserve."""
        now = self.now()
        member_id = self._session_member(raw, ctx, session_id, now)
        r = raw.one(self._Q_RESERVATION, {"id": reservation_id})
        if r is None or r[6] != ctx.kiosk_id:
            raise ApiError(404, "RESERVATION_UNKNOWN", "No such reservation at this kiosk.")
        r_session, car_id, bay, state, hold_until, r_tower, _ = r
        if r_session != session_id:
            raise ApiError(404, "RESERVATION_UNKNOWN", "The reservation is not this session's.")
        policy, delivery_bays = self.policy_and_bays(raw, ctx.tower_id)
        # Row lock (PostgreSQL): one member's rules are checked and acted on by
        # one transaction at a time, whichever kiosk or replica. (SQLite: a
        # write transaction already excludes every other writer.)
        credit_score, drives, pending = self.member_facts(raw, member_id, lock=True)
        hold = [(reservation_id, car_id)]
        car = raw.one(self._Q_CAR_IN_BAY, {"tower": r_tower, "bay": bay, "car": car_id})
        payment = None
        try:
            self.use_selfie(raw, ctx, selfie_id, session_id, member_id, now)
            if credit_score < policy.credit_min:
                payment = self.paid_payment(raw, payment_id, session_id, now)
            rules.check_member(policy, credit_score, drives, pending, now,
                               paid=payment is not None)
            if car is not None:
                rules.check_model(policy, drives, car[2], now)
            # Still held, and the car still reserved in its bay?
            if state == ReservationState.HELD.value and hold_until <= now:
                self._release_rows(raw, hold, ReservationState.EXPIRED)
                state = ReservationState.EXPIRED.value
            if state == ReservationState.EXPIRED.value:
                raise Refusal("RESERVATION_EXPIRED", "The car was held for too long; choose again.")
            if state != ReservationState.HELD.value:
                raise Refusal("CAR_UNAVAILABLE", "That car is no longer held for you.")
            if car is None or car[0] != CarState.RESERVED.value or car[1] != bay or car[4]:
                raise Refusal("CAR_UNAVAILABLE", "That car has just become unavailable.")
        except Refusal:
            if state == ReservationState.HELD.value:
                self._release_rows(raw, hold, ReservationState.RELEASED)
            # No drive came of a paid payment of this session: money back.
            refund = payment or self._unneeded_payment(raw, payment_id, session_id, now)
            if refund is not None:
                self.refund_payment(raw, refund, "refused", now)
            raise
        raw.run(self._U_RES_AUTHORISE, {"id": reservation_id})
        job_id = new_id("J", 6)
        if payment is not None:
            self.use_payment(raw, payment, job_id)
        else:
            unneeded = self._unneeded_payment(raw, payment_id, session_id, now)
            if unneeded is not None:  # the drive is free after all
                self.refund_payment(raw, unneeded, "not_needed", now)
        to_bay = self._delivery_bay(raw, ctx.tower_id, delivery_bays)
        raw.run(self._I_JOB, {"id": job_id, "tower": ctx.tower_id, "kiosk": ctx.kiosk_id,
                              "member": member_id, "car": car_id, "res": reservation_id,
                              "from_bay": bay, "to_bay": to_bay, "now": now})
        return {"job_id": job_id, "source_bay": bay, "delivery_bay": to_bay,
                "return_by": rules.iso(now + policy.drive_max_s), "car_id": car_id,
                "model": car[2], "colour": car[3]}

    def _unneeded_payment(self, raw: Raw, payment_id: str | None, session_id: str,
                          now: float) -> Any:
        """This session's paid payment that verify did not use, if any."""
        try:
            return self.paid_payment(raw, payment_id, session_id, now)
        except Refusal:
            return None
