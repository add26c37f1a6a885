"""Abuse limits end to end: a new account's signature is held, reported to the organizers'
review channel (no pings), accepted or rejected there; cooldowns; refusals change nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import RallyBot
from bot.sandbox.emulator import Channel, DiscordEmulator, Member, Message
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of
from tests.e2e.test_milestones_e2e import rungs
from tests.e2e.test_petitions_e2e import counts

#: The production defaults (the harness turns the limits off for other tests).
LIMITS: dict[str, Any] = {"new_account_days": 3, "burst_signatures": 5}
HELD = "is waiting for a quick check by the organizers"


def old_members(emu: DiscordEmulator, world: World, n: int) -> list[Member]:
    """Members whose Discord accounts are over a year old."""
    since = datetime.now(UTC) - timedelta(days=400)
    return [
        emu.create_member(world.guild, f"old{i}", created_at=since + timedelta(seconds=i))
        for i in range(n)
    ]


async def prepare(act: Act, world: World, news: Channel, review: Channel) -> str:
    await act.run(
        world.organizer, "setup configure", {"announcement_channel": news, "review_channel": review}
    )
    return await act.create_petition(world.organizer, goal="1000")


async def report_in(emu: DiscordEmulator, review: Channel) -> Message:
    return await emu.wait_for_message(review.id, lambda m: bool(m.embeds), timeout=10)


async def total(bot: RallyBot, world: World, code: str) -> int:
    return (await bot.services.petitions.get(world.guild.id, code)).total


async def test_a_new_account_is_held_reported_and_counted_once_accepted(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    review = emulator.create_channel(world.guild, "organizers")
    newbie = emulator.create_member(world.guild, "newbie")  # an account made just now
    path = tmp_path / "r.db"
    async with running_rally(emulator, path, **LIMITS) as bot:
        act = Act(emulator, world.channel)
        code = await prepare(act, world, news, review)
        for member in old_members(emulator, world, 9):
            signed = await act.run(member, "petition sign", {"code": code})
            assert "You're signer #" in text_of(signed.original)
        page = (await act.run(world.organizer, "petition show", {"code": code})).original
        assert page is not None
        petition_id = (await bot.services.petitions.get(world.guild.id, code)).id

        clicked = await act.click(newbie, page, f"rally:sign:{petition_id}")
        assert clicked.ephemeral and HELD in text_of(clicked.original)
        assert await total(bot, world, code) == 9

        report = await report_in(emulator, review)
        shown = text_of(report)
        assert f"<@{newbie.user.id}>" in shown and "a new Discord account" in shown
        assert "Account created" in shown and "newbie" not in shown.lower()
        assert report.mentioned_users == [] and report.mention_roles == []
        accept, reject = [f"rally:hold:{a}:" for a in ("accept", "reject")]
        assert sorted(c[:16] for c in buttons(report)) == sorted([accept[:16], reject[:16]])
        accept_id = next(c for c in buttons(report) if c.startswith(accept))

        # signing again while it waits: kindly told, nothing changes
        again = await act.click(newbie, page, f"rally:sign:{petition_id}")
        assert again.ephemeral and "waiting for a quick check" in text_of(again.original)

        # a member without the organizer role presses Accept: refused, nothing changes
        before = await counts(path)
        refused = await act.click(world.anna, report, accept_id)
        assert refused.ephemeral and "Only organizers can do that" in text_of(refused.original)
        assert await counts(path) == before and await total(bot, world, code) == 9
        assert accept_id in buttons(report) and len(buttons(report)) == 2

        done = await act.click(world.organizer, report, accept_id)
        assert not done.ephemeral
        assert "Accepted by" in (report.content or "") and buttons(report) == {}
        assert report.mentioned_users == [] and report.embeds == []  # no longer says who
        assert str(newbie.user.id) not in text_of(report)
        assert await total(bot, world, code) == 10
        await emulator.wait_for_message(news.id, lambda m: bool(m.embeds), timeout=10)
        await asyncio.sleep(0.3)  # give a duplicate every chance to appear
        await bot.announcer.drain()
        assert rungs(emulator, news) == ["🎉 10 signatures!"]

        signed_again = await act.click(newbie, page, f"rally:sign:{petition_id}")
        assert "You already signed" in text_of(signed_again.original)
        listed = await act.run(world.organizer, "review list")
        assert listed.ephemeral and "No signature is waiting for review" in text_of(listed.original)


async def test_a_rejected_signature_is_not_counted(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    review = emulator.create_channel(world.guild, "organizers")
    newbie = emulator.create_member(world.guild, "newbie")
    async with running_rally(emulator, tmp_path / "r.db", **LIMITS) as bot:
        act = Act(emulator, world.channel)
        code = await prepare(act, world, news, review)
        # the report survives a Discord outage: the first post fails with a 500
        emulator.faults.fail_next("POST", "/channels/{channel_id}/messages", status=500, count=1)
        held = await act.run(newbie, "petition sign", {"code": code})
        assert held.ephemeral and HELD in text_of(held.original)

        mine = await act.run(newbie, "me show")
        assert mine.ephemeral and "waiting for the organizers' check" in text_of(mine.original)
        listed = await act.run(world.organizer, "review list")
        assert listed.ephemeral and f"<@{newbie.user.id}>" in text_of(listed.original)
        assert code in text_of(listed.original)

        report = await report_in(emulator, review)
        await asyncio.sleep(0.3)  # give a duplicate every chance to appear
        await bot.announcer.drain()
        assert len(emulator.messages(review.id)) == 1
        posts = [s for (m, p, s) in emulator.requests if m == "POST" and f"/{review.id}/" in p]
        assert posts == [500, 200]
        reject_id = next(c for c in buttons(report) if c.startswith("rally:hold:reject:"))
        await act.click(world.organizer, report, reject_id)
        assert "Rejected by" in (report.content or "") and buttons(report) == {}
        assert report.embeds == [] and str(newbie.user.id) not in text_of(report)
        assert await total(bot, world, code) == 0

        again = await act.run(newbie, "petition sign", {"code": code})
        assert again.ephemeral and "did not count it" in text_of(again.original)
        assert await total(bot, world, code) == 0
        assert rungs(emulator, news) == []
        mine = await act.run(newbie, "me show")
        assert "not counted" in text_of(mine.original)


async def test_signing_again_within_the_cooldown_is_refused_kindly(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path, sign_cooldown_seconds=60) as bot:
        act = Act(emulator, world.channel)
        first = await act.create_petition(world.organizer, title="First")
        second = await act.create_petition(world.organizer, title="Second")
        signed = await act.run(world.anna, "petition sign", {"code": first})
        assert "You're signer #1" in text_of(signed.original)
        before = await counts(path)
        refused = await act.run(world.anna, "petition sign", {"code": second})
        assert refused.ephemeral and "Slow down a little: try again in" in text_of(refused.original)
        assert await counts(path) == before and await total(bot, world, second) == 0
        # another member is not held up by anna's cooldown
        other = await act.run(world.ben, "petition sign", {"code": second})
        assert "You're signer #1" in text_of(other.original)


async def test_a_held_signature_can_be_withdrawn_and_its_report_then_changes_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    news = emulator.create_channel(world.guild, "news")
    review = emulator.create_channel(world.guild, "organizers")
    newbie = emulator.create_member(world.guild, "newbie")
    path = tmp_path / "r.db"
    async with running_rally(emulator, path, **LIMITS) as bot:
        act = Act(emulator, world.channel)
        code = await prepare(act, world, news, review)
        await act.run(newbie, "petition sign", {"code": code})
        report = await report_in(emulator, review)
        withdrawn = await act.run(newbie, "petition withdraw", {"code": code})
        assert withdrawn.ephemeral and "was withdrawn" in text_of(withdrawn.original)
        before = await counts(path)
        accept_id = next(c for c in buttons(report) if c.startswith("rally:hold:accept:"))
        late = await act.click(world.organizer, report, accept_id)
        assert late.ephemeral and "no longer waiting for review" in text_of(late.original)
        assert await counts(path) == before and await total(bot, world, code) == 0
