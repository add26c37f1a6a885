"""Leaderboards on a real SQLite file: ranks with ties, periods at the server's midnight, privacy,
withdrawals, forgotten and merged signers, offline logs, teams, petitions — and counters that
always equal a recount from scratch after any sequence of signs, withdrawals and merges."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.text import Text

from bot.db import Database
from bot.db import leaderboards as boards_db
from bot.db import signers as signers_db
from bot.domain.errors import RallyError
from bot.domain.leaderboards import Period, PetitionOrder
from bot.domain.petitions import Petition, parse_draft
from bot.i18n import localizer
from bot.services import Services
from bot.services import leaderboards as leaderboard_service
from bot.services.drives import DriveForm
from bot.services.leaderboards import RecruiterQuery
from bot.ui.leaderboards import chart_figure, entries, title
from tests.conftest import GUILD, FakeClock, member, organizer

ALL = RecruiterQuery(GUILD)


async def setup_drive(
    services: Services, *, zone: str = "UTC", teams: str | None = None, approval: bool = False
) -> Petition:
    await services.guilds.update(organizer(), timezone=zone)
    await services.leaderboards.sync_zone(GUILD)  # before any signature: every bucket is kept
    draft = parse_draft(title="Free them", recipient="R", letter="L", goal="100000")
    petition = await services.petitions.create(organizer(), draft)
    form = DriveForm(
        name="Push",
        petition_code=petition.code,
        goal=1000,
        end="in 30 days",
        channel_id=55,
        teams=teams,
        requires_approval=approval,
    )
    await services.drives.start(organizer(), form)
    return petition


async def recruit(services: Services, petition: Petition, code: str, signers: range) -> None:
    for user in signers:
        await services.petitions.sign(member(user), petition.id, referral=code)


async def board_of(services: Services, **kw: Any) -> list[tuple[int, int, int]]:
    board = await services.leaderboards.recruiters(RecruiterQuery(GUILD, **kw))
    return [(s.rank, s.user_id, s.value) for s in board.standings]


async def in_step(db: Database) -> None:
    """Every counter equals a recount from the signatures, logs and participants."""
    async with db.read() as conn:
        assert await boards_db.stored_recruiters(conn) == await boards_db.recount_recruiters(conn)
        assert await boards_db.stored_values(conn) == await boards_db.recount_values(conn)
        assert await boards_db.stored_teams(conn) == await boards_db.recount_teams(conn)
        assert await boards_db.stored_hours(conn) == await boards_db.recount_hours(conn)


async def test_ties_share_a_rank_and_the_caller_sees_their_own(
    services: Services, db: Database
) -> None:
    petition = await setup_drive(services)
    codes = {}
    for recruiter in range(10, 22):
        codes[recruiter] = (await services.volunteers.join(member(recruiter), "Push", None)).code
    brought = {10: 5, 11: 3, 12: 3, 13: 1, 14: 2, 15: 2, 16: 2, 17: 2, 18: 2, 19: 2, 20: 2, 21: 1}
    next_signer = 1000
    for recruiter, count in brought.items():
        await recruit(services, petition, codes[recruiter], range(next_signer, next_signer + count))
        next_signer += count
    first = await services.leaderboards.recruiters(ALL, user_id=21)
    assert [(s.rank, s.value) for s in first.standings[:4]] == [(1, 5), (2, 3), (2, 3), (4, 2)]
    assert len(first.standings) == 10 and first.has_more and first.pages == 2
    assert first.own is not None and (first.own.rank, first.own.value) == (11, 1)
    second = await services.leaderboards.recruiters(ALL, page=1)
    assert [(s.rank, s.user_id, s.value) for s in second.standings] == [(11, 13, 1), (11, 21, 1)]
    assert not second.has_more
    nobody = await services.leaderboards.recruiters(ALL, user_id=999)
    assert nobody.own is not None and nobody.own.rank is None
    await in_step(db)


async def test_periods_start_at_midnight_in_the_servers_zone(
    services: Services, db: Database, clock: FakeClock
) -> None:
    # Vilnius is UTC+2 in November: its 24 November begins at 22:00 UTC on the 23rd.
    clock.now = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    petition = await setup_drive(services, zone="Europe/Vilnius")
    code = (await services.volunteers.join(member(10), "Push", None)).code
    clock.now = datetime(2026, 11, 23, 21, 59, 59, tzinfo=UTC)  # 23:59:59 on the 23rd in Vilnius
    await recruit(services, petition, code, range(100, 103))
    clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # midnight: the 24th in Vilnius
    await recruit(services, petition, code, range(200, 202))
    clock.now = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # still the 24th in Vilnius
    assert await board_of(services, period=Period.TODAY) == [(1, 10, 2)]
    assert await board_of(services, period=Period.WEEK) == [(1, 10, 5)]  # Monday the 23rd on
    assert await board_of(services, period=Period.ALL) == [(1, 10, 5)]
    clock.now = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # the 25th in Vilnius: a new day
    assert await board_of(services, period=Period.TODAY) == []
    # November 30 (Monday) 22:00 UTC is December 1 in Vilnius: a new week and a new month.
    clock.now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    assert await board_of(services, period=Period.MONTH) == []
    assert await board_of(services, period=Period.WEEK) == []
    clock.now = datetime(2026, 11, 30, 21, 59, tzinfo=UTC)
    assert await board_of(services, period=Period.MONTH) == [(1, 10, 5)]
    await in_step(db)


async def test_a_new_time_zone_recounts_the_days(
    services: Services, db: Database, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    petition = await setup_drive(services, zone="UTC")
    code = (await services.volunteers.join(member(10), "Push", None)).code
    await recruit(services, petition, code, range(100, 102))  # 03:00 UTC on the 24th
    assert await board_of(services, period=Period.TODAY) == [(1, 10, 2)]
    # In New York (UTC−5) those signatures were made at 22:00 on the 23rd: not today.
    await services.guilds.update(organizer(), timezone="America/New_York")
    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert await board_of(services, period=Period.TODAY) == []
    assert await board_of(services, period=Period.ALL) == [(1, 10, 2)]
    await recruit(services, petition, code, range(200, 201))
    assert await board_of(services, period=Period.TODAY) == [(1, 10, 1)]


async def test_a_zones_offsets_are_worked_out_off_the_event_loop(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """~50 ms of CPU a zone: on the loop, every member's click would wait for it."""
    threads: list[threading.Thread] = []
    work_out = leaderboard_service.zone_offsets

    def recorded(zone: str) -> tuple[tuple[datetime, int], ...]:
        threads.append(threading.current_thread())
        return work_out(zone)

    monkeypatch.setattr(leaderboard_service, "zone_offsets", recorded)
    await services.guilds.update(organizer(), timezone="Asia/Kathmandu")
    settings = await services.leaderboards.sync_zone(GUILD)
    assert settings.zone == "Asia/Kathmandu"
    assert threads and threading.main_thread() not in threads


