"""Members' language choices looked up together: a surge of first clicks shares a few queries,
and each member still gets their own answer."""

from __future__ import annotations

import asyncio

import pytest

from bot.db import Database
from bot.db import signers as signers_repo
from tests.conftest import FakeClock, member
from tests.db.signers_support import build

LANGUAGES = ("be", "ru", "uk", None)


async def test_a_burst_of_look_ups_shares_a_few_queries_and_each_gets_its_own(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = build(db, clock, None)
    chosen = {1000 + i: LANGUAGES[i % 4] for i in range(300)}
    for user_id, language in chosen.items():
        if language is not None:
            await services.signers.set_language(member(user_id), language)
    fresh = build(db, clock, None)  # a restarted bot: nothing cached
    real = signers_repo.languages_for_users
    queries: list[int] = []

    async def counted(conn: object, user_ids: list[int]) -> dict[int, str]:
        queries.append(len(user_ids))
        return await real(conn, user_ids)  # type: ignore[arg-type]

    monkeypatch.setattr(signers_repo, "languages_for_users", counted)
    users = list(chosen) * 2  # every member twice, as a double click would
    answers = await asyncio.gather(*(fresh.guilds.member_language(u) for u in users))
    assert answers == [chosen[u] for u in users]
    assert sum(queries) == 300 and len(queries) <= 2
    assert await fresh.guilds.member_language(1001) == "ru" and sum(queries) == 300  # cached


async def test_a_choice_made_while_the_look_up_runs_wins(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = build(db, clock, None)
    await services.signers.set_language(member(7), "ru")
    real = signers_repo.languages_for_users

    async def slow(conn: object, user_ids: list[int]) -> dict[int, str]:
        found = await real(conn, user_ids)  # type: ignore[arg-type]
        services.guilds.remember_member_language(7, "be")  # `/me language be` meanwhile
        return found

    monkeypatch.setattr(signers_repo, "languages_for_users", slow)
    assert await services.guilds.member_language(7) == "be"
    assert await services.guilds.member_language(7) == "be"


async def test_a_failed_query_reaches_every_waiter_and_the_next_look_up_works(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = build(db, clock, None)
    await services.signers.set_language(member(8), "uk")
    real = signers_repo.languages_for_users
    failures = [OSError("disk I/O error")]

    async def flaky(conn: object, user_ids: list[int]) -> dict[int, str]:
        if failures:
            raise failures.pop()
        return await real(conn, user_ids)  # type: ignore[arg-type]

    monkeypatch.setattr(signers_repo, "languages_for_users", flaky)
    results = await asyncio.gather(
        *(services.guilds.member_language(u) for u in (8, 9, 10)), return_exceptions=True
    )
    assert all(isinstance(r, OSError) for r in results)
    assert await services.guilds.member_language(8) == "uk"


async def test_one_caller_giving_up_cancels_nobody_else(db: Database, clock: FakeClock) -> None:
    services = build(db, clock, None)
    await services.signers.set_language(member(11), "be")
    fresh = build(db, clock, None)
    async with db.read():  # the database is busy: the look-ups queue
        impatient = asyncio.create_task(fresh.guilds.member_language(11))
        patient = asyncio.create_task(fresh.guilds.member_language(11))
        await asyncio.sleep(0.01)
        impatient.cancel()
    assert await patient == "be"
    with pytest.raises(asyncio.CancelledError):
        await impatient
