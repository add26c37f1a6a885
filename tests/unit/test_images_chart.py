"""The progress chart: the cumulative series, its ticks, and a decodable 1200×675 PNG."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from bot.domain.petitions import Petition, Status
from bot.ui.images.chart import (
    HEIGHT,
    WIDTH,
    DayCount,
    MilestoneMark,
    cumulative,
    date_ticks,
    render_chart,
)

START = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TITLE_BE = (
    "Прызначыць Беларусі часовы ахоўны статус і спыніць дэпартацыю ўсіх беларусаў, якія "
    "ўцяклі ад рэпрэсій, каб кожная сям'я магла жыць у бяспецы і працаваць легальна"
)


def make_petition(**changes: object) -> Petition:
    base = Petition(
        id=7,
        code="PMFZYI",
        guild_id=1001,
        title="Designate Belarus for Temporary Protected Status",
        recipient="the President & U.S. Congress",
        letter="Dear",
        link=None,
        goal=1000,
        goal_is_custom=False,
        external_count=0,
        signature_count=0,
        status=Status.OPEN,
        language="en",
        organization=None,
        author_id=1,
        author_name="Org",
        created_at=START,
        updated_at=START,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def history() -> tuple[list[DayCount], list[MilestoneMark]]:
    daily = [
        DayCount(START.date() + timedelta(days=offset), count)
        for offset, count in [(0, 12), (1, 20), (4, 80), (20, 300), (40, 266)]
    ]
    marks = [
        MilestoneMark(10, START + timedelta(hours=3)),
        MilestoneMark(25, START + timedelta(days=1, hours=2)),
        MilestoneMark(100, START + timedelta(days=4, hours=5)),
        MilestoneMark(250, START + timedelta(days=20, hours=1)),
        MilestoneMark(500, START + timedelta(days=40, hours=9)),
    ]
    return daily, marks


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_cumulative_counts_every_day_and_starts_from_the_external_count() -> None:
    series = cumulative(
        [DayCount(date(2026, 10, 1), 3), DayCount(date(2026, 10, 3), 4)],
        start=date(2026, 10, 1),
        now=datetime(2026, 10, 4, 6, 0, tzinfo=UTC),
        base=100,
    )
    assert series.totals == (100, 103, 103, 107, 107)
    assert series.moments[0] == datetime(2026, 10, 1, tzinfo=UTC)
    assert series.moments[1] == datetime(2026, 10, 2, tzinfo=UTC)
    assert series.moments[-1] == datetime(2026, 10, 4, 6, 0, tzinfo=UTC)  # now, not midnight
    assert list(series.moments) == sorted(series.moments)


def test_cumulative_of_a_new_petition_is_flat() -> None:
    series = cumulative([], start=NOW.date(), now=NOW, base=0)
    assert set(series.totals) == {0}
    assert len(series.moments) == 2


def test_date_ticks_are_whole_days_or_month_starts() -> None:
    short = date_ticks(date(2026, 11, 24), date(2026, 12, 1))
    assert short[0] == date(2026, 11, 24) and len(short) == 8
    month = date_ticks(date(2026, 10, 1), date(2026, 11, 24))
    assert 5 <= len(month) <= 8 and month[0] == date(2026, 10, 1)
    year = date_ticks(date(2025, 11, 10), date(2026, 11, 24))
    assert all(tick.day == 1 for tick in year) and 4 <= len(year) <= 7
    assert year[0] == date(2025, 12, 1)


@pytest.mark.parametrize("language", ["en", "be", "ru", "uk"])
def test_chart_is_a_decodable_1200_by_675_png(language: str) -> None:
    daily, marks = history()
    petition = make_petition(title=TITLE_BE, signature_count=678, language=language)
    png = render_chart(petition, daily, marks, now=NOW)
    image = decoded(png)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 675)


def test_the_line_and_markers_are_drawn_in_the_brand_colour() -> None:
    daily, marks = history()
    petition = make_petition(signature_count=678)
    with_marks = decoded(render_chart(petition, daily, marks, now=NOW)).convert("RGB")
    without = decoded(render_chart(petition, daily, [], now=NOW)).convert("RGB")
    brand = (200, 16, 46)
    assert brand in {colour for _, colour in with_marks.getcolors(1_000_000) or []}
    assert with_marks.tobytes() != without.tobytes()


def test_a_new_petition_and_an_external_count_render() -> None:
    fresh = make_petition(created_at=NOW)
    assert decoded(render_chart(fresh, [], [], now=NOW)).size == (1200, 675)
    imported = make_petition(external_count=480, signature_count=20, goal=500)
    daily = [DayCount(NOW.date(), 20)]
    png = render_chart(imported, daily, [MilestoneMark(250, START)], now=NOW, language="be")
    assert decoded(png).size == (1200, 675)


def test_a_year_long_history_renders() -> None:
    start = NOW - timedelta(days=400)
    daily = [DayCount(start.date() + timedelta(days=n), n % 7) for n in range(0, 400, 3)]
    total = sum(entry.count for entry in daily)
    petition = make_petition(created_at=start, signature_count=total, goal=2500)
    assert decoded(render_chart(petition, daily, [], now=NOW)).size == (1200, 675)
