"""/leaderboard: recruiters, teams, petitions, post (organizers), settings (organizers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.leaderboards import MIN_GROUP_MAX, Period, PetitionOrder
from bot.interactions import actor_and_localizer, drive_names, guild_of, petition_codes
from bot.services.leaderboards import EVERY_MINUTES_MAX, PostRequest, RecruiterQuery, ServerBoard
from bot.ui.leaderboards import (
    BoardView,
    Render,
    Shown,
    board_embed,
    entries,
    own_text,
    title,
)
from bot.ui.leaderboards import render_chart as draw
from cogs._coalitions import server_names, shared_petition_codes

if TYPE_CHECKING:
    from bot.client import RallyBot
    from bot.domain.actors import Actor
    from bot.i18n import Localizer
    from bot.ui.leaderboards import Board

PeriodName = Literal["today", "week", "month", "all"]
BoardName = Literal["recruiters", "teams", "petitions"]
OrderName = Literal["total", "momentum"]
DRIVE = "A drive's name (leave it out when one drive is running)"


async def chart_png(bot: RallyBot, tr: Localizer, board: Board) -> bytes:
    """The board's bar chart, drawn in the render threads (never on the event loop)."""
    return await bot.services.images.cache.run(
        draw, title(tr, board), entries(tr, board), tr.t("Nothing counted here yet.")
    )


