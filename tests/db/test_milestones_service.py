"""Milestones in the signing transaction: queued once, in order, whatever the concurrency."""

from __future__ import annotations

import asyncio

from bot.db import Database
from bot.domain.petitions import parse_draft
from bot.services import Services
from tests.conftest import member, organizer

DRAFT = parse_draft(title="T", recipient="R", letter="L", goal="100000")


async def queued(db: Database) -> list[tuple[str, int]]:
    async with db.read() as conn:
        rows = await conn.fetchall("SELECT kind, threshold FROM announcements ORDER BY id")
    return [(r[0], r[1]) for r in rows]


async def test_concurrent_signatures_queue_each_rung_once_in_order(
    services: Services, db: Database
) -> None:
    await services.milestones.configure(organizer(), announce_each=True)
    p = await services.petitions.create(organizer(), DRAFT)
    await asyncio.gather(*(services.petitions.sign(member(u), p.id) for u in range(1, 1001)))
    assert await queued(db) == [("milestone", r) for r in (10, 25, 50, 100, 250, 500, 750, 1000)]


async def test_withdraw_and_resign_across_a_rung_queues_nothing_new(
    services: Services, db: Database
) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    for u in range(1, 11):
        await services.petitions.sign(member(u), p.id)
    assert await queued(db) == [("milestone", 10)]
    await services.petitions.withdraw(member(10), p.code)
    again = await services.petitions.sign(member(10), p.id)
    assert again.announcements == []
    assert await queued(db) == [("milestone", 10)]


async def test_import_style_jump_announces_only_the_highest_by_default(
    services: Services, db: Database
) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    result = await services.petitions.set_external(organizer(), p.code, 480)
    assert len(result.announcements) == 1
    await services.petitions.set_external(organizer(), p.code, 1020)
    assert await queued(db) == [("milestone", 250), ("milestone", 1000)]


async def test_custom_ladder_per_petition(services: Services, db: Database) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    config = await services.milestones.configure(organizer(), petition_code=p.code, ladder="3, 7")
    assert config.ladder == (3, 7)
    for u in range(1, 9):
        await services.petitions.sign(member(u), p.id)
    assert await queued(db) == [("milestone", 3), ("milestone", 7)]
