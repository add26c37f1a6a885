"""Modals and views of the signers area: delivery details, linking by email, the claims queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.domain.signers import EMAIL_MAX, NAME_MAX, PHONE_MAX, SignerDetails, parse_details
from bot.i18n import Localizer
from bot.tree import report_error
from bot.ui.views import OwnedView

OnDetails = Callable[[discord.Interaction[Any], SignerDetails], Awaitable[None]]
OnText = Callable[[discord.Interaction[Any], str], Awaitable[None]]


class DetailsModal(discord.ui.Modal):
    """Delivery details, asked once (first signature) or to edit: name, postal code, email,
    phone. Rally seals them at once and cannot show them again, so nothing is pre-filled.

    `on_submit(interaction, details)` gets the checked details; a bad value reaches the member
    as a clear message through `report_error`, and nothing is saved.
    """

    def __init__(self, tr: Localizer, on_details: OnDetails, *, editing: bool = False) -> None:
        title = tr.t("Your details") if editing else tr.t("Your details for the letter")
        super().__init__(title=title[:45], timeout=900)
        self.on_details = on_details
        self.name_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="name",
            label=tr.t("Name, as on the delivered letter")[:45],
            max_length=NAME_MAX,
        )
        self.postal_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="postal_code",
            label=tr.t("Postal code")[:45],
            max_length=12,
        )
        self.email_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="email",
            label=tr.t("Email (optional)")[:45],
            required=False,
            max_length=EMAIL_MAX,
        )
        self.phone_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id="phone",
            label=tr.t("Phone (optional)")[:45],
            required=False,
            max_length=PHONE_MAX,
        )
        for item in (self.name_input, self.postal_input, self.email_input, self.phone_input):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        details = parse_details(
            name=self.name_input.value,
            postal_code=self.postal_input.value,
            email=self.email_input.value or None,
            phone=self.phone_input.value or None,
        )
        await self.on_details(interaction, details)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


class TextModal(discord.ui.Modal):
    """One text field; `on_text(interaction, value)` gets what was typed."""

    def __init__(
        self,
        title: str,
        label: str,
        on_text: OnText,
        *,
        custom_id: str,
        max_length: int,
        min_length: int = 1,
    ) -> None:
        super().__init__(title=title[:45], timeout=900)
        self.on_text = on_text
        self.field: discord.ui.TextInput[Any] = discord.ui.TextInput(
            custom_id=custom_id, label=label[:45], max_length=max_length, min_length=min_length
        )
        self.add_item(self.field)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await self.on_text(interaction, self.field.value)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


def email_modal(tr: Localizer, on_email: OnText) -> TextModal:
    return TextModal(
        tr.t("Link your earlier signatures"),
        tr.t("The email you signed with"),
        on_email,
        custom_id="email",
        max_length=EMAIL_MAX,
    )


def code_modal(tr: Localizer, on_code: OnText) -> TextModal:
    return TextModal(
        tr.t("Enter your code"),
        tr.t("The 6-digit code from the email"),
        on_code,
        custom_id="code",
        max_length=8,
        min_length=6,
    )


class EnterCodeView(OwnedView):
    """After a code was emailed: one button that opens the code modal."""

    def __init__(self, owner_id: int, tr: Localizer, on_code: OnText) -> None:
        super().__init__(owner_id, tr, timeout=900)
        self.on_code = on_code
        self.enter.label = tr.t("Enter the code")

    @discord.ui.button(label="Enter the code", style=discord.ButtonStyle.primary)
    async def enter(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await interaction.response.send_modal(code_modal(self.tr, self.on_code))


Review = Callable[[discord.Interaction[Any], bool], Awaitable[None]]


class ClaimReviewView(OwnedView):
    """Approve / Reject for the claim shown above it (organizers)."""

    def __init__(self, owner_id: int, tr: Localizer, on_review: Review) -> None:
        super().__init__(owner_id, tr, timeout=600)
        self.on_review = on_review
        self.approve.label = tr.t("Approve")
        self.reject.label = tr.t("Reject")

    @discord.ui.button(label="Approve", style=discord.ButtonStyle.success)
    async def approve(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await self.on_review(interaction, True)

    @discord.ui.button(label="Reject", style=discord.ButtonStyle.danger)
    async def reject(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        await self.on_review(interaction, False)
