"""Abuse limits on a real SQLite file: new accounts and bursts held for review, accept/reject
through the counting path, withdrawals, cooldowns, refusals that change nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from itertools import count
from typing import Any

import pytest

from bot.db import Database
from bot.domain.abuse import (
    AbuseLimits,
    Action,
    AwaitingReview,
    CoolingDown,
    HoldReason,
    NotCounted,
    NotPending,
    account_created_at,
    hold_reason,
    snowflake_floor,
)
from bot.domain.errors import AlreadySigned, NotAnOrganizer
from bot.domain.petitions import Petition, parse_draft
from bot.domain.sealing import Hasher
from bot.domain.signer_errors import NoLinkPending
from bot.services import Services
from bot.services.cooldowns import Cooldowns
from bot.services.signers import SignerConfig
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import HASH_KEY
from tests.db.test_drives_signing import drive, snapshot, table

REVIEW_CHANNEL = 777
_serial = count(1)


def account(clock: FakeClock, age: timedelta) -> int:
    """A Discord id of an account created `age` before the clock's now (distinct every call)."""
    return snowflake_floor(clock.now - age) | next(_serial)


NEW = timedelta(hours=5)
YOUNG = timedelta(days=10)  # past the 3-day rule, inside the 30-day burst rule
OLD = timedelta(days=400)


async def petition(services: Services, goal: str = "1000") -> Petition:
    draft = parse_draft(title="Free them", recipient="R", letter="L", goal=goal)
    return await services.petitions.create(organizer(), draft)


async def with_review_channel(services: Services) -> None:
    await services.guilds.update(organizer(), review_channel_id=REVIEW_CHANNEL)


async def state(db: Database, p: Petition) -> dict[str, Any]:
    return {
        "total": (await table(db, f"SELECT signature_count FROM petitions WHERE id = {p.id}"))[0],
        "statuses": await table(db, "SELECT status FROM signatures ORDER BY id"),
        "holds": await table(db, "SELECT reason FROM signature_holds ORDER BY signature_id"),
        "hours": await table(db, "SELECT COALESCE(SUM(count), 0) FROM petition_hours"),
        "outbox": await table(db, "SELECT kind, channel_id FROM announcements ORDER BY id"),
    }


# -- rules ---------------------------------------------------------------------------------------
def test_account_age_is_read_from_the_snowflake() -> None:
    # Discord's documented example: 175928847299117063 was created 2016-04-30 11:18:25.796 UTC.
    created = account_created_at(175928847299117063)
    assert created.isoformat() == "2016-04-30T11:18:25.796000+00:00"
    assert account_created_at(snowflake_floor(created)) == created


def test_hold_reason(clock: FakeClock) -> None:
    limits = AbuseLimits()
    assert hold_reason(limits, account(clock, NEW), clock.now, None) is HoldReason.NEW_ACCOUNT
    assert hold_reason(limits, account(clock, YOUNG), clock.now, 4) is None
    assert hold_reason(limits, account(clock, YOUNG), clock.now, 5) is HoldReason.BURST
    assert hold_reason(limits, account(clock, OLD), clock.now, None) is None
    off = AbuseLimits(new_account_age=timedelta(0), burst_count=0)
    assert hold_reason(off, account(clock, NEW), clock.now, None) is None
    assert not off.is_young(account(clock, NEW), clock.now)
    # an account "created after now" (a test's or a skewed clock): new when the rule is on only
    future = account(clock, -timedelta(days=1))
    assert limits.is_new(future, clock.now) and not off.is_new(future, clock.now)
    assert not AbuseLimits(burst_account_age=timedelta(0)).is_young(future, clock.now)


# -- holding -------------------------------------------------------------------------------------
async def test_a_new_accounts_signature_is_held_reported_and_not_counted(
    services: Services, db: Database, clock: FakeClock
) -> None:
    await with_review_channel(services)
    p = await petition(services)
    await services.petitions.sign(member(account(clock, OLD)), p.id)
    user = account(clock, NEW)
    result = await services.petitions.sign(member(user), p.id)
    assert result.held and result.signer_number == 0 and len(result.announcements) == 1
    assert await state(db, p) == {
        "total": (1,),
        "statuses": [("counted",), ("pending",)],
        "holds": [("new_account",)],
        "hours": [(1,)],
        "outbox": [("review", REVIEW_CHANNEL)],
    }
    # signing again while it waits: told kindly, nothing changes
    before = await state(db, p)
    with pytest.raises(AwaitingReview):
        await services.petitions.sign(member(user), p.id)
    assert await state(db, p) == before
    assert (await services.petitions.get_by_id(p.id)).total == 1


