"""Synthetic clips written to video files, for demos and CLI tests.

``write_clip(path, challenges)`` records a synthetic member doing the
challenges (scripted: a recording cannot watch the screen); ``attack=`` records
an attacker instead, prompted at the times a member would be. The kiosk never
writes faces to disk itself; this is a developer tool.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from vision.liveness_actions import Challenge
from vision.synth.actor import Performer, write_video
from vision.synth.attacks import AttackKind, make_attacker
from vision.synth.face import SyntheticMember, astronaut_bgr


def clip_frames(challenges: Sequence[Challenge], *, photo: np.ndarray | None = None,
                attack: AttackKind | str | None = None, size: tuple[int, int] = (640, 360),
                fps: float = 25.0, seed: int = 0, ready_s: float = 1.6, gap_s: float = 0.9,
                member: SyntheticMember | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """(t, frame) of a live member (default) or an ``attack`` on the same face."""
    member = member or SyntheticMember(astronaut_bgr() if photo is None else photo, seed=seed,
                                       size=size)
    if attack is None:
        yield from Performer(member, seed=seed).frames_for(challenges, fps, ready_s=ready_s,
                                                           gap_s=gap_s)
        return
    actor = make_attacker(AttackKind(attack), member, challenges, seed=seed)
    # Prompt the attacker when a cooperative member would have been asked.
    per = 1.5 + gap_s
    duration = ready_s + per * len(challenges) + 1.0
    n = int(np.ceil(duration * fps))
    for i in range(n):
        t = i / fps
        k = int((t - ready_s) // per) if t >= ready_s else -1
        actor.set_action(challenges[k] if 0 <= k < len(challenges) else None, t)
        yield t, actor.next_frame(t)


def write_clip(path: str | Path, challenges: Sequence[Challenge], **kwargs: object) -> int:
    """Write ``clip_frames(challenges, **kwargs)`` to ``path`` (.avi MJPG or .mp4)."""
    fps = float(kwargs.get("fps", 25.0))  # type: ignore[arg-type]
    return write_video(path, clip_frames(challenges, **kwargs), fps=fps)  # type: ignore[arg-type]
