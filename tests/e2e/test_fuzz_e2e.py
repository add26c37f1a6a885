"""Fuzzing the petition modal and the code option through the real bot and the emulator: every
reply fits Discord's limits (the emulator refuses anything else), nothing raises unhandled, and
rejected input changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.client import RallyBot
from bot.db import Database
from bot.sandbox.emulator import CommandError, DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.reliability_figures import record, sized

EDGE = st.sampled_from(
    [
        "\u200b",  # zero-width space
        "\u202e",  # right-to-left override
        "\u0301",  # combining acute accent
        "👩🏽‍⚖️",
        "@everyone",
        "<@&123456789012345678>",
        "**bold** `code` ||spoiler||",
        "'; DROP TABLE signatures; --",
        "\x00\x07\x1b",
        "Свабоду палітвязням! ў і",
        " ",
        "\n",
    ]
)
FIELD = st.lists(st.one_of(EDGE, st.text(max_size=40)), max_size=6).map("".join) | st.text(
    min_size=100, max_size=10_000
)
FUZZ = settings(
    max_examples=sized(40, 300),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def rally(emulator: DiscordEmulator, world: World, tmp_path: Path) -> AsyncIterator[RallyBot]:
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        yield bot


async def petition_rows(bot: RallyBot) -> int:
    db: Database = bot.db
    async with db.read() as conn:
        return int(await conn.fetchval("SELECT COUNT(*) FROM petitions"))


@FUZZ
@given(title=FIELD, recipient=FIELD, letter=FIELD, link=FIELD, goal=FIELD)
async def test_fuzzed_modal_fields_are_answered_within_limits(
    emulator: DiscordEmulator, world: World, rally: RallyBot,
    title: str, recipient: str, letter: str, link: str, goal: str,
) -> None:  # fmt: skip
    # Discord's client sends only what its modal allows: required fields filled, max_length kept
    assume(title[:120] and recipient[:200] and letter[:4000])
    act = Act(emulator, world.channel)
    before = await petition_rows(rally)
    opened = await act.run(world.organizer, "petition create")
    values = {
        "title": title[:120],
        "recipient": recipient[:200],
        "letter": letter[:4000],
        "link": link[:512],
        "goal": goal[:12],
    }  # fmt: skip  (the modal's own max_length, as Discord's client enforces it)
    submitted = await emulator.submit_modal(world.organizer, opened, values)
    reply = await submitted.response()
    assert not submitted.failed and submitted.ephemeral
    shown = text_of(reply)
    assert shown and "Sorry, something went wrong" not in shown
    created = await petition_rows(rally)
    record("fuzz: the petition modal", bad_inputs=len(values))
    assert created in (before, before + 1)
    if created == before:
        assert "You're signer" not in shown and "is ready" not in shown


@FUZZ
@given(code=FIELD)
async def test_fuzzed_codes_get_a_clear_answer(
    emulator: DiscordEmulator, world: World, rally: RallyBot, code: str
) -> None:
    act = Act(emulator, world.channel)
    value = code[:100] or "x"
    it = await act.run(world.anna, "petition sign", {"code": value})
    record("fuzz: petition codes", bad_inputs=1)
    shown = text_of(it.original)
    assert it.ephemeral and "There is no petition with the code" in shown
    assert await petition_rows(rally) == 0


async def test_a_10000_character_option_is_refused_before_it_reaches_rally(
    emulator: DiscordEmulator, world: World, rally: RallyBot
) -> None:
    """Discord's client enforces the option's max_length (100) that Rally declared."""
    with pytest.raises(CommandError, match=r"0\.\.100|1\.\.100"):
        await emulator.run_command(
            world.anna, world.channel, "petition sign", {"code": "Я" * 10_000}
        )
    assert await petition_rows(rally) == 0
