"""Write a petition's card, flyer and chart to a folder (the sandbox shows them this way)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.petitions import Petition
from bot.ui.images.card import render_card
from bot.ui.images.chart import render_chart
from bot.ui.images.content import Sms
from bot.ui.images.flyer import render_flyer
from bot.ui.images.kinds import DayCount, MilestoneMark, Paper


def _write_all(
    folder: Path,
    petition: Petition,
    daily: Sequence[DayCount],
    milestones: Sequence[MilestoneMark],
    now: datetime,
    fallback_url: str | None,
    sms: Sms | None,
    paper: Paper,
    language: str | None,
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    card = render_card(petition, language=language, fallback_url=fallback_url, sms=sms)
    flyer = render_flyer(
        petition, paper=paper, language=language, fallback_url=fallback_url, sms=sms
    )
    chart = render_chart(petition, daily, milestones, now=now, language=language)
    written = []
    for name, data in (("card.png", card.png), ("flyer.pdf", flyer), ("chart.png", chart)):
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


async def write_samples(
    folder: Path,
    petition: Petition,
    *,
    daily: Sequence[DayCount] = (),
    milestones: Sequence[MilestoneMark] = (),
    now: datetime | None = None,
    fallback_url: str | None = None,
    sms: Sms | None = None,
    paper: Paper = Paper.A4,
    language: str | None = None,
) -> list[Path]:
    """Render `petition`'s card.png, flyer.pdf and chart.png into `folder` (in a thread).

    `daily` and `milestones` feed the chart (without them it shows a flat line at the count
    signed outside Discord); `now` is where its time axis ends (default: the current time).
    Returns the paths written, in that order.
    """
    return await asyncio.to_thread(
        _write_all,
        folder,
        petition,
        daily,
        milestones,
        now or datetime.now(UTC),
        fallback_url,
        sms,
        paper,
        language,
    )
