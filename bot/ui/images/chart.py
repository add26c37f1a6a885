"""The progress chart: cumulative signatures over time, the goal line and milestone markers.

Drawn with matplotlib's object API (`Figure` + the Agg canvas), never pyplot: pyplot keeps global
state and is not safe to use from the render threads. Fonts are given explicitly, so a
matplotlibrc on the host cannot change them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_skeleton
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox

from bot.domain.petitions import Petition
from bot.i18n import localizer
from bot.ui.images.content import progress_line
from bot.ui.images.fonts import FAMILY, Face, font_path
from bot.ui.images.kinds import DayCount, MilestoneMark
from bot.ui.images.textfit import fit

WIDTH, HEIGHT, DPI = 1200, 675, 100
BRAND = "#C8102E"
INK = "#1B1B1F"
MUTED = "#5A5A66"
GRID = "#E6E1E2"
#: Milestones labelled with their number; older ones keep their marker only.
LABELLED_MILESTONES = 8
#: A young petition's chart still spans a week, so its days are readable.
MIN_SPAN_DAYS = 7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Series:
    """The points of the cumulative line: (moment, total signers then)."""

    moments: tuple[datetime, ...]
    totals: tuple[int, ...]


def cumulative(daily: Sequence[DayCount], *, start: date, now: datetime, base: int = 0) -> Series:
    """`base` at the start of the first day, then the running total at the end of every day.

    Days without signatures keep the line flat; the last point is `now`, not the end of today.
    """
    counts = {entry.day: entry.count for entry in daily}
    first = min([start, *counts])
    last = max([now.astimezone(UTC).date(), *counts])
    moments = [datetime.combine(first, time(), UTC)]
    totals = [base]
    running = base
    day = first
    while day <= last:
        running += counts.get(day, 0)
        end = datetime.combine(day + timedelta(days=1), time(), UTC)
        moments.append(min(end, max(now, moments[-1])))
        totals.append(running)
        day += timedelta(days=1)
    return Series(tuple(moments), tuple(totals))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _props(face: Face, px: float) -> FontProperties:
    return FontProperties(fname=str(font_path(face)), size=px * 72 / DPI)


def days(moment: datetime) -> float:
    """The x of a moment: days since 1970-01-01 UTC (Rally's own scale, not matplotlib's dates,
    so no global date setting can move it)."""
    return (moment.astimezone(UTC) - EPOCH) / timedelta(days=1)


def _day_of(value: float) -> date:
    return (EPOCH + timedelta(days=value)).date()


def date_ticks(first: date, last: date) -> list[date]:
    """Six to eight tick dates from `first` to `last`: whole days, or month starts on long spans."""
    span = (last - first).days
    if span <= 90:
        step = max(1, math.ceil(span / 7))
        return [first + timedelta(days=n) for n in range(0, span + 1, step)]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = max(1, math.ceil(months / 6))
    ticks: list[date] = []
    index = first.year * 12 + first.month  # the month after `first`'s (0-based month index)
    while True:
        tick = date(index // 12, index % 12 + 1, 1)
        if tick > last:
            return ticks
        ticks.append(tick)
        index += step


def _drop_crowded(figure: Figure, labels: list[Annotation]) -> None:
    """Hide milestone labels that would overlap a higher one (close milestones: 10 and 25)."""
    if len(labels) < 2:
        return
    figure.draw_without_rendering()
    kept: list[Bbox] = []
    for label in reversed(labels):
        extent = label.get_window_extent().expanded(1.1, 1.2)
        if any(extent.overlaps(other) for other in kept):
            label.set_visible(False)
        else:
            kept.append(extent)


def render_chart(
    petition: Petition,
    daily: Sequence[DayCount],
    milestones: Sequence[MilestoneMark],
    *,
    now: datetime,
    language: str | None = None,
) -> bytes:
    """A 1200×675 PNG of `petition`'s signers over time, in `language` (default: its own)."""
    tr = localizer(language or petition.language)
    series = cumulative(
        daily, start=petition.created_at.date(), now=now, base=petition.external_count
    )
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)  # attaches itself: this figure renders with Agg, whatever the default

    # -- heading: the title (wrapped, at most two lines) and the progress line --------------
    heading = fit(
        petition.title,
        width=WIDTH - 2 * 56,
        height=80,
        face=Face.BOLD,
        max_size=30,
        min_size=20,
        max_lines=2,
    )
    figure.text(
        56 / WIDTH,
        1 - 30 / HEIGHT,
        "\n".join(heading.lines),
        fontproperties=_props(Face.BOLD, heading.size),
        color=INK,
        va="top",
        ha="left",
        linespacing=1.15,
    )
    subtitle = progress_line(tr, petition)
    if petition.external_count:
        subtitle += " · " + tr.tn(
            "{count} signature counted outside Discord",
            "{count} signatures counted outside Discord",
            petition.external_count,
        )
    figure.text(
        56 / WIDTH,
        1 - (42 + heading.height) / HEIGHT,
        subtitle,
        fontproperties=_props(Face.REGULAR, 20),
        color=MUTED,
        va="top",
        ha="left",
    )
    plot_top = 1 - (96 + heading.height) / HEIGHT
    axes = figure.add_subplot()
    figure.set_layout_engine("constrained", rect=(0.03, 0.02, 0.95, plot_top - 0.02))

    # -- the line, the goal and the milestones -----------------------------------------------
    xs = [days(moment) for moment in series.moments]
    axes.fill_between(xs, series.totals, color=BRAND, alpha=0.12, linewidth=0)
    axes.plot(xs, series.totals, color=BRAND, linewidth=3, solid_capstyle="round")
    axes.axhline(petition.goal, color=INK, linewidth=1.5, linestyle=(0, (6, 4)))
    axes.annotate(
        tr.t("Goal: {goal}", goal=petition.goal),
        xy=(0, petition.goal),
        xycoords=("axes fraction", "data"),
        xytext=(6, 6),
        textcoords="offset points",
        fontproperties=_props(Face.BOLD, 17),
        color=INK,
    )
    labels: list[Annotation] = []
    reached = [mark for mark in milestones if mark.threshold <= max(series.totals)]
    if reached:
        axes.scatter(
            [days(mark.reached_at) for mark in reached],
            [mark.threshold for mark in reached],
            s=90,
            color=BRAND,
            edgecolors="white",
            linewidths=2,
            zorder=3,
        )
        for mark in sorted(reached, key=lambda m: m.threshold)[-LABELLED_MILESTONES:]:
            labels.append(
                axes.annotate(
                    tr.number(mark.threshold),
                    xy=(days(mark.reached_at), mark.threshold),
                    xytext=(-8, 8),
                    textcoords="offset points",
                    ha="right",
                    fontproperties=_props(Face.BOLD, 15),
                    color=BRAND,
                    path_effects=[patheffects.withStroke(linewidth=4, foreground="white")],
                )
            )

    # -- axes --------------------------------------------------------------------------------
    top = max(petition.goal, *series.totals)
    axes.set_ylim(0, top * 1.12 if top > 0 else 1)
    first, last = xs[0], max(xs[-1], xs[0] + MIN_SPAN_DAYS)
    axes.set_xlim(first, last)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: tr.number(int(value))))
    ticks = date_ticks(_day_of(first), _day_of(last))
    skeleton = "MMMd" if last - first <= 300 else "yMMM"
    axes.xaxis.set_major_locator(FixedLocator([days(_midnight(tick)) for tick in ticks]))
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _: format_skeleton(skeleton, _day_of(value), locale=tr.locale))
    )
    axes.tick_params(labelsize=13, labelcolor=MUTED, color=GRID, labelfontfamily=FAMILY)
    axes.grid(axis="y", color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)

    _drop_crowded(figure, labels)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
