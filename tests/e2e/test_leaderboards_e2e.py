"""Leaderboards as members see them in Discord: pages only the asker can turn, their own place
told to them alone, an opted-out recruiter never named (text or image), the image toggle, and a
posted board edited in place across a restart."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import bot.ui.leaderboards as board_ui
from bot.client import RallyBot
from bot.domain.actors import Actor
from bot.sandbox.emulator import DiscordEmulator, Message
from tests.conftest import FakeClock
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def button(message: Message | None, label: str) -> str:
    assert message is not None
    for custom_id, text in buttons(message).items():
        if text == label:
            return custom_id
    raise AssertionError(f"no button {label!r} on {buttons(message)}")


def person(world: World, user_id: int, name: str = "") -> Actor:
    return Actor(user_id=user_id, guild_id=world.guild.id, display_name=name or f"u{user_id}")


async def recruits(bot: RallyBot, world: World, petition_id: int, code: str, n: int) -> None:
    """`n` new members sign with `code` (ids from a counter on the bot, never reused)."""
    start = getattr(bot, "_next_signer", 70_000)
    for user in range(start, start + n):
        await bot.services.petitions.sign(person(world, user), petition_id, referral=code)
    bot._next_signer = start + n  # type: ignore[attr-defined]


async def start_drive(act: Act, world: World) -> str:
    code = await act.create_petition(world.organizer, goal="100000")
    started = await act.run(
        world.organizer,
        "drive start",
        {"name": "Winter push", "petition": code, "goal": 1000, "end": "in 20 days"},
    )
    assert started.ephemeral, text_of(started.original)
    return code


async def test_pages_own_place_privacy_and_the_image_toggle(
    emulator: DiscordEmulator, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[list[str]] = []
    real_draw = board_ui.render_chart

    def spy(heading: str, bars: list[Any], empty: str) -> bytes:
        drawn.append([heading, *(bar.label for bar in bars)])
        return real_draw(heading, bars, empty)

    # The cog is loaded when the bot starts, so it picks up the spy (and draws through it).
    monkeypatch.setattr(board_ui, "render_chart", spy)
    sam = emulator.create_member(world.guild, "samantha")
    async with running_rally(emulator, tmp_path / "r.db", clock=FakeClock(START)) as bot:
        act = Act(emulator, world.channel)
        code = await start_drive(act, world)
        petition = await bot.services.petitions.get(world.guild.id, code)
        services = bot.services
        # Samantha brings the most but keeps her name private; Ben shows his.
        sam_code = (await services.volunteers.join(person(world, sam.user.id), None, None)).code
        await services.signers.set_privacy(person(world, sam.user.id, "samantha"), show_name=False)
        ben_code = (
            await services.volunteers.join(person(world, world.ben.user.id), None, None)
        ).code
        await services.signers.set_privacy(
            person(world, world.ben.user.id), show_name=True, public_name="Ben Bold"
        )
        await recruits(bot, world, petition.id, sam_code, 20)
        await recruits(bot, world, petition.id, ben_code, 15)
        for n in range(10):  # ten more volunteers with 2 each: Anna falls off the first page
            other = (await services.volunteers.join(person(world, 60_000 + n), None, None)).code
            await recruits(bot, world, petition.id, other, 2)
        anna_code = (
            await services.volunteers.join(person(world, world.anna.user.id), None, None)
        ).code
        await recruits(bot, world, petition.id, anna_code, 1)

        asked = await emulator.run_command(world.anna, world.channel, "leaderboard recruiters", {})
        board = await asked.response()
        assert board is not None and not asked.ephemeral
        shown = text_of(board)
        assert "🏆 Top recruiters — all time" in shown
        assert "**1.** a member — 20 signatures" in shown
        assert "**2.** Ben Bold — 15 signatures" in shown
        assert "**3.** a member — 2 signatures" in shown and "**12.**" not in shown
        assert "samantha" not in shown.lower()
        own = await asked.wait_followup()
        assert own.ephemeral and "Your place: **#13** with 1 signature." in text_of(own)

        # Only Anna turns the pages.
        nosy = await act.click(world.ben, board, button(board, "Next"))
        assert nosy.ephemeral and "Only the member who asked" in text_of(nosy.original)
        assert "Page 1" in text_of(emulator.message_store[board.id])
        turned = await act.click(world.anna, board, button(board, "Next"))
        page_two = turned.original
        assert page_two is not None and "Page 2" in text_of(page_two)
        assert "**13.** a member — 1 signature" in text_of(page_two)

        # The image: a PNG attached to the same message, and back to text.
        imaged = await act.click(world.anna, page_two, button(page_two, "Show as image"))
        with_image = imaged.original
        assert with_image is not None
        (png,) = with_image.attachments
        assert Image.open(io.BytesIO(png.content)).size == (1200, 675)
        assert with_image.embeds[0]["image"]["url"] == f"attachment://{png.filename}"
        back = await act.click(world.anna, with_image, button(with_image, "Show as text"))
        assert back.original is not None and not back.original.attachments
        first = await act.click(world.anna, back.original, button(back.original, "Previous"))
        assert first.original is not None and "Page 1" in text_of(first.original)
        top = await act.click(world.anna, first.original, button(first.original, "Show as image"))
        assert top.original is not None and top.original.attachments
        assert drawn and drawn[-1][1:3] == ["a member", "Ben Bold"]
        assert not any("samantha" in label.lower() for labels in drawn for label in labels)

        teams = await act.run(world.anna, "leaderboard teams", {})
        assert "🏆 Teams of Winter push" in text_of(teams.original)
        hot = await act.run(world.anna, "leaderboard petitions", {"order": "momentum"})
        assert "last 24 hours" in text_of(hot.original) and "56 signatures" in text_of(hot.original)


async def test_a_posted_board_refreshes_in_place_and_survives_a_restart(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "r.db"
    board_channel = emulator.create_channel(world.guild, "leaderboard")
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        code = await start_drive(act, world)
        petition = await bot.services.petitions.get(world.guild.id, code)
        ben_code = (
            await bot.services.volunteers.join(person(world, world.ben.user.id), None, None)
        ).code
        await recruits(bot, world, petition.id, ben_code, 3)
        refused = await act.run(world.anna, "leaderboard post", {"channel": board_channel})
        assert refused.ephemeral and "organizer" in text_of(refused.original).lower()
        posted = await act.run(
            world.organizer, "leaderboard post", {"channel": board_channel, "every": 5}
        )
        assert posted.ephemeral and "every 5 minutes" in text_of(posted.original)
        await bot.leaderboard_posts.refresh_due()
        (message,) = emulator.messages(board_channel.id)
        assert "a member — 3 signatures" in text_of(message)
        await recruits(bot, world, petition.id, ben_code, 2)
        assert await bot.leaderboard_posts.refresh_due() == 0  # not due yet
        clock.advance(minutes=5)
        assert await bot.leaderboard_posts.refresh_due() == 1
        (message,) = emulator.messages(board_channel.id)
        assert "a member — 5 signatures" in text_of(message) and message.edited_at is not None

    clock.advance(hours=2)
    async with running_rally(emulator, path, clock=clock) as bot:
        bot._next_signer = 80_000  # type: ignore[attr-defined]
        await recruits(bot, world, petition.id, ben_code, 2)
        await bot.leaderboard_posts.refresh_due()
        (again,) = emulator.messages(board_channel.id)
        assert again.id == message.id and "a member — 7 signatures" in text_of(again)
        # Deleting the message stops the board.
        await bot.http.delete_message(board_channel.id, again.id)
        clock.advance(minutes=5)
        assert await bot.leaderboard_posts.refresh_due() == 0
        assert emulator.messages(board_channel.id) == []
        assert await bot.services.leaderboards.due_posts() == []
