"""When members last interacted, so work that can wait a moment waits for a lull.

A milestone announcement carries a share card, and drawing one costs ~0.1 s of CPU. Drawn in the
middle of a surge it competes with answering the very members whose clicks crossed the
milestone — who must be answered within Discord's 3 s. So the announcer first waits until no
interaction has come for `quiet` seconds (at most `longest`): the celebration comes a moment
later, every member's answer sooner.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable


class Activity:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._last = -math.inf

    def touch(self) -> None:
        """An interaction came in now."""
        self._last = self.clock()

    async def lull(self, quiet: float, longest: float) -> None:
        """Return once no interaction came for `quiet` seconds, or after `longest` seconds."""
        deadline = self.clock() + longest
        while True:
            now = self.clock()
            wait = min(self._last + quiet, deadline) - now
            if wait <= 0:
                return
            await asyncio.sleep(wait)
