"""/drive: start, join, team create|join|leave, log, review, status, list, edit, end."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.drives import GOAL_MAX, LOG_CAP_MAX, NAME_MAX, NOTE_MAX, TEAM_NAME_MAX
from bot.interactions import actor_and_localizer, drive_names, guild_of, petition_codes
from bot.services.drives import DriveChanges, DriveForm
from bot.ui.drive_views import InviteView, review_view
from bot.ui.drives import (
    drive_embed,
    drives_list_embed,
    join_message,
    log_message,
    review_text,
    started_message,
)
from bot.ui.text import escape
from bot.ui.views import ConfirmView

if TYPE_CHECKING:
    from bot.client import RallyBot

DRIVE = "The drive's name (leave it out when one drive is running)"
WHEN = "In the server's time zone, like 2026-12-01 18:00, or like “in 3 days”"


async def team_names(
    interaction: discord.Interaction[RallyBot], current: str
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    drive = getattr(interaction.namespace, "drive", None)
    names = await interaction.client.services.volunteers.team_names(
        interaction.guild_id, drive, current
    )
    return [app_commands.Choice(name=n, value=n) for n in names]


@app_commands.guild_only()
class DrivesCog(commands.GroupCog, group_name="drive", group_description="Signature drives"):
    team = app_commands.Group(name="team", description="Teams of a drive")

    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    def _changed(self, drive_id: int, announcements: list[int] | None = None) -> None:
        self.bot.drive_status.touch(drive_id)
        self.bot.drives_scheduler.wake()
        if announcements:
            self.bot.announcer.wake()

    # -- organizers ----------------------------------------------------------------------------
    @app_commands.command(name="start", description="Start a signature drive (organizers)")
    @app_commands.describe(
        name="A name for the drive, like Winter push",
        petition="The petition the drive gathers signatures for",
        goal="How many signatures the drive aims for",
        end=WHEN,
        start="When it starts (default: now), like 2026-12-01 18:00 or “in 2 hours”",
        channel="Where its news and live status go (default: this channel)",
        teams="Teams to create, comma-separated, like North campus, South campus",
        approval="Whether offline logs wait for an organizer's approval",
        log_cap="The most signatures one offline log may report (default 500)",
    )
    @app_commands.autocomplete(petition=petition_codes)
    async def start(
        self,
        interaction: discord.Interaction[RallyBot],
        name: app_commands.Range[str, 1, NAME_MAX],
        petition: app_commands.Range[str, 1, 100],
        goal: app_commands.Range[int, 1, GOAL_MAX],
        end: app_commands.Range[str, 1, 40],
        start: app_commands.Range[str, 1, 40] | None = None,
        channel: discord.TextChannel | None = None,
        teams: app_commands.Range[str, 1, 1000] | None = None,
        approval: bool = False,
        log_cap: app_commands.Range[int, 1, LOG_CAP_MAX] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        channel_id = channel.id if channel else interaction.channel_id
        assert channel_id is not None
        drive = await self.bot.services.drives.start(
            actor,
            DriveForm(
                name=name,
                petition_code=petition,
                goal=goal,
                end=end,
                channel_id=channel_id,
                start=start,
                teams=teams,
                requires_approval=approval,
                log_cap=log_cap,
            ),
        )
        report = await self.bot.services.drives.status(drive.guild_id, drive.name)
        await interaction.response.send_message(
            started_message(tr, drive, report.petition), ephemeral=True
        )
        self._changed(drive.id)

    @app_commands.command(name="edit", description="Change a drive (organizers)")
    @app_commands.describe(
        drive=DRIVE,
        name="A new name",
        goal="A new goal",
        start="A new start (before it starts), like 2026-12-01 18:00 or “in 2 hours”",
        end="A new end, like 2026-12-08 18:00 or “in 3 days”",
        channel="A new channel for its news and live status",
        approval="Whether offline logs wait for an organizer's approval",
        log_cap="The most signatures one offline log may report",
    )
    @app_commands.autocomplete(drive=drive_names)
    async def edit(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
        name: app_commands.Range[str, 1, NAME_MAX] | None = None,
        goal: app_commands.Range[int, 1, GOAL_MAX] | None = None,
        start: app_commands.Range[str, 1, 40] | None = None,
        end: app_commands.Range[str, 1, 40] | None = None,
        channel: discord.TextChannel | None = None,
        approval: bool | None = None,
        log_cap: app_commands.Range[int, 1, LOG_CAP_MAX] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        updated = await self.bot.services.drives.edit(
            actor,
            drive,
            DriveChanges(
                name=name,
                goal=goal,
                start=start,
                end=end,
                channel_id=channel.id if channel else None,
                requires_approval=approval,
                log_cap=log_cap,
            ),
        )
        report = await self.bot.services.drives.status(updated.guild_id, updated.name)
        await interaction.response.send_message(
            tr.t("Saved."),
            embed=drive_embed(tr, report, self.bot.services.drives.clock()),
            ephemeral=True,
        )
        self._changed(updated.id)

    @app_commands.command(name="end", description="End a drive now, after you confirm (organizers)")
    @app_commands.describe(drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names)
    async def end(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        services = self.bot.services
        found = await services.drives.to_end(actor, drive)

        async def confirmed(confirm: discord.Interaction[Any]) -> None:
            who, tr2 = await actor_and_localizer(confirm)
            ended, queued = await services.drives.end(who, found.name)
            await confirm.response.edit_message(
                content=tr2.t(
                    "The drive **{name}** has ended; its summary is being posted.",
                    name=escape(ended.name),
                ),
                view=None,
            )
            self._changed(ended.id, queued)

        view = ConfirmView(actor.user_id, tr, confirmed, confirm_label=tr.t("End the drive"))
        await interaction.response.send_message(
            tr.t(
                "End **{name}** now? It stops counting signatures and its summary is posted.",
                name=escape(found.name),
            ),
            view=view,
            ephemeral=True,
        )
        view.message = await interaction.original_response()

    @app_commands.command(name="review", description="Approve or reject offline logs (organizers)")
    @app_commands.describe(drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names)
    async def review(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        found, logs = await self.bot.services.volunteers.review_queue(actor, drive)
        view = review_view(tr, logs)
        text = review_text(tr, found, logs)
        if view is None:
            await interaction.response.send_message(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, view=view, ephemeral=True)

    # -- everyone ------------------------------------------------------------------------------
    @app_commands.command(name="status", description="A drive's progress, recruiters and teams")
    @app_commands.describe(drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names)
    async def status(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        _, tr = await actor_and_localizer(interaction)
        services = self.bot.services
        report = await services.drives.status(guild_of(interaction), drive)
        await interaction.response.send_message(
            embed=drive_embed(tr, report, services.drives.clock()), ephemeral=True
        )

    @app_commands.command(name="list", description="This server's drives")
    async def list_(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        services = self.bot.services
        found = await services.drives.of_guild(guild_of(interaction))
        await interaction.response.send_message(
            embed=drives_list_embed(tr, found, services.drives.clock()), ephemeral=True
        )

    @app_commands.command(name="join", description="Join a drive and get your own invite code")
    @app_commands.describe(drive=DRIVE, team="A team to join")
    @app_commands.autocomplete(drive=drive_names, team=team_names)
    async def join(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
        team: app_commands.Range[str, 1, TEAM_NAME_MAX] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        result = await self.bot.services.volunteers.join(actor, drive, team)
        view = InviteView(actor.user_id, tr, result.drive, result.petition, result.code)
        await interaction.response.send_message(join_message(tr, result), view=view, ephemeral=True)
        view.message = await interaction.original_response()
        self._changed(result.drive.id)

    @app_commands.command(name="log", description="Log signatures you gathered offline")
    @app_commands.describe(
        count="How many signatures (on paper, at an event…)",
        note="Where or how, for the organizers",
        drive=DRIVE,
    )
    @app_commands.autocomplete(drive=drive_names)
    async def log(
        self,
        interaction: discord.Interaction[RallyBot],
        count: app_commands.Range[int, 1, LOG_CAP_MAX],
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        result = await self.bot.services.volunteers.log(actor, drive, count, note)
        await interaction.response.send_message(
            log_message(tr, result.log, result.drive), ephemeral=True
        )
        self._changed(result.drive.id, result.announcements)

    # -- teams ---------------------------------------------------------------------------------
    @team.command(name="create", description="Create a team in a drive")
    @app_commands.describe(name="The team's name, like North campus", drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names)
    async def team_create(
        self,
        interaction: discord.Interaction[RallyBot],
        name: app_commands.Range[str, 1, TEAM_NAME_MAX],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        created = await self.bot.services.volunteers.create_team(actor, drive, name)
        await interaction.response.send_message(
            tr.t("The team **{team}** is ready.", team=escape(created.name)), ephemeral=True
        )
        self._changed(created.drive_id)

    @team.command(name="join", description="Join a team of a drive you have joined")
    @app_commands.describe(name="The team's name", drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names, name=team_names)
    async def team_join(
        self,
        interaction: discord.Interaction[RallyBot],
        name: app_commands.Range[str, 1, TEAM_NAME_MAX],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        joined = await self.bot.services.volunteers.join_team(actor, drive, name)
        await interaction.response.send_message(
            tr.t("You're in the team **{team}**.", team=escape(joined.name)), ephemeral=True
        )
        self._changed(joined.drive_id)

    @team.command(name="leave", description="Leave your team (you stay in the drive)")
    @app_commands.describe(drive=DRIVE)
    @app_commands.autocomplete(drive=drive_names)
    async def team_leave(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        left = await self.bot.services.volunteers.leave_team(actor, drive)
        await interaction.response.send_message(
            tr.t("You left the team **{team}**.", team=escape(left.name)), ephemeral=True
        )
        self._changed(left.drive_id)


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(DrivesCog(bot))
