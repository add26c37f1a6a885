"""Reward roles (issue 5): organizers map recruit counts to roles; Rally grants a role when a
member's counted recruits reach it and removes it when they drop below.

Which members to look at comes from `reward_checks`, which the signature triggers fill whenever
a recruiter's count changes — whatever changed it. The Discord side (adding and removing roles)
is the scheduler's; this service says what should change and records what did.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database, audit
from bot.db import rewards as rewards_db
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.drives import RewardRole, earned_roles
from bot.services.guilds import require_organizer


@dataclass(frozen=True, slots=True)
class RewardPlan:
    guild_id: int
    user_id: int
    recruits: int
    add: frozenset[int]
    remove: frozenset[int]


class RewardService:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    async def roles(self, guild_id: int) -> list[RewardRole]:
        async with self.db.read() as conn:
            return await rewards_db.roles(conn, guild_id)

    async def configure(self, actor: Actor, recruits: int, role_id: int | None) -> list[RewardRole]:
        """Map `recruits` → `role_id` (None removes the reward at that count); every recruiter
        of the server is checked again."""
        now = self.clock()
        async with self.db.transaction() as conn:
            settings = await require_organizer(conn, actor)
            guild_id = settings.guild_id
            if role_id is None:
                await rewards_db.remove_role(conn, guild_id, recruits)
            else:
                await rewards_db.set_role(conn, guild_id, recruits, role_id, now)
            await rewards_db.check_everyone(conn, guild_id)
            await audit.record(
                conn,
                guild_id=guild_id,
                actor_id=actor.user_id,
                action="milestones.reward",
                subject=str(recruits),
                now=now,
                details={"role": role_id},
            )
            return await rewards_db.roles(conn, guild_id)

    async def next_plans(self, limit: int = 50) -> list[RewardPlan]:
        """What to change for members whose recruits changed; their checks are taken (a change
        after this queues a new one)."""
        plans = []
        async with self.db.transaction() as conn:
            for guild_id, user_id in await rewards_db.pending_checks(conn, limit):
                await rewards_db.done_check(conn, guild_id, user_id)
                recruits = await rewards_db.recruits_of(conn, guild_id, user_id)
                wanted = earned_roles(recruits, await rewards_db.roles(conn, guild_id))
                held = await rewards_db.granted(conn, guild_id, user_id)
                if wanted != held:
                    plans.append(
                        RewardPlan(
                            guild_id,
                            user_id,
                            recruits,
                            frozenset(wanted - held),
                            frozenset(held - wanted),
                        )
                    )
        return plans

    async def record(
        self, plan: RewardPlan, *, added: set[int], removed: set[int], retry: bool = False
    ) -> None:
        """Remember what was granted and removed; `retry` queues the member again."""
        now = self.clock()
        async with self.db.transaction() as conn:
            for role_id in added:
                await rewards_db.record_grant(conn, plan.guild_id, plan.user_id, role_id, now)
            for role_id in removed:
                await rewards_db.record_removal(conn, plan.guild_id, plan.user_id, role_id)
            if retry:
                await rewards_db.queue_check(conn, plan.guild_id, plan.user_id)
