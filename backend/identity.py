"""Identity in the database: selfies the backend opened, their verdicts,
failed attempts and lockouts (``IdentityMixin`` of ``Service``).

The judging itself (frames -> liveness -> embedding) happens in
``backend.judge``; this module keeps what must survive a restart and be seen
by every replica: which selfie belongs to which session and kiosk, whether
it was judged and used, and how often a member failed.

Lockout (AWS Face Liveness' rule): ``lockout_failures`` failed attempts
(liveness or face) of one member within ``lockout_window_s``, at any kiosk,
lock that member out of selfies and verify for ``lockout_s`` (tower
settings, 5 / 180 s / 30 min by default).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from backend import rules
from backend.errors import ApiError, Refusal
from backend.rawsql import Raw, json_value
from backend.schemas import MAX_CHUNK_FRAMES
from backend.util import KioskCtx, new_id
from common.errors import short_id

CHALLENGES = ("turn_left", "turn_right", "blink", "nod", "smile")
# Reasons a member can act on are said as they are; every other failure
# (the passive checks, broken evidence) is just "not_live": naming the check
# that caught a spoof would tell an attacker what to fix.
MEMBER_REASONS = frozenset({"timeout", "not_ready", "wrong_challenge", "interrupted"})
# Verdicts that are nobody's fault (the judge lost the frames): no failure counted.
NOT_COUNTED = frozenset({"unknown", "judge_lost"})
# How long after its expiry a judged selfie may still be used by verify.
JUDGED_KEEP_S = 120.0


def public_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    return reason if reason in MEMBER_REASONS else "not_live"


@dataclass(frozen=True)
class SelfieRow:
    id: str
    session_id: str
    kiosk_id: str
    member_id: str
    challenges: tuple[str, ...]
    opened_at: float
    expires_at: float
    state: str
    live: bool | None
    face_match: bool | None
    reason: str | None


@dataclass(frozen=True)
class IdentityPolicy:
    challenges: int
    selfie_s: int
    face_max_distance: float
    failures: int
    window_s: int
    lockout_s: int


class IdentityMixin:
    """Selfie rows, failures and locks. Mixed into ``Service``."""

    _Q_IDENTITY_POLICY = ("SELECT selfie_challenges, selfie_s, face_max_distance, "
                          "lockout_failures, lockout_window_s, lockout_s FROM towers "
                          "WHERE id = :id")
    _Q_LOCK = "SELECT until FROM identity_locks WHERE member_id = :member"
    _Q_SELFIE = ("SELECT id, session_id, kiosk_id, member_id, challenges, opened_at, "
                 "expires_at, state, live, face_match, reason FROM selfies WHERE id = :id")
    _I_SELFIE = ("INSERT INTO selfies (id, session_id, kiosk_id, member_id, challenges, "
                 "opened_at, expires_at, state) VALUES (:id, :session, :kiosk, :member, "
                 ":challenges, :now, :expires, 'open')")
    _U_JUDGED = ("UPDATE selfies SET state = 'judged', live = :live, face_match = :match, "
                 "reason = :reason, judged_at = :now WHERE id = :id AND state = 'open'")
    _U_USED = "UPDATE selfies SET state = 'used' WHERE id = :id AND state = 'judged'"
    _I_FAILURE = ("INSERT INTO identity_failures (member_id, kiosk_id, at, kind) "
                  "VALUES (:member, :kiosk, :now, :kind)")
    _Q_FAILURES = ("SELECT count(*) FROM identity_failures WHERE member_id = :member "
                   "AND at > :since")
    _D_LOCK = "DELETE FROM identity_locks WHERE member_id = :member"
    _I_LOCK = ("INSERT INTO identity_locks (member_id, until, since) "
               "VALUES (:member, :until, :now)")
    _Q_MEMBER_TEMPLATE = "SELECT template FROM members WHERE id = :id"

    # The replica tag selfie ids end with (backend/replicas.py); None: no replicas.
    replica_tag: str | None = None
    on_lockout: Any = None  # called when a member is locked out (backend/metrics.py)
    # Provided by Service.
    _session_member: Any
    now: Any

    def identity_policy(self, raw: Raw, tower_id: str) -> IdentityPolicy:
        row = raw.one(self._Q_IDENTITY_POLICY, {"id": tower_id})
        if row is None:
            raise ApiError(404, "TOWER_UNKNOWN", "This kiosk's tower is not configured.")
        return IdentityPolicy(int(row[0]), int(row[1]), float(row[2]), int(row[3]),
                              int(row[4]), int(row[5]))

    def check_unlocked(self, raw: Raw, member_id: str, now: float) -> None:
        row = raw.one(self._Q_LOCK, {"member": member_id})
        if row is not None and row[0] > now:
            raise Refusal("IDENTITY_LOCKED",
                          "Too many attempts to confirm who you are. Please try again later.",
                          retry_at=rules.iso(row[0]))

    def op_open_selfie(self, raw: Raw, ctx: KioskCtx, session_id: str) -> dict[str, Any]:
        """A new selfie of this session, with challenges the kiosk learns only now."""
        now = self.now()
        member_id = self._session_member(raw, ctx, session_id, now)
        self.check_unlocked(raw, member_id, now)
        policy = self.identity_policy(raw, ctx.tower_id)
        n = min(3, max(2, policy.challenges))
        challenges = secrets.SystemRandom().sample(CHALLENGES, n)
        selfie_id = new_id("S", 12)
        if self.replica_tag:
            selfie_id += f"-{self.replica_tag}"  # its frames go to this replica's judge
        expires = now + policy.selfie_s
        raw.run(self._I_SELFIE, {"id": selfie_id, "session": session_id,
                                 "kiosk": ctx.kiosk_id, "member": member_id,
                                 "challenges": ",".join(challenges), "now": now,
                                 "expires": expires})
        return {"selfie_id": selfie_id, "challenges": challenges,
                "expires_at": rules.iso(expires), "max_frames_per_chunk": MAX_CHUNK_FRAMES}

    def selfie_of(self, raw: Raw, ctx: KioskCtx, selfie_id: str) -> SelfieRow:
        """This kiosk's selfie (404 for another kiosk's: it does not exist for it)."""
        row = raw.one(self._Q_SELFIE, {"id": selfie_id})
        if row is None or row[2] != ctx.kiosk_id:
            raise ApiError(404, "SELFIE_UNKNOWN", "No such selfie at this kiosk.")
        return SelfieRow(row[0], row[1], row[2], row[3], tuple(row[4].split(",")),
                         float(row[5]), float(row[6]), row[7],
                         None if row[8] is None else bool(row[8]),
                         None if row[9] is None else bool(row[9]), row[10])

    def template_of(self, raw: Raw, member_id: str) -> list[float] | None:
        row = raw.one(self._Q_MEMBER_TEMPLATE, {"id": member_id})
        return None if row is None or row[0] is None else list(json_value(row[0]))

    def op_judged(self, raw: Raw, selfie: SelfieRow, live: bool, face_match: bool | None,
                  reason: str | None) -> bool:
        """Store a verdict once; count a failure (and lock) when it failed.
        False when another call stored a verdict first."""
        now = self.now()
        if raw.run(self._U_JUDGED, {"id": selfie.id, "live": live, "match": face_match,
                                    "reason": reason, "now": now}) != 1:
            return False
        if reason in NOT_COUNTED:
            return True
        if not live:
            self._failed(raw, selfie, "liveness", now)
        elif face_match is False:
            self._failed(raw, selfie, "face", now)
        return True

    def _failed(self, raw: Raw, selfie: SelfieRow, kind: str, now: float) -> None:
        raw.run(self._I_FAILURE, {"member": selfie.member_id, "kiosk": selfie.kiosk_id,
                                  "now": now, "kind": kind})
        policy = self.identity_policy_of_kiosk(raw, selfie.kiosk_id)
        (count,) = raw.one(self._Q_FAILURES, {"member": selfie.member_id,
                                              "since": now - policy.window_s})
        if count >= policy.failures:
            held = raw.one(self._Q_LOCK, {"member": selfie.member_id})
            if held is not None and held[0] > now:
                # A selfie opened before the lock and finished after it: the
                # lock runs from the attempt that set it, not from this one.
                return
            raw.run(self._D_LOCK, {"member": selfie.member_id})
            raw.run(self._I_LOCK, {"member": selfie.member_id, "until": now + policy.lockout_s,
                                   "now": now})
            if self.on_lockout is not None:
                self.on_lockout()

    def identity_policy_of_kiosk(self, raw: Raw, kiosk_id: str) -> IdentityPolicy:
        row = raw.one("SELECT tower_id FROM kiosks WHERE id = :id", {"id": kiosk_id})
        return self.identity_policy(raw, row[0])

    def use_selfie(self, raw: Raw, ctx: KioskCtx, selfie_id: str, session_id: str,
                   member_id: str, now: float) -> None:
        """Verify's identity part: the lock, then one judged selfie of this
        session, consumed; LIVENESS_FAILED / FACE_MISMATCH from its verdict."""
        self.check_unlocked(raw, member_id, now)
        selfie = self.selfie_of(raw, ctx, selfie_id)
        if selfie.session_id != session_id:
            raise ApiError(404, "SELFIE_UNKNOWN", "The selfie is not this session's.")
        if selfie.state == "open":
            raise ApiError(409, "SELFIE_NOT_JUDGED", "Finish the selfie before verify.")
        if now > selfie.expires_at + JUDGED_KEEP_S:
            # A verdict proves who stood there then, not who stands there now.
            raise ApiError(410, "SELFIE_EXPIRED", "The selfie is too old; take a new one.")
        if raw.run(self._U_USED, {"id": selfie.id}) != 1:
            raise ApiError(409, "SELFIE_USED", "This selfie was already used.")
        if not selfie.live:
            raise Refusal("LIVENESS_FAILED", "The liveness check did not pass.")
        if not selfie.face_match:
            raise Refusal("FACE_MISMATCH", "The face does not match the member's photo.")

    def lock_alerts(self, raw: Raw, tower_id: str, now: float) -> list[dict[str, Any]]:
        """Members of this tower's recent selfies who are locked out now
        (for the heartbeat answer and staff Health; short ids only)."""
        rows = raw.all("SELECT DISTINCT l.member_id, l.until FROM identity_locks l "
                       "JOIN selfies s ON s.member_id = l.member_id "
                       "JOIN kiosks k ON k.id = s.kiosk_id "
                       "WHERE k.tower_id = :tower AND l.until > :now", {"tower": tower_id,
                                                                         "now": now})
        return [{"member": short_id(m), "retry_at": rules.iso(u)} for m, u in rows]

