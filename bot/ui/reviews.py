"""Held signatures for the organizers: the report in the review channel with its Accept / Reject
buttons (persistent), the decision written into it, and the list of what is waiting."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.db.holds import Hold
from bot.domain.abuse import HoldReason
from bot.i18n import N_, Localizer
from bot.interactions import actor_and_localizer
from bot.tree import report_error
from bot.ui.about import COLOR
from bot.ui.text import escape, trim

if TYPE_CHECKING:
    from bot.client import RallyBot

REASONS = {
    HoldReason.NEW_ACCOUNT: N_("a new Discord account"),
    HoldReason.BURST: N_("one of a burst of signatures from young accounts"),
}


def held_message(tr: Localizer, title: str) -> str:
    """The member's answer when their signature is held: kind, and no accusation."""
    return tr.t(
        "Thank you for signing “{title}”! Your signature is waiting for a quick check by the "
        "organizers, as some signatures are, and will count as soon as they confirm it.",
        title=escape(title),
    )


def _member(hold: Hold) -> str:
    # A mention shows the member's name to whoever reads it; it never pings (allowed_mentions).
    return f"<@{hold.user_id}>" if hold.user_id is not None else "—"


def _created(hold: Hold) -> str:
    return f"<t:{int(hold.account_created_at.timestamp())}:R>"


def review_marker(signature_id: int, action: str) -> str:
    return f"rally:hold:{action}:{signature_id}"


def report_embed(tr: Localizer, hold: Hold) -> discord.Embed:
    """What organizers see about a held signature: who (a mention), which petition, why, and
    when the account was made — nothing else about the member."""
    embed = discord.Embed(
        title=tr.t("Signature waiting for review"),
        description=tr.t(
            "{member} signed “{title}” ({code}). The signature is not counted until an "
            "organizer accepts it.",
            member=_member(hold),
            title=escape(trim(hold.petition_title, 200)),
            code=hold.petition_code,
        ),
        colour=COLOR,
    )
    embed.add_field(name=tr.t("Why it is held"), value=tr.t(REASONS[hold.reason]))
    embed.add_field(name=tr.t("Account created"), value=_created(hold))
    embed.set_footer(text=tr.t("Signature #{id}", id=str(hold.signature_id)))
    return embed


def report_view(tr: Localizer, signature_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewButton(signature_id, "accept", tr.t("Accept")))
    view.add_item(ReviewButton(signature_id, "reject", tr.t("Reject")))
    return view


def pending_embed(tr: Localizer, found: list[Hold], total: int) -> discord.Embed:
    embed = discord.Embed(title=tr.t("Signatures waiting for review"), colour=COLOR)
    if not found:
        embed.description = tr.t("No signature is waiting for review.")
        return embed
    lines = [
        tr.t(
            "#{id}: {member} on {code}, {reason}, account created {created}",
            id=str(hold.signature_id),
            member=_member(hold),
            code=hold.petition_code,
            reason=tr.t(REASONS[hold.reason]),
            created=_created(hold),
        )
        for hold in found
    ]
    if total > len(found):
        lines.append(tr.t("…and {count} more.", count=total - len(found)))
    embed.description = trim("\n".join(lines), 4000)
    return embed


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rally:hold:(?P<action>accept|reject):(?P<id>[0-9]+)",
):
    """Accept or reject one held signature (organizers; checked by the service)."""

    def __init__(self, signature_id: int, action: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success
                if action == "accept"
                else discord.ButtonStyle.danger,
                custom_id=review_marker(signature_id, action),
            )
        )
        self.signature_id = signature_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReviewButton:
        label = getattr(item, "label", None) or match["action"]
        return cls(int(match["id"]), match["action"], str(label))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            actor, tr = await actor_and_localizer(interaction)
            bot: RallyBot = interaction.client
            decided = await bot.services.reviews.decide(
                actor, self.signature_id, accept=self.action == "accept"
            )
            who = f"<@{actor.user_id}>"
            done = (
                tr.t("✅ Accepted by {organizer}: the signature counts.", organizer=who)
                if decided.accepted
                else tr.t("❌ Rejected by {organizer}: not counted.", organizer=who)
            )
            # The report loses its embed: once decided, the channel no longer says who signed.
            await interaction.response.edit_message(
                content=f"{done} ({decided.petition.code}, #{self.signature_id})",
                embeds=[],
                view=None,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            if decided.accepted:
                bot.signatures_changed(decided.petition.id, decided.announcements)
        except Exception as error:
            await report_error(interaction, error)


REVIEW_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ReviewButton,)
