"""Sharing a petition: the card, the text to copy, and a link per network (URL-encoded)."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import discord

from bot.domain.petitions import Petition
from bot.i18n import Localizer
from bot.ui.petitions import share_text

SHARE_TARGETS: tuple[tuple[str, str], ...] = (
    ("X", "https://twitter.com/intent/tweet?text={text}"),
    ("Facebook", "https://www.facebook.com/sharer/sharer.php?u={url}"),
    ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?url={url}"),
    ("WhatsApp", "https://wa.me/?text={text}"),
    ("Telegram", "https://t.me/share/url?url={url}&text={text}"),
    ("E-mail", "mailto:?subject={subject}&body={text}"),
)


def share_links(petition: Petition, text: str, url: str | None) -> list[tuple[str, str]]:
    """(label, link) pairs, every part URL-encoded; networks that need a URL need a link."""
    links = []
    for name, pattern in SHARE_TARGETS:
        if "{url}" in pattern and not url:
            continue
        links.append(
            (
                name,
                pattern.format(
                    text=quote(text, safe=""),
                    url=quote(url or "", safe=""),
                    subject=quote(petition.title, safe=""),
                ),
            )
        )
    return links


def share_links_view(
    tr: Localizer, petition: Petition, text: str, url: str | None
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for name, link in share_links(petition, text, url):
        # Discord link buttons take http(s) URLs of at most 512 characters; e-mail goes in the text
        if link.startswith("https://") and len(link) <= 512:
            view.add_item(discord.ui.Button(label=name, url=link))
    return view


def email_link(petition: Petition, text: str) -> str:
    return dict(share_links(petition, text, None))["E-mail"]


async def send_share(
    interaction: discord.Interaction[Any],
    tr: Localizer,
    petition: Petition,
    png: bytes,
    filename: str,
) -> None:
    """The share card, the text to copy, and one link button per network — only for the member."""
    services = interaction.client.services
    settings = await services.guilds.settings(petition.guild_id)
    # the petition's own link, else its public page (when Rally serves one), else the invite
    page = None if petition.link else await services.public_pages.share_url(petition)
    url = petition.link or page or settings.invite_url
    text = share_text(tr, petition, page)
    embed = discord.Embed(colour=discord.Colour(0xC8102E))
    embed.set_image(url=f"attachment://{filename}")
    mail = email_link(petition, text)
    content = (
        tr.t("Copy this and post it anywhere your friends will see it:") + f"\n```\n{text}\n```"
    )
    if len(content) + len(mail) < 1900:
        content += "\n" + tr.t("By e-mail: {link}", link=mail)
    await interaction.response.send_message(
        content,
        embed=embed,
        file=discord.File(io.BytesIO(png), filename=filename),
        view=share_links_view(tr, petition, text, url),
        ephemeral=True,
    )
