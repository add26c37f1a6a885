"""What the cogs read off an interaction to call the core: the acting member as an `Actor`."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.domain.actors import Actor
from bot.domain.errors import NotInAServer
from bot.i18n import Localizer
from bot.ui.language import localizer_for
from bot.ui.text import trim


def actor_from(interaction: discord.Interaction[Any], tr: Localizer | None = None) -> Actor:
    """The member as this interaction describes them (roles and permissions are fresh)."""
    user = interaction.user
    roles: frozenset[int] = frozenset()
    manage = False
    if isinstance(user, discord.Member):
        roles = frozenset(role.id for role in user.roles)
        perms = interaction.permissions
        manage = perms.manage_guild or perms.administrator
    return Actor(
        user_id=user.id,
        guild_id=interaction.guild_id,
        display_name=user.display_name,
        role_ids=roles,
        manage_guild=manage,
        language=tr.language if tr else "en",
    )


async def actor_and_localizer(interaction: discord.Interaction[Any]) -> tuple[Actor, Localizer]:
    tr = await localizer_for(interaction)
    return actor_from(interaction, tr), tr


def guild_of(interaction: discord.Interaction[Any]) -> int:
    if interaction.guild_id is None:
        raise NotInAServer()
    return interaction.guild_id


async def petition_codes(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for every `code` option: this server's petitions by code and title."""
    if interaction.guild_id is None:
        return []
    found = await interaction.client.services.petitions.search(interaction.guild_id, current, 25)
    return [
        app_commands.Choice(name=trim(f"{p.code} — {p.title}", 100), value=p.code) for p in found
    ]
