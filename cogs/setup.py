"""/setup: organizer role, announcement channel, time zone, language (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import LANGUAGE_NAMES
from bot.interactions import actor_and_localizer, guild_of
from bot.services.guilds import timezone_names
from bot.ui.setup import settings_embed

if TYPE_CHECKING:
    from bot.client import RallyBot


async def timezones(
    interaction: discord.Interaction[RallyBot], current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=name) for name in timezone_names(current)]


LANGUAGE_CHOICES = [
    app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()
]


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class SetupCog(
    commands.GroupCog, group_name="setup", group_description="Set Rally up for this server"
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="configure", description="Change this server's Rally settings (Manage Server)"
    )
    @app_commands.describe(
        organizer_role="Members with this role may run organizer commands",
        announcement_channel="Where milestones and drive news are posted",
        review_channel="A private organizers' channel for signatures held for review",
        timezone="An IANA time zone such as Europe/Vilnius, for drives and daily counts",
        language="The language of Rally's public messages in this server",
        organization="Your organization's name, shown on petitions and share cards",
        invite="An invite link to this server, for share cards and the public page",
        sms_number="A number people can text to sign (e.g. 50409), shown on cards and flyers",
        sms_keyword="The word they text before the code (default: sign)",
    )
    @app_commands.autocomplete(timezone=timezones)
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def configure(
        self,
        interaction: discord.Interaction[RallyBot],
        organizer_role: discord.Role | None = None,
        announcement_channel: discord.TextChannel | None = None,
        review_channel: discord.TextChannel | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        language: app_commands.Choice[str] | None = None,
        organization: app_commands.Range[str, 1, 100] | None = None,
        invite: app_commands.Range[str, 1, 200] | None = None,
        sms_number: app_commands.Range[str, 3, 20] | None = None,
        sms_keyword: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        settings = await self.bot.services.guilds.update(
            actor,
            organizer_role_id=organizer_role.id if organizer_role else None,
            announcement_channel_id=announcement_channel.id if announcement_channel else None,
            review_channel_id=review_channel.id if review_channel else None,
            timezone=timezone,
            language=language.value if language else None,
            organization_name=organization,
            invite_url=invite,
            sms_number=sms_number,
            sms_keyword=sms_keyword,
        )
        await interaction.response.send_message(
            tr.t("Saved. Rally's settings for this server:"),
            embed=settings_embed(tr, settings),
            ephemeral=True,
        )

    @app_commands.command(name="show", description="Show this server's Rally settings")
    async def show(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        settings = await self.bot.services.guilds.settings(guild_of(interaction))
        await interaction.response.send_message(embed=settings_embed(tr, settings), ephemeral=True)


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(SetupCog(bot))
