"""Drive buttons: Sign with a volunteer's code and approve/reject an offline log (both
persistent, so they work after a restart), and the join reply's "post my invite" button."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.petitions import Petition
from bot.i18n import Localizer
from bot.interactions import actor_and_localizer
from bot.tree import report_error
from bot.ui.drives import invite_embed, review_text
from bot.ui.language import server_localizer
from bot.ui.petition_views import sign_and_reply
from bot.ui.views import OwnedView

if TYPE_CHECKING:
    from bot.client import RallyBot
    from bot.domain.drives import Drive, OfflineLog


def _bot(interaction: discord.Interaction[Any]) -> RallyBot:
    return interaction.client  # type: ignore[no-any-return]


class ReferralSignButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rally:sign:(?P<id>[0-9]+):r:(?P<code>[A-Z2-9]{2,12})",
):
    """Sign, crediting the volunteer whose code the button carries ("rally:sign:12:r:ANNA7")."""

    def __init__(self, petition_id: int, code: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success,
                emoji="✍️",
                custom_id=f"rally:sign:{petition_id}:r:{code}",
            )
        )
        self.petition_id = petition_id
        self.code = code

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ReferralSignButton:
        label = getattr(item, "label", None) or "Sign"
        return cls(int(match["id"]), match["code"], str(label))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await sign_and_reply(interaction, self.petition_id, self.code)
        except Exception as error:
            await report_error(interaction, error)


class LogReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rally:log:(?P<verdict>ok|no):(?P<id>[0-9]+)",
):
    """Approve or reject one offline log (organizers; checked by the service)."""

    def __init__(self, log_id: int, approve: bool, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.success if approve else discord.ButtonStyle.danger,
                custom_id=f"rally:log:{'ok' if approve else 'no'}:{log_id}",
            )
        )
        self.log_id = log_id
        self.approve = approve

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> LogReviewButton:
        label = getattr(item, "label", None) or match["verdict"]
        return cls(int(match["id"]), match["verdict"] == "ok", str(label))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            actor, tr = await actor_and_localizer(interaction)
            bot = _bot(interaction)
            result = await bot.services.volunteers.review(actor, self.log_id, approve=self.approve)
            drive, logs = await bot.services.volunteers.review_queue(actor, result.drive.name)
            done = (
                tr.tn(
                    "Approved #{id}: {count} signature counted.",
                    "Approved #{id}: {count} signatures counted.",
                    result.log.count,
                    id=str(result.log.id),
                )
                if result.approved
                else tr.t("Rejected #{id}.", id=str(result.log.id))
            )
            await interaction.response.edit_message(
                content=done + "\n\n" + review_text(tr, drive, logs),
                view=review_view(tr, logs),
            )
            bot.drive_status.touch(drive.id)
            if result.announcements:
                bot.announcer.wake()
        except Exception as error:
            await report_error(interaction, error)


DRIVE_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ReferralSignButton, LogReviewButton)


def invite_view(tr: Localizer, petition: Petition, code: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if petition.is_open:
        view.add_item(ReferralSignButton(petition.id, code, tr.t("Sign")))
    return view


def review_view(tr: Localizer, logs: list[OfflineLog]) -> discord.ui.View | None:
    if not logs:
        return None
    view = discord.ui.View(timeout=None)
    for row, entry in enumerate(logs[:10]):
        approve = LogReviewButton(entry.id, True, tr.t("Approve #{id}", id=str(entry.id)))
        reject = LogReviewButton(entry.id, False, tr.t("Reject #{id}", id=str(entry.id)))
        approve.item.row = reject.item.row = row // 2
        view.add_item(approve)
        view.add_item(reject)
    return view


class InviteView(OwnedView):
    """Under a volunteer's join reply: post their invite (with the Sign button that carries
    their code) in the channel."""

    def __init__(self, owner_id: int, tr: Localizer, drive: Drive, petition: Petition, code: str):
        super().__init__(owner_id, tr, timeout=900)
        self.drive = drive
        self.petition = petition
        self.code = code
        self.post.label = tr.t("Post my invite here")

    @discord.ui.button(label="Post my invite here", style=discord.ButtonStyle.primary, emoji="📣")
    async def post(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        services = _bot(interaction).services
        tr = await server_localizer(services, self.drive.guild_id)
        petition = await services.petitions.get_by_id(self.petition.id)
        await interaction.response.send_message(
            embed=invite_embed(tr, petition, self.drive.name),
            view=invite_view(tr, petition, self.code),
        )
