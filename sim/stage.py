"""What the demo and evaluation cameras see, played in the camera's own process.

``Stage`` is the scene of ``drivers.camera_feed.ProcessCamera``: the child
process builds it (``Stage(size=(w, h), seed=...)``), renders
``frame(t_mono)`` at every tick of the camera and applies the commands the
kiosk side sends (``command(name, *args)``). Rendering here, not in a kiosk
thread, is what keeps the member moving at real-time pace on a busy machine
(see that module's doc for the measurement).

Commands (times are ``time.monotonic()`` of the kiosk, the same clock here):

- ``idle()`` -- the empty lobby;
- ``phone(text)`` -- a phone showing ``text`` as a QR code (a still phone);
- ``member(t0)`` -- the demo member (the astronaut, built when the stage
  starts) steps in at ``t0``;
- ``attack(t0, kind, asked)`` -- an attacker (``vision.synth.attacks``) with the
  demo member's photo;
- ``cast(t0, kind, photo, seed, asked, blink_hz)`` -- the evaluation set's
  member of photo variant ``photo`` (``evaluate.photo_variants``), live
  (``kind`` "live") or attacking;
- ``ask(t, challenge)`` -- the screen asks ``challenge`` (a name, or None)
  since ``t``: a member reacts after a human delay; with ``retry_s`` set, a
  cooperative member does it again when the screen still asks that long
  after (a blink the camera missed, a turn that was not far enough).

Scene time starts when the person steps in, so a scripted attacker (a
replay) plays from its start whatever the time of day.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

import cv2
import numpy as np

from vision.liveness_actions import Challenge
from vision.synth.face import SyntheticMember

log = logging.getLogger(__name__)

LIVE = "live"
# A cooperative demo member repeats a move the screen still asks for after this long.
RETRY_S = 2.0
# Evaluation members are 30 MB each at 1280x720: keep the last few.
_CACHED_MEMBERS = 2


class Stage:
    def __init__(self, size: tuple[int, int] = (1280, 720), seed: int = 0, *,
                 demo_member: bool = True, include_shared: bool = True,
                 retry_s: float | None = RETRY_S) -> None:
        from vision.synth.scenes import lobby_background

        self.size = size
        self.seed = seed
        self.retry_s = retry_s
        self.include_shared = include_shared
        background = lobby_background(seed)
        if background.shape[1::-1] != tuple(size):
            background = cv2.resize(background, size, interpolation=cv2.INTER_AREA)
        self._background = background
        self._still: np.ndarray | None = None
        self._actor: Any = None
        self._cooperative = False
        self._t0 = 0.0
        self._asked: str | None = None
        self._asked_t = 0.0
        self._pending: tuple[Any, ...] | None = None  # a demo-member command waiting for the build
        self._photos: list[tuple[str, np.ndarray]] | None = None
        self._members: OrderedDict[int, SyntheticMember] = OrderedDict()
        self._demo: SyntheticMember | None = None
        self._demo_ready = threading.Event()
        if demo_member:
            # FaceMesh on the photo takes a few seconds: meanwhile the camera
            # shows the lobby (a person steps in long after start-up).
            threading.Thread(target=self._build_demo, name="stage-member", daemon=True).start()
        else:
            self._demo_ready.set()

    def _build_demo(self) -> None:
        try:
            from vision.synth.face import astronaut_bgr

            self._demo = SyntheticMember(astronaut_bgr(), seed=self.seed, size=self.size)
        except Exception:  # noqa: BLE001 - the camera goes on showing the lobby
            log.exception("could not build the demo member")
        finally:
            self._demo_ready.set()

    # -- commands -----------------------------------------------------------------
    def command(self, name: str, *args: Any) -> None:
        handler = getattr(self, f"_do_{name}", None)
        if handler is None:
            raise ValueError(f"unknown stage command {name!r}")
        handler(*args)

    def _do_idle(self) -> None:
        self._set(None, None)

    def _do_phone(self, text: str) -> None:
        from vision.synth.scenes import render_phone_scene

        frame = render_phone_scene(text, np.random.default_rng(self.seed),
                                   background=self._background)
        if frame.shape[1::-1] != tuple(self.size):
            frame = cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA)
        self._set(frame, None)

    def _do_member(self, t0: float) -> None:
        self._step_in_demo(("member", t0))

    def _do_attack(self, t0: float, kind: str, asked: list[str]) -> None:
        self._step_in_demo(("attack", t0, kind, asked))

    def _do_cast(self, t0: float, kind: str, photo: int, seed: int, asked: list[str],
                 blink_hz: float = 0.25) -> None:
        self._enter(self._evaluation_member(photo), t0, kind, asked, seed, blink_hz)

    def _do_ask(self, t: float, challenge: str | None) -> None:
        actor = self._actor
        if actor is None:
            return
        rel = t - self._t0
        ch = Challenge(challenge) if challenge else None
        if (self._cooperative and self.retry_s is not None and ch is not None
                and challenge == self._asked and rel - self._asked_t > self.retry_s):
            actor.perform(ch, rel + 0.2)
            self._asked_t = rel
        elif challenge != self._asked:
            self._asked, self._asked_t = challenge, rel
        actor.set_action(ch, rel)

    # -- people ---------------------------------------------------------------------
    def _set(self, still: np.ndarray | None, actor: Any, t0: float = 0.0,
             cooperative: bool = False) -> None:
        self._pending = None
        self._still, self._actor, self._t0 = still, actor, t0
        self._cooperative = cooperative
        self._asked, self._asked_t = None, 0.0

    def _step_in_demo(self, cmd: tuple[Any, ...]) -> None:
        if not self._demo_ready.is_set():
            self._set(None, None)
            self._pending = cmd  # shown once built (see frame)
            return
        if self._demo is None:
            self._set(None, None)
            return
        if cmd[0] == "member":
            self._enter(self._demo, cmd[1], LIVE, [], self.seed, 0.0)
        else:
            self._enter(self._demo, cmd[1], cmd[2], cmd[3], self.seed, 0.0)

    def _enter(self, member: SyntheticMember, t0: float, kind: str, asked: list[str],
               seed: int, blink_hz: float) -> None:
        from vision.synth.actor import Performer
        from vision.synth.attacks import AttackKind, make_attacker

        if kind == LIVE:
            actor: Any = Performer(member, seed=seed, spontaneous_blink_hz=blink_hz)
        else:
            actor = make_attacker(AttackKind(kind), member, [Challenge(c) for c in asked],
                                  seed=seed)
        self._set(None, actor, t0, cooperative=kind == LIVE)

    def _evaluation_member(self, photo: int) -> SyntheticMember:
        if photo in self._members:
            self._members.move_to_end(photo)
            return self._members[photo]
        if self._photos is None:
            from vision.synth.photos import photo_variants

            self._photos = list(photo_variants(self.include_shared))
        _name, image = self._photos[photo % len(self._photos)]
        # The seed of evaluate.build_members: the same member as the other paths.
        member = SyntheticMember(image, seed=self.seed + photo % len(self._photos),
                                 size=self.size)
        self._members[photo] = member
        while len(self._members) > _CACHED_MEMBERS:
            self._members.popitem(last=False)
        return member

    # -- the camera ------------------------------------------------------------------
    def frame(self, t: float) -> np.ndarray:
        if self._pending is not None and self._demo_ready.is_set():
            cmd = self._pending
            self._step_in_demo(cmd)
        if self._still is not None:
            return self._still
        if self._actor is not None:
            return self._actor.next_frame(t - self._t0)
        return self._background

    @property
    def photos(self) -> int:
        """How many photo variants ``cast`` chooses from."""
        if self._photos is None:
            from vision.synth.photos import photo_variants

            self._photos = list(photo_variants(self.include_shared))
        return len(self._photos)
