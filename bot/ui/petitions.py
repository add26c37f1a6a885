"""Petition embeds and replies: the campaign page, the sign confirmation, the list."""

from __future__ import annotations

import discord

from bot.domain.petitions import Petition, Status
from bot.i18n import Localizer
from bot.services.petitions import PetitionPage
from bot.services.signing import SignResult
from bot.ui.about import COLOR
from bot.ui.text import escape, progress_bar, split_text, trim

LETTER_EXCERPT = 1500
CLOSED_COLOR = discord.Colour.dark_grey()


def status_word(tr: Localizer, status: Status) -> str:
    words = {
        Status.OPEN: tr.t("Open"),
        Status.CLOSED: tr.t("Closed"),
        Status.DELETED: tr.t("Deleted"),
    }
    return words[status]


def so_far_line(tr: Localizer, petition: Petition) -> str:
    """ "**678 so far!** Help us get to **1,000** signers!" """
    return tr.t(
        "**{total} so far!** Help us get to **{goal}** signers!",
        total=petition.total,
        goal=petition.goal,
    )


def petition_embed(tr: Localizer, petition: Petition) -> discord.Embed:
    """The campaign page: title, recipient, the letter (trimmed), the count, a bar, who and when."""
    letter = trim(petition.letter, LETTER_EXCERPT)
    description = "\n\n".join(
        [
            "*" + tr.t("An open letter to {recipient}", recipient=escape(petition.recipient)) + "*",
            letter,
            so_far_line(tr, petition),
            progress_bar(petition.total, petition.goal),
        ]
    )
    embed = discord.Embed(
        title=trim(petition.title, 256),
        description=description,
        colour=COLOR if petition.is_open else CLOSED_COLOR,
        url=petition.link or None,
    )
    embed.add_field(name=tr.t("Code"), value=f"`{petition.code}`")
    embed.add_field(name=tr.t("Status"), value=status_word(tr, petition.status))
    embed.add_field(
        name=tr.t("Started"),
        value=tr.t(
            "{date} by {organizer}",
            date=petition.created_at,
            organizer=escape(petition.author_name),
        ),
    )
    if petition.external_count:
        embed.add_field(
            name=tr.t("Counted elsewhere"),
            value=tr.t(
                "{external} of the {total} signed outside Discord",
                external=petition.external_count,
                total=petition.total,
            ),
            inline=False,
        )
    embed.set_footer(text=tr.t("Sign with /petition sign {code}", code=petition.code))
    return embed


def letter_embeds(tr: Localizer, petition: Petition) -> list[discord.Embed]:
    """The full letter, split into as many embeds as Discord's limits need."""
    pieces = split_text(petition.letter, 4000)
    embeds = []
    for index, piece in enumerate(pieces):
        embed = discord.Embed(description=piece, colour=COLOR)
        if index == 0:
            embed.title = trim(petition.title, 256)
            embed.set_author(
                name=trim(tr.t("An open letter to {recipient}", recipient=petition.recipient), 256)
            )
        embeds.append(embed)
    return embeds


def signed_message(tr: Localizer, result: SignResult) -> str:
    petition = result.petition
    lines = [
        tr.t(
            "You're signer #{number} of *{title}*. Thank you!",
            number=result.signer_number,
            title=escape(petition.title),
        ),
        so_far_line(tr, petition),
        tr.t("Next: share it with your friends, so they can sign too."),
    ]
    return "\n".join(lines)


def withdrawn_message(tr: Localizer, petition: Petition) -> str:
    return tr.t(
        "Your signature on *{title}* was withdrawn. The petition now has {total} signatures.",
        title=escape(petition.title),
        total=petition.total,
    )


def list_embed(tr: Localizer, page: PetitionPage) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Open petitions"), colour=COLOR)
    if not page.petitions:
        embed.description = tr.t("There are no open petitions in this server yet.")
        return embed
    lines = []
    for petition in page.petitions:
        line = tr.t(
            "`{code}` **{title}** — {total} of {goal}",
            code=petition.code,
            title=escape(trim(petition.title, 120)),
            total=petition.total,
            goal=petition.goal,
        )
        if petition.guild_id != page.guild_id:
            line += " " + tr.t("(shared by another server)")
        lines.append(line)
    embed.description = "\n".join(lines)
    embed.set_footer(
        text=tr.t("Page {page} of {pages}", page=page.page + 1, pages=page.pages)
        + " · "
        + tr.tn("{count} open petition", "{count} open petitions", page.total)
    )
    return embed


def share_text(tr: Localizer, petition: Petition, page_url: str | None = None) -> str:
    """The text to copy; it ends with the petition's link, else its public page if any."""
    text = tr.t(
        "Tell {recipient}: {title}. Sign in Discord with /petition sign {code}",
        recipient=petition.recipient,
        title=petition.title,
        code=petition.code,
    )
    link = petition.link or page_url
    if link:
        text += f" — {link}"
    return text
