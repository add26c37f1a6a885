"""/admin purge: delete all of this server's data (Manage Server; confirmed twice)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import InvalidInput
from bot.i18n import N_
from bot.interactions import actor_and_localizer
from bot.tree import report_error
from bot.ui.views import ConfirmView

if TYPE_CHECKING:
    from bot.client import RallyBot


class PurgeModal(discord.ui.Modal):
    """The second confirmation: type the server's name."""

    def __init__(self, bot: RallyBot, title: str, label: str, server_name: str) -> None:
        super().__init__(title=title[:45], timeout=300)
        self.bot = bot
        self.server_name = server_name
        self.typed: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=label[:45], custom_id="server_name", max_length=100
        )
        self.add_item(self.typed)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        if self.typed.value.strip() != self.server_name:
            raise InvalidInput(N_("That is not this server's name: nothing was deleted."))
        deleted = await self.bot.services.admin.purge(actor)
        self.bot.services.public_pages.clear()  # purged petitions' public pages go at once
        await interaction.response.send_message(
            tr.t(
                "Done: Rally deleted everything it held about this server ({rows} records).",
                rows=sum(deleted.values()),
            ),
            ephemeral=True,
        )

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await report_error(interaction, error)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="admin", group_description="Data protection"):
    def __init__(self, bot: RallyBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="purge", description="Delete all of this server's Rally data, for good (Manage Server)"
    )
    async def purge(self, interaction: discord.Interaction[RallyBot]) -> None:
        actor, tr = await actor_and_localizer(interaction)
        self.bot.services.admin.check_manager(actor)
        guild = interaction.guild
        server_name = guild.name if guild is not None else ""

        async def first_yes(confirm: discord.Interaction[Any]) -> None:
            second, tr2 = await actor_and_localizer(confirm)
            self.bot.services.admin.check_manager(second)
            await confirm.response.send_modal(
                PurgeModal(
                    self.bot,
                    tr2.t("Delete everything?"),
                    tr2.t("Type the server's name to confirm"),
                    server_name,
                )
            )

        view = ConfirmView(
            actor.user_id, tr, first_yes, confirm_label=tr.t("Delete all Rally data")
        )
        await interaction.response.send_message(
            tr.t(
                "This deletes every petition, signature, drive, announcement, setting and audit "
                "entry Rally holds for this server, and the records of people who signed only "
                "here. It cannot be undone. Continue?"
            ),
            view=view,
            ephemeral=True,
        )
        view.message = await interaction.original_response()


async def setup(bot: RallyBot) -> None:
    await bot.add_cog(AdminCog(bot))