async def test_only_members_who_chose_it_are_named_in_text_and_image(
    services: Services, db: Database
) -> None:
    petition = await setup_drive(services)
    shy = await services.volunteers.join(member(10), "Push", None)
    proud = await services.volunteers.join(member(11), "Push", None)
    await services.signers.set_privacy(member(11), show_name=True, public_name="Proud Pat")
    await services.signers.set_privacy(member(10), show_name=False, public_name="Shy Sam")
    await recruit(services, petition, shy.code, range(100, 103))
    await recruit(services, petition, proud.code, range(200, 202))
    board = await services.leaderboards.recruiters(ALL)
    assert [(s.user_id, s.public_name) for s in board.standings] == [(10, None), (11, "Proud Pat")]
    tr = localizer("en")
    labels = [e.label for e in entries(tr, board)]
    assert labels == ["a member", "Proud Pat"]
    figure = chart_figure(title(tr, board), entries(tr, board), "—")
    drawn = " ".join(t.get_text() for t in figure.findobj(Text))
    assert "Proud Pat" in drawn and "a member" in drawn
    assert "Shy" not in drawn and "Sam" not in drawn and "m10" not in drawn


async def test_withdrawn_forgotten_and_merged_signatures_are_reflected(
    services: Services, db: Database
) -> None:
    petition = await setup_drive(services)
    anna = await services.volunteers.join(member(10), "Push", None)
    ben = await services.volunteers.join(member(11), "Push", None)
    await recruit(services, petition, anna.code, range(100, 104))
    await recruit(services, petition, ben.code, range(200, 202))
    await services.petitions.withdraw(member(100), petition.code)
    assert await board_of(services) == [(1, 10, 3), (2, 11, 2)]
    # A forgotten signer's signature stays counted for the recruiter who brought it.
    await services.signers.forget(member(101))
    assert await board_of(services) == [(1, 10, 3), (2, 11, 2)]
    # Two records of one person who signed twice (once per recruiter) merge: one signature stays.
    async with db.transaction() as conn:
        loser = await signers_db.for_user(conn, 200)
        survivor = await signers_db.for_user(conn, 102)
        assert loser is not None and survivor is not None
        await conn.execute("DELETE FROM member_links WHERE user_id = 102")
        await signers_db.merge(conn, loser=loser, survivor=survivor)
    assert await board_of(services) == [(1, 10, 3), (2, 11, 1)]
    # A forgotten recruiter keeps their count, under no id anyone knows.
    await services.signers.forget(member(10))
    board = await services.leaderboards.recruiters(ALL, user_id=10)
    assert [(s.rank, s.value) for s in board.standings] == [(1, 3), (2, 1)]
    assert 10 not in {s.user_id for s in board.standings} and board.standings[0].user_id < 0
    assert board.own is not None and board.own.rank is None
    await in_step(db)


