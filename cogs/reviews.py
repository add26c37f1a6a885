"""/review: signatures held by the abuse limits, waiting for an organizer's decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import actor_and_localizer
from bot.ui.reviews import pending_embed

if TYPE_CHECKING:
    from bot.client import RallyBot


@app_commands.guild_only()
class ReviewsCog(
    commands.GroupCog, group_name="review", group_description="Signatures held for review"
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="list", description="List the signatures waiting for review (organizers)"
    )
    async def list_(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        found, total = await self.bot.services.reviews.pending(actor)
        await interaction.response.send_message(
            embed=pending_embed(tr, found, total),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(ReviewsCog(bot))
