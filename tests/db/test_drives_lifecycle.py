"""A drive's life in the services: starting (and every refusal), the schedule firing once across
restarts and downtime, editing, ending early, teams, offline logs and reward-role plans."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db import Database
from bot.domain.drive_errors import (
    BadGoal,
    BadLogCount,
    BadTime,
    DriveEnded,
    DriveNameTaken,
    DriveOverlaps,
    EndBeforeStart,
    LogReviewed,
    NotJoined,
    StartInPast,
    TeamNameTaken,
)
from bot.domain.drives import JobKind
from bot.domain.errors import NotAnOrganizer, PetitionClosed
from bot.domain.petitions import Petition, Status, parse_draft
from bot.services import Services
from bot.services.drives import DriveChanges, DriveForm
from tests.conftest import GUILD, FakeClock, member, organizer


async def petition(services: Services, title: str = "T") -> Petition:
    draft = parse_draft(title=title, recipient="R", letter="L", goal="1000")
    return await services.petitions.create(organizer(), draft)


def form(p: Petition, **kw: Any) -> DriveForm:
    values: dict[str, Any] = {
        "name": "Push",
        "petition_code": p.code,
        "goal": 10,
        "end": "in 3 days",
        "channel_id": 55,
        **kw,
    }
    return DriveForm(**values)


async def table(db: Database, sql: str) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        return [tuple(r) for r in await conn.fetchall(sql)]


async def snapshot(db: Database) -> list[tuple[Any, ...]]:
    counts = []
    for name in ("drives", "teams", "drive_jobs", "audit_log", "offline_logs", "reward_roles"):
        counts += await table(db, f"SELECT '{name}', COUNT(*) FROM {name}")
    return counts


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"goal": 0}, BadGoal),
        ({"goal": -3}, BadGoal),
        ({"start": "2026-11-30 18:00", "end": "2026-11-29 18:00"}, EndBeforeStart),
        ({"start": "2026-11-01 09:00"}, StartInPast),
        ({"end": "whenever"}, BadTime),
        ({"log_cap": 0}, Exception),
    ],
)
async def test_bad_starts_change_nothing(
    services: Services, db: Database, changes: dict[str, Any], error: type[Exception]
) -> None:
    p = await petition(services)
    before = await snapshot(db)
    with pytest.raises(error):
        await services.drives.start(organizer(), form(p, **changes))
    assert await snapshot(db) == before


async def test_start_refusals_that_depend_on_other_drives(services: Services, db: Database) -> None:
    p, q, closed = [await petition(services, t) for t in "PQC"]
    await services.drives.start(organizer(), form(p))
    await services.petitions.set_status(organizer(), closed.code, Status.CLOSED)
    before = await snapshot(db)
    with pytest.raises(DriveNameTaken):
        await services.drives.start(organizer(), form(q, name="PUSH"))
    with pytest.raises(DriveOverlaps):
        await services.drives.start(
            organizer(), form(p, name="Second", start="in 2 days", end="in 5 days")
        )
    with pytest.raises(NotAnOrganizer):
        await services.drives.start(member(5), form(q, name="Mine"))
    with pytest.raises(PetitionClosed):
        await services.drives.start(organizer(), form(closed, name="Closed"))
    assert await snapshot(db) == before
    # After the first drive ends, the petition may have another.
    await services.drives.start(
        organizer(), form(p, name="Second", start="in 4 days", end="in 6 days")
    )


async def test_the_schedule_fires_once_across_restarts_and_downtime(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    drive = await services.drives.start(organizer(), form(p, start="in 1 hour"))
    assert await services.drives.fire_due() == []
    clock.advance(hours=1)
    fired = await services.drives.fire_due()
    assert [(kind, late) for _, kind, late, _ in fired] == [(JobKind.START, False)]
    assert await services.drives.fire_due() == []
    # A restart: new services over the same database; then two days of downtime.
    restarted = Services.build(db, clock)
    clock.advance(days=2, hours=2)
    fired = await restarted.drives.fire_due()
    assert [(kind, late) for _, kind, late, _ in fired] == [(JobKind.LAST_DAY, True)]
    clock.advance(days=1)
    fired = await restarted.drives.fire_due()
    assert [(kind, late) for _, kind, late, _ in fired] == [(JobKind.END, True)]
    assert await Services.build(db, clock).drives.fire_due() == []
    kinds = "SELECT kind, COUNT(*) FROM announcements GROUP BY kind ORDER BY kind"
    assert await table(db, kinds) == [
        ("drive_end", 1),
        ("drive_last_day", 1),
        ("drive_start", 1),
    ]
    ended = await restarted.drives.report(drive.id)
    assert ended is not None and ended.drive.status.value == "ended"
    assert restarted.petitions.running.running_cached(p.id, clock()) is None


async def test_a_long_downtime_skips_the_reminder_but_still_ends_once(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    await services.drives.start(organizer(), form(p))
    await services.drives.fire_due()
    clock.advance(days=5)
    fired = await Services.build(db, clock).drives.fire_due()
    assert [(kind, late) for _, kind, late, _ in fired] == [(JobKind.END, True)]
    assert await table(db, "SELECT kind, status FROM drive_jobs ORDER BY due_at") == [
        ("start", "fired"),
        ("last_day", "skipped"),
        ("end", "fired"),
    ]


async def test_edit_moves_the_schedule_and_end_early_skips_the_rest(
    services: Services, db: Database, clock: FakeClock
) -> None:
    p = await petition(services)
    drive = await services.drives.start(organizer(), form(p, end="in 20 hours"))
    await services.drives.fire_due()
    assert [k for (k,) in await table(db, "SELECT kind FROM drive_jobs ORDER BY due_at")] == [
        "start",
        "end",
    ]
    edited = await services.drives.edit(organizer(), "Push", DriveChanges(end="in 3 days", goal=20))
    assert edited.goal == 20 and edited.ends_at > drive.ends_at
    assert [k for (k,) in await table(db, "SELECT kind FROM drive_jobs ORDER BY due_at")] == [
        "start",
        "last_day",
        "end",
    ]
    with pytest.raises(Exception, match="start"):
        await services.drives.edit(organizer(), "Push", DriveChanges(start="in 1 day"))
    ended, queued = await services.drives.end(organizer(), None)
    assert len(queued) == 1 and ended.ended_at == clock()
    with pytest.raises(DriveEnded):
        await services.drives.end(organizer(), "Push")
    clock.advance(days=4)
    assert await services.drives.fire_due() == []
    assert await table(db, "SELECT kind, status FROM drive_jobs ORDER BY due_at") == [
        ("start", "fired"),
        ("last_day", "skipped"),
        ("end", "fired"),
    ]


async def test_teams_and_logs(services: Services, db: Database) -> None:
    p = await petition(services)
    await services.drives.start(
        organizer(), form(p, teams="North", requires_approval=True, log_cap=50)
    )
    await services.drives.fire_due()
    with pytest.raises(NotJoined):
        await services.volunteers.create_team(member(10), None, "South")
    joined = await services.volunteers.join(member(10), None, "north")
    assert joined.team is not None and joined.team.name == "North"
    team = await services.volunteers.create_team(member(10), None, "South")
    with pytest.raises(TeamNameTaken):
        await services.volunteers.create_team(organizer(), None, "  SOUTH ")
    left = await services.volunteers.leave_team(member(10), None)
    assert left.id == team.id
    await services.volunteers.join_team(member(10), None, "North")
    for bad in (0, -1, 51):
        with pytest.raises(BadLogCount):
            await services.volunteers.log(member(10), None, bad, None)
    first = await services.volunteers.log(member(10), None, 50, "  fair  ")
    second = await services.volunteers.log(member(10), None, 7, None)
    assert first.log.status.value == "pending" and first.log.note == "fair"
    with pytest.raises(NotAnOrganizer):
        await services.volunteers.review(member(10), first.log.id, approve=True)
    approved = await services.volunteers.review(organizer(), first.log.id, approve=True)
    assert approved.announcements  # 50 of 10: every share of the goal at once
    await services.volunteers.review(organizer(), second.log.id, approve=False)
    with pytest.raises(LogReviewed):
        await services.volunteers.review(organizer(), second.log.id, approve=True)
    report = await services.drives.status(GUILD, None)
    assert (report.drive.logged_count, report.drive.total) == (50, 50)
    assert [(t.name, t.total) for t in report.teams] == [("North", 50), ("South", 0)]


async def test_reward_plans_follow_recruits(services: Services, db: Database) -> None:
    p = await petition(services)
    await services.rewards.configure(organizer(), 2, 777)
    await services.drives.start(organizer(), form(p))
    anna = await services.volunteers.join(member(10), None, None)
    assert await services.rewards.next_plans() == []
    for user in (11, 12):
        await services.petitions.sign(member(user), p.id, referral=anna.code)
    [plan] = await services.rewards.next_plans()
    assert (plan.user_id, plan.recruits, plan.add, plan.remove) == (10, 2, {777}, frozenset())
    await services.rewards.record(plan, added={777}, removed=set())
    await services.petitions.withdraw(member(11), p.code)
    [plan] = await services.rewards.next_plans()
    assert (plan.add, plan.remove) == (frozenset(), {777})
    await services.rewards.record(plan, added=set(), removed={777})
    assert await services.rewards.next_plans() == []
    assert await table(db, "SELECT COUNT(*) FROM reward_grants") == [(0,)]