@app_commands.guild_only()
class LeaderboardsCog(
    commands.GroupCog,
    group_name="leaderboard",
    group_description="Top recruiters, teams, petitions",
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    async def _reply(
        self,
        interaction: discord.Interaction[RallyBot],
        tr: Localizer,
        render: Render,
        *,
        ephemeral: bool = False,
    ) -> None:
        shown = await render(0, False)
        view = BoardView(interaction.user.id, tr, render, shown)
        await interaction.response.send_message(embed=shown.embed, view=view, ephemeral=ephemeral)
        view.message = await interaction.original_response()

    @app_commands.command(name="recruiters", description="Top recruiters by the signatures brought")
    @app_commands.describe(
        petition="Only this petition's recruiters",
        drive="Only this drive's recruiters",
        period="Today, this week, this month (in the server's time zone) or all time",
    )
    @app_commands.autocomplete(petition=petition_codes, drive=drive_names)
    async def recruiters(
        self,
        interaction: discord.Interaction[RallyBot],
        petition: app_commands.Range[str, 1, 100] | None = None,
        drive: app_commands.Range[str, 1, 100] | None = None,
        period: PeriodName = "all",
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        service = self.bot.services.leaderboards
        query = RecruiterQuery(guild_of(interaction), petition, drive, Period(period))
        first = await service.recruiters(query, user_id=actor.user_id)

        async def render(page: int, image: bool) -> Shown:
            board = first if page == first.page else await service.recruiters(query, page=page)
            png = await chart_png(self.bot, tr, board) if image else None
            return Shown(board_embed(tr, board), png, board.page, board.pages)

        await self._reply(interaction, tr, render)
        await interaction.followup.send(own_text(tr, first.own), ephemeral=True)

    @app_commands.command(name="teams", description="A drive's teams by the signatures brought")
    @app_commands.describe(
        drive=DRIVE,
        petition="Rank the servers sharing this petition instead (organizers, shown only to you)",
    )
    @app_commands.autocomplete(drive=drive_names, petition=shared_petition_codes)
    async def teams(
        self,
        interaction: discord.Interaction[RallyBot],
        drive: app_commands.Range[str, 1, 100] | None = None,
        petition: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        if petition is not None:
            await self._servers(interaction, actor, tr, petition, drive)
            return
        board = await self.bot.services.leaderboards.teams(guild_of(interaction), drive)

        async def render(page: int, image: bool) -> Shown:
            png = await chart_png(self.bot, tr, board) if image else None
            return Shown(board_embed(tr, board), png, 0, 1)

        await self._reply(interaction, tr, render)

    async def _servers(
        self,
        interaction: discord.Interaction[RallyBot],
        actor: Actor,
        tr: Localizer,
        petition: str,
        drive: str | None,
    ) -> None:
        """A coalition's servers by signatures: organizers only (checked by the service), and
        ephemeral, since each server's contribution is for organizers' eyes."""
        standings = await self.bot.services.leaderboards.servers(actor, petition, drive)
        ids = [g.group.team_id for g in standings.servers if g.group.team_id is not None]
        board = ServerBoard(standings, server_names(self.bot, ids))

        async def render(page: int, image: bool) -> Shown:
            png = await chart_png(self.bot, tr, board) if image else None
            return Shown(board_embed(tr, board), png, 0, 1)

        await self._reply(interaction, tr, render, ephemeral=True)

    @app_commands.command(
        name="petitions", description="This server's petitions, most signed first"
    )
    @app_commands.describe(order="By all signatures, or by signatures in the last 24 hours")
    async def petitions(
        self, interaction: discord.Interaction[RallyBot], order: OrderName = "total"
    ) -> None:
        _, tr = await actor_and_localizer(interaction)
        board = await self.bot.services.leaderboards.petitions(
            guild_of(interaction), PetitionOrder(order)
        )

        async def render(page: int, image: bool) -> Shown:
            png = await chart_png(self.bot, tr, board) if image else None
            return Shown(board_embed(tr, board), png, 0, 1)

        await self._reply(interaction, tr, render)

    @app_commands.command(
        name="post", description="Post a board that keeps itself fresh (organizers)"
    )
    @app_commands.describe(
        channel="Where to post it",
        board="Which board",
        every="Refresh it every this many minutes",
        period="For recruiters: today, this week, this month or all time",
        order="For petitions: by all signatures or by the last 24 hours",
        petition="For recruiters: only this petition's",
        drive="For teams (or recruiters): this drive",
    )
    @app_commands.autocomplete(petition=petition_codes, drive=drive_names)
    async def post(
        self,
        interaction: discord.Interaction[RallyBot],
        channel: discord.TextChannel,
        board: BoardName = "recruiters",
        every: app_commands.Range[int, 1, EVERY_MINUTES_MAX] = 10,
        period: PeriodName = "all",
        order: OrderName = "total",
        petition: app_commands.Range[str, 1, 100] | None = None,
        drive: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        created = await self.bot.services.leaderboards.create_post(
            actor,
            PostRequest(
                channel_id=channel.id,
                board=board,
                period=Period(period),
                order=PetitionOrder(order),
                petition=petition,
                drive=drive,
                every_minutes=every,
            ),
        )
        await interaction.response.send_message(
            tr.t(
                "The board will be posted in {channel} and refreshed every {minutes} minutes. "
                "Delete the message to stop it.",
                channel=channel.mention,
                minutes=created.every_minutes,
            ),
            ephemeral=True,
        )
        self.bot.leaderboard_posts.wake()

    @app_commands.command(name="settings", description="What the boards count (organizers)")
    @app_commands.describe(
        logs="Whether approved offline logs count for recruiters and teams",
        smallest_team="Teams with fewer members are shown together as “other”",
    )
    async def settings(
        self,
        interaction: discord.Interaction[RallyBot],
        logs: bool | None = None,
        smallest_team: app_commands.Range[int, 1, MIN_GROUP_MAX] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        saved = await self.bot.services.leaderboards.configure(
            actor, count_logged=logs, min_group=smallest_team
        )
        if saved.count_logged:
            text = tr.t(
                "Saved. Approved offline logs count; teams under {minimum} members are shown "
                "together.",
                minimum=saved.min_group,
            )
        else:
            text = tr.t(
                "Saved. Offline logs do not count; teams under {minimum} members are shown "
                "together.",
                minimum=saved.min_group,
            )
        await interaction.response.send_message(
            text,
            ephemeral=True,
        )


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(LeaderboardsCog(bot))
