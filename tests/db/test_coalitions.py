"""Coalitions on a real SQLite file: follow, sign across servers, counts per server, refusals
that change nothing, removal, the two-sided drop, purges and the counters the triggers keep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.db import Database, coalitions, drives, leaderboards
from bot.db.database import load_migrations
from bot.domain.abuse import NotPending, snowflake_floor
from bot.domain.actors import Actor
from bot.domain.coalitions import (
    AlreadyDropped,
    AlreadyFollowing,
    CoalitionNotFound,
    NotAPartner,
    NotFollowing,
    NotShared,
    OwnPetition,
    PartnerStatus,
    RemovedPartner,
    StillFollowing,
    normalize_join_code,
)
from bot.domain.errors import AlreadySigned, NotAnOrganizer, PetitionClosed, PetitionNotFound
from bot.domain.petitions import Status, parse_draft
from bot.services import Services
from tests.conftest import GUILD, FakeClock, member, organizer

OWNER, B, C = GUILD, 2002, 3003
DRAFT = parse_draft(
    title="Free the political prisoners",
    recipient="the European Parliament",
    letter="We ask you to act.",
)


async def snapshot(db: Database) -> dict[str, Any]:
    async with db.read() as conn:
        tables = {
            t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}"))
            for t in (
                "petitions",
                "signatures",
                "petition_partners",
                "coalition_invites",
                "audit_log",
                "announcements",
            )
        }
        rows = await conn.fetchall("SELECT id, signature_count, status FROM petitions ORDER BY id")
        partners = await conn.fetchall(
            "SELECT petition_id, guild_id, status, owner_drop_by, partner_drop_by, dropped_at "
            "FROM petition_partners ORDER BY id"
        )
        invites = await conn.fetchall("SELECT petition_id, join_code FROM coalition_invites")
    return {
        "tables": tables,
        "petitions": [tuple(r) for r in rows],
        "partners": [tuple(r) for r in partners],
        "invites": [tuple(r) for r in invites],
    }


async def counters_exact(db: Database) -> None:
    async with db.read() as conn:
        assert await coalitions.stored_contributions(conn) == (
            await coalitions.recount_contributions(conn)
        )
        assert await leaderboards.stored_hours(conn) == await leaderboards.recount_hours(conn)
        counted = await conn.fetchall(
            "SELECT p.id, p.signature_count, "
            "(SELECT COUNT(*) FROM signatures s WHERE s.petition_id = p.id "
            " AND s.status = 'counted') FROM petitions p"
        )
        assert all(int(r[1]) == int(r[2]) for r in counted), [tuple(r) for r in counted]
        drive_rows = await conn.fetchall(
            "SELECT d.id, d.signature_count, (SELECT COUNT(*) FROM signatures s "
            "WHERE s.drive_id = d.id AND s.status = 'counted') FROM drives d"
        )
        assert all(int(r[1]) == int(r[2]) for r in drive_rows)


async def coalition(services: Services) -> tuple[str, str]:
    """A petition of OWNER followed by B and C; (code, join code)."""
    petition = await services.petitions.create(organizer(), DRAFT)
    invite = await services.coalitions.invite(organizer(), petition.code)
    assert invite.join_code is not None
    for guild in (B, C):
        await services.coalitions.follow(organizer(9, guild), petition.code, invite.join_code)
    return petition.code, invite.join_code


def counts(standings: Any) -> dict[int | None, int]:
    return {g.group.team_id: g.group.value for g in standings.servers}


async def test_join_code_is_unguessable_and_typed_any_way(services: Services) -> None:
    petition = await services.petitions.create(organizer(), DRAFT)
    first = await services.coalitions.invite(organizer(), petition.code)
    again = await services.coalitions.invite(organizer(), petition.code, "show")
    assert first.join_code == again.join_code
    assert first.join_code is not None and len(first.join_code.replace("-", "")) == 12
    assert normalize_join_code(first.join_code.lower().replace("-", " ")) == first.join_code
    rotated = await services.coalitions.invite(organizer(), petition.code, "rotate")
    assert rotated.join_code not in (None, first.join_code)
    with pytest.raises(CoalitionNotFound):
        await services.coalitions.follow(organizer(9, B), petition.code, first.join_code)
    closed = await services.coalitions.invite(organizer(), petition.code, "close")
    assert closed.join_code is None
    with pytest.raises(CoalitionNotFound):
        await services.coalitions.follow(organizer(9, B), petition.code, str(rotated.join_code))


async def test_one_signature_per_person_across_servers_and_counts_per_server(
    services: Services, db: Database
) -> None:
    code, _ = await coalition(services)
    petition = await services.petitions.get(OWNER, code)
    # Members of every server find it by its code and sign; user 50 is in OWNER and B.
    for user, guild in ((50, OWNER), (51, OWNER), (52, B), (53, B), (54, B), (55, C)):
        await services.petitions.sign_by_code(member(user, guild), code)
    with pytest.raises(AlreadySigned):
        await services.petitions.sign(member(50, B), petition.id)
    assert (await services.petitions.get(OWNER, code)).total == 6
    assert (await services.petitions.get_visible(B, code)).total == 6
    await counters_exact(db)

    standings = await services.coalitions.standings(organizer(9, C), code)
    assert standings.min_group == 3
    # B (3) is ranked; OWNER (2) and C (1) fold into "other": small servers are not singled out.
    assert counts(standings) == {B: 3, None: 3}
    await services.leaderboards.configure(organizer(), min_group=1)
    standings = await services.coalitions.standings(organizer(), code)
    assert counts(standings) == {B: 3, OWNER: 2, C: 1}
    assert [g.rank for g in standings.servers] == [1, 2, 3]
    # A partner whose own minimum is higher keeps its view folded.
    assert counts(await services.coalitions.standings(organizer(9, C), code)) == {B: 3, None: 3}

    # A member withdraws from a partner server.
    await services.petitions.withdraw(member(55, C), code)
    assert (await services.petitions.get(OWNER, code)).total == 5
    await counters_exact(db)


async def test_partners_do_not_manage_the_owners_petition(services: Services) -> None:
    code, _ = await coalition(services)
    for call in (
        services.petitions.set_status(organizer(9, B), code, Status.CLOSED),
        services.petitions.set_external(organizer(9, B), code, 100),
        services.coalitions.invite(organizer(9, B), code),
    ):
        with pytest.raises(PetitionNotFound):
            await call
    assert (await services.petitions.get(OWNER, code)).status is Status.OPEN


@pytest.mark.parametrize(
    "case",
    [
        "wrong join code",
        "malformed join code",
        "unknown petition",
        "own petition",
        "following twice",
        "not an organizer",
        "closed petition",
        "deleted petition",
        "unfollow what it does not follow",
        "remove a server that is no partner",
        "drop while following",
        "a stranger asks for counts",
    ],
)
async def test_every_refusal_changes_nothing(services: Services, db: Database, case: str) -> None:
    code, join = await coalition(services)
    petition = await services.petitions.get(OWNER, code)
    other = await services.petitions.create(organizer(9, 4004), DRAFT)
    errors: dict[str, tuple[type[Exception], Any]] = {
        "wrong join code": (
            CoalitionNotFound,
            lambda: services.coalitions.follow(organizer(9, 4004), code, "AAAA-BBBB-CCCC"),
        ),
        "malformed join code": (
            CoalitionNotFound,
            lambda: services.coalitions.follow(organizer(9, 4004), code, "x"),
        ),
        "unknown petition": (
            CoalitionNotFound,
            lambda: services.coalitions.follow(organizer(9, 4004), "ZZZZZZ", join),
        ),
        "own petition": (
            OwnPetition,
            lambda: services.coalitions.follow(organizer(), code, join),
        ),
        "following twice": (
            AlreadyFollowing,
            lambda: services.coalitions.follow(organizer(9, B), code, join),
        ),
        "not an organizer": (
            NotAnOrganizer,
            lambda: services.coalitions.follow(member(77, 4004), code, join),
        ),
        "unfollow what it does not follow": (
            NotFollowing,
            lambda: services.coalitions.unfollow(organizer(9, 4004), code),
        ),
        "remove a server that is no partner": (
            NotAPartner,
            lambda: services.coalitions.remove(organizer(), code, 4004),
        ),
        "drop while following": (
            StillFollowing,
            lambda: services.coalitions.agree_to_drop(organizer(), code, B),
        ),
        "a stranger asks for counts": (
            PetitionNotFound,
            lambda: services.coalitions.standings(organizer(9, 4004), code),
        ),
    }
    if case == "closed petition":
        await services.petitions.set_status(organizer(), code, Status.CLOSED)
        errors[case] = (
            PetitionClosed,
            lambda: services.coalitions.follow(organizer(9, 4004), code, join),
        )
    if case == "deleted petition":
        await services.petitions.delete(organizer(), petition.id)
        errors[case] = (
            CoalitionNotFound,
            lambda: services.coalitions.follow(organizer(9, 4004), code, join),
        )
    error, call = errors[case]
    before = await snapshot(db)
    with pytest.raises(error):
        await call()
    assert await snapshot(db) == before
    assert other.guild_id == 4004


async def test_remove_keeps_signatures_and_the_drop_needs_both_sides(
    services: Services, db: Database, clock: FakeClock
) -> None:
    code, join = await coalition(services)
    petition = await services.petitions.get(OWNER, code)
    await services.leaderboards.configure(organizer(), min_group=1)
    for user, guild in ((60, OWNER), (61, B), (62, C), (63, C)):
        await services.petitions.sign_by_code(member(user, guild), code)

    await services.coalitions.remove(organizer(), code, C)
    # C's signatures stay counted; C's members can no longer sign or find it; it cannot rejoin.
    assert (await services.petitions.get(OWNER, code)).total == 4
    with pytest.raises(NotShared):
        await services.petitions.sign(member(64, C), petition.id)
    with pytest.raises(PetitionNotFound):
        await services.petitions.get_visible(C, code)
    with pytest.raises(RemovedPartner):
        await services.coalitions.follow(organizer(9, C), code, join)
    with pytest.raises(NotShared):
        await services.coalitions.standings(organizer(9, C), code)
    standings = await services.coalitions.standings(organizer(), code)
    assert counts(standings) == {C: 2, OWNER: 1, B: 1}
    assert standings.statuses[C] is PartnerStatus.REMOVED

    first = await services.coalitions.agree_to_drop(organizer(), code, C)
    assert first.dropped is None and (await services.petitions.get(OWNER, code)).total == 4
    with pytest.raises(NotAPartner):  # a removed partner cannot be removed again
        await services.coalitions.remove(organizer(), code, C)
    done = await services.coalitions.agree_to_drop(organizer(9, C), code)
    assert done.dropped == 2 and done.petition.total == 2
    await counters_exact(db)
    assert counts(await services.coalitions.standings(organizer(), code)) == {OWNER: 1, B: 1}
    with pytest.raises(AlreadyDropped):
        await services.coalitions.agree_to_drop(organizer(), code, C)

    # B leaves on its own; it may follow again later (only the owner's removal is final).
    await services.coalitions.unfollow(organizer(9, B), code)
    with pytest.raises(PetitionNotFound):
        await services.petitions.get_visible(B, code)
    await services.coalitions.follow(organizer(9, B), code, join)
    assert (await services.petitions.get_visible(B, code)).total == 2
    # A partner that left, was dropped and came back starts over: its new signatures can be
    # dropped again (with both sides' consent, asked afresh).
    await services.coalitions.unfollow(organizer(9, B), code)
    await services.coalitions.agree_to_drop(organizer(), code, B)
    await services.coalitions.agree_to_drop(organizer(9, B), code)
    assert (await services.petitions.get(OWNER, code)).total == 1
    await services.coalitions.follow(organizer(9, B), code, join)
    await services.petitions.sign_by_code(member(65, B), code)
    await services.coalitions.unfollow(organizer(9, B), code)
    first = await services.coalitions.agree_to_drop(organizer(9, B), code)
    assert first.dropped is None
    again = await services.coalitions.agree_to_drop(organizer(), code, B)
    assert again.dropped == 1 and again.petition.total == 1
    await counters_exact(db)


async def test_drop_during_a_drive_keeps_the_drive_counter_exact(
    services: Services, db: Database, clock: FakeClock
) -> None:
    code, _ = await coalition(services)
    petition = await services.petitions.get(OWNER, code)
    async with db.transaction() as conn:
        drive_id = await conn.execute(
            "INSERT INTO drives (guild_id, petition_id, name, goal, starts_at, ends_at, "
            "channel_id, status, created_by, created_at) VALUES (?, ?, 'Week', 10, ?, ?, 1, "
            "'active', 1, ?)",
            (
                OWNER,
                petition.id,
                "2026-11-24T00:00:00+00:00",
                "2026-12-24T00:00:00+00:00",
                "2026-11-24T00:00:00+00:00",
            ),
        )
        for user, guild in ((70, B), (71, B), (72, OWNER)):
            await drives.insert_signature(
                conn,
                petition_id=petition.id,
                signer_id=await _signer(conn, user),
                guild_id=guild,
                signer_number=user,
                drive_id=drive_id,
                referral_code_id=None,
                now=clock.now,
            )
        await conn.execute("UPDATE petitions SET signature_count = 3 WHERE id = ?", (petition.id,))
    await services.coalitions.unfollow(organizer(9, B), code)
    await services.coalitions.agree_to_drop(organizer(9, B), code)
    outcome = await services.coalitions.agree_to_drop(organizer(), code, B)
    assert outcome.dropped == 2
    await counters_exact(db)


async def _signer(conn: Any, user_id: int) -> int:
    from bot.db import signers

    return await signers.ensure_for_user(conn, user_id, FakeClock().now)


async def test_purging_a_partner_takes_its_signatures_off_the_total(
    services: Services, db: Database
) -> None:
    code, _ = await coalition(services)
    for user, guild in ((80, OWNER), (81, B), (82, B), (83, C)):
        await services.petitions.sign_by_code(member(user, guild), code)
    manager = Actor(user_id=9, guild_id=B, display_name="m", manage_guild=True)
    await services.admin.purge(manager)
    assert (await services.petitions.get(OWNER, code)).total == 2
    await counters_exact(db)
    async with db.read() as conn:
        assert (
            await conn.fetchval("SELECT COUNT(*) FROM petition_partners WHERE guild_id = ?", (B,))
            == 0
        )
    # Purging the owner takes the petition and everything of its coalition with it.
    await services.admin.purge(
        Actor(user_id=1, guild_id=OWNER, display_name="o", manage_guild=True)
    )
    async with db.read() as conn:
        for table in (
            "petitions",
            "signatures",
            "petition_partners",
            "coalition_invites",
            "guild_contributions",
        ):
            assert await conn.fetchval(f"SELECT COUNT(*) FROM {table}") == 0, table


async def test_the_migration_counts_the_signatures_already_there(tmp_path: Any) -> None:
    steps = load_migrations()
    before = [s for s in steps if not s[1].endswith("_coalitions.sql")]
    assert len(before) == len(steps) - 1  # the number is the lead's to choose at merge time
    database = Database(tmp_path / "old.db")
    await database.open(migrate=False)
    try:
        await database.migrate(before)
        async with database.transaction() as conn:
            for code, guild in (("AAAAAA", OWNER), ("BBBBBB", B)):
                await conn.execute(
                    "INSERT INTO petitions (code, guild_id, title, recipient, letter, goal, "
                    "author_id, author_name, created_at, updated_at) "
                    "VALUES (?, ?, 't', 'r', 'l', 5, 1, 'a', 'x', 'x')",
                    (code, guild),
                )
            for n, (petition, guild, status) in enumerate(
                [
                    (1, OWNER, "counted"),
                    (1, OWNER, "counted"),
                    (1, B, "counted"),
                    (2, B, "pending"),
                    (2, None, "counted"),
                ]
            ):
                await conn.execute(
                    "INSERT INTO signatures (petition_id, guild_id, source, status, "
                    "signer_number, signed_at) "
                    "VALUES (?, ?, 'discord', ?, ?, '2026-11-24T12:00:00+00:00')",
                    (petition, guild, status, n + 1),
                )
        await database.migrate(steps)
        async with database.read() as conn:
            assert await coalitions.stored_contributions(conn) == {(1, OWNER): 2, (1, B): 1}
            assert await coalitions.stored_contributions(conn) == (
                await coalitions.recount_contributions(conn)
            )
    finally:
        await database.close()


async def test_a_member_can_take_back_a_signature_given_from_a_former_partner(
    services: Services, db: Database
) -> None:
    code, _ = await coalition(services)
    await services.petitions.sign_by_code(member(90, C), code)
    await services.petitions.sign_by_code(member(91, B), code)
    await services.coalitions.remove(organizer(), code, C)
    await services.coalitions.unfollow(organizer(9, B), code)
    for user, guild in ((90, C), (91, B)):
        with pytest.raises(PetitionNotFound):  # no longer shown or signed there
            await services.petitions.get_visible(guild, code)
        await services.petitions.withdraw(member(user, guild), code)
    assert (await services.petitions.get(OWNER, code)).total == 0
    with pytest.raises(PetitionNotFound):  # a server that never followed finds nothing
        await services.petitions.withdraw(member(92, 4004), code)
    await counters_exact(db)


async def test_a_partners_held_signature_is_reviewed_by_that_partner_only(
    services: Services, db: Database, clock: FakeClock
) -> None:
    """A new account signing from a partner server is held for the partner's organizers: the
    owner's organizers never see who signed elsewhere, and accepting counts it for the partner."""
    code, _ = await coalition(services)
    await services.guilds.update(organizer(), review_channel_id=701)
    await services.guilds.update(organizer(9, B), review_channel_id=702)
    newcomer = snowflake_floor(clock.now - timedelta(hours=5)) | 1
    result = await services.petitions.sign_by_code(member(newcomer, B), code)
    assert result.held
    async with db.read() as conn:
        reports = await conn.fetchall("SELECT guild_id, channel_id FROM announcements")
    assert [tuple(r) for r in reports] == [(B, 702)]
    assert (await services.reviews.pending(organizer()))[1] == 0
    held, waiting = await services.reviews.pending(organizer(9, B))
    assert waiting == 1
    with pytest.raises(NotPending):  # the owner cannot decide a partner's member's signature
        await services.reviews.decide(organizer(), held[0].signature_id, accept=True)
    decided = await services.reviews.decide(organizer(9, B), held[0].signature_id, accept=True)
    assert decided.petition.total == 1
    await services.leaderboards.configure(organizer(), min_group=1)
    assert counts(await services.coalitions.standings(organizer(), code)) == {B: 1}
    await counters_exact(db)
