"""Delivering a held signature's report to the organizers' review channel (outbox kind "review").

The report row is written by the signing transaction, like a milestone, and sent by the same
dispatcher: retried through 5xx, 429 and timeouts, recognised after a crash between "sent" and
"marked" by its buttons' custom_ids, and never mentioning anyone (`allowed_mentions` none). It
goes only to the configured review channel — never a public fallback channel.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.db.announcements import Announcement
from bot.i18n import localizer
from bot.ui.reviews import report_embed, report_view, review_marker

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)
HISTORY_LOOKBACK = 50


async def _already_posted(
    bot: RallyBot, channel: discord.abc.Messageable, signature_id: int
) -> discord.Message | None:
    marker = review_marker(signature_id, "accept")
    async for message in channel.history(limit=HISTORY_LOOKBACK):
        if bot.user is None or message.author.id != bot.user.id:
            continue
        for row_component in message.components:
            for child in getattr(row_component, "children", []):
                if getattr(child, "custom_id", None) == marker:
                    return message
    return None


async def deliver_review(bot: RallyBot, row: Announcement) -> str:
    """Post one report; "sent", "found", "failed", or raise for the dispatcher to retry."""
    services = bot.services.milestones
    signature_id = int(row.payload["signature_id"])
    hold = await bot.services.reviews.get(signature_id)
    if hold is None or row.channel_id is None:
        await services.give_up(row.id, "no longer held" if hold is None else "no channel")
        log.info("review report %s not sent: nothing to review or no channel", row.id)
        return "failed"
    channel = bot.get_partial_messageable(row.channel_id, guild_id=row.guild_id)
    if row.attempts > 0:
        found = await _already_posted(bot, channel, signature_id)
        if found is not None:
            await services.mark_sent(row.id, channel_id=row.channel_id, message_id=found.id)
            return "found"
    await services.mark_attempt(row.id)
    tr = localizer((await bot.services.guilds.settings(row.guild_id)).language)
    message = await channel.send(
        embed=report_embed(tr, hold),
        view=report_view(tr, signature_id),
        allowed_mentions=discord.AllowedMentions.none(),
        nonce=f"rally-a{row.id}",
    )
    await services.mark_sent(row.id, channel_id=row.channel_id, message_id=message.id)
    log.info("review report %s posted", row.id)
    return "sent"
