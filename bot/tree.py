"""RallyTree: the one place errors from commands, views and modals become a reply to a member."""

from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.domain.errors import RallyError
from bot.i18n import N_
from bot.ui.language import localizer_for

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)

APOLOGY = N_(
    "Sorry, something went wrong on Rally's side. If it keeps happening, tell an organizer "
    "the error id: {error_id}"
)
COOLDOWN = N_("Slow down a little: try again in {seconds} seconds.")
#: What a member is told "no" to, with a reason: counted as refusals, never as errors.
REFUSALS = (RallyError, app_commands.CommandOnCooldown, app_commands.CheckFailure)


async def send_ephemeral(interaction: discord.Interaction, content: str) -> None:
    """Answer ephemerally, whether or not the interaction was already answered."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Domain errors → their message; anything else → an apology with an id, traceback logged."""
    original = getattr(error, "original", None) or error
    tr = await localizer_for(interaction)
    metrics = getattr(interaction.client, "metrics", None)
    if metrics is not None and isinstance(original, REFUSALS):
        metrics.refusals.labels(type(original).__name__).inc()
    if isinstance(original, RallyError):
        await send_ephemeral(interaction, tr.t(original.template, **original.params)[:2000])
        return
    if isinstance(original, app_commands.CommandOnCooldown):
        await send_ephemeral(
            interaction, tr.t(COOLDOWN, seconds=max(1, round(original.retry_after)))
        )
        return
    if isinstance(original, app_commands.CheckFailure):
        await send_ephemeral(interaction, tr.t(N_("You cannot use this command here.")))
        return
    error_id = secrets.token_hex(4)
    if metrics is not None:
        metrics.errors.labels("interaction").inc()
    log.error(
        "unexpected error %s in interaction %s",
        error_id,
        interaction.id,
        exc_info=(type(original), original, original.__traceback__),
    )
    await send_ephemeral(interaction, tr.t(APOLOGY, error_id=error_id))


class RallyTree(app_commands.CommandTree["RallyBot"]):
    async def _call(self, interaction: discord.Interaction[RallyBot]) -> None:
        """Run a slash command or autocomplete, timed for the latency histogram."""
        started = time.perf_counter()
        try:
            await super()._call(interaction)
        finally:
            command = interaction.command.qualified_name if interaction.command else "unknown"
            self.client.metrics.observe_command(command, time.perf_counter() - started)

    async def on_error(
        self, interaction: discord.Interaction[RallyBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)
