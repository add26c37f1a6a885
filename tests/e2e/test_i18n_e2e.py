"""Rally speaks the member's language in replies and the server's language in public posts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import localizer
from bot.sandbox.emulator import DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of
from tests.e2e.test_milestones_e2e import sign_all

SO_FAR = "**{total} so far!** Help us get to **{goal}** signers!"
CYRILLIC = re.compile(r"[а-яіўєї]", re.IGNORECASE)


@pytest.mark.parametrize(
    ("locale", "language"), [("en-US", "en"), ("en-GB", "en"), ("ru", "ru"), ("uk", "uk")]
)
async def test_petition_show_follows_the_members_discord_locale(
    emulator: DiscordEmulator, world: World, tmp_path: Path, locale: str, language: str
) -> None:
    reader = emulator.create_member(world.guild, "reader", locale=locale)
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="1000")
        shown = text_of((await act.run(reader, "petition show", {"code": code})).original)
        expected = localizer(language).t(SO_FAR, total=0, goal=1000)
        assert expected in shown
        assert bool(CYRILLIC.search(expected)) == (language != "en")
        signed = await act.run(reader, "petition sign", {"code": code})
        assert bool(CYRILLIC.search(text_of(signed.original))) == (language != "en")


async def test_belarusian_for_a_member_who_chose_it(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    member = emulator.create_member(world.guild, "alesia", locale="ru")
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="1000")
        chose = await act.run(member, "me language", {"language": "be"})
        assert "Беларуская" in text_of(chose.original)
        shown = text_of((await act.run(member, "petition show", {"code": code})).original)
        assert localizer("be").t(SO_FAR, total=0, goal=1000) in shown
        assert localizer("ru").t(SO_FAR, total=0, goal=1000) not in shown


async def test_milestones_are_announced_in_the_servers_language(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(10)]  # en-US clients
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        await act.run(
            world.organizer, "setup configure", {"announcement_channel": news, "language": "uk"}
        )
        code = await act.create_petition(world.organizer, goal="1000")
        await sign_all(act, members, code)
        await bot.announcer.drain()
        (posted,) = [m for m in emulator.messages(news.id) if m.embeds]
        title = posted.embeds[0]["title"]
        assert title == localizer("uk").tn("🎉 {count} signature!", "🎉 {count} signatures!", 10)
        assert CYRILLIC.search(title)
