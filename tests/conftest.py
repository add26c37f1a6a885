"""Shared fixtures: a real SQLite file in a temp dir, migrated; a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings

from bot.db import Database
from bot.domain.abuse import AbuseLimits
from bot.domain.actors import Actor
from bot.services import Services

# Wall-clock deadlines measure the machine, not Rally: CI shares two cores. Properties still run
# every example; a slow one is never a failure.
settings.register_profile("rally", deadline=None)
settings.load_profile("rally")


class FakeClock:
    """A clock tests move by hand; nothing sleeps for real."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "rally.db")
    await database.open()
    try:
        yield database
    finally:
        await database.close()


#: The abuse limits as configured by default, minus the per-member cooldowns (which
#: tests/db/test_abuse_limits.py tests): a test's member acts many times in a row.
NO_COOLDOWNS = AbuseLimits(sign_cooldown=0, link_cooldown=0, code_cooldown=0)


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return Services.build(db, clock, limits=NO_COOLDOWNS)


GUILD = 1001


def organizer(user_id: int = 1, guild_id: int = GUILD) -> Actor:
    return Actor(user_id=user_id, guild_id=guild_id, display_name="Org", manage_guild=True)


def member(user_id: int, guild_id: int = GUILD) -> Actor:
    return Actor(user_id=user_id, guild_id=guild_id, display_name=f"m{user_id}")
