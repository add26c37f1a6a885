"""The sign surge's floor: a bare discord.py bot that answers Rally's Sign buttons statically.

A package, not a module, so `python -m bench` does not take it for a benchmark. Run as its own
process by the surge benchmark (`python -m bench.floor`, pointed at the emulator by the same
settings as Rally: DISCORD_TOKEN, DISCORD_API_URL, DISCORD_GATEWAY_URL).
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord.ext import commands


class FloorSign(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"rally:sign:(?P<id>[0-9]+)"
):
    """The floor's persistent Sign button: same custom ids as Rally's, a static answer."""

    def __init__(self, petition_id: int) -> None:
        super().__init__(discord.ui.Button(label="Sign", custom_id=f"rally:sign:{petition_id}"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FloorSign:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Thanks for signing!", ephemeral=True)


class FloorBot(commands.AutoShardedBot):
    """The floor: a bare discord.py bot, guilds intent only, one persistent button."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            guild_ready_timeout=0.05,
        )

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FloorSign)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None
