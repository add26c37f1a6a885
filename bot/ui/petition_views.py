"""The petition message's buttons (persistent), the create/edit modal and the organizer's panel."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.petitions import (
    LETTER_MAX,
    LINK_MAX,
    RECIPIENT_MAX,
    TITLE_MAX,
    Petition,
    PetitionDraft,
    Status,
    parse_draft,
)
from bot.domain.signers import SignerDetails
from bot.i18n import Localizer
from bot.interactions import (
    acknowledge_if_behind,
    actor_and_localizer,
    in_time,
    reply_privately,
)
from bot.tree import report_error
from bot.ui.drives import signed_reply
from bot.ui.petitions import letter_embeds, petition_embed
from bot.ui.share import send_share
from bot.ui.signer_views import DetailsModal
from bot.ui.views import ConfirmView, OwnedView

if TYPE_CHECKING:
    from bot.client import RallyBot


def _bot(interaction: discord.Interaction[Any]) -> RallyBot:
    return interaction.client  # type: ignore[no-any-return]


ACTION_STYLES: dict[str, tuple[discord.ButtonStyle, str | None]] = {
    "sign": (discord.ButtonStyle.success, "✍️"),
    "share": (discord.ButtonStyle.primary, "📣"),
    "letter": (discord.ButtonStyle.secondary, None),
    "manage": (discord.ButtonStyle.secondary, "⚙️"),
}


class PetitionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rally:(?P<action>sign|share|letter|manage):(?P<id>[0-9]+)(?P<tag>:[a-z][0-9]+)?",
):
    """A petition message's button; its custom_id carries the action and the petition id, so it
    keeps working after a restart. An optional tag (":a12") marks the message it sits on, e.g. the
    announcement it belongs to, so Rally can recognise its own messages in a channel."""

    def __init__(self, action: str, petition_id: int, label: str, *, tag: str = "") -> None:
        style, emoji = ACTION_STYLES[action]
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                emoji=emoji,
                custom_id=f"rally:{action}:{petition_id}{tag}",
            )
        )
        self.action = action
        self.petition_id = petition_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PetitionButton:
        label = getattr(item, "label", None) or match["action"]
        return cls(match["action"], int(match["id"]), str(label), tag=match["tag"] or "")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await BUTTON_ACTIONS[self.action](interaction, self.petition_id)
        except Exception as error:
            await report_error(interaction, error)


def announcement_tag(announcement_id: int) -> str:
    return f":a{announcement_id}"


async def sign_clicked(interaction: discord.Interaction[Any], petition_id: int) -> None:
    await sign_and_reply(interaction, petition_id)


async def sign_and_reply(
    interaction: discord.Interaction[Any], petition_id: int, referral: str | None = None
) -> None:
    """Sign for the member and answer them; the first time a petition collects delivery
    details (and the organization's key is set), a modal asks for them before signing."""
    services = _bot(interaction).services
    if not services.signers.sealing_on:  # no modal can be needed: acknowledge first if behind
        await acknowledge_if_behind(interaction)
    actor, tr = await actor_and_localizer(interaction)
    if services.signers.sealing_on:
        petition = await services.petitions.get_by_id(petition_id)
        first_time = await services.petitions.signed_on(petition_id, actor.user_id) is None
        if (
            first_time
            and petition.is_open
            and await services.signers.needs_details(actor.user_id, petition)
        ):

            async def with_details(
                modal_interaction: discord.Interaction[Any], details: SignerDetails
            ) -> None:
                signer, _ = await actor_and_localizer(modal_interaction)
                await services.signers.save_details(signer, details)
                await _sign_now(modal_interaction, petition_id, referral)

            await interaction.response.send_modal(DetailsModal(tr, with_details))
            return
    await _sign_now(interaction, petition_id, referral)


async def _sign_now(
    interaction: discord.Interaction[Any], petition_id: int, referral: str | None
) -> None:
    await acknowledge_if_behind(interaction)
    actor, tr = await actor_and_localizer(interaction)
    bot = _bot(interaction)
    signing = bot.services.petitions.sign(actor, petition_id, referral)
    result = await in_time(interaction, signing, bot.behind)
    await reply_privately(
        interaction, signed_reply(tr, result), after_signing_view(tr, result.petition)
    )
    _bot(interaction).signatures_changed(result.petition.id, result.announcements)


async def share_clicked(interaction: discord.Interaction[Any], petition_id: int) -> None:
    _, tr = await actor_and_localizer(interaction)
    card = await _bot(interaction).services.images.card_by_id(petition_id)
    await send_share(interaction, tr, card.petition, card.data, card.filename)


async def letter_clicked(interaction: discord.Interaction[Any], petition_id: int) -> None:
    _, tr = await actor_and_localizer(interaction)
    petition = await _bot(interaction).services.petitions.get_by_id(petition_id)
    embeds = letter_embeds(tr, petition)
    await interaction.response.send_message(embed=embeds[0], ephemeral=True)
    for embed in embeds[1:]:
        await interaction.followup.send(embed=embed, ephemeral=True)


async def manage_clicked(interaction: discord.Interaction[Any], petition_id: int) -> None:
    actor, tr = await actor_and_localizer(interaction)
    services = _bot(interaction).services
    await services.guilds.require_organizer(actor)
    petition = await services.petitions.get_by_id(petition_id)
    view = ManageView(actor.user_id, tr, petition)
    await interaction.response.send_message(
        tr.t("Manage *{code}*: what would you like to do?", code=petition.code),
        view=view,
        ephemeral=True,
    )
    view.message = await interaction.original_response()


BUTTON_ACTIONS: dict[str, Callable[[discord.Interaction[Any], int], Awaitable[None]]] = {
    "sign": sign_clicked,
    "share": share_clicked,
    "letter": letter_clicked,
    "manage": manage_clicked,
}
PERSISTENT_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (PetitionButton,)


def petition_view(tr: Localizer, petition: Petition, *, organizer: bool) -> discord.ui.View:
    """The buttons under a petition: Sign, Share, Read the full letter; Manage for organizers."""
    view = discord.ui.View(timeout=None)
    if petition.is_open:
        view.add_item(PetitionButton("sign", petition.id, tr.t("Sign")))
    view.add_item(PetitionButton("share", petition.id, tr.t("Share")))
    view.add_item(PetitionButton("letter", petition.id, tr.t("Read the full letter")))
    if organizer:
        view.add_item(PetitionButton("manage", petition.id, tr.t("Manage")))
    return view


def after_signing_view(tr: Localizer, petition: Petition) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PetitionButton("share", petition.id, tr.t("Share")))
    return view


