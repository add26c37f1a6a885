"""Rally's real bot against the emulator: start it on a real SQLite file, act as members."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.client import RallyBot
from bot.config import Settings
from bot.db import Database
from bot.domain.clock import Clock, utcnow
from bot.sandbox.emulator import Channel, DiscordEmulator, Member, Message
from bot.sandbox.emulator.harness import running_client
from bot.sandbox.emulator.interactions import Interaction
from bot.services import Services
from bot.services.signers import SignerConfig


class TestRallyBot(RallyBot):
    """Rally as it runs, minus discord.py's 5-second pause before a re-IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def rally_settings(emu: DiscordEmulator, path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": emu.token,
        "database_path": path,
        "live_refresh_seconds": 0.05,
        "outbox_poll_seconds": 0.1,
        # Emulated members' accounts are created moments before a test runs: the abuse limits
        # would hold every signature. Tests of the limits turn them on (test_abuse_e2e.py).
        "new_account_days": 0,
        "burst_signatures": 0,
        "sign_cooldown_seconds": 0,
        "link_cooldown_seconds": 0,
        "code_cooldown_seconds": 0,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def running_rally(
    emu: DiscordEmulator,
    path: Path,
    *,
    clock: Clock = utcnow,
    force_sync: bool = False,
    **overrides: Any,
) -> AsyncIterator[RallyBot]:
    settings = rally_settings(emu, path, **overrides)
    db = Database(path)
    bot = TestRallyBot(
        settings=settings,
        db=db,
        services=Services.build(
            db,
            clock,
            signer_config=SignerConfig.from_settings(settings),
            limits=settings.abuse_limits(),
        ),
        clock=clock,
        force_sync=force_sync,
        guild_ready_timeout=0.05,
    )
    async with running_client(bot, emu) as running:
        yield running


CODE_IN_TEXT = re.compile(r"\b([A-Z]{6})\b")


@dataclass
class Act:
    """A member's actions, answered: run a command or click, and get the bot's first reply."""

    emu: DiscordEmulator
    channel: Channel

    async def run(
        self, member: Member, name: str, options: dict[str, Any] | None = None, **kw: Any
    ) -> Interaction:
        it = await self.emu.run_command(member, self.channel, name, options or {}, **kw)
        await it.response()
        return it

    async def click(self, member: Member, message: Message, custom_id: str) -> Interaction:
        it = await self.emu.click(member, message, custom_id)
        await it.response()
        return it

    async def create_petition(
        self,
        organizer: Member,
        *,
        title: str = "Designate Belarus for TPS",
        goal: str = "",
        recipient: str = "the President & U.S. Congress",
        letter: str = "Dear President,\n\nPlease.",
        link: str = "",
    ) -> str:
        opened = await self.run(organizer, "petition create")
        assert opened.modal is not None, "create should open a modal"
        submitted = await self.emu.submit_modal(
            organizer,
            opened,
            {"title": title, "recipient": recipient, "letter": letter, "link": link, "goal": goal},
        )
        reply = await submitted.response()
        assert reply is not None and submitted.ephemeral
        match = CODE_IN_TEXT.search(reply.content or "")
        assert match, reply.content
        return match.group(1)


def text_of(message: Message | None) -> str:
    """Everything a member reads in a message: content, embed titles, descriptions, fields."""
    if message is None:
        return ""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
        parts.append(embed.get("footer", {}).get("text", ""))
        parts.append(embed.get("author", {}).get("name", ""))
    return "\n".join(p for p in parts if p)


def buttons(message: Message) -> dict[str, str]:
    """custom_id (or url) → label, for every button on a message."""
    found: dict[str, str] = {}
    for row in message.components:
        for child in row.get("components", []):
            if child.get("type") == 2:
                found[child.get("custom_id") or child.get("url", "")] = child.get("label", "")
    return found
