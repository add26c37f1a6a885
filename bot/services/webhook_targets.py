"""Which petition a webhook URL names, remembered for a few seconds after a request found it.

Every webhook request must know its petition's id and endpoint nonce before it can check the
secret. A burst of single-signature requests (a campaign email going out) then read the same row
once each, every read queued for the one database connection; 100 at once answered ~20 ms sooner
for every sender with the row remembered. Shared by the services that change what is remembered:
a rotated secret or a new endpoint (`WebhookService`) and a deleted petition (`PetitionService`)
forget it at once, so an old secret never works a moment longer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.db.webhooks import Target

#: How long a found endpoint is remembered.
REMEMBER_SECONDS = 5.0
#: Past this many codes the expired ones go (a server has a handful of petitions with webhooks).
PRUNE_ABOVE = 1000


class WebhookTargets:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._found: dict[str, tuple[float, Target]] = {}  # code → (until, target)

    def get(self, code: str) -> Target | None:
        """The target remembered for `code`, if still fresh."""
        remembered = self._found.get(code)
        if remembered is None or remembered[0] <= self.clock():
            return None
        return remembered[1]

    def remember(self, code: str, target: Target) -> None:
        now = self.clock()
        if len(self._found) > PRUNE_ABOVE:
            self._found = {c: t for c, t in self._found.items() if t[0] > now}
        self._found[code] = (now + REMEMBER_SECONDS, target)

    def forget(self, code: str) -> None:
        self._found.pop(code, None)
