"""Slowing down guessers: failed authentications counted per client address
and per claimed identity, answered 429 with ``Retry-After`` once too many.

In memory, per service process: a replica behind a load balancer counts
only what reaches it (docs/SECURITY.md says what that means). The table is
bounded, so a flood of fresh addresses cannot grow it without limit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    failures: int  # this many failures within ``window_s`` ...
    window_s: float
    block_s: float  # ... block for this long, doubling on each repeat ...
    max_block_s: float  # ... up to this


@dataclass
class _Entry:
    times: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    strikes: int = 0  # blocks so far: each one doubles the next


class Throttle:
    def __init__(self, limit: Limit, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.max_keys = max_keys
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def retry_after_s(self, key: str) -> int:
        """Seconds until ``key`` may try again (0: not blocked)."""
        entry = self._entries.get(key)
        if entry is None:
            return 0
        left = entry.blocked_until - self.clock()
        return math.ceil(left) if left > 0 else 0

    def fail(self, key: str) -> None:
        now = self.clock()
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)  # the longest untouched
        else:
            self._entries.move_to_end(key)
        entry.times.append(now)
        while entry.times and entry.times[0] < now - self.limit.window_s:
            entry.times.popleft()
        if len(entry.times) >= self.limit.failures:
            block = min(self.limit.max_block_s, self.limit.block_s * 2 ** entry.strikes)
            entry.blocked_until = now + block
            entry.strikes += 1
            entry.times.clear()