async def test_offline_logs_count_unless_the_server_says_not(
    services: Services, db: Database
) -> None:
    petition = await setup_drive(services, approval=True)
    anna = await services.volunteers.join(member(10), "Push", None)
    await services.volunteers.join(member(11), "Push", None)
    await recruit(services, petition, anna.code, range(100, 102))
    logged = await services.volunteers.log(member(11), "Push", 5, "market")
    assert await board_of(services) == [(1, 10, 2)]  # pending: not yet
    await services.volunteers.review(organizer(), logged.log.id, approve=True)
    assert await board_of(services) == [(1, 11, 5), (2, 10, 2)]
    await in_step(db)
    await services.leaderboards.configure(organizer(), count_logged=False)
    assert await board_of(services) == [(1, 10, 2)]
    await in_step(db)
    await services.leaderboards.configure(organizer(), count_logged=True)
    assert await board_of(services) == [(1, 11, 5), (2, 10, 2)]


async def test_small_teams_fold_into_other(services: Services, db: Database) -> None:
    petition = await setup_drive(services, teams="North, South, East")
    codes = {}
    for user, team in [(10, "North"), (11, "North"), (12, "North"), (13, "South"), (14, "East")]:
        codes[user] = (await services.volunteers.join(member(user), "Push", team)).code
    await recruit(services, petition, codes[10], range(100, 102))
    await recruit(services, petition, codes[13], range(200, 205))
    await recruit(services, petition, codes[14], range(300, 301))
    board = await services.leaderboards.teams(GUILD, "Push")
    shown = [(g.rank, g.group.name, g.group.members, g.group.value) for g in board.groups]
    assert shown == [(1, "North", 3, 2), (None, None, 2, 6)]
    await services.leaderboards.configure(organizer(), min_group=1)
    board = await services.leaderboards.teams(GUILD, "Push")
    assert [(g.rank, g.group.name) for g in board.groups] == [
        (1, "South"),
        (2, "North"),
        (3, "East"),
    ]
    await services.volunteers.leave_team(member(13), "Push")
    await in_step(db)


async def test_petitions_by_total_and_by_the_last_24_hours(
    services: Services, db: Database, clock: FakeClock
) -> None:
    draft = parse_draft(title="Old", recipient="R", letter="L", goal="1000")
    old = await services.petitions.create(organizer(), draft)
    new = await services.petitions.create(
        organizer(), parse_draft(title="New", recipient="R", letter="L", goal="1000")
    )
    for user in range(100, 105):
        await services.petitions.sign(member(user), old.id)
    clock.advance(hours=30)
    for user in range(200, 203):
        await services.petitions.sign(member(user), new.id)
    total = await services.leaderboards.petitions(GUILD, PetitionOrder.TOTAL)
    assert [(s.rank, s.title, s.total) for s in total.standings] == [(1, "Old", 5), (2, "New", 3)]
    hot = await services.leaderboards.petitions(GUILD, PetitionOrder.MOMENTUM)
    assert [(s.rank, s.title, s.recent) for s in hot.standings] == [(1, "New", 3), (2, "Old", 0)]
    await services.petitions.withdraw(member(200), new.code)
    hot = await services.leaderboards.petitions(GUILD, PetitionOrder.MOMENTUM)
    assert hot.standings[0].recent == 2
    await in_step(db)
    clock.advance(hours=48)
    assert await services.leaderboards.prune() >= 0
    hot = await services.leaderboards.petitions(GUILD, PetitionOrder.MOMENTUM)
    assert [s.recent for s in hot.standings] == [0, 0]


