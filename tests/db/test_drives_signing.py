"""Drives in the signing transaction: attribution, refusals that change nothing, counters kept
by triggers through withdrawals, and no extra query when no drive runs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.db import Database
from bot.domain.actors import Actor
from bot.domain.drive_errors import (
    ReferralElsewhere,
    ReferralEnded,
    ReferralNotFound,
    ReferralNotStarted,
    SelfReferral,
)
from bot.domain.errors import AlreadySigned
from bot.domain.petitions import Petition, parse_draft
from bot.services import Services
from bot.services.drives import DriveForm
from tests.conftest import GUILD, FakeClock, member, organizer


async def petition(services: Services, title: str = "T") -> Petition:
    draft = parse_draft(title=title, recipient="R", letter="L", goal="1000")
    return await services.petitions.create(organizer(), draft)


async def drive(services: Services, p: Petition, name: str = "Push", **kw: Any) -> int:
    form = DriveForm(
        **{
            "name": name,
            "petition_code": p.code,
            "goal": 4,
            "end": "in 3 days",
            "channel_id": 55,
            **kw,
        }
    )
    started = await services.drives.start(organizer(), form)
    return started.id


async def table(db: Database, sql: str) -> list[tuple[Any, ...]]:
    async with db.read() as conn:
        return [tuple(r) for r in await conn.fetchall(sql)]


async def snapshot(db: Database) -> dict[str, int]:
    found = {}
    for name in ("signatures", "signers", "announcements", "member_links", "drive_participants"):
        found[name] = (await table(db, f"SELECT COUNT(*) FROM {name}"))[0][0]
    return found


async def test_a_referral_is_attributed_and_counted(services: Services, db: Database) -> None:
    p = await petition(services)
    drive_id = await drive(services, p)
    anna = await services.volunteers.join(member(10), "Push", None)
    result = await services.petitions.sign(member(11), p.id, referral=anna.code.lower())
    assert result.drive is not None and result.drive.recruiter_id == 10
    assert result.drive.own_code is None  # the signer has not joined
    plain = await services.petitions.sign(member(12), p.id)
    assert plain.drive is not None and plain.drive.recruiter_id is None
    own = await services.petitions.sign(member(10), p.id)
    assert own.drive is not None and own.drive.own_code == anna.code
    assert await table(db, "SELECT drive_id, referral_code_id IS NOT NULL FROM signatures") == [
        (drive_id, 1),
        (drive_id, 0),
        (drive_id, 0),
    ]
    assert await table(db, "SELECT signature_count FROM drives") == [(3,)]
    assert await table(db, "SELECT recruits FROM drive_participants") == [(1,)]
    assert await table(
        db, "SELECT kind, threshold FROM announcements WHERE kind != 'milestone' ORDER BY id"
    ) == [("drive_goal", 25), ("recruit", 1), ("drive_goal", 50), ("drive_goal", 75)]


async def test_withdrawing_uncounts_it_for_the_drive_and_the_recruiter(
    services: Services, db: Database
) -> None:
    p = await petition(services)
    await drive(services, p)
    anna = await services.volunteers.join(member(10), "Push", None)
    await services.petitions.sign(member(11), p.id, referral=anna.code)
    await services.petitions.withdraw(member(11), p.code)
    assert await table(db, "SELECT signature_count FROM drives") == [(0,)]
    assert await table(db, "SELECT recruits FROM drive_participants") == [(0,)]
    again = await services.petitions.sign(member(11), p.id, referral=anna.code)
    assert again.announcements == []  # the 1st recruit and the 25 % were announced already


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("own code", SelfReferral),
        ("unknown code", ReferralNotFound),
        ("malformed code", ReferralNotFound),
        ("another petition", ReferralElsewhere),
        ("ended drive", ReferralEnded),
        ("not started", ReferralNotStarted),
    ],
)
async def test_bad_referrals_change_nothing(
    services: Services, db: Database, clock: FakeClock, case: str, error: type[Exception]
) -> None:
    p, other = await petition(services), await petition(services, "Other")
    await drive(services, p)
    await drive(services, other, name="Later", start="in 2 days", end="in 4 days")
    # distinct names, so the two drives' codes cannot coincide (codes are unique per drive only)
    anna = await services.volunteers.join(
        Actor(user_id=10, guild_id=GUILD, display_name="Anna"), "Push", None
    )
    ben = await services.volunteers.join(
        Actor(user_id=20, guild_id=GUILD, display_name="Ben"), "Later", None
    )
    codes = {
        "own code": (10, p, anna.code),
        "unknown code": (11, p, "ZZZ9"),
        "malformed code": (11, p, "a b c !"),
        "another petition": (11, p, ben.code),
        "ended drive": (11, p, anna.code),
        "not started": (11, other, ben.code),
    }
    user, target, code = codes[case]
    if case == "ended drive":
        await services.drives.end(organizer(), "Push")
    before = await snapshot(db)
    with pytest.raises(error):
        await services.petitions.sign(member(user), target.id, referral=code)
    assert await snapshot(db) == before


async def test_one_recruiter_per_signature_the_first(services: Services) -> None:
    p = await petition(services)
    await drive(services, p)
    anna = await services.volunteers.join(member(10), "Push", None)
    ben = await services.volunteers.join(member(20), "Push", None)
    await services.petitions.sign(member(11), p.id, referral=anna.code)
    with pytest.raises(AlreadySigned):
        await services.petitions.sign(member(11), p.id, referral=ben.code)
    report = await services.drives.status(GUILD, "Push")
    assert [(r.user_id, r.recruits) for r in report.top] == [(10, 1)]


async def test_codes_are_unique_within_a_drive_and_joining_twice_keeps_yours(
    services: Services,
) -> None:
    p = await petition(services)
    await drive(services, p)
    annas = [
        await services.volunteers.join(Actor(u, GUILD, "Anna"), "Push", None) for u in range(10, 19)
    ]
    codes = [a.code for a in annas]
    assert len(set(codes)) == 9 and all(c.startswith("ANNA") for c in codes)
    again = await services.volunteers.join(Actor(10, GUILD, "Anna"), None, None)
    assert again.code == codes[0] and not again.new


async def test_no_drive_query_when_no_drive_runs(services: Services, db: Database) -> None:
    p = await petition(services)
    await services.petitions.sign(member(1), p.id)  # loads what runs, once per process
    statements: list[str] = []
    conn = db._conn
    assert conn is not None
    await conn.set_trace_callback(statements.append)
    try:
        await services.petitions.sign(member(2), p.id)
    finally:
        await conn.set_trace_callback(None)
    assert statements and not [s for s in statements if "drive" in s.lower()]


async def test_concurrent_referred_signatures_count_exactly(
    services: Services, db: Database
) -> None:
    p = await petition(services)
    await drive(services, p, goal=400)
    anna = await services.volunteers.join(member(10), "Push", None)
    await asyncio.gather(
        *(services.petitions.sign(member(u), p.id, referral=anna.code) for u in range(100, 500))
    )
    assert await table(db, "SELECT signature_count FROM drives") == [(400,)]
    assert await table(db, "SELECT recruits FROM drive_participants") == [(400,)]
    assert await table(
        db, "SELECT threshold FROM announcements WHERE kind = 'drive_goal' ORDER BY id"
    ) == [(25,), (50,), (75,), (100,)]
    assert await table(
        db, "SELECT threshold FROM announcements WHERE kind = 'recruit' ORDER BY id"
    ) == [(1,), (5,), (10,), (25,), (50,), (100,)]
