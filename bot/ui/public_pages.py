"""`/petition visibility`: the organizers' switch between a public web page and none (unlisted),
and what Rally answers. The permission check is the service's (`require_organizer`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.i18n import Localizer
from bot.interactions import actor_and_localizer
from bot.services.public_pages import Visibility

if TYPE_CHECKING:
    from bot.client import RallyBot


def visibility_text(tr: Localizer, result: Visibility) -> str:
    code = result.petition.code
    if result.unlisted:
        return tr.t(
            "*{code}* is unlisted: it has no public web page, and its share links and QR codes "
            "lead to its own link or to this server's invite.",
            code=code,
        )
    if result.url is None:
        return tr.t(
            "*{code}* may have a public web page, but Rally's web server has no public address "
            "(WEB_PORT and WEB_PUBLIC_URL), so there is no page yet.",
            code=code,
        )
    return tr.t(
        "*{code}* has a public web page for people who are not in this server yet: {url}",
        code=code,
        url=result.url,
    )


async def change_visibility(
    interaction: discord.Interaction[RallyBot], code: str, *, unlisted: bool
) -> None:
    actor, tr = await actor_and_localizer(interaction)
    result = await interaction.client.services.public_pages.set_unlisted(actor, code, unlisted)
    await interaction.response.send_message(visibility_text(tr, result), ephemeral=True)
