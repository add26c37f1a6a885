"""/about: version, source, and this server's numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import actor_and_localizer
from bot.ui.about import about_embed

if TYPE_CHECKING:
    from bot.client import RallyBot


class AboutCog(commands.Cog):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="about", description="What Rally is, its version, and this server's numbers"
    )
    async def about(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        counts = None
        if actor.guild_id is not None:
            counts = await self.bot.services.petitions.guild_counts(actor.guild_id)
        await interaction.response.send_message(embed=about_embed(tr, counts), ephemeral=True)


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(AboutCog(bot))
