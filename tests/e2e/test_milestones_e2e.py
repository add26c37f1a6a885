"""Milestones end to end: exactly once, in order, retried through faults, pinging only who asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.db.announcements import Announcement
from bot.sandbox.emulator import Channel, DiscordEmulator, Member, Message
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, running_rally, text_of

MESSAGES = "/channels/{channel_id}/messages"


def announcements(emu: DiscordEmulator, channel: Channel) -> list[Message]:
    return [m for m in emu.messages(channel.id) if m.embeds and "🎉" in m.embeds[0]["title"]]


def rungs(emu: DiscordEmulator, channel: Channel) -> list[str]:
    return [m.embeds[0]["title"] for m in announcements(emu, channel)]


async def setup_channel(act: Act, world: World, channel: Channel) -> None:
    await act.run(world.organizer, "setup configure", {"announcement_channel": channel})


async def sign_all(act: Act, members: list[Member], code: str, wave: int = 250) -> None:
    """Members sign concurrently, in waves as a surge arrives (all answered within 3 s)."""
    for start in range(0, len(members), wave):
        its = await asyncio.gather(
            *(
                act.emu.run_command(m, act.channel, "petition sign", {"code": code})
                for m in members[start : start + wave]
            )
        )
        await asyncio.gather(*(it.response() for it in its))
        assert not any(it.failed for it in its)


async def settle(bot: object, emu: DiscordEmulator, channel: Channel, count: int) -> None:
    await emu.wait_for_message(
        channel.id, lambda _: len(announcements(emu, channel)) >= count, timeout=20
    )


async def test_1000_concurrent_signatures_announce_every_rung_once_in_order(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(1000)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        await setup_channel(act, world, news)
        code = await act.create_petition(world.organizer, goal="100000")
        await sign_all(act, members, code)
        await settle(bot, emulator, news, 8)
        await bot.announcer.drain()
        assert rungs(emulator, news) == [
            f"🎉 {n} signatures!" for n in ("10", "25", "50", "100", "250", "500", "750", "1,000")
        ]
        assert (await bot.services.petitions.get(world.guild.id, code)).total == 1000


async def test_a_500_then_a_429_still_posts_once(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(10)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        await setup_channel(act, world, news)
        code = await act.create_petition(world.organizer, goal="1000")
        emulator.faults.fail_next("POST", MESSAGES, status=500, count=1)
        emulator.faults.fail_next("POST", MESSAGES, status=429, count=1)
        await sign_all(act, members, code)
        await settle(bot, emulator, news, 1)
        await asyncio.sleep(0.3)  # give a duplicate every chance to appear
        await bot.announcer.drain()
        assert rungs(emulator, news) == ["🎉 10 signatures!"]
        statuses = [
            s
            for (m, p, s) in emulator.requests
            if m == "POST" and p.endswith(f"/channels/{news.id}/messages")
        ]
        assert statuses[:2] == [500, 429] and statuses.count(200) == 1


async def test_a_crash_between_send_and_mark_posts_exactly_once_after_restart(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(10)]
    path = tmp_path / "r.db"
    crashed = asyncio.Event()

    async def crash(point: str, row: Announcement) -> None:
        crashed.set()
        await asyncio.Event().wait()  # the process "dies" here: never marks the row sent

    async with running_rally(emulator, path) as bot:
        act = Act(emulator, world.channel)
        await setup_channel(act, world, news)
        code = await act.create_petition(world.organizer, goal="1000")
        bot.announcer.fault_hook = crash
        await sign_all(act, members, code)
        await asyncio.wait_for(crashed.wait(), 10)
        assert len(announcements(emulator, news)) == 1
    async with running_rally(emulator, path) as bot:
        assert await bot.services.milestones.pending_count() == 1
        await bot.announcer.drain()
        assert await bot.services.milestones.pending_count() == 0
        _, history = await bot.services.milestones.history(world.guild.id, code)
        assert [(h.status, h.message_id) for h in history] == [
            ("sent", announcements(emulator, news)[0].id)
        ]
    assert len(announcements(emulator, news)) == 1


async def test_withdraw_and_resign_across_a_rung_announces_nothing_new(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(10)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        await setup_channel(act, world, news)
        code = await act.create_petition(world.organizer, goal="1000")
        await sign_all(act, members, code)
        await settle(bot, emulator, news, 1)
        await act.run(members[0], "petition withdraw", {"code": code})
        await act.run(members[0], "petition sign", {"code": code})
        await bot.announcer.drain()
        assert rungs(emulator, news) == ["🎉 10 signatures!"]


async def test_the_role_is_pinged_only_when_configured(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    pings = emulator.create_role(world.guild, "Petition pings", mentionable=True)
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(25)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        await setup_channel(act, world, news)
        code = await act.create_petition(
            world.organizer, goal="1000", title=f"@everyone <@&{world.organizers.id}> Free them"
        )
        await sign_all(act, members[:10], code)
        await settle(bot, emulator, news, 1)
        first = announcements(emulator, news)[0]
        assert first.mention_roles == [] and not first.mention_everyone and first.mentions == []
        await act.run(world.organizer, "milestones setup", {"ping_role": pings})
        await sign_all(act, members[10:], code)
        await settle(bot, emulator, news, 2)
        second = announcements(emulator, news)[1]
        assert second.mention_roles == [pings.id] and not second.mention_everyone
        history = await act.run(world.organizer, "milestones history", {"petition": code})
        text = text_of(history.original)
        assert f"/channels/{world.guild.id}/{news.id}/{first.id}" in text
        assert f"/channels/{world.guild.id}/{news.id}/{second.id}" in text


async def test_subscribe_toggles_the_ping_role_and_explains_missing_permission(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    pings = emulator.create_role(world.guild, "Petition pings")
    above = emulator.create_role(world.guild, "Above the bot", position=99)
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        none_yet = await act.run(world.anna, "milestones subscribe")
        assert "no milestone ping role yet" in text_of(none_yet.original)
        await act.run(world.organizer, "milestones setup", {"ping_role": pings})
        on = await act.run(world.anna, "milestones subscribe")
        assert "you will be pinged" in text_of(on.original)
        assert pings.id in world.guild.members[world.anna.user.id].roles
        await act.run(world.organizer, "milestones setup", {"ping_role": above})
        refused = await act.run(world.ben, "milestones subscribe")
        assert "needs the Manage Roles permission" in text_of(refused.original)
        assert above.id not in world.guild.members[world.ben.user.id].roles
