"""/me (profile, details, privacy, export, forget, link, language), /signers (import, export,
claims, details) and /audit."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.signer_errors import SealingOff
from bot.domain.signers import SignerDetails
from bot.i18n import LANGUAGE_NAMES, Localizer
from bot.interactions import actor_and_localizer, petition_codes
from bot.services.imports import ImportProgress, ProgressGate
from bot.services.links import ClaimInfo
from bot.ui.signer_views import ClaimReviewView, DetailsModal, EnterCodeView, email_modal
from bot.ui.signers import (
    audit_embed,
    claim_text,
    import_progress_text,
    import_summary_text,
    linked_text,
    problems_file,
    profile_embed,
)
from bot.ui.views import ConfirmView

if TYPE_CHECKING:
    from bot.client import RallyBot

CODE = "The petition's 6-letter code, like PMFZYI"
LANGUAGE_CHOICES = [
    app_commands.Choice(name=name, value=code) for code, name in LANGUAGE_NAMES.items()
] + [app_commands.Choice(name="Automatic (Discord's language)", value="auto")]
EXPORT_CHOICES = [
    app_commands.Choice(name="Delivery list (sealed)", value="delivery"),
    app_commands.Choice(name="Counts per day", value="day"),
    app_commands.Choice(name="Counts per source", value="source"),
    app_commands.Choice(name="Counts per team", value="team"),
]


async def _confirm(
    interaction: discord.Interaction[Any],
    tr: Localizer,
    question: str,
    label: str,
    on_confirm: Any,
) -> None:
    view = ConfirmView(interaction.user.id, tr, on_confirm, confirm_label=label)
    await interaction.response.send_message(question, view=view, ephemeral=True)
    view.message = await interaction.original_response()


class MeCog(commands.GroupCog, group_name="me", group_description="What Rally holds about you"):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Your record, signatures and referral codes")
    async def show(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        profile = await self.bot.services.signers.profile(actor.user_id)
        await interaction.response.send_message(embed=profile_embed(tr, profile), ephemeral=True)

    @app_commands.command(name="edit", description="Give or change your details for the letter")
    async def edit(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        if not self.bot.services.signers.sealing_on:
            raise SealingOff()

        async def save(modal_interaction: discord.Interaction[Any], details: SignerDetails) -> None:
            actor, tr2 = await actor_and_localizer(modal_interaction)
            await self.bot.services.signers.save_details(actor, details)
            await modal_interaction.response.send_message(
                tr2.t("Saved and sealed. Rally cannot read your details back, only deliver them."),
                ephemeral=True,
            )

        await interaction.response.send_modal(DetailsModal(tr, save, editing=True))

    @app_commands.command(name="privacy", description="Show your name publicly, or stay “a member”")
    @app_commands.describe(
        show_name="Show your name on leaderboards and announcements (default: no)",
        public_name="The name to show; your Discord name if left out",
    )
    async def privacy(
        self,
        interaction: discord.Interaction[RallyBot],
        show_name: bool,
        public_name: app_commands.Range[str, 1, 32] | None = None,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        record = await self.bot.services.signers.set_privacy(
            actor, show_name=show_name, public_name=public_name
        )
        text = (
            tr.t("Your name now shows as “{name}”.", name=record.public_name or "")
            if record.show_name
            else tr.t("Your name is hidden: you show as “a member”.")
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(name="export", description="Everything Rally holds about you, as a file")
    async def export(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)

        async def confirmed(confirm_interaction: discord.Interaction[Any]) -> None:
            actor, tr2 = await actor_and_localizer(confirm_interaction)
            data = await self.bot.services.signers.export_me(actor)
            body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
            await confirm_interaction.response.edit_message(
                content=tr2.t("Here is everything Rally holds about you."),
                view=None,
                attachments=[discord.File(io.BytesIO(body), filename="rally-my-data.json")],
            )

        await _confirm(
            interaction,
            tr,
            tr.t("Export everything Rally holds about you, as a file only you can see?"),
            tr.t("Export"),
            confirmed,
        )

    @app_commands.command(name="forget", description="Erase your personal data from Rally")
    async def forget(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)

        async def confirmed(confirm_interaction: discord.Interaction[Any]) -> None:
            actor, tr2 = await actor_and_localizer(confirm_interaction)
            result = await self.bot.services.signers.forget(actor)
            self.bot.services.guilds.remember_member_language(actor.user_id, None)
            await confirm_interaction.response.edit_message(
                content=tr2.tn(
                    "Done: Rally erased your details, your link and your referral codes. Your "
                    "{count} signature still counts, anonymously.",
                    "Done: Rally erased your details, your link and your referral codes. Your "
                    "{count} signatures still count, anonymously.",
                    result.signatures_anonymized,
                ),
                view=None,
            )

        await _confirm(
            interaction,
            tr,
            tr.t(
                "Erase your details, your link to your signatures and your referral codes? "
                "Your signatures keep counting, anonymously. This cannot be undone."
            ),
            tr.t("Erase my data"),
            confirmed,
        )

    @app_commands.command(name="link", description="Claim signatures you made outside Discord")
    async def link(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        links = self.bot.services.links
        links.config.require_hasher()

        async def on_code(code_interaction: discord.Interaction[Any], code: str) -> None:
            actor, tr2 = await actor_and_localizer(code_interaction)
            linked = await links.confirm(actor, code)
            await code_interaction.response.send_message(linked_text(tr2, linked), ephemeral=True)
            for petition_id in linked.lowered:
                self.bot.signatures_changed(petition_id, [])

        async def on_email(email_interaction: discord.Interaction[Any], email: str) -> None:
            actor, tr2 = await actor_and_localizer(email_interaction)
            await email_interaction.response.defer(ephemeral=True, thinking=True)
            started = await links.start(actor, email)
            if started.mode == "email":
                await email_interaction.followup.send(
                    tr2.t(
                        "Rally emailed a 6-digit code to the address you typed. It is valid for "
                        "15 minutes; you have 5 tries."
                    ),
                    view=EnterCodeView(actor.user_id, tr2, on_code),
                    ephemeral=True,
                )
            else:
                await email_interaction.followup.send(
                    tr2.t(
                        "Your claim #{claim} went to the organizers. They will check it with you "
                        "and approve it.",
                        claim=started.claim_id or 0,
                    ),
                    ephemeral=True,
                )

        await interaction.response.send_modal(email_modal(tr, on_email))

    @app_commands.command(name="language", description="The language Rally answers you in")
    @app_commands.describe(language="Your language, or automatic")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(
        self, interaction: discord.Interaction[RallyBot], language: app_commands.Choice[str]
    ) -> None:
        actor, _ = await actor_and_localizer(interaction)
        chosen = None if language.value == "auto" else language.value
        await self.bot.services.signers.set_language(actor, chosen)
        self.bot.services.guilds.remember_member_language(actor.user_id, chosen)
        _, tr = await actor_and_localizer(interaction)
        await interaction.response.send_message(
            tr.t("Rally will answer you in {language}.", language=LANGUAGE_NAMES[tr.language]),
            ephemeral=True,
        )


class SignersCog(
    commands.GroupCog, group_name="signers", group_description="Signers: import, export, claims"
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="import", description="Count a CSV of signers from elsewhere")
    @app_commands.describe(petition=CODE, file="A CSV export (Action Network or any with headers)")
    @app_commands.autocomplete(petition=petition_codes)
    async def import_(
        self,
        interaction: discord.Interaction[RallyBot],
        petition: app_commands.Range[str, 1, 100],
        file: discord.Attachment,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        service = self.bot.services.imports
        await service.prepare(actor, petition)
        service.check_size(file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        gate = ProgressGate(1.0)

        async def progress(update: ImportProgress) -> None:
            if gate.ready():
                await interaction.edit_original_response(
                    content=import_progress_text(tr, file.filename, update)
                )

        with tempfile.TemporaryDirectory(prefix="rally-import-") as folder:
            path = Path(folder) / "upload.csv"
            await file.save(path)
            summary = await service.run(actor, petition, path, file.filename, progress)
        attachments = (
            [problems_file(tr, summary.problems, file.filename)] if summary.problems else []
        )
        await interaction.edit_original_response(
            content=import_summary_text(tr, summary), attachments=attachments
        )
        self.bot.signatures_changed(summary.petition.id, summary.announcements)

    @app_commands.command(name="export", description="A petition's delivery list or counts")
    @app_commands.describe(
        petition=CODE,
        kind="The sealed delivery list (default), or counts that need no key",
        include_email="Put signers' emails in the delivery list too (default: no)",
    )
    @app_commands.autocomplete(petition=petition_codes)
    @app_commands.choices(kind=EXPORT_CHOICES)
    async def export(
        self,
        interaction: discord.Interaction[RallyBot],
        petition: app_commands.Range[str, 1, 100],
        kind: app_commands.Choice[str] | None = None,
        include_email: bool = False,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        exports = self.bot.services.exports
        chosen = kind.value if kind else "delivery"
        if chosen == "delivery":
            made = await exports.delivery_list(actor, petition, include_email=include_email)
            text = tr.t(
                "The delivery list of *{code}*: {rows} sealed rows ({without} signatures without "
                "details are not in it). Open it on your own computer with "
                "`python -m bot export --private-key FILE {file}`.",
                code=made.petition.code,
                rows=made.rows,
                without=made.without_details,
                file=made.file_name,
            )
        else:
            made = await exports.counts(actor, petition, chosen)
            text = tr.t("Counts of *{code}*, no personal data.", code=made.petition.code)
        await interaction.response.send_message(
            text, file=discord.File(io.BytesIO(made.data), filename=made.file_name), ephemeral=True
        )

    @app_commands.command(name="claims", description="Review members' claims to earlier records")
    async def claims(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        queue = await self.bot.services.links.claims(actor)
        if not queue:
            await interaction.response.send_message(tr.t("No claims are waiting."), ephemeral=True)
            return
        await interaction.response.send_message(
            claim_text(tr, queue[0], len(queue)),
            view=self._review_view(actor.user_id, tr, queue[0]),
            ephemeral=True,
        )

    def _review_view(self, owner_id: int, tr: Localizer, info: ClaimInfo) -> ClaimReviewView:
        async def review(review_interaction: discord.Interaction[Any], approve: bool) -> None:
            actor, tr2 = await actor_and_localizer(review_interaction)
            done = await self.bot.services.links.review(actor, info.claim.id, approve=approve)
            text = (
                tr2.t("Claim #{claim} approved: linked.", claim=info.claim.id)
                if done.approved
                else tr2.t("Claim #{claim} rejected.", claim=info.claim.id)
            )
            for petition_id in done.linked.lowered if done.linked else []:
                self.bot.signatures_changed(petition_id, [])
            queue = await self.bot.services.links.claims(actor)
            if queue:
                await review_interaction.response.edit_message(
                    content=text + "\n\n" + claim_text(tr2, queue[0], len(queue)),
                    view=self._review_view(actor.user_id, tr2, queue[0]),
                )
            else:
                await review_interaction.response.edit_message(
                    content=text + "\n" + tr2.t("No more claims are waiting."), view=None
                )

        return ClaimReviewView(owner_id, tr, review)

    @app_commands.command(
        name="details", description="Ask first-time signers for delivery details, or not"
    )
    @app_commands.describe(petition=CODE, collect="Ask for name and postal code on first signing")
    @app_commands.autocomplete(petition=petition_codes)
    async def details(
        self,
        interaction: discord.Interaction[RallyBot],
        petition: app_commands.Range[str, 1, 100],
        collect: bool,
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        signers = self.bot.services.signers
        updated = await signers.set_collects_details(actor, petition, collect)
        if collect and not signers.sealing_on:
            text = tr.t(
                "*{code}* would ask for details, but no organization key is set, so Rally "
                "collects none and only counts signatures.",
                code=updated.code,
            )
        elif collect:
            text = tr.t("*{code}* asks first-time signers for their details.", code=updated.code)
        else:
            text = tr.t("*{code}* no longer asks signers for details.", code=updated.code)
        await interaction.response.send_message(text, ephemeral=True)


class AuditCog(commands.Cog):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot

    @app_commands.command(name="audit", description="Recent organizer and member actions")
    @app_commands.guild_only()
    async def audit(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        entries = await self.bot.services.signers.audit_trail(actor)
        await interaction.response.send_message(embed=audit_embed(tr, entries), ephemeral=True)


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(MeCog(bot))
    await bot.add_cog(SignersCog(bot))
    await bot.add_cog(AuditCog(bot))