async def test_without_a_review_channel_it_is_held_and_only_listed(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    user = account(clock, NEW)
    result = await services.petitions.sign(member(user), p.id)
    assert result.held and result.announcements == []
    found, total = await services.reviews.pending(organizer())
    assert total == 1 and [(h.user_id, h.petition_code, h.reason) for h in found] == [
        (user, p.code, HoldReason.NEW_ACCOUNT)
    ]
    assert found[0].account_created_at == account_created_at(user)
    assert (await state(db, p))["outbox"] == []


async def test_a_burst_of_young_accounts_is_held_after_the_fifth(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    for _ in range(5):
        assert not (await services.petitions.sign(member(account(clock, YOUNG)), p.id)).held
        clock.advance(minutes=1)
    # an old account is never part of a burst
    assert not (await services.petitions.sign(member(account(clock, OLD)), p.id)).held
    sixth = await services.petitions.sign(member(account(clock, YOUNG)), p.id)
    assert sixth.held
    assert (await state(db, p))["holds"] == [("burst",)]
    # ten minutes after the first ones the window has moved on: 2 of 6 young ones are left in it
    clock.advance(minutes=7)
    assert not (await services.petitions.sign(member(account(clock, YOUNG)), p.id)).held
    assert (await services.petitions.get_by_id(p.id)).total == 7


async def test_a_concurrent_burst_counts_exactly_five(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    results = await asyncio.gather(
        *(services.petitions.sign(member(account(clock, YOUNG)), p.id) for _ in range(20))
    )
    assert sum(1 for r in results if not r.held) == 5
    assert (await services.petitions.get_by_id(p.id)).total == 5
    assert (await state(db, p))["holds"] == [("burst",)] * 15


# -- deciding ------------------------------------------------------------------------------------
async def test_accept_counts_it_through_the_counting_path_and_announces_once(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services, goal="1000")
    for _ in range(9):
        await services.petitions.sign(member(account(clock, OLD)), p.id)
    held = await services.petitions.sign(member(account(clock, NEW)), p.id)
    assert held.held and held.announcements == []
    signature_id = (await services.reviews.pending(organizer()))[0][0].signature_id
    clock.advance(hours=1)
    decided = await services.reviews.decide(organizer(), signature_id, accept=True)
    assert decided.accepted and decided.petition.total == 10
    assert len(decided.announcements) == 1  # the 10-signature milestone
    row = f"SELECT status, signer_number FROM signatures WHERE id = {signature_id}"
    assert await table(db, row) == [("counted", 10)]
    assert (await state(db, p))["holds"] == []
    assert (await state(db, p))["hours"] == [(10,)]
    assert await table(db, "SELECT kind, threshold FROM announcements") == [("milestone", 10)]
    assert await table(db, "SELECT action FROM audit_log WHERE action LIKE 'signature.%'") == [
        ("signature.accept",)
    ]
    # a second press (or another organizer at the same time) changes nothing
    before = await state(db, p)
    with pytest.raises(NotPending):
        await services.reviews.decide(organizer(), signature_id, accept=True)
    with pytest.raises(NotPending):
        await services.reviews.decide(organizer(), signature_id, accept=False)
    assert await state(db, p) == before


async def test_reject_leaves_it_uncounted_and_the_member_cannot_sign_again(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    user = account(clock, NEW)
    await services.petitions.sign(member(user), p.id)
    signature_id = (await services.reviews.pending(organizer()))[0][0].signature_id
    decided = await services.reviews.decide(organizer(), signature_id, accept=False)
    assert not decided.accepted and decided.petition.total == 0 and decided.announcements == []
    assert await state(db, p) == {
        "total": (0,),
        "statuses": [("rejected",)],
        "holds": [],
        "hours": [(0,)],
        "outbox": [],
    }
    with pytest.raises(NotCounted):
        await services.petitions.sign(member(user), p.id)
    # withdrawing removes the rejected row; the count does not move
    assert (await services.petitions.withdraw(member(user), p.code)).total == 0
    assert (await state(db, p))["statuses"] == []


async def test_withdrawing_a_held_signature_removes_it_and_its_hold(
    services: Services, db: Database, clock: FakeClock
) -> None:
    await with_review_channel(services)
    p = await petition(services)
    await services.petitions.sign(member(account(clock, OLD)), p.id)
    user = account(clock, NEW)
    await services.petitions.sign(member(user), p.id)
    signature_id = (await services.reviews.pending(organizer()))[0][0].signature_id
    after = await services.petitions.withdraw(member(user), p.code)
    assert after.total == 1
    assert (await state(db, p))["statuses"] == [("counted",)]
    assert (await state(db, p))["holds"] == []
    assert await services.reviews.get(signature_id) is None
    with pytest.raises(NotPending):
        await services.reviews.decide(organizer(), signature_id, accept=True)


async def test_a_non_organizer_cannot_decide_or_list_and_nothing_changes(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    await services.petitions.sign(member(account(clock, NEW)), p.id)
    signature_id = (await services.reviews.pending(organizer()))[0][0].signature_id
    before = await state(db, p)
    audit_before = await table(db, "SELECT COUNT(*) FROM audit_log")
    for accept in (True, False):
        with pytest.raises(NotAnOrganizer):
            await services.reviews.decide(member(42), signature_id, accept=accept)
    with pytest.raises(NotAnOrganizer):
        await services.reviews.pending(member(42))
    # an organizer of another server cannot decide this server's holds either
    with pytest.raises(NotPending):
        await services.reviews.decide(organizer(guild_id=9), signature_id, accept=True)
    assert await state(db, p) == before
    assert await table(db, "SELECT COUNT(*) FROM audit_log") == audit_before


async def test_during_a_drive_it_counts_for_the_drive_only_once_accepted(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    await drive(services, p)
    anna = await services.volunteers.join(member(10), "Push", None)
    held = await services.petitions.sign(member(account(clock, NEW)), p.id, referral=anna.code)
    assert held.held
    drive_state = "SELECT d.signature_count, p.recruits FROM drives d, drive_participants p"
    assert await table(db, drive_state) == [(0, 0)]
    assert await table(db, "SELECT COUNT(*) FROM recruit_events") == [(0,)]
    board = "SELECT COALESCE(SUM(recruits), 0) FROM recruiter_counts"
    assert await table(db, board) == [(0,)]
    signature_id = (await services.reviews.pending(organizer()))[0][0].signature_id
    decided = await services.reviews.decide(organizer(), signature_id, accept=True)
    assert await table(db, drive_state) == [(1, 1)]
    assert (await table(db, board))[0][0] > 0  # the leaderboards count the recruit now
    # announced as when a member signs: a quarter of the drive's goal, anna's first recruit
    assert await table(db, "SELECT kind, threshold FROM announcements ORDER BY id") == [
        ("drive_goal", 25),
        ("recruit", 1),
    ]
    assert len(decided.announcements) == 2


async def test_concurrent_accepts_keep_the_count_exact(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services, goal="1000")
    for _ in range(30):
        await services.petitions.sign(member(account(clock, NEW)), p.id)
    found, total = await services.reviews.pending(organizer())
    assert total == 30 and len(found) == 25
    ids = [h.signature_id for h in found]
    # every signature accepted twice at once: each counts exactly once
    results = await asyncio.gather(
        *(services.reviews.decide(organizer(), i, accept=True) for i in ids + ids),
        return_exceptions=True,
    )
    assert sum(1 for r in results if isinstance(r, NotPending)) == 25
    assert (await services.petitions.get_by_id(p.id)).total == 25
    numbers = await table(db, "SELECT signer_number FROM signatures WHERE status = 'counted'")
    assert sorted(n for (n,) in numbers) == list(range(1, 26))
    milestones = await table(db, "SELECT threshold FROM announcements ORDER BY id")
    assert milestones == [(10,), (25,)]


# -- cooldowns -----------------------------------------------------------------------------------
def test_cooldowns_refuse_within_the_wait_and_per_action() -> None:
    now = [100.0]
    cooldowns = Cooldowns(AbuseLimits(sign_cooldown=5, link_cooldown=30), clock=lambda: now[0])
    cooldowns.check(Action.SIGN, 1)
    cooldowns.check(Action.LINK, 1)  # another action: its own cooldown
    cooldowns.check(Action.SIGN, 2)  # another member
    now[0] += 3.2
    with pytest.raises(CoolingDown) as refused:
        cooldowns.check(Action.SIGN, 1)
    assert refused.value.params == {"seconds": 2}
    now[0] += 1.8
    cooldowns.check(Action.SIGN, 1)
    off = Cooldowns(AbuseLimits(code_cooldown=0))
    off.check(Action.CODE, 1)
    off.check(Action.CODE, 1)


async def test_signing_twice_quickly_is_refused_and_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    services = Services.build(db, clock, limits=AbuseLimits())
    first, second = await petition(services), await petition(services)
    user = account(clock, OLD)
    await services.petitions.sign(member(user), first.id)
    before = await snapshot(db)
    with pytest.raises(CoolingDown):
        await services.petitions.sign(member(user), second.id)
    assert await snapshot(db) == before
    assert (await services.petitions.get_by_id(second.id)).total == 0
    # a double click on the same petition is told it is signed, not to wait
    with pytest.raises(AlreadySigned):
        await services.petitions.sign(member(user), first.id)


async def test_linking_and_code_entry_have_their_own_cooldowns(
    db: Database, clock: FakeClock
) -> None:
    config = SignerConfig(hasher=Hasher(HASH_KEY))
    services = Services.build(db, clock, signer_config=config, limits=AbuseLimits())
    anna = member(account(clock, OLD))
    started = await services.links.start(anna, "anna@example.org")
    assert started.mode == "review"
    before = await snapshot(db)
    with pytest.raises(CoolingDown) as refused:
        await services.links.start(anna, "other@example.org")
    assert refused.value.params["seconds"] == 30
    assert await snapshot(db) == before
    with pytest.raises(NoLinkPending):
        await services.links.confirm(anna, "123456")
    with pytest.raises(CoolingDown):
        await services.links.confirm(anna, "123456")
