"""/petition follow, unfollow, partners, join-code, remove-partner, drop-partner: coalitions.

These commands join the `/petition` group: `PetitionsCog` inherits them from `CoalitionCommands`
(discord.py collects a cog's app commands through its bases), so the group stays one and this
file holds only the coalition handlers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.interactions import actor_and_localizer, petition_codes
from bot.ui.coalitions import (
    drop_text,
    followed_text,
    invite_text,
    removed_text,
    server_name,
    standings_embed,
    unfollowed_text,
)
from bot.ui.text import trim

if TYPE_CHECKING:
    from bot.client import RallyBot
    from bot.i18n import Localizer

CODE = "The petition's 6-letter code, like PMFZYI"
SERVER = "The partner server (pick from the list)"
JoinAction = Literal["show", "rotate", "close"]


def server_names(bot: RallyBot, guild_ids: list[int]) -> dict[int, str]:
    """The Discord names of the servers the bot is in (from its guild cache); a server it left
    has none."""
    found = (bot.get_guild(guild_id) for guild_id in guild_ids)
    return {guild.id: guild.name for guild in found if guild is not None}


def _name(bot: RallyBot, tr: Localizer, guild_id: int) -> str:
    return server_name(tr, server_names(bot, [guild_id]), guild_id)


def _server_id(raw: str) -> int:
    """The server option's value (a server id from the autocomplete); 0 when it is not one,
    which matches no partner."""
    return int(raw) if raw.strip().isdigit() else 0


async def shared_petition_codes(
    interaction: discord.Interaction[RallyBot], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for what members do (show, sign, withdraw, share): this server's petitions,
    then those of other servers it follows."""
    own = await petition_codes(interaction, current)
    if interaction.guild_id is None or len(own) >= 25:
        return own
    services = interaction.client.services
    found = await services.coalitions.search_followed(interaction.guild_id, current, 25 - len(own))
    return own + [
        app_commands.Choice(name=trim(f"{p.code} — {p.title}", 100), value=p.code) for p in found
    ]


async def partner_servers(
    interaction: discord.Interaction[RallyBot], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for `server`: the partners of the petition named in `code`, by name."""
    if interaction.guild_id is None:
        return []
    code = str(getattr(interaction.namespace, "code", "") or "")
    ids = await interaction.client.services.coalitions.partner_choices(interaction.guild_id, code)
    names = server_names(interaction.client, ids)
    needle = current.casefold()
    return [
        app_commands.Choice(name=trim(names.get(i, str(i)), 100), value=str(i))
        for i in ids
        if needle in names.get(i, str(i)).casefold()
    ][:25]


class CoalitionCommands(commands.Cog):
    """The coalition subcommands of `/petition` (a base of `PetitionsCog`, never added alone)."""

    bot: RallyBot

    @app_commands.command(
        name="follow", description="Join another server's petition with its join code (organizers)"
    )
    @app_commands.describe(
        code=CODE, join_code="The join code the petition's organizers gave you, like K7QX-M2PA-9RTE"
    )
    @app_commands.rename(join_code="join-code")
    async def follow(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        join_code: app_commands.Range[str, 1, 100],
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        petition = await self.bot.services.coalitions.follow(actor, code, join_code)
        await interaction.response.send_message(
            followed_text(tr, petition.title, petition.code), ephemeral=True
        )

    @app_commands.command(
        name="unfollow", description="Stop following another server's petition (organizers)"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def unfollow(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        petition = await self.bot.services.coalitions.unfollow(actor, code)
        await interaction.response.send_message(unfollowed_text(tr, petition.title), ephemeral=True)

    @app_commands.command(
        name="partners", description="Signatures per partner server, counts only (organizers)"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def partners(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        standings = await self.bot.services.coalitions.standings(actor, code)
        ids = [g.group.team_id for g in standings.servers if g.group.team_id is not None]
        await interaction.response.send_message(
            embed=standings_embed(tr, standings, server_names(self.bot, ids)), ephemeral=True
        )

    @app_commands.command(
        name="join-code",
        description="Open a petition to partner servers: show, rotate or close its join code",
    )
    @app_commands.describe(
        code=CODE, action="Show the join code, draw a new one, or close to new partners"
    )
    @app_commands.autocomplete(code=petition_codes)
    async def join_code(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        action: JoinAction = "show",
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        invite = await self.bot.services.coalitions.invite(actor, code, action)
        await interaction.response.send_message(invite_text(tr, invite), ephemeral=True)

    @app_commands.command(
        name="remove-partner", description="Remove a partner server from a petition (organizers)"
    )
    @app_commands.describe(code=CODE, server=SERVER)
    @app_commands.autocomplete(code=petition_codes, server=partner_servers)
    async def remove_partner(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        server: app_commands.Range[str, 1, 100],
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        partner_id = _server_id(server)
        petition = await self.bot.services.coalitions.remove(actor, code, partner_id)
        await interaction.response.send_message(
            removed_text(tr, petition.title, _name(self.bot, tr, partner_id)), ephemeral=True
        )

    @app_commands.command(
        name="drop-partner",
        description="Agree to drop a former partner's signatures; both servers must (organizers)",
    )
    @app_commands.describe(
        code=CODE, server="The former partner (owning server only; partners leave it out)"
    )
    @app_commands.autocomplete(server=partner_servers)
    async def drop_partner(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        server: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        partner_id = None if server is None else _server_id(server)
        outcome = await self.bot.services.coalitions.agree_to_drop(actor, code, partner_id)
        name = _name(self.bot, tr, outcome.partner.guild_id)
        await interaction.response.send_message(drop_text(tr, outcome, name), ephemeral=True)
        if outcome.dropped:
            self.bot.live.touch_petition(outcome.petition.id)
