"""The drives' scheduler: fires due jobs (start, "24 hours left", end) and keeps reward roles
in step with recruit counts.

Due times live in the database and "now" comes from the injected clock, so a restart or a long
downtime changes nothing: on the next tick every job that is due fires once (marked late when it
is), and its announcement goes through the outbox like any other. Tests call `run_due()` after
moving their clock; nothing here sleeps for a due time.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.background import Poller
from bot.domain.drives import JobKind
from bot.services.rewards import RewardPlan

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)


class DriveScheduler(Poller):
    name = "rally-drive-scheduler"

    def __init__(self, bot: RallyBot, *, poll_seconds: float = 5.0) -> None:
        super().__init__(bot, interval=poll_seconds)

    async def tick(self) -> object:
        return await self.run_due()

    async def run_due(self) -> list[tuple[int, JobKind, bool]]:
        """One tick: fire what is due, then reconcile reward roles. Returns what fired."""
        async with self.lock:
            fired = await self.bot.services.drives.fire_due()
            for drive_id, kind, late, _ in fired:
                log.info("drive %s: %s fired%s", drive_id, kind.value, " late" if late else "")
                self.bot.drive_status.touch(drive_id)
            if any(queued for *_, queued in fired):
                self.bot.announcer.wake()
            await self.sync_rewards()
            return [(drive_id, kind, late) for drive_id, kind, late, _ in fired]

    async def sync_rewards(self) -> int:
        """Grant and remove reward roles for members whose recruits changed; how many changed."""
        changed = 0
        rewards = self.bot.services.rewards
        for plan in await rewards.next_plans():
            added, removed, retry = await self._apply(plan)
            await rewards.record(plan, added=added, removed=removed, retry=retry)
            changed += len(added) + len(removed)
        return changed

    async def _apply(self, plan: RewardPlan) -> tuple[set[int], set[int], bool]:
        http = self.bot.http
        added: set[int] = set()
        removed: set[int] = set()
        reason = "Rally: recruit reward"
        for role_id, grant in [(r, True) for r in plan.add] + [(r, False) for r in plan.remove]:
            try:
                if grant:
                    await http.add_role(plan.guild_id, plan.user_id, role_id, reason=reason)
                    added.add(role_id)
                else:
                    await http.remove_role(plan.guild_id, plan.user_id, role_id, reason=reason)
                    removed.add(role_id)
            except discord.NotFound:
                if not grant:
                    removed.add(role_id)  # the role or the member is gone: nothing to remove
                log.info("reward role %s: member or role gone in guild %s", role_id, plan.guild_id)
            except discord.Forbidden:
                log.warning(
                    "reward role %s in guild %s: Rally lacks Manage Roles or sits below the role",
                    role_id,
                    plan.guild_id,
                )
            except (discord.HTTPException, OSError) as exc:
                log.warning("reward role %s: %s; will retry", role_id, type(exc).__name__)
                return added, removed, True
        return added, removed, False
