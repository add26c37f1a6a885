"""Petition services on a real SQLite file: lifecycle, goals, counts, refusals, a surge."""

from __future__ import annotations

import asyncio

import pytest

from bot.db import Database
from bot.domain.errors import (
    AlreadySigned,
    InvalidInput,
    NotAnOrganizer,
    NotSigned,
    PetitionClosed,
    PetitionGone,
    PetitionNotFound,
)
from bot.domain.petitions import Status, parse_draft
from bot.services import Services
from tests.conftest import GUILD, FakeClock, member, organizer

DRAFT = parse_draft(
    title="Designate Belarus for Temporary Protected Status",
    recipient="the President & U.S. Congress",
    letter="We ask you to designate Belarus for TPS.",
)


async def table_counts(db: Database) -> dict[str, int]:
    async with db.read() as conn:
        return {
            t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}"))
            for t in ("petitions", "signatures", "signers", "goal_changes", "audit_log")
        }


async def test_lifecycle(services: Services, db: Database, clock: FakeClock) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    assert p.status is Status.OPEN and p.goal == 5 and p.total == 0
    assert (await services.petitions.get(GUILD, p.code.lower())).id == p.id

    signed_at = clock.now
    first = await services.petitions.sign(member(10), p.id)
    assert first.signer_number == 1 and first.petition.total == 1
    clock.advance(days=1)
    with pytest.raises(AlreadySigned) as again:
        await services.petitions.sign(member(10), p.id)
    assert again.value.params["date"] == signed_at
    assert (await services.petitions.get(GUILD, p.code)).total == 1

    after = await services.petitions.withdraw(member(10), p.code)
    assert after.total == 0
    with pytest.raises(NotSigned):
        await services.petitions.withdraw(member(10), p.code)

    closed = await services.petitions.set_status(organizer(), p.code, Status.CLOSED)
    assert closed.status is Status.CLOSED
    before = await table_counts(db)
    with pytest.raises(PetitionClosed):
        await services.petitions.sign(member(11), p.id)
    assert await table_counts(db) == before


async def test_signer_numbers_stay_distinct_after_withdrawals(services: Services) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    numbers = [(await services.petitions.sign(member(u), p.id)).signer_number for u in (1, 2, 3)]
    await services.petitions.withdraw(member(2), p.code)
    numbers.append((await services.petitions.sign(member(4), p.id)).signer_number)
    assert numbers == [1, 2, 3, 4]


async def test_goal_rises_with_the_ladder_and_is_recorded(services: Services, db: Database) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    changes = []
    for user in range(1, 12):
        result = await services.petitions.sign(member(user), p.id)
        if result.goal_change:
            changes.append((result.goal_change.from_goal, result.goal_change.to_goal))
    assert changes == [(5, 10), (10, 25)]
    async with db.read() as conn:
        from bot.db import petitions as repo

        history = await repo.goal_history(conn, p.id)
    assert [(f, t, r) for f, t, r, _ in history] == [(5, 10, "reached"), (10, 25, "reached")]


async def test_external_count_adds_to_total_and_can_raise_the_goal(services: Services) -> None:
    p = await services.petitions.create(organizer(), parse_draft(
        title="T", recipient="R", letter="L", goal="1000"
    ))  # fmt: skip
    assert p.goal == 1000 and p.goal_is_custom
    await services.petitions.sign(member(1), p.id)
    r = await services.petitions.set_external(organizer(), p.code, 677)
    updated, change = r.petition, r.goal_change
    assert updated.total == 678 and change is None
    r = await services.petitions.set_external(organizer(), p.code, 1200)
    updated, change = r.petition, r.goal_change
    assert updated.total == 1201
    assert change is not None and change.to_goal == 2500
    with pytest.raises(InvalidInput):
        await services.petitions.set_external(organizer(), p.code, -1)


async def test_members_cannot_run_organizer_actions_and_nothing_changes(
    services: Services, db: Database
) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    before = await table_counts(db)
    with pytest.raises(NotAnOrganizer):
        await services.petitions.create(member(5), DRAFT)
    with pytest.raises(NotAnOrganizer):
        await services.petitions.set_status(member(5), p.code, Status.CLOSED)
    with pytest.raises(NotAnOrganizer):
        await services.petitions.delete(member(5), p.id)
    with pytest.raises(NotAnOrganizer):
        await services.petitions.set_external(member(5), p.code, 10)
    with pytest.raises(NotAnOrganizer):
        await services.petitions.edit(member(5), p.id, DRAFT)
    assert await table_counts(db) == before
    assert (await services.petitions.get(GUILD, p.code)).status is Status.OPEN


async def test_organizer_role_counts_and_is_checked_fresh(services: Services) -> None:
    from bot.domain.actors import Actor

    await services.guilds.update(organizer(), organizer_role_id=777)
    with_role = Actor(user_id=9, guild_id=GUILD, display_name="x", role_ids=frozenset({777}))
    without = Actor(user_id=9, guild_id=GUILD, display_name="x", role_ids=frozenset())
    assert (await services.petitions.create(with_role, DRAFT)).author_id == 9
    with pytest.raises(NotAnOrganizer):
        await services.petitions.create(without, DRAFT)


async def test_unknown_deleted_and_foreign_petitions(services: Services) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    with pytest.raises(PetitionNotFound):
        await services.petitions.get(GUILD, "ZZZZZZ")
    with pytest.raises(PetitionNotFound):
        await services.petitions.get(GUILD, "not a code")
    with pytest.raises(PetitionNotFound):
        await services.petitions.get(GUILD + 1, p.code)
    with pytest.raises(PetitionGone):
        await services.petitions.sign(member(3, guild_id=GUILD + 1), p.id)
    await services.petitions.delete(organizer(), p.id)
    with pytest.raises(PetitionGone):
        await services.petitions.sign(member(3), p.id)
    with pytest.raises(PetitionGone):
        await services.petitions.edit(organizer(), p.id, DRAFT)
    with pytest.raises(PetitionNotFound):
        await services.petitions.get(GUILD, p.code)


async def test_delete_keeps_the_audit_trail(services: Services, db: Database) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.delete(organizer(), p.id)
    async with db.read() as conn:
        from bot.db import audit

        actions = [e.action for e in await audit.recent(conn, GUILD)]
    assert actions == ["petition.delete", "petition.create"]


async def test_surge_of_500_concurrent_signatures_is_exact(services: Services) -> None:
    p = await services.petitions.create(organizer(), DRAFT)
    results = await asyncio.gather(*(services.petitions.sign(member(u), p.id) for u in range(500)))
    numbers = sorted(r.signer_number for r in results)
    assert numbers == list(range(1, 501))
    final = await services.petitions.get(GUILD, p.code)
    assert final.total == 500 and final.goal == 1000
