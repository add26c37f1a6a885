"""Petition messages kept fresh: counts change often, edits are coalesced.

A signature marks its petition "touched"; every `interval` seconds the refresher edits the newest
messages of each touched petition once. 500 signatures in a second cost one edit per message, not
500, and Discord's rate limits stay far away. Which messages show a petition is in the database,
so refreshing continues after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.domain.petitions import Status
from bot.i18n import localizer
from bot.ui.petition_views import petition_view
from bot.ui.petitions import petition_embed

if TYPE_CHECKING:
    from bot.client import RallyBot

log = logging.getLogger(__name__)


class LiveMessages:
    def __init__(self, bot: RallyBot, *, interval: float = 5.0) -> None:
        self.bot = bot
        self.interval = interval
        self._touched: set[int] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def touch_petition(self, petition_id: int) -> None:
        self._touched.add(petition_id)
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="rally-live-messages")

    async def stop(self) -> None:
        if self._task is not None:
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._touched:
            await self.flush()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        touched, self._touched = self._touched, set()
        for petition_id in sorted(touched):
            try:
                await self._refresh(petition_id)
            except Exception:
                log.exception("refreshing petition %s failed", petition_id)

    async def _refresh(self, petition_id: int) -> None:
        services = self.bot.services
        petition, shown = await services.petitions.messages_of(petition_id)
        if petition is None:
            return
        for place in shown:
            tr = localizer(place.language)
            if petition.status is Status.DELETED:
                kwargs: dict[str, object] = {
                    "content": tr.t("This petition no longer exists."),
                    "embed": None,
                    "view": None,
                }
            else:
                kwargs = {
                    "embed": petition_embed(tr, petition),
                    "view": petition_view(tr, petition, organizer=place.with_manage),
                }
            message = self.bot.get_partial_messageable(place.channel_id).get_partial_message(
                place.message_id
            )
            try:
                await message.edit(**kwargs)  # type: ignore[arg-type]
            except discord.NotFound:
                await services.petitions.forget_message(place.message_id)
            except discord.HTTPException as exc:
                log.warning("could not refresh message %s: %s", place.message_id, exc.status)
