"""Views shared by every area: invoker-only views, Confirm/Cancel, and a pager.

Every callback routes its errors to `report_error`, like commands do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, Self

import discord

from bot.i18n import Localizer
from bot.tree import report_error


class OwnedView(discord.ui.View):
    """A view only the member who asked for it may use; errors go where all errors go."""

    def __init__(self, owner_id: int, tr: Localizer, *, timeout: float = 180) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.tr = tr
        self.message: discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            self.tr.t("Only the member who asked for this can use these buttons."), ephemeral=True
        )
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)

    async def on_timeout(self) -> None:
        for child in self.children:
            if isinstance(child, discord.ui.Button | discord.ui.Select):
                child.disabled = True
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)


class ConfirmView(OwnedView):
    """Confirm / Cancel, for the invoker only; times out to "nothing was changed"."""

    def __init__(
        self,
        owner_id: int,
        tr: Localizer,
        on_confirm: Callable[[discord.Interaction[Any]], Awaitable[None]],
        *,
        confirm_label: str,
        timeout: float = 60,
    ) -> None:
        super().__init__(owner_id, tr, timeout=timeout)
        self.on_confirm = on_confirm
        self.confirm.label = confirm_label
        self.cancel.label = tr.t("Cancel")
        self.done = False

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.done = True
        self.stop()
        await self.on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.done = True
        self.stop()
        await interaction.response.edit_message(
            content=self.tr.t("Cancelled: nothing was changed."), embed=None, view=None
        )

    async def on_timeout(self) -> None:
        if self.message is not None and not self.done:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(
                    content=self.tr.t("No answer in time: nothing was changed."), view=None
                )


class PagerView(OwnedView):
    """Previous / Next for the invoker; `render(page)` gives the embed and the page count."""

    def __init__(
        self,
        owner_id: int,
        tr: Localizer,
        render: Callable[[int], Awaitable[tuple[discord.Embed, int, int]]],
        *,
        page: int,
        pages: int,
    ) -> None:
        super().__init__(owner_id, tr)
        self.render = render
        self.page = page
        self.previous.label = tr.t("Previous")
        self.next.label = tr.t("Next")
        self._update(pages)

    def _update(self, pages: int) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= pages - 1

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        embed, self.page, pages = await self.render(page)
        self._update(pages)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    @classmethod
    async def start(
        cls,
        interaction: discord.Interaction[Any],
        tr: Localizer,
        render: Callable[[int], Awaitable[tuple[discord.Embed, int, int]]],
        *,
        ephemeral: bool = False,
    ) -> Self:
        embed, page, pages = await render(0)
        view = cls(interaction.user.id, tr, render, page=page, pages=pages)
        if pages > 1:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=ephemeral)
            view.message = await interaction.original_response()
        else:
            await interaction.response.send_message(embed=embed, ephemeral=ephemeral)
            view.stop()
        return view
