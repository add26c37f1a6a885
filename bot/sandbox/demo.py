"""The offline sandbox: the emulator and the real bot in one process, a scripted campaign, and a
transcript of everything members would see. `python -m bot --sandbox` (and `make run` without a
token) runs it; it exits by itself.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.client import RallyBot
from bot.config import Settings
from bot.db import Database
from bot.sandbox.emulator import (
    Channel,
    Deferred,
    DiscordEmulator,
    Guild,
    Interaction,
    Member,
    Message,
)
from bot.sandbox.emulator.harness import running_client
from bot.sandbox.emulator.state import MANAGE_GUILD
from bot.sandbox.transcript import render_message
from bot.services import Services
from bot.services.signers import SignerConfig

log = logging.getLogger(__name__)

LETTER = (
    "Dear President, dear Members of Congress,\n\n"
    "Thousands of Belarusians in the United States cannot safely go home: since 2020 the regime "
    "has jailed more than a thousand political prisoners, and returning critics are arrested at "
    "the border.\n\n"
    "We ask you to designate Belarus for Temporary Protected Status, so that those who fled "
    "can live and work here lawfully until it is safe to return."
)


class SandboxBot(RallyBot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class Demo:
    """The scripted campaign, printing each step as members see it."""

    def __init__(self, emu: DiscordEmulator, out: TextIO, folder: Path) -> None:
        self.emu = emu
        self.out = out
        self.folder = folder
        self.guild: Guild = emu.create_guild("Belarusian Diaspora (demo)")
        self.announcements: Channel = emu.create_channel(self.guild, "announcements")
        self.organizers: Channel = emu.create_channel(self.guild, "organizers")
        role = emu.create_role(self.guild, "Organizer", permissions=MANAGE_GUILD)
        # Members of long standing: their Discord accounts are over a year old (abuse limits
        # hold the signatures of new accounts for review).
        since = datetime.now(UTC) - timedelta(days=400)
        self.olga: Member = emu.create_member(self.guild, "olga", roles=[role], created_at=since)
        self.anna: Member = emu.create_member(
            self.guild, "anna", created_at=since + timedelta(seconds=1)
        )
        self.ben: Member = emu.create_member(
            self.guild, "ben", locale="ru", created_at=since + timedelta(seconds=2)
        )
        self.crowd = [
            emu.create_member(
                self.guild, f"member{n:02d}", created_at=since + timedelta(seconds=10 + n)
            )
            for n in range(1, 31)
        ]
        self.seen: set[tuple[int, str]] = set()

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def step(self, title: str) -> None:
        self.say(f"\n=== {title}")

    def save_files(self, message: Message) -> list[Path]:
        saved = []
        for attachment in message.attachments:
            path = self.folder / attachment.filename
            path.write_bytes(attachment.content)
            saved.append(path)
        return saved

    def show_reply(self, who: Member, it: Interaction) -> None:
        shown: set[int] = set()
        for message in [it.original, *it.followups]:
            if message is None or message.id in shown:
                continue
            shown.add(message.id)
            where = "only you can see this" if message.flags & 64 else f"#{it.channel.name}"
            header = f"--- Rally → {who.user.username} ({where})"
            self.say(render_message(header, message, self.save_files(message)))

    def show_channel(self, channel: Channel) -> None:
        for message in self.emu.messages(channel.id):
            stamp = message.edited_at.isoformat() if message.edited_at else ""
            if (message.id, stamp) in self.seen:
                continue
            self.seen.add((message.id, stamp))
            verb = "edited" if message.edited_at else "posted"
            header = f"--- #{channel.name}: Rally {verb}"
            self.say(render_message(header, message, self.save_files(message)))

    async def run(
        self, who: Member, name: str, options: dict[str, Any] | None = None, *, show: bool = True
    ) -> Interaction:
        options = options or {}
        shown = " ".join(f"{k}:{getattr(v, 'name', v)}" for k, v in options.items())
        if show:
            self.say(f"> {who.user.username}: /{name} {shown}".rstrip())
        it = await self.emu.run_command(who, self.announcements, name, options)
        if isinstance(await it.response(), Deferred):
            await it.wait_original(timeout=15)
        if show:
            self.show_reply(who, it)
        return it

    async def click(self, who: Member, message: Message, custom_id: str, label: str) -> Interaction:
        self.say(f"> {who.user.username} clicks [{label}]")
        it = await self.emu.click(who, message, custom_id)
        await it.response()
        self.show_reply(who, it)
        return it

    async def scenario(self, bot: RallyBot) -> None:
        self.step("An organizer sets Rally up")
        await self.run(
            self.olga,
            "setup configure",
            {"announcement_channel": self.announcements, "organization": "Belarusians Abroad"},
        )

        self.step("…creates a petition (a modal)")
        opened = await self.run(self.olga, "petition create")
        self.say("    (modal: title, recipient, letter, link, goal)")
        created = await self.emu.submit_modal(
            self.olga,
            opened,
            {
                "title": "Designate Belarus for Temporary Protected Status",
                "recipient": "the President & U.S. Congress",
                "letter": LETTER,
                "link": "https://example.org/tps-belarus",
                "goal": "",
            },
        )
        await created.response()
        self.show_reply(self.olga, created)
        petition = (await bot.services.petitions.search(self.guild.id, "Belarus"))[0]

        self.step("…and posts it in #announcements")
        shown = await self.run(self.olga, "petition show", {"code": petition.code})
        page = shown.original
        assert page is not None

        self.step("Members sign")
        await self.click(self.anna, page, f"rally:sign:{petition.id}", "Sign")
        await self.click(self.anna, page, f"rally:sign:{petition.id}", "Sign")
        await self.run(self.ben, "petition sign", {"code": petition.code.lower()})
        self.say(f"> {len(self.crowd)} more members click [Sign] at once")
        clicks = await asyncio.gather(
            *(self.emu.click(m, page, f"rally:sign:{petition.id}") for m in self.crowd)
        )
        await asyncio.gather(*(c.response() for c in clicks))
        self.say(f"    {sum(1 for c in clicks if not c.failed)} answered, 0 failed")

        self.step("Signatures from the petition's own site are counted too")
        await self.run(self.olga, "petition count", {"code": petition.code, "external": 646})

        await self.settle(bot)
        self.step("What #announcements shows now (milestones, the refreshed petition)")
        self.show_channel(self.announcements)

        self.step("Spreading the word: a share card, a printable flyer, a progress chart")
        await self.click(self.anna, page, f"rally:share:{petition.id}", "Share")
        await self.run(self.olga, "petition flyer", {"code": petition.code, "paper": "A4"})
        await self.run(self.olga, "petition chart", {"code": petition.code})

        self.step("Members look around")
        await self.run(self.ben, "petition list")
        await self.run(self.ben, "leaderboard petitions")
        await self.run(self.olga, "milestones history", {"petition": petition.code})
        await self.run(self.ben, "about")

    async def settle(self, bot: RallyBot) -> None:
        await bot.announcer.drain()
        await bot.live.flush()


async def run_demo(settings: Settings, *, out: TextIO | None = None) -> int:
    """Run the sandbox once; 0 when the scenario completed."""
    stream = out or sys.stdout
    folder = settings.database_path.parent / "sandbox"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rally.db"
    emu = DiscordEmulator(interaction_deadline=3.0)
    await emu.start()
    demo = Demo(emu, stream, folder)
    db = Database(path)
    bot_settings = settings.model_copy(
        update={
            "database_path": path,
            "discord_token": None,
            "live_refresh_seconds": 0.2,
            "outbox_poll_seconds": 0.2,
        }
    )
    services = Services.build(
        db,
        signer_config=SignerConfig.from_settings(bot_settings),
        limits=bot_settings.abuse_limits(),
    )
    bot = SandboxBot(settings=bot_settings, db=db, services=services, guild_ready_timeout=0.1)
    print(
        "Rally sandbox: a local Discord emulator on "
        f"{emu.base_url} with the server '{demo.guild.name}'.",
        file=stream,
    )
    try:
        async with running_client(bot, emu):
            await asyncio.wait_for(demo.scenario(bot), timeout=settings.sandbox_seconds)
    except TimeoutError:
        print(f"The sandbox did not finish within {settings.sandbox_seconds:g} s.", file=stream)
        return 1
    finally:
        await emu.stop()
    print(f"\nDone. Files and the sandbox database are in {folder}/", file=stream)
    return 0
