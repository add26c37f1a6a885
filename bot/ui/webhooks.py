"""`/petition webhook`: the URLs and secret, for the organizer only, and *Rotate secret*."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.i18n import Localizer
from bot.services.webhooks import EndpointInfo
from bot.ui.views import OwnedView

Rotate = Callable[[discord.Interaction[Any]], Awaitable[EndpointInfo]]


def webhook_urls(base_url: str, code: str, secret: str) -> tuple[str, str]:
    """(Action Network URL with the secret in its path, generic URL)."""
    return f"{base_url}/hooks/actionnetwork/{code}/{secret}", f"{base_url}/hooks/generic/{code}"


def webhook_text(tr: Localizer, info: EndpointInfo, base_url: str, *, rotated: bool) -> str:
    an_url, generic_url = webhook_urls(base_url, info.petition.code, info.secret)
    lines = []
    if rotated:
        lines.append(tr.t("New secret: the old URL and secret no longer work."))
    lines += [
        tr.t("Webhooks for *{code}*", code=info.petition.code),
        tr.t("**Action Network**: add a webhook with this URL (it contains the secret):"),
        f"`{an_url}`",
        tr.t("**Any other site or form**: POST JSON to this URL, signed with the secret:"),
        f"`{generic_url}`",
        tr.t("Header X-Rally-Signature: sha256= and the HMAC-SHA256 of the body, in hex."),
        tr.t("Secret: {secret}", secret=f"||`{info.secret}`||"),
        tr.t("Keep both private: anyone who has them can add signatures. Rotate the secret if "
             "it leaked."),
    ]  # fmt: skip
    return "\n".join(lines)


class WebhookView(OwnedView):
    """*Rotate secret*, for the organizer who asked."""

    def __init__(self, owner_id: int, tr: Localizer, base_url: str, rotate: Rotate) -> None:
        super().__init__(owner_id, tr, timeout=300)
        self.base_url = base_url
        self._rotate = rotate
        self.rotate.label = tr.t("Rotate secret")

    @discord.ui.button(label="Rotate secret", style=discord.ButtonStyle.danger)
    async def rotate(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        info = await self._rotate(interaction)
        await interaction.response.edit_message(
            content=webhook_text(self.tr, info, self.base_url, rotated=True), view=self
        )
