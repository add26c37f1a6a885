"""Signature drives end to end: a drive from start to end through a restart, referrals by the
slash option and by the button, offline logs reviewed, the schedule posted exactly once, one
live status message edited in place — and every bad input refused with nothing changed."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox.emulator import Channel, DiscordEmulator, Message
from bot.sandbox.emulator.commands import CommandError
from bot.sandbox.emulator.state import MANAGE_ROLES
from tests.conftest import FakeClock
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CODE_LINE = re.compile(r"Your personal code: \*\*([A-Z0-9]+)\*\*")


def titled(emu: DiscordEmulator, channel: Channel, prefix: str) -> list[Message]:
    return [
        m
        for m in emu.messages(channel.id)
        if m.embeds and m.embeds[0].get("title", "").startswith(prefix)
    ]


def status_messages(emu: DiscordEmulator, channel: Channel) -> list[Message]:
    return [m for m in titled(emu, channel, "📣 Winter push")]


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute(sql))


def counts(path: Path) -> dict[str, int]:
    tables = (
        "drives",
        "teams",
        "drive_participants",
        "referral_codes",
        "offline_logs",
        "signatures",
        "announcements",
        "reward_roles",
    )
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def join(act: Act, member: object, **options: str) -> tuple[str, object]:
    it = await act.run(member, "drive join", options)  # type: ignore[arg-type]
    assert it.ephemeral, text_of(it.original)
    match = CODE_LINE.search(text_of(it.original))
    assert match, text_of(it.original)
    return match.group(1), it


async def tick(bot: object) -> None:
    """One scheduler tick, then send what it queued and refresh the status message."""
    await bot.drives_scheduler.run_due()  # type: ignore[attr-defined]
    await bot.announcer.drain()  # type: ignore[attr-defined]
    await bot.drive_status.flush()  # type: ignore[attr-defined]


async def test_a_drive_from_start_to_end_through_a_restart(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "r.db"
    news = emulator.create_channel(world.guild, "drive-news")
    cara, dan, eve = (emulator.create_member(world.guild, n) for n in ("cara", "dan", "eve"))
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="1000")
        started = await act.run(
            world.organizer,
            "drive start",
            {
                "name": "Winter push",
                "petition": code,
                "goal": 4,
                "end": "in 3 days",
                "channel": news,
                "teams": "North, South",
                "approval": True,
            },
        )
        assert started.ephemeral and "Winter push" in text_of(started.original)
        await tick(bot)
        assert len(titled(emulator, news, "📣 The drive Winter push has started!")) == 1
        assert len(status_messages(emulator, news)) == 1

        anna_code, anna_join = await join(act, world.anna, team="North")
        ben_code, _ = await join(act, world.ben, team="south")
        assert anna_code.startswith("ANNA") and ben_code.startswith("BEN")

        # A referral through the slash option (typed in lower case) …
        signed = await act.run(cara, "petition sign", {"code": code, "referral": anna_code.lower()})
        assert signed.ephemeral and "You're signer #1" in text_of(signed.original)
        assert "/drive join" in text_of(signed.original)
        # … and through the Sign button of Anna's posted invite.
        posted = await act.click(world.anna, anna_join.original, button(anna_join.original, "Post"))
        invite = posted.original
        assert invite is not None and not posted.ephemeral
        sign_id = button(invite, "Sign")
        assert sign_id.endswith(f":r:{anna_code}")
        by_button = await act.click(dan, invite, sign_id)
        assert by_button.ephemeral and "You're signer #2" in text_of(by_button.original)
        again = await act.click(dan, invite, sign_id)
        assert "You already signed" in text_of(again.original)

        # Offline logs wait for review: one approved, one rejected.
        for count in (3, 2):
            logged = await act.run(world.ben, "drive log", {"count": count, "note": "market"})
            assert "an organizer will review" in text_of(logged.original)
        review = await act.run(world.organizer, "drive review")
        assert review.ephemeral and text_of(review.original).count("logged") == 2
        first, second = (
            int(n) for n in re.findall(r"Approve #(\d+)", str(buttons(review.original)))
        )
        approved = await act.click(world.organizer, review.original, f"rally:log:ok:{first}")
        assert f"Approved #{first}" in text_of(approved.original)
        rejected = await act.click(world.organizer, review.original, f"rally:log:no:{second}")
        assert f"Rejected #{second}" in text_of(rejected.original)
        await tick(bot)
        status = status_messages(emulator, news)
        assert len(status) == 1 and "**5** of **4**" in text_of(status[0])
        assert "North — 2" in text_of(status[0]) and "South — 3" in text_of(status[0])

    # The bot stops for two days; the "24 hours left" comes due meanwhile.
    clock.advance(days=2, hours=1)
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        await tick(bot)
        last_day = titled(emulator, news, "⏳ 24 hours left in Winter push!")
        assert len(last_day) == 1 and "Posted late" in text_of(last_day[0])
        signed = await act.run(eve, "petition sign", {"code": code, "referral": ben_code})
        assert signed.ephemeral and "You're signer #3" in text_of(signed.original)
        mine = await act.run(world.ben, "petition sign", {"code": code})
        assert f"referral:{ben_code}" in text_of(mine.original)  # his own invite line
        await tick(bot)
        clock.advance(hours=23)  # the end, on time
        await tick(bot)
        await tick(bot)

    # Exactly once each, in the drive's channel; the status message edited, never re-posted.
    assert len(titled(emulator, news, "📣 The drive Winter push has started!")) == 1
    assert len(titled(emulator, news, "⏳ 24 hours left")) == 1
    summary = titled(emulator, news, "🏁 The drive Winter push is over")
    assert len(summary) == 1
    assert "**7** of **4**" in text_of(summary[0]) and "top recruiters" in text_of(summary[0])
    assert len(titled(emulator, news, "🎯 Winter push reached its goal!")) == 1
    status = status_messages(emulator, news)
    assert len(status) == 1 and status[0].edited_at is not None
    assert "Ended" in text_of(status[0])
    # Recruiters who did not choose to show their name are thanked by DM, not in the channel.
    assert any("first recruit" in text_of(m) for m in emulator.dms(world.anna.user.id))
    assert not titled(emulator, news, "🙌")
    assert rows(path, "SELECT kind, status, late FROM drive_jobs ORDER BY due_at") == [
        ("start", "fired", 0),
        ("last_day", "fired", 1),
        ("end", "fired", 0),
    ]
    assert rows(
        path,
        "SELECT p.user_id, p.recruits, p.logged FROM drive_participants p ORDER BY p.id",
    ) == [(world.anna.user.id, 2, 0), (world.ben.user.id, 1, 3)]
    assert rows(path, "SELECT status, count FROM offline_logs ORDER BY id") == [
        ("approved", 3),
        ("rejected", 2),
    ]


def button(message: Message | None, label: str) -> str:
    assert message is not None
    for custom_id, text in buttons(message).items():
        if text.startswith(label):
            return custom_id
    raise AssertionError(f"no button {label!r} on {buttons(message)}")


async def refused(
    act: Act, path: Path, member: object, name: str, options: dict[str, object], message: str
) -> None:
    """The command is answered ephemerally with `message`, and nothing in the database moved."""
    before = counts(path)
    it = await act.run(member, name, options)  # type: ignore[arg-type]
    assert it.ephemeral, name
    assert message in text_of(it.original), (name, text_of(it.original))
    assert counts(path) == before, name


async def test_every_bad_input_is_refused_and_changes_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "r.db"
    cara = emulator.create_member(world.guild, "cara")
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        first = await act.create_petition(world.organizer, title="First")
        second = await act.create_petition(world.organizer, title="Second")
        third = await act.create_petition(world.organizer, title="Third")
        base = {"petition": first, "goal": 100, "end": "in 3 days"}
        org = world.organizer
        await refused(
            act,
            path,
            org,
            "drive start",
            {**base, "name": "A", "start": "2026-11-30 18:00", "end": "2026-11-29 18:00"},
            "must come after the start",
        )
        await refused(
            act,
            path,
            org,
            "drive start",
            {**base, "name": "A", "start": "2026-11-01 09:00"},
            "is in the past",
        )
        await refused(
            act,
            path,
            org,
            "drive start",
            {**base, "name": "A", "end": "next fortnight"},
            "is not a time Rally understands",
        )
        await refused(
            act,
            path,
            world.anna,
            "drive start",
            {**base, "name": "B"},
            "Only organizers can do that",
        )
        before = counts(path)
        with pytest.raises(CommandError):  # Discord itself refuses a goal below 1
            await act.run(org, "drive start", {**base, "name": "B", "goal": 0})
        assert counts(path) == before

        await act.run(org, "drive start", {**base, "name": "Spring", "teams": "North"})
        await act.run(
            org,
            "drive start",
            {"name": "Other", "petition": second, "goal": 50, "end": "in 2 days", "log_cap": 10},
        )
        await bot.drives_scheduler.run_due()
        await refused(
            act,
            path,
            org,
            "drive start",
            {**base, "name": "spring", "petition": third},
            "already has a drive called",
        )
        await refused(
            act,
            path,
            org,
            "drive start",
            {**base, "name": "Third"},
            "already has the drive “Spring”",
        )
        anna_code, _ = await join(act, world.anna, drive="Spring")
        ben_code, _ = await join(act, world.ben, drive="Other")
        await refused(
            act,
            path,
            world.anna,
            "drive team create",
            {"drive": "Spring", "name": " NORTH "},
            "already has a team called “NORTH”",
        )
        await refused(
            act,
            path,
            world.anna,
            "drive team join",
            {"drive": "Spring", "name": "West"},
            "has no team called “West”",
        )
        await refused(
            act,
            path,
            cara,
            "petition sign",
            {"code": first, "referral": ben_code},
            "belongs to a drive for another petition",
        )
        await refused(
            act,
            path,
            world.anna,
            "petition sign",
            {"code": first, "referral": anna_code},
            "That is your own code",
        )
        await refused(
            act,
            path,
            cara,
            "petition sign",
            {"code": first, "referral": "ZZZ9"},
            "There is no referral code ZZZ9",
        )
        await refused(
            act,
            path,
            cara,
            "petition sign",
            {"code": first, "referral": "?!"},
            "There is no referral code ?!",
        )
        await refused(
            act, path, world.ben, "drive log", {"drive": "Other", "count": 11}, "from 1 to 10"
        )
        await refused(
            act,
            path,
            cara,
            "drive log",
            {"drive": "Other", "count": 3},
            "You have not joined the drive “Other”",
        )
        before = counts(path)
        with pytest.raises(CommandError):  # Discord itself refuses a negative count
            await act.run(world.ben, "drive log", {"drive": "Other", "count": -5})
        assert counts(path) == before

        ending = await act.run(org, "drive end", {"drive": "Other"})
        await act.click(org, ending.original, button(ending.original, "End the drive"))
        await refused(act, path, cara, "drive join", {"drive": "Other"}, "has ended")
        await refused(
            act, path, world.ben, "drive log", {"drive": "Other", "count": 1}, "has ended"
        )
        await refused(
            act,
            path,
            cara,
            "petition sign",
            {"code": second, "referral": ben_code},
            "which has ended",
        )
        await refused(act, path, org, "drive end", {"drive": "Other"}, "has ended")
        await refused(
            act, path, org, "drive status", {"drive": "Nope"}, "There is no drive called “Nope”"
        )
    assert rows(path, "SELECT name FROM teams ORDER BY id") == [("North",)]


async def test_reward_roles_follow_recruits_and_explain_missing_permissions(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "r.db"
    recruiter = emulator.create_role(world.guild, "Recruiter")
    above = emulator.create_role(world.guild, "Above Rally", position=99)
    cara, dan = (
        emulator.create_member(world.guild, "cara"),
        emulator.create_member(world.guild, "dan"),
    )
    roles_of = world.guild.members[world.anna.user.id].roles
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        saved = await act.run(
            world.organizer, "milestones reward", {"recruits": 2, "role": recruiter}
        )
        assert saved.ephemeral and f"2 recruits → <@&{recruiter.id}>" in text_of(saved.original)
        await refused(
            act,
            path,
            world.organizer,
            "milestones reward",
            {"recruits": 5, "role": above},
            "its own role must sit above that role",
        )
        await refused(
            act,
            path,
            world.anna,
            "milestones reward",
            {"recruits": 5, "role": recruiter},
            "Only organizers can do that",
        )
        await act.run(
            world.organizer,
            "drive start",
            {"name": "Push", "petition": code, "goal": 10, "end": "in 3 days"},
        )
        await tick(bot)
        anna_code, _ = await join(act, world.anna)
        await act.run(cara, "petition sign", {"code": code, "referral": anna_code})
        await tick(bot)
        assert recruiter.id not in roles_of  # one recruit: not yet
        await act.run(dan, "petition sign", {"code": code, "referral": anna_code})
        await tick(bot)
        assert recruiter.id in roles_of  # granted at the threshold
        await act.run(cara, "petition withdraw", {"code": code})
        await tick(bot)
        assert recruiter.id not in roles_of  # removed when a withdrawal drops them below
        await act.run(cara, "petition sign", {"code": code, "referral": anna_code})
        await tick(bot)
        assert recruiter.id in roles_of

        bot_role = next(r for r in world.guild.roles.values() if r.managed)
        bot_role.permissions &= ~MANAGE_ROLES
        await refused(
            act,
            path,
            world.organizer,
            "milestones reward",
            {"recruits": 5, "role": recruiter},
            "it needs the Manage Roles permission",
        )
    assert rows(path, "SELECT recruits, role_id FROM reward_roles") == [(2, recruiter.id)]


async def test_recruiters_are_named_only_if_they_chose_and_a_closed_dm_blocks_nothing(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    path = tmp_path / "r.db"
    news = emulator.create_channel(world.guild, "drive-news")
    dora = emulator.create_member(world.guild, "dora", accepts_dms=False)
    cara, eve, finn = (emulator.create_member(world.guild, n) for n in ("cara", "eve", "finn"))
    async with running_rally(emulator, path, clock=clock) as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        await act.run(
            world.organizer,
            "drive start",
            {"name": "Push", "petition": code, "goal": 4, "end": "in 3 days", "channel": news},
        )
        await act.run(world.anna, "me privacy", {"show_name": True, "public_name": "Anna R."})
        anna_code, _ = await join(act, world.anna)
        dora_code, _ = await join(act, dora)
        await act.run(cara, "petition sign", {"code": code, "referral": anna_code})
        await act.run(eve, "petition sign", {"code": code, "referral": dora_code})
        await act.run(finn, "petition sign", {"code": code})
        await tick(bot)
        assert [text_of(m).splitlines()[0] for m in titled(emulator, news, "🙌")] == [
            "🙌 Anna R. brought in their first recruit!"
        ]
        assert emulator.dms(dora.user.id) == []
        assert len(titled(emulator, news, "🎉 Push is 75% of the way!")) == 1  # not held up
    assert rows(path, "SELECT kind, status FROM announcements WHERE kind = 'recruit'") == [
        ("recruit", "sent"),
        ("recruit", "failed"),
    ]
