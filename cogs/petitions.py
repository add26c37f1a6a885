"""/petition: create, show, sign, withdraw, list, edit, close, reopen, delete, count, visibility."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.petition_messages import ShownAt
from bot.domain.petitions import EXTERNAL_MAX, PetitionDraft, Status
from bot.interactions import actor_and_localizer, guild_of, petition_codes
from bot.services.webhooks import EndpointInfo
from bot.ui.images.kinds import Paper
from bot.ui.petition_views import (
    PetitionModal,
    ask_to_delete,
    open_edit_modal,
    petition_view,
    sign_and_reply,
    status_changed,
)
from bot.ui.petitions import list_embed, petition_embed, withdrawn_message
from bot.ui.public_pages import change_visibility
from bot.ui.share import send_share
from bot.ui.views import PagerView
from bot.ui.webhooks import WebhookView, webhook_text
from cogs._coalitions import CoalitionCommands, shared_petition_codes

if TYPE_CHECKING:
    from bot.client import RallyBot

CODE = "The petition's 6-letter code, like PMFZYI"
PAPERS = [
    app_commands.Choice(name="A4", value="A4"),
    app_commands.Choice(name="US Letter", value="Letter"),
]
PAGE_CHOICES = [
    app_commands.Choice(name="Public", value="public"),
    app_commands.Choice(name="Unlisted", value="unlisted"),
]


class PetitionsCog(
    CoalitionCommands,
    commands.GroupCog,
    group_name="petition",
    group_description="Petitions: create, sign, share",
):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="create", description="Start a new petition (organizers)")
    async def create(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        await self.bot.services.guilds.require_organizer(actor)

        async def created(
            modal_interaction: discord.Interaction[Any], draft: PetitionDraft
        ) -> None:
            author, tr2 = await actor_and_localizer(modal_interaction)
            petition = await self.bot.services.petitions.create(author, draft)
            await modal_interaction.response.send_message(
                tr2.t(
                    "Petition *{code}* is ready. Post it where members will see it with "
                    "/petition show {code}.",
                    code=petition.code,
                ),
                embed=petition_embed(tr2, petition),
                ephemeral=True,
            )

        await interaction.response.send_modal(PetitionModal(tr, created))

    @app_commands.command(
        name="show", description="Show a petition with its Sign and Share buttons"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def show(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        services = self.bot.services
        guild_id = guild_of(interaction)
        petition = await services.petitions.get_visible(guild_id, code)
        # A partner's organizers do not manage the owner's petition: no organizer buttons there.
        organizer = petition.guild_id == guild_id and await services.guilds.is_organizer(actor)
        await interaction.response.send_message(
            embed=petition_embed(tr, petition),
            view=petition_view(tr, petition, organizer=organizer),
        )
        message = await interaction.original_response()
        if interaction.channel_id is not None:
            await services.petitions.remember_message(
                ShownAt(
                    message.id,
                    petition.id,
                    guild_id,
                    interaction.channel_id,
                    organizer,
                    tr.language,
                )
            )

    @app_commands.command(name="sign", description="Sign a petition")
    @app_commands.describe(
        code=CODE, referral="The invite code of the volunteer who asked you to sign, like ANNA7"
    )
    @app_commands.autocomplete(code=shared_petition_codes)
    async def sign(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        referral: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        petition = await self.bot.services.petitions.get_visible(guild_of(interaction), code)
        await sign_and_reply(interaction, petition.id, referral)

    @app_commands.command(name="withdraw", description="Take back your signature")
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def withdraw(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        petition = await self.bot.services.petitions.withdraw(actor, code)
        await interaction.response.send_message(withdrawn_message(tr, petition), ephemeral=True)
        self.bot.signatures_changed(petition.id, [])

    @app_commands.command(
        name="share", description="A share card, links and text to spread a petition"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def share(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        _, tr = await actor_and_localizer(interaction)
        card = await self.bot.services.images.card(guild_of(interaction), code)
        await send_share(interaction, tr, card.petition, card.data, card.filename)

    @app_commands.command(
        name="flyer", description="A printable PDF flyer with a QR code and tear-off strips"
    )
    @app_commands.describe(code=CODE, paper="Paper size: A4 (most of the world) or US Letter")
    @app_commands.choices(paper=PAPERS)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def flyer(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        paper: app_commands.Choice[str] | None = None,
    ) -> None:
        _, tr = await actor_and_localizer(interaction)
        size = Paper(paper.value) if paper else Paper.A4
        petition = await self.bot.services.petitions.get_visible(guild_of(interaction), code)
        await interaction.response.defer(ephemeral=True, thinking=True)
        pdf = await self.bot.services.images.flyer(petition.guild_id, petition.code, paper=size)
        await interaction.followup.send(
            tr.t("Print it and post it around campus or on a community board."),
            file=discord.File(io.BytesIO(pdf.data), filename=pdf.filename),
            ephemeral=True,
        )

    @app_commands.command(
        name="chart", description="Signatures over time, with the goal and milestones"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=shared_petition_codes)
    async def chart(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        petition = await self.bot.services.petitions.get_visible(guild_of(interaction), code)
        await interaction.response.defer(ephemeral=True, thinking=True)
        png = await self.bot.services.images.chart(petition.guild_id, petition.code)
        embed = discord.Embed(title=petition.title[:256], colour=discord.Colour(0xC8102E))
        embed.set_image(url=f"attachment://{png.filename}")
        await interaction.followup.send(
            embed=embed,
            file=discord.File(io.BytesIO(png.data), filename=png.filename),
            ephemeral=True,
        )

    @app_commands.command(name="list", description="This server's open petitions")
    async def list_(self, interaction: discord.Interaction[RallyBot]) -> None:
        _, tr = await actor_and_localizer(interaction)
        guild_id = guild_of(interaction)

        async def render(page: int) -> tuple[discord.Embed, int, int]:
            result = await self.bot.services.petitions.list_open(guild_id, page)
            return list_embed(tr, result), result.page, result.pages

        await PagerView.start(interaction, tr, render)

    @app_commands.command(
        name="edit", description="Edit a petition's text, link or goal (organizers)"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=petition_codes)
    async def edit(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        await self.bot.services.guilds.require_organizer(actor)
        petition = await self.bot.services.petitions.get(guild_of(interaction), code)
        await open_edit_modal(interaction, tr, petition)

    async def _set_status(
        self, interaction: discord.Interaction[RallyBot], code: str, status: Status
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        petition = await self.bot.services.petitions.set_status(actor, code, status)
        await interaction.response.send_message(status_changed(tr, petition), ephemeral=True)
        self.bot.live.touch_petition(petition.id)

    @app_commands.command(name="close", description="Stop taking signatures (organizers)")
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=petition_codes)
    async def close(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        await self._set_status(interaction, code, Status.CLOSED)

    @app_commands.command(name="reopen", description="Take signatures again (organizers)")
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=petition_codes)
    async def reopen(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        await self._set_status(interaction, code, Status.OPEN)

    @app_commands.command(
        name="delete", description="Delete a petition, after you confirm (organizers)"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=petition_codes)
    async def delete(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        await self.bot.services.guilds.require_organizer(actor)
        petition = await self.bot.services.petitions.get(guild_of(interaction), code)
        await ask_to_delete(interaction, tr, petition)

    @app_commands.command(
        name="count", description="Set how many signed outside Discord (organizers)"
    )
    @app_commands.describe(
        code=CODE, external="Signatures gathered outside Discord, e.g. on the petition's own site"
    )
    @app_commands.autocomplete(code=petition_codes)
    async def count(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        external: app_commands.Range[int, 0, EXTERNAL_MAX],
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        result = await self.bot.services.petitions.set_external(actor, code, external)
        petition, change = result.petition, result.goal_change
        text = tr.t(
            "*{code}* now counts {external} signatures from elsewhere: {total} in all.",
            code=petition.code,
            external=petition.external_count,
            total=petition.total,
        )
        if change is not None:
            text += "\n" + tr.t("The goal rose to {goal}.", goal=change.to_goal)
        await interaction.response.send_message(text, ephemeral=True)
        self.bot.signatures_changed(petition.id, result.announcements)

    @app_commands.command(
        name="webhook", description="URL and secret to count signatures from your site (organizers)"
    )
    @app_commands.describe(code=CODE)
    @app_commands.autocomplete(code=petition_codes)
    async def webhook(
        self, interaction: discord.Interaction[RallyBot], code: app_commands.Range[str, 1, 100]
    ) -> None:
        actor, tr = await actor_and_localizer(interaction)
        info = await self.bot.services.webhooks.endpoint(actor, code)
        base = self.bot.settings.web_base_url

        async def rotate(click: discord.Interaction[Any]) -> EndpointInfo:
            clicker, _ = await actor_and_localizer(click)
            return await self.bot.services.webhooks.rotate(clicker, info.petition.id)

        view = WebhookView(interaction.user.id, tr, base, rotate)
        await interaction.response.send_message(
            webhook_text(tr, info, base, rotated=False), view=view, ephemeral=True
        )
        view.message = await interaction.original_response()

    @app_commands.command(
        name="visibility", description="Give a petition a public web page, or none (organizers)"
    )
    @app_commands.describe(
        code=CODE, page="Public: a web page anyone can open; Unlisted: no public page"
    )
    @app_commands.choices(page=PAGE_CHOICES)
    @app_commands.autocomplete(code=petition_codes)
    async def visibility(
        self,
        interaction: discord.Interaction[RallyBot],
        code: app_commands.Range[str, 1, 100],
        page: app_commands.Choice[str],
    ) -> None:
        await change_visibility(interaction, code, unlisted=page.value == "unlisted")


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(PetitionsCog(bot))
