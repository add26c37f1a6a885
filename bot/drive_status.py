"""Each drive's live status message: one embed in the drive's channel, edited in place.

Like `bot/live.py`, changes only mark a drive "touched"; every `interval` seconds each touched
drive's message is edited once, so a thousand signatures a second cost one edit per drive. The
message id is kept in the database, so a restarted bot edits the same message. Posting it the
first time carries a nonce (Discord drops a repeat) and a tagged button, so a crash between
"posted" and "remembered" does not leave two status messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.services.drives import DriveReport
from bot.ui.drives import STATUS_TAG, drive_embed
from bot.ui.language import server_localizer
from bot.ui.petition_views import PetitionButton

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)
HISTORY_LOOKBACK = 50


class DriveStatusMessages:
    def __init__(self, bot: RallyBot, *, interval: float = 5.0) -> None:
        self.bot = bot
        self.interval = interval
        self._touched: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def touch(self, drive_id: int) -> None:
        self._touched.add(drive_id)
        self._wake.set()

    def touch_petition(self, petition_id: int) -> None:
        """After a petition's count changed: its running drive, if any (no database query)."""
        drive_id = self.bot.services.drives.running_drive(petition_id)
        if drive_id is not None:
            self.touch(drive_id)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="rally-drive-status")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            async with self._lock:  # never cancel a refresh half-way through a transaction
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._touched:
            await self.flush()

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            touched, self._touched = self._touched, set()
            for drive_id in sorted(touched):
                try:
                    await self._refresh(drive_id)
                except Exception:
                    log.exception("refreshing the status of drive %s failed", drive_id)

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
