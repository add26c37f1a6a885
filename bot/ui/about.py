"""The /about embed."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import discord

from bot.i18n import Localizer

SOURCE_URL = "https://github.com/rally-petitions/rally"
COLOR = discord.Colour(0xC8102E)


def rally_version() -> str:
    try:
        return version("rally")
    except PackageNotFoundError:
        return "dev"


def about_embed(tr: Localizer, counts: tuple[int, int] | None) -> discord.Embed:
    embed = discord.Embed(
        title="Rally",
        description=tr.t(
            "Petition campaigns where your community already talks: create, sign, share and "
            "celebrate milestones without leaving Discord."
        ),
        colour=COLOR,
    )
    embed.add_field(name=tr.t("Version"), value=rally_version())
    embed.add_field(name=tr.t("Source"), value=SOURCE_URL)
    if counts is not None:
        petitions, signatures = counts
        embed.add_field(
            name=tr.t("In this server"),
            value=tr.tn("{count} petition", "{count} petitions", petitions)
            + " · "
            + tr.tn("{count} signature", "{count} signatures", signatures),
            inline=False,
        )
    return embed
