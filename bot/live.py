"""Petition messages kept fresh: counts change often, edits are coalesced.

A signature marks its petition "touched"; every `interval` seconds the refresher edits the newest
messages of each touched petition once. 500 signatures in a second cost one edit per message, not
500, and Discord's rate limits stay far away. Which messages show a petition is in the database,
so refreshing continues after a restart.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.background import Coalescer
from bot.domain.petitions import Status
from bot.i18n import localizer
from bot.ui.petition_views import petition_view
from bot.ui.petitions import petition_embed

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class LiveMessages(Coalescer[int]):
    name = "rally-live-messages"

    def touch_petition(self, petition_id: int) -> None:
        # Every change of a petition passes here: its public page is read again on next request.
        self.bot.services.public_pages.invalidate(petition_id)
        self.touch(petition_id)

    async def refresh(self, key: int) -> None:
        await self._refresh(key)

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