class PetitionModal(discord.ui.Modal):
    """Create or edit a petition: title, recipient, letter, link, goal."""

    def __init__(
        self,
        tr: Localizer,
        on_draft: Callable[[discord.Interaction[Any], PetitionDraft], Awaitable[None]],
        *,
        petition: Petition | None = None,
    ) -> None:
        title = tr.t("Edit the petition") if petition else tr.t("New petition")
        super().__init__(title=title[:45], timeout=900)
        self.tr = tr
        self.on_draft = on_draft
        self.title_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="title",
            label=tr.t("Title")[:45],
            max_length=TITLE_MAX,
            default=petition.title if petition else None,
        )
        self.recipient_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="recipient",
            label=tr.t("Who is it addressed to?")[:45],
            placeholder=tr.t("the President & U.S. Congress")[:100],
            max_length=RECIPIENT_MAX,
            default=petition.recipient if petition else None,
        )
        self.letter_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="letter",
            label=tr.t("The letter")[:45],
            style=discord.TextStyle.paragraph,
            max_length=LETTER_MAX,
            default=petition.letter if petition else None,
        )
        self.link_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="link",
            label=tr.t("Link to the petition elsewhere (optional)")[:45],
            required=False,
            max_length=LINK_MAX,
            default=(petition.link or None) if petition else None,
        )
        self.goal_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="goal",
            label=tr.t("Goal (optional)")[:45],
            required=False,
            max_length=12,
            default=str(petition.goal) if petition and petition.goal_is_custom else None,
        )
        for item in (
            self.title_input,
            self.recipient_input,
            self.letter_input,
            self.link_input,
            self.goal_input,
        ):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        draft = parse_draft(
            title=self.title_input.value,
            recipient=self.recipient_input.value,
            letter=self.letter_input.value,
            link=self.link_input.value or None,
            goal=self.goal_input.value or None,
        )
        await self.on_draft(interaction, draft)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


