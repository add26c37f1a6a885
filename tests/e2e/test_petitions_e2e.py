"""Petitions end to end: the real bot, the emulator, a member's-eye view of every reply."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import client, interactions
from bot.db import Database
from bot.sandbox.emulator import Deferred, DiscordEmulator
from tests.e2e.conftest import World
from tests.e2e.rally_harness import Act, buttons, running_rally, text_of


async def counts(path: Path) -> dict[str, int]:
    db = Database(path)
    await db.open()
    try:
        async with db.read() as conn:
            return {
                t: int(await conn.fetchval(f"SELECT COUNT(*) FROM {t}"))
                for t in ("petitions", "signatures", "audit_log", "goal_changes")
            }
    finally:
        await db.close()


async def test_about_is_the_first_command(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        it = await act.run(world.anna, "about")
        assert it.ephemeral
        text = text_of(it.original)
        assert "Rally" in text and "0 petitions · 0 signatures" in text


async def test_lifecycle_create_show_sign_again_withdraw_close_refused(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="1000")

        shown = await act.run(world.anna, "petition show", {"code": code.lower()})
        page = shown.original
        assert page is not None and not shown.ephemeral
        assert "An open letter to the President & U.S. Congress" in text_of(page)
        assert "**0 so far!** Help us get to **1,000** signers!" in text_of(page)
        assert set(buttons(page)) == {"rally:sign:1", "rally:share:1", "rally:letter:1"}

        signed = await act.click(world.anna, page, "rally:sign:1")
        assert signed.ephemeral
        assert "You're signer #1 of *Designate Belarus for TPS*" in text_of(signed.original)
        assert "rally:share:1" in buttons(signed.original)  # the next step, right away

        again = await act.click(world.anna, page, "rally:sign:1")
        assert again.ephemeral and "You already signed" in text_of(again.original)

        # the public message refreshes in place (coalesced), never naming who signed
        await bot.live.flush()
        assert "**1 so far!**" in text_of(emulator.messages(world.channel.id)[-1])
        assert "anna" not in text_of(emulator.messages(world.channel.id)[-1]).lower()

        withdrawn = await act.run(world.anna, "petition withdraw", {"code": code})
        assert "was withdrawn" in text_of(withdrawn.original)

        closed = await act.run(world.organizer, "petition close", {"code": code})
        assert closed.ephemeral and "is closed" in text_of(closed.original)
        refused = await act.run(world.ben, "petition sign", {"code": code})
        assert refused.ephemeral and "is closed and no longer takes signatures" in text_of(
            refused.original
        )
    assert (await counts(tmp_path / "r.db"))["signatures"] == 0


async def test_read_the_full_letter_is_ephemeral_and_complete(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    letter = "\n\n".join(f"Paragraph {n}: " + "words " * 60 for n in range(11))[:3990]
    async with running_rally(emulator, tmp_path / "r.db"):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, letter=letter)
        shown = await act.run(world.anna, "petition show", {"code": code})
        assert shown.original is not None
        assert len(shown.original.embeds[0]["description"]) < 2000  # trimmed on the page
        full = await act.click(world.anna, shown.original, "rally:letter:1")
        assert full.ephemeral
        collected = " ".join(
            e["description"] for m in [full.original, *full.followups] if m for e in m.embeds
        )
        assert collected.split() == letter.split()


async def test_surge_of_500_members_clicking_sign(
    emulator: DiscordEmulator, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pool smaller than the surge (Rally's own, 400, is sized for 5,000 at once): unbounded,
    # 500 answers at once opened 271 connections.
    monkeypatch.setattr(client, "HTTP_CONNECTIONS", 50)
    members = [emulator.create_member(world.guild, f"m{n}") for n in range(500)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer, goal="100000")
        shown = await act.run(world.anna, "petition show", {"code": code})
        assert shown.original is not None
        clicks = await asyncio.gather(
            *(emulator.click(m, shown.original, "rally:sign:1") for m in members)
        )
        replies = await asyncio.gather(*(c.wait_original(timeout=30) for c in clicks))
        assert not any(c.failed for c in clicks)
        numbers = sorted(
            int(text_of(r).split("#")[1].split(" ")[0].replace(",", "")) for r in replies
        )
        assert numbers == list(range(1, 501))
        petition = await bot.services.petitions.get(world.guild.id, code)
        assert petition.total == 500
        # 500 answers at once over a bounded pool: connections reused, not one each
        assert len(emulator.connections) <= 50


async def test_buttons_survive_a_restart_and_deleted_petitions_say_so(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "r.db"
    async with running_rally(emulator, path):
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        other = await act.create_petition(world.organizer, title="Second")
        page = (await act.run(world.anna, "petition show", {"code": code})).original
        second = (await act.run(world.anna, "petition show", {"code": other})).original
        assert page is not None and second is not None
    async with running_rally(emulator, path):  # a new process: same database, same Discord
        act = Act(emulator, world.channel)
        signed = await act.click(world.ben, page, "rally:sign:1")
        assert "You're signer #1" in text_of(signed.original)
        asked = await act.run(world.organizer, "petition delete", {"code": other})
        assert asked.original is not None and "Delete *Second*" in text_of(asked.original)
        confirm = next(k for k, v in buttons(asked.original).items() if v == "Delete for good")
        await act.click(world.organizer, asked.original, confirm)
        gone = await act.click(world.ben, second, "rally:sign:2")
        assert gone.ephemeral and "This petition no longer exists." in text_of(gone.original)
        edit = await act.click(world.organizer, second, "rally:share:2")
        assert "no longer exists" in text_of(edit.original)
    assert (await counts(path))["petitions"] == 2  # deleted is kept for the audit trail


async def test_goal_rises_along_the_ladder(
    emulator: DiscordEmulator, world: World, tmp_path: Path
) -> None:
    members = [emulator.create_member(world.guild, f"s{n}") for n in range(5)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        for member in members:
            await act.run(member, "petition sign", {"code": code})
        shown = await act.run(world.anna, "petition show", {"code": code})
        assert "**5 so far!** Help us get to **10** signers!" in text_of(shown.original)
        counted = await act.run(world.organizer, "petition count", {"code": code, "external": 193})
        assert "The goal rose to 250." in text_of(counted.original)
        petition = await bot.services.petitions.get(world.guild.id, code)
        assert (petition.total, petition.goal) == (198, 250)


async def test_a_bot_behind_acknowledges_each_click_first_and_answers_every_one(
    emulator: DiscordEmulator, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clicks that reach the bot late (it is behind a surge) are acknowledged before anything
    else is done for them, then answered, a few at a time: every member gets their number."""
    monkeypatch.setattr(interactions, "BEHIND_AFTER", 0.0)  # every click counts as late
    members = [emulator.create_member(world.guild, f"late{n}") for n in range(40)]
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        shown = await act.run(world.anna, "petition show", {"code": code})
        assert shown.original is not None
        clicks = await asyncio.gather(
            *(emulator.click(m, shown.original, "rally:sign:1") for m in members)
        )
        firsts = await asyncio.gather(*(c.response() for c in clicks))
        assert all(isinstance(f, Deferred) and f.ephemeral for f in firsts)
        answers = await asyncio.gather(*(c.wait_original(timeout=30) for c in clicks))
        numbers = sorted(int(text_of(a).split("#")[1].split(" ")[0]) for a in answers)
        assert numbers == list(range(1, 41)) and not any(c.failed for c in clicks)
        assert (await bot.services.petitions.get(world.guild.id, code)).total == 40


async def test_a_slow_signature_is_acknowledged_in_time_and_answered_after(
    emulator: DiscordEmulator, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_rally(emulator, tmp_path / "r.db") as bot:
        act = Act(emulator, world.channel)
        code = await act.create_petition(world.organizer)
        real_sign = bot.services.petitions.sign

        async def slow_sign(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(3.5)  # e.g. the database is busy with a surge
            return await real_sign(*args, **kwargs)

        monkeypatch.setattr(bot.services.petitions, "sign", slow_sign)
        it = await emulator.run_command(world.anna, world.channel, "petition sign", {"code": code})
        first = await it.response()
        assert isinstance(first, Deferred) and first.ephemeral  # acknowledged within Discord's 3 s
        answer = await it.wait_original(timeout=10)
        assert not it.failed and "You're signer #1" in text_of(answer)
