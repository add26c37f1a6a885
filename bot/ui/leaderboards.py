"""Leaderboards as members see them: embeds, the bar chart PNG, and the pager with its image toggle.

Privacy: a recruiter's name appears only when they chose to show it (`public_name` is set only
then); everyone else is "a member" — in the text and in the image alike, since both are drawn
from `entries()`.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.leaderboards import OwnStanding, Period, PetitionOrder
from bot.i18n import N_, Localizer
from bot.services.leaderboards import PetitionBoard, RecruiterBoard, ServerBoard, TeamBoard
from bot.tree import report_error
from bot.ui.coalitions import standings_notes
from bot.ui.images.fonts import Face, font_path, missing_glyphs
from bot.ui.text import escape, trim

if TYPE_CHECKING:  # matplotlib loads when the first chart is drawn, in a worker thread
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

Board = RecruiterBoard | TeamBoard | PetitionBoard | ServerBoard
COLOUR = discord.Colour.gold()
CHART_FILE = "leaderboard.png"
WIDTH, HEIGHT, DPI = 1200, 675, 100
BAR = "#C8102E"
INK = "#1B1B1F"
MUTED = "#5A5A66"

PERIODS = {
    Period.TODAY: N_("today"),
    Period.WEEK: N_("this week"),
    Period.MONTH: N_("this month"),
    Period.ALL: N_("all time"),
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One bar: its place (None for "other"), its label as shown, its value."""

    rank: int | None
    label: str
    value: int


def _member(tr: Localizer, public_name: str | None) -> str:
    return public_name if public_name else tr.t("a member")


def _server(tr: Localizer, board: ServerBoard, guild_id: int | None) -> str:
    """A server by its Discord name (not personal data); the folded row is "other"."""
    if guild_id is None:
        return tr.t("Other servers")
    name = board.names.get(guild_id) or tr.t("a server Rally is no longer in")
    if guild_id == board.standings.petition.guild_id:
        return tr.t("{server} (owner)", server=name)
    return name


def entries(tr: Localizer, board: Board) -> list[Entry]:
    """The rows of any board, labelled exactly as the text and the chart show them."""
    if isinstance(board, RecruiterBoard):
        return [Entry(s.rank, _member(tr, s.public_name), s.value) for s in board.standings]
    if isinstance(board, ServerBoard):
        return [
            Entry(g.rank, _server(tr, board, g.group.team_id), g.group.value)
            for g in board.standings.servers
        ]
    if isinstance(board, TeamBoard):
        return [
            Entry(
                g.rank,
                g.group.name
                if g.group.name is not None
                else tr.tn(
                    "Other teams ({count} member)", "Other teams ({count} members)", g.group.members
                ),
                g.group.value,
            )
            for g in board.groups
        ]
    return [Entry(s.rank, s.title, s.value(board.order)) for s in board.standings[:10]]


def title(tr: Localizer, board: Board) -> str:
    if isinstance(board, RecruiterBoard):
        period = tr.t(PERIODS[board.period])
        if board.subject is None:
            return tr.t("🏆 Top recruiters — {period}", period=period)
        return tr.t(
            "🏆 Top recruiters of {subject} — {period}", subject=board.subject, period=period
        )
    if isinstance(board, TeamBoard):
        return tr.t("🏆 Teams of {drive}", drive=board.drive.name)
    if isinstance(board, ServerBoard):
        return tr.t("🏆 Servers of {title}", title=board.standings.petition.title)
    if board.order is PetitionOrder.TOTAL:
        return tr.t("🏆 Petitions by signatures")
    return tr.t("🔥 Petitions by signatures in the last 24 hours")


def _signatures(tr: Localizer, count: int) -> str:
    return tr.tn("{count} signature", "{count} signatures", count)


def board_embed(tr: Localizer, board: Board) -> discord.Embed:
    """The board as text: one line per entry, best first."""
    lines = []
    for entry in entries(tr, board):
        place = f"**{entry.rank}.**" if entry.rank is not None else "·"
        lines.append(f"{place} {escape(trim(entry.label, 80))} — {_signatures(tr, entry.value)}")
    if not lines:
        lines.append(tr.t("Nothing counted here yet."))
    embed = discord.Embed(
        title=trim(title(tr, board), 256), description="\n".join(lines), colour=COLOUR
    )
    notes = []
    if isinstance(board, RecruiterBoard):
        notes.append(tr.t("Page {page}", page=board.page + 1))
        if board.count_logged:
            notes.append(tr.t("Approved offline logs count."))
    if isinstance(board, TeamBoard) and any(g.rank is None for g in board.groups):
        notes.append(
            tr.tn(
                "Teams under {count} member are shown together.",
                "Teams under {count} members are shown together.",
                board.min_group,
            )
        )
    if isinstance(board, ServerBoard):
        notes.extend(standings_notes(tr, board.standings))
    if notes:
        embed.set_footer(text=" · ".join(notes))
    return embed


