"""Per-member cooldowns on signing, linking and code entry, kept in memory.

In memory on purpose: Rally runs as one process (the database's only writer), the waits are
seconds long, and forgetting them on a restart only lets a member act once more sooner. Keeping
them in SQLite would add a write to every click for no protection worth having. A refused call
changes nothing else.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from bot.domain.abuse import AbuseLimits, Action, CoolingDown

#: Entries older than the longest cooldown are dropped once the table holds this many.
PRUNE_AT = 10_000


class Cooldowns:
    def __init__(self, limits: AbuseLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._last: dict[tuple[Action, int], float] = {}
        # Signing checks its cooldown inside the sign transaction, on the database thread;
        # linking and code entry check theirs on the event loop's.
        self._guard = threading.Lock()

    def check(self, action: Action, user_id: int) -> None:
        """Start the member's cooldown for `action`; `CoolingDown` if it is still running."""
        wait = self.limits.cooldown(action)
        if wait <= 0:
            return
        key = (action, user_id)
        with self._guard:
            now = self.clock()
            last = self._last.get(key)
            if last is not None and now - last < wait:
                raise CoolingDown(seconds=max(1, math.ceil(wait - (now - last))))
            self._last[key] = now
            if len(self._last) > PRUNE_AT:
                self._prune(now)

    def _prune(self, now: float) -> None:
        longest = max(self.limits.cooldown(a) for a in Action)
        self._last = {k: t for k, t in self._last.items() if now - t < longest}