class ManageView(OwnedView):
    """An organizer's panel for one petition: edit, close or reopen, delete."""

    def __init__(self, owner_id: int, tr: Localizer, petition: Petition) -> None:
        super().__init__(owner_id, tr, timeout=300)
        self.petition = petition
        self.edit.label = tr.t("Edit")
        self.toggle.label = tr.t("Close") if petition.is_open else tr.t("Reopen")
        self.delete.label = tr.t("Delete")

    @discord.ui.button(label="Edit", style=discord.ButtonStyle.primary)
    async def edit(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await open_edit_modal(interaction, self.tr, self.petition)

    @discord.ui.button(label="Close", style=discord.ButtonStyle.secondary)
    async def toggle(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        status = Status.CLOSED if self.petition.is_open else Status.OPEN
        petition = await _bot(interaction).services.petitions.set_status(
            actor, self.petition.code, status
        )
        self.stop()
        await interaction.response.edit_message(content=status_changed(tr, petition), view=None)
        _bot(interaction).live.touch_petition(petition.id)

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def delete(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await ask_to_delete(interaction, self.tr, self.petition)


def status_changed(tr: Localizer, petition: Petition) -> str:
    if petition.is_open:
        return tr.t("*{title}* is open again and takes signatures.", title=petition.title)
    return tr.t("*{title}* is closed: it no longer takes signatures.", title=petition.title)


async def open_edit_modal(
    interaction: discord.Interaction[Any], tr: Localizer, petition: Petition
) -> None:
    actor, _ = await actor_and_localizer(interaction)
    await _bot(interaction).services.guilds.require_organizer(actor)
    petition = await _bot(interaction).services.petitions.get_by_id(petition.id)

    async def save(modal_interaction: discord.Interaction[Any], draft: PetitionDraft) -> None:
        editor, tr2 = await actor_and_localizer(modal_interaction)
        updated = await _bot(modal_interaction).services.petitions.edit(editor, petition.id, draft)
        await modal_interaction.response.send_message(
            tr2.t("Saved. This is how *{code}* looks now:", code=updated.code),
            embed=petition_embed(tr2, updated),
            ephemeral=True,
        )
        _bot(modal_interaction).live.touch_petition(updated.id)

    await interaction.response.send_modal(PetitionModal(tr, save, petition=petition))


async def ask_to_delete(
    interaction: discord.Interaction[Any], tr: Localizer, petition: Petition
) -> None:
    actor, _ = await actor_and_localizer(interaction)
    await _bot(interaction).services.guilds.require_organizer(actor)

    async def confirmed(confirm_interaction: discord.Interaction[Any]) -> None:
        deleter, tr2 = await actor_and_localizer(confirm_interaction)
        deleted = await _bot(confirm_interaction).services.petitions.delete(deleter, petition.id)
        await confirm_interaction.response.edit_message(
            content=tr2.t(
                "*{title}* was deleted. Its buttons now say it no longer exists; "
                "the audit log keeps the record.",
                title=deleted.title,
            ),
            view=None,
        )
        _bot(confirm_interaction).live.touch_petition(deleted.id)

    view = ConfirmView(actor.user_id, tr, confirmed, confirm_label=tr.t("Delete for good"))
    content = tr.t(
        "Delete *{title}* ({code})? Its {total} signatures stop counting "
        "and its buttons stop working.",
        title=petition.title,
        code=petition.code,
        total=petition.total,
    )
    if interaction.response.is_done():
        message = await interaction.followup.send(content, view=view, ephemeral=True, wait=True)
        view.message = message  # type: ignore[assignment]
    else:
        await interaction.response.send_message(content, view=view, ephemeral=True)
        view.message = await interaction.original_response()
