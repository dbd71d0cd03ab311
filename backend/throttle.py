"""Slowing down guessers: the limits on failed authentications (per client
address, per claimed identity, per kiosk's staff logins), answered 429 with
``Retry-After`` once too many. The counting is ``backend/auth_throttle.py``'s,
in the database, so every replica counts and enforces them together (it
was in one process's memory before issue #17).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    failures: int  # this many failures within ``window_s`` ...
    window_s: float
    block_s: float  # ... block for this long, doubling on each repeat ...
    max_block_s: float  # ... up to this
