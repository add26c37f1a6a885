"""Each drive's live status message: one embed in the drive's channel, edited in place.

Like `bot/live.py`, changes only mark a drive "touched"; every `interval` seconds each touched
drive's message is edited once, so a thousand signatures a second cost one edit per drive. The
message id is kept in the database, so a restarted bot edits the same message. Posting it the
first time carries a nonce (Discord drops a repeat) and a tagged button, so a crash between
"posted" and "remembered" does not leave two status messages.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.background import Coalescer
from bot.services.drives import DriveReport
from bot.ui.drives import STATUS_TAG, drive_embed
from bot.ui.language import server_localizer
from bot.ui.petition_views import PetitionButton

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)
HISTORY_LOOKBACK = 50


class DriveStatusMessages(Coalescer[int]):
    name = "rally-drive-status"

    def touch_petition(self, petition_id: int) -> None:
        """After a petition's count changed: its running drive, if any (no database query)."""
        drive_id = self.bot.services.drives.running_drive(petition_id)
        if drive_id is not None:
            self.touch(drive_id)

    async def refresh(self, key: int) -> None:
        await self._refresh(key)

    async def _refresh(self, drive_id: int) -> None:
        services = self.bot.services
        report = await services.drives.report(drive_id)
        if report is None or not report.drive.has_started(services.drives.clock()):
            return
        drive = report.drive
        tr = await server_localizer(services, drive.guild_id)
        embed = drive_embed(tr, report, services.drives.clock())
        view = self._view(report, tr.t("Sign"))
        channel = self.bot.get_partial_messageable(drive.channel_id, guild_id=drive.guild_id)
        if drive.status_message_id is not None:
            try:
                await channel.get_partial_message(drive.status_message_id).edit(
                    embed=embed, view=view
                )
                return
            except discord.NotFound:
                await services.drives.set_status_message(drive.id, None)
        found = await self._already_posted(channel, drive.id, drive.petition_id)
        if found is not None:
            await found.edit(embed=embed, view=view)
            message_id = found.id
        else:
            message = await channel.send(
                embed=embed,
                view=view,
                nonce=f"rally-s{drive.id}",
                allowed_mentions=discord.AllowedMentions.none(),
            )
            message_id = message.id
        await services.drives.set_status_message(drive.id, message_id)
        log.info("status message of drive %s posted", drive.id)

    def _view(self, report: DriveReport, label: str) -> discord.ui.View:
        view = discord.ui.View(timeout=None)
        tag = STATUS_TAG.format(drive_id=report.drive.id)
        view.add_item(PetitionButton("sign", report.petition.id, label, tag=tag))
        if not report.petition.is_open:
            view.children[0].disabled = True  # type: ignore[attr-defined]
        return view

    async def _already_posted(
        self, channel: discord.PartialMessageable, drive_id: int, petition_id: int
    ) -> discord.Message | None:
        """This drive's status message in the channel, if a crash forgot its id."""
        marker = f"rally:sign:{petition_id}" + STATUS_TAG.format(drive_id=drive_id)
        me = self.bot.user
        try:
            async for message in channel.history(limit=HISTORY_LOOKBACK):
                if me is None or message.author.id != me.id:
                    continue
                for row in message.components:
                    for child in getattr(row, "children", []):
                        if getattr(child, "custom_id", None) == marker:
                            return message
        except discord.HTTPException:
            return None
        return None
