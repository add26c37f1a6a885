"""Which language to answer a member in (their choice, their client, the server's)."""

from __future__ import annotations

from typing import Any

import discord

from bot.i18n import Localizer, localizer, resolve_language


async def localizer_for(interaction: discord.Interaction[Any]) -> Localizer:
    """The member's language for ephemeral replies."""
    client = interaction.client
    services = getattr(client, "services", None)
    server_language = None
    member_choice = None
    if services is not None:
        if interaction.guild_id is not None:
            server_language = (await services.guilds.settings(interaction.guild_id)).language
        member_choice = await services.guilds.member_language(interaction.user.id)
    return localizer(
        resolve_language(
            member_choice=member_choice,
            discord_locale=interaction.locale.value if interaction.locale else None,
            server_language=server_language,
        )
    )


async def server_localizer(services: Any, guild_id: int) -> Localizer:
    """The server's language, for public messages."""
    return localizer((await services.guilds.settings(guild_id)).language)
