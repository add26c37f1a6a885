"""What the cogs read off an interaction to call the core: the acting member as an `Actor`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

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


T = TypeVar("T")
#: Discord wants the first answer within 3 s of the click; past this many seconds Rally
#: acknowledges first ("Rally is thinking…", only for the member) and answers when ready.
ANSWER_BUDGET = 2.0
#: A click whose handling starts this many seconds after Discord sent it has waited behind
#: others: the bot is behind (a surge bigger than it answers at once). It is acknowledged
#: before anything else is done for it.
BEHIND_AFTER = 0.75
#: While behind, at most this many acknowledged clicks are worked on at once: the rest wait
#: without taking the event loop's time, which goes to acknowledging the clicks still arriving.
BEHIND_WORKERS = 8


def waited(interaction: discord.Interaction[Any]) -> float:
    """Seconds since Discord created the interaction (its id says when)."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


async def acknowledge_if_behind(interaction: discord.Interaction[Any]) -> bool:
    """Defer ephemerally at once when the click waited `BEHIND_AFTER` already; True if so."""
    if interaction.response.is_done() or waited(interaction) < BEHIND_AFTER:
        return False
    await interaction.response.defer(ephemeral=True, thinking=True)
    return True


async def in_time(
    interaction: discord.Interaction[Any],
    work: Coroutine[Any, Any, T],
    behind: asyncio.Semaphore | None = None,
) -> T:
    """Run `work`; when it would finish too late for Discord's window, defer ephemerally first,
    so under a surge a member sees a short wait, never "This interaction failed".

    An interaction acknowledged already (`acknowledge_if_behind`) does its work when one of
    the `behind` places is free."""
    if interaction.response.is_done():
        if behind is None:
            return await work
        async with behind:
            return await work
    task = asyncio.ensure_future(work)
    budget = ANSWER_BUDGET - waited(interaction)
    if budget > 0:
        done, _ = await asyncio.wait({task}, timeout=budget)
        if done:
            return task.result()
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


async def reply_privately(
    interaction: discord.Interaction[Any], content: str, view: discord.ui.View | None = None
) -> None:
    """An ephemeral answer, as the first response or (after `in_time` deferred) as the follow-up."""
    if interaction.response.is_done():
        if view is None:
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.followup.send(content, view=view, ephemeral=True)
    else:
        if view is None:
            await interaction.response.send_message(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, view=view, ephemeral=True)


async def drive_names(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Autocomplete for every `drive` option: this server's drives by name."""
    if interaction.guild_id is None:
        return []
    found = await interaction.client.services.drives.search(interaction.guild_id, current)
    return [app_commands.Choice(name=d.name[:100], value=d.name[:100]) for d in found]