# -- counters equal a recount, whatever happens -----------------------------------------------
USERS = 12
RECRUITERS = 4
op = st.one_of(
    st.tuples(
        st.just("sign"),
        st.integers(0, USERS - 1),
        st.one_of(st.none(), st.integers(0, RECRUITERS - 1)),
    ),
    st.tuples(st.just("withdraw"), st.integers(0, USERS - 1), st.just(0)),
    st.tuples(st.just("merge"), st.integers(0, USERS - 1), st.integers(0, USERS - 1)),
    st.tuples(st.just("forget"), st.integers(0, USERS + RECRUITERS - 1), st.just(0)),
    st.tuples(st.just("log"), st.integers(0, RECRUITERS - 1), st.integers(1, 9)),
    st.tuples(st.just("team"), st.integers(0, RECRUITERS - 1), st.integers(0, 2)),
    st.tuples(st.just("later"), st.integers(1, 20), st.just(0)),
)


async def replay(folder: Path, ops: list[tuple[str, int, int | None]]) -> None:
    db = Database(folder / "rally.db")
    await db.open()
    try:
        clock = FakeClock(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
        services = Services.build(db, clock)
        petitions = [
            await setup_drive(services, zone="America/New_York", teams="A, B"),
            await services.petitions.create(
                organizer(), parse_draft(title="Other", recipient="R", letter="L", goal="500")
            ),
        ]
        await services.leaderboards.sync_zone(GUILD)
        codes = [
            (await services.volunteers.join(member(900 + r), "Push", None)).code
            for r in range(RECRUITERS)
        ]
        for kind, a, b in ops:
            with contextlib.suppress(RallyError):
                await apply(services, db, clock, petitions, codes, kind, a, b)
        await in_step(db)
    finally:
        await db.close()


async def apply(
    services: Services,
    db: Database,
    clock: FakeClock,
    petitions: list[Petition],
    codes: list[str],
    kind: str,
    a: int,
    b: int | None,
) -> None:
    if kind == "sign":
        target = petitions[a % 2]
        code = codes[b] if b is not None and target is petitions[0] else None
        await services.petitions.sign(member(100 + a), target.id, referral=code)
    elif kind == "withdraw":
        await services.petitions.withdraw(member(100 + a), petitions[a % 2].code)
    elif kind == "merge" and b is not None and a != b:
        async with db.transaction() as conn:
            loser = await signers_db.for_user(conn, 100 + a)
            survivor = await signers_db.for_user(conn, 100 + b)
            if loser is None or survivor is None or loser == survivor:
                return
            await conn.execute("DELETE FROM member_links WHERE user_id = ?", (100 + b,))
            await signers_db.merge(conn, loser=loser, survivor=survivor)
    elif kind == "forget":
        user = 100 + a if a < USERS else 900 + a - USERS
        await services.signers.forget(member(user))
    elif kind == "log" and b is not None:
        await services.volunteers.log(member(900 + a), "Push", b, None)
    elif kind == "team" and b is not None:
        if b == 2:
            await services.volunteers.leave_team(member(900 + a), "Push")
        else:
            await services.volunteers.join_team(member(900 + a), "Push", "AB"[b])
    elif kind == "later":
        clock.advance(hours=a)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=st.lists(op, min_size=1, max_size=30))
def test_counters_equal_a_recount_after_any_sequence(
    ops: list[tuple[str, int, int | None]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(replay(Path(folder), ops))


def test_the_recount_spans_days_in_the_servers_zone() -> None:
    # A fixed sequence across New York's midnight, as a plain example of the property.
    ops: list[tuple[str, int, int | None]] = [
        ("sign", 0, 1),
        ("later", 5, 0),
        ("sign", 2, 1),
        ("sign", 4, 2),
        ("log", 1, 4),
        ("merge", 2, 4),
        ("withdraw", 0, 0),
        ("forget", USERS + 1, 0),
        ("later", 20, 0),
        ("sign", 6, 3),
    ]
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(replay(Path(folder), ops))


async def test_a_refused_recruiters_query_writes_nothing(services: Services, db: Database) -> None:
    from tests.db.signers_support import snapshot

    await services.petitions.create(organizer(), parse_draft(title="T", recipient="R", letter="L"))
    before = await snapshot(db)
    for query in (RecruiterQuery(GUILD, "ABCDEF", "Spring"), RecruiterQuery(GUILD, "NOSUCH")):
        with contextlib.suppress(RallyError):
            await services.leaderboards.recruiters(query)
            raise AssertionError(f"{query} should be refused")
        assert await snapshot(db) == before  # not even the time zone's buckets