def own_text(tr: Localizer, own: OwnStanding | None) -> str:
    """The caller's own place, for them only."""
    if own is None or own.rank is None:
        return tr.t("You have no signatures counted on this board yet.")
    return tr.t(
        "Your place: **#{rank}** with {signatures}.",
        rank=own.rank,
        signatures=_signatures(tr, own.value),
    )


# -- the chart -----------------------------------------------------------------------------------
def _font(face: Face, px: float) -> FontProperties:
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(font_path(face)), size=px * 72 / DPI)


def drawable(text: str) -> str:
    """`text` without the characters the font has no glyph for (the title's emoji)."""
    missing = missing_glyphs(text)
    return "".join(char for char in text if char not in missing).strip()


def chart_figure(heading: str, bars: list[Entry], empty_text: str) -> Figure:
    """A horizontal bar chart of `bars` (best at the top); every text on it is given here."""
    heading = drawable(heading)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.text(
        0.04, 0.95, trim(heading, 70), fontproperties=_font(Face.BOLD, 30), color=INK, va="top"
    )
    axes = figure.add_axes((0.30, 0.06, 0.64, 0.78))
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_xticks([])
    if not bars:
        axes.set_yticks([])
        axes.text(
            0.5, 0.5, empty_text, ha="center", va="center", fontproperties=_font(Face.REGULAR, 22)
        )
        return figure
    labels = [
        f"{bar.rank}. {trim(drawable(bar.label) or '…', 28)}"
        if bar.rank
        else trim(drawable(bar.label) or "…", 32)
        for bar in bars
    ]
    values = [bar.value for bar in bars]
    positions = list(range(len(bars)))[::-1]
    axes.barh(positions, values, color=BAR, height=0.7)
    axes.set_yticks(positions, labels)
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(_font(Face.REGULAR, 18))
        tick.set_color(INK)
    top = max(values) or 1
    axes.set_xlim(0, top * 1.15)
    for position, value in zip(positions, values, strict=True):
        axes.text(
            value + top * 0.01,
            position,
            str(value),
            va="center",
            fontproperties=_font(Face.BOLD, 17),
            color=MUTED,
        )
    return figure


def render_chart(heading: str, bars: list[Entry], empty_text: str) -> bytes:
    """The chart as PNG bytes (call it in a thread: matplotlib is slow for an event loop)."""
    out = io.BytesIO()
    chart_figure(heading, bars, empty_text).savefig(out, format="png", dpi=DPI)
    return out.getvalue()


# -- the view ------------------------------------------------------------------------------------
@dataclass
class Shown:
    """What a board message holds: the embed, the chart when shown, the page and page count."""

    embed: discord.Embed
    png: bytes | None
    page: int
    pages: int


Render = Callable[[int, bool], Awaitable[Shown]]


def attach(shown: Shown) -> list[discord.File]:
    if shown.png is None:
        return []
    shown.embed.set_image(url=f"attachment://{CHART_FILE}")
    return [discord.File(io.BytesIO(shown.png), filename=CHART_FILE)]


class BoardView(discord.ui.View):
    """Previous / Next / image toggle; only the member who asked may press them."""

    def __init__(self, owner_id: int, tr: Localizer, render: Render, shown: Shown) -> None:
        super().__init__(timeout=300)
        self.owner_id = owner_id
        self.tr = tr
        self.render = render
        self.page = shown.page
        self.image = shown.png is not None
        self.message: discord.InteractionMessage | None = None
        self.previous.label = tr.t("Previous")
        self.next.label = tr.t("Next")
        self._update(shown.pages)

    def _update(self, pages: int) -> None:
        self.previous.disabled = self.page <= 0
        self.next.disabled = self.page >= pages - 1
        self.toggle.label = self.tr.t("Show as text") if self.image else self.tr.t("Show as image")

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

    async def _show(self, interaction: discord.Interaction[Any], page: int) -> None:
        shown = await self.render(page, self.image)
        self.page = shown.page
        self._update(shown.pages)
        await interaction.response.edit_message(
            embed=shown.embed, attachments=attach(shown), view=self
        )

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, self.page + 1)

    @discord.ui.button(label="Show as image", style=discord.ButtonStyle.primary)
    async def toggle(
        self, interaction: discord.Interaction[Any], _: discord.ui.Button[Any]
    ) -> None:
        self.image = not self.image
        await self._show(interaction, self.page)

    async def on_timeout(self) -> None:
        for child in self.children:
            if isinstance(child, discord.ui.Button):
                child.disabled = True
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                return
