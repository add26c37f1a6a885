"""/milestones: where and how milestones are announced, subscribing to pings, and history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.drive_errors import RewardRoleRefused
from bot.domain.errors import InvalidInput
from bot.i18n import N_
from bot.interactions import actor_and_localizer, guild_of, petition_codes
from bot.ui.drives import rewards_text
from bot.ui.milestones import history_embed, settings_text
from cogs._coalitions import shared_petition_codes

if TYPE_CHECKING:
    from bot.client import RallyBot

MODES = [
    app_commands.Choice(name="Only the highest rung crossed", value="highest"),
    app_commands.Choice(name="Each rung crossed", value="each"),
]


@app_commands.guild_only()
class MilestonesCog(
    commands.GroupCog, group_name="milestones", group_description="Milestone announcements"
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="setup", description="Where and how milestones are announced (organizers)"
    )
    @app_commands.describe(
        channel="Where announcements go (default: the server's announcement channel)",
        ping_role="The role to ping with announcements (members opt in: /milestones subscribe)",
        no_ping="Stop pinging any role",
        jumps="When one change crosses several rungs: announce only the highest, or each",
        petition="A petition whose ladder you want to change",
        ladder="That petition's rungs, comma-separated, e.g. 10, 25, 50, 100",
    )
    @app_commands.choices(jumps=MODES)
    @app_commands.autocomplete(petition=petition_codes)
    async def setup_(
        self,
        interaction: discord.Interaction[RallyBot],
        channel: discord.TextChannel | None = None,
        ping_role: discord.Role | None = None,
        no_ping: bool = False,
        jumps: app_commands.Choice[str] | None = None,
        petition: app_commands.Range[str, 1, 100] | None = None,
        ladder: app_commands.Range[str, 1, 600] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        if ladder is not None and petition is None:
            raise InvalidInput(N_("Name the petition whose ladder you want to change."))
        if ping_role is not None and (ping_role.is_default() or ping_role.managed):
            raise InvalidInput(N_("Choose a role members can hold, not @everyone or a bot's role."))
        config = await self.bot.services.milestones.configure(
            actor,
            channel_id=channel.id if channel else None,
            ping_role_id=ping_role.id if ping_role else None,
            clear_ping_role=no_ping,
            announce_each=None if jumps is None else jumps.value == "each",
            petition_code=petition,
            ladder=ladder,
        )
        await interaction.response.send_message(
            tr.t("Saved.") + "\n" + settings_text(tr, config.settings, config.ladder),
            ephemeral=True,
        )

    @app_commands.command(
        name="subscribe", description="Get pinged (or stop) when petitions reach milestones"
    )
    async def subscribe(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        settings = await self.bot.services.milestones.settings(guild_of(interaction))
        member = interaction.user
        if settings.ping_role_id is None or not isinstance(member, discord.Member):
            raise InvalidInput(
                N_(
                    "This server has no milestone ping role yet; an organizer can set one "
                    "with /milestones setup."
                )
            )
        role = discord.Object(settings.ping_role_id)
        has_role = any(r.id == settings.ping_role_id for r in member.roles)
        try:
            if has_role:
                await member.remove_roles(role, reason="Rally: milestone pings off")
            else:
                await member.add_roles(role, reason="Rally: milestone pings on")
        except discord.Forbidden:
            raise InvalidInput(
                N_(
                    "Rally cannot change that role: it needs the Manage Roles permission, and its "
                    "own role must sit above <@&{role}>. Ask an organizer to fix this."
                ),
                role=str(settings.ping_role_id),
            ) from None
        text = (
            tr.t("Done: you will no longer be pinged for milestones.")
            if has_role
            else tr.t("Done: you will be pinged when a petition reaches a milestone.")
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="history", description="What was announced for a petition, with links"
    )
    @app_commands.describe(petition="The petition's 6-letter code")
    @app_commands.autocomplete(petition=shared_petition_codes)
    async def history(
        self, interaction: discord.Interaction[RallyBot], petition: app_commands.Range[str, 1, 100]
    ) -> None:
        _, tr = await actor_and_localizer(interaction)
        guild_id = guild_of(interaction)
        found, rows = await self.bot.services.milestones.history(guild_id, petition)
        await interaction.response.send_message(
            embed=history_embed(tr, found, rows, guild_id), ephemeral=True
        )

    @app_commands.command(
        name="reward", description="Give a role to members whose recruits reach a count"
    )
    @app_commands.describe(
        recruits="How many recruits (signatures made with their code) earn the role",
        role="The role to give; leave it out to stop rewarding that count",
    )
    async def reward(
        self,
        interaction: discord.Interaction[RallyBot],
        recruits: app_commands.Range[int, 1, 1_000_000],
        role: discord.Role | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        await self.bot.services.guilds.require_organizer(actor)
        if role is not None:
            await check_grantable(interaction, role)
        rewards = await self.bot.services.rewards.configure(
            actor, recruits, role.id if role else None
        )
        await interaction.response.send_message(
            tr.t("Saved.") + "\n" + rewards_text(tr, rewards), ephemeral=True
        )
        self.bot.drives_scheduler.wake()


async def check_grantable(interaction: discord.Interaction[RallyBot], role: discord.Role) -> None:
    """Refuse a role Rally could not grant: @everyone or a bot's role, no Manage Roles, or a
    role at or above Rally's own highest role (Discord would answer 403)."""
    if role.is_default() or role.managed:
        raise InvalidInput(N_("Choose a role members can hold, not @everyone or a bot's role."))
    guild = interaction.guild
    me = guild.me if guild is not None else None
    if guild is None or me is None or not interaction.app_permissions.manage_roles:
        raise RewardRoleRefused(role=str(role.id))
    positions = {r.id: r.position for r in await guild.fetch_roles()}
    top = max((positions.get(r.id, 0) for r in me.roles), default=0)
    if positions.get(role.id, role.position) >= top:
        raise RewardRoleRefused(role=str(role.id))


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(MilestonesCog(bot))
