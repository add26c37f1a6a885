"""ImageService against a real database: the timeline, the QR targets, and a Share surge."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Iterator
from datetime import date

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from bot.db import Database, announcements, timeline
from bot.domain.errors import PetitionGone, PetitionNotFound
from bot.domain.petitions import parse_draft
from bot.services import Services
from bot.services.images import ImageFile, ImageService
from bot.ui.images.cache import RenderCache, RenderKey
from bot.ui.images.content import Sms
from bot.ui.images.flyer import Paper
from tests.conftest import GUILD, FakeClock, member, organizer

LINK = "https://example.org/petitions/tps-belarus"
INVITE = "https://discord.gg/belarus"
DRAFT = parse_draft(
    title="Designate Belarus for Temporary Protected Status",
    recipient="the President & U.S. Congress",
    letter="We, Belarusians abroad, ask you to designate Belarus for TPS.\n\nThank you.",
    link=LINK,
    goal="1000",
)


@pytest.fixture
def rendered() -> list[RenderKey]:
    return []


@pytest.fixture
def images(db: Database, clock: FakeClock, rendered: list[RenderKey]) -> Iterator[ImageService]:
    service = ImageService(db, clock, cache=RenderCache(on_render=rendered.append))
    yield service
    service.close()


def qr_of(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def test_timeline_counts_signatures_per_day_and_lists_sent_milestones(
    services: Services, db: Database, clock: FakeClock
) -> None:
    petition = await services.petitions.create(organizer(), DRAFT)
    for user in range(1, 4):
        await services.petitions.sign(member(user), petition.id)
    clock.advance(days=2)
    for user in range(4, 12):
        await services.petitions.sign(member(user), petition.id)
    await services.petitions.withdraw(member(11), petition.code)
    async with db.read() as conn:
        days = await timeline.daily_signatures(conn, petition.id)
        assert await timeline.milestones_sent(conn, petition.id) == []  # queued, not yet sent
        queued = await announcements.history(conn, GUILD, petition.id)
    assert [(entry.day, entry.count) for entry in days] == [
        (date(2026, 11, 24), 3),
        (date(2026, 11, 26), 7),
    ]
    assert [(row.kind, row.threshold) for row in queued] == [("milestone", 10)]
    clock.advance(minutes=5)
    async with db.transaction() as conn:
        await announcements.mark_sent(conn, queued[0].id, channel_id=5, message_id=6, now=clock())
    async with db.read() as conn:
        sent = await timeline.milestones_sent(conn, petition.id)
    assert [(mark.threshold, mark.reached_at, mark.sent_at) for mark in sent] == [
        (10, queued[0].created_at, clock())
    ]


async def test_card_qr_leads_to_the_link_or_the_server_invite(
    services: Services, images: ImageService
) -> None:
    with_link = await services.petitions.create(organizer(), DRAFT)
    card = await images.card(GUILD, with_link.code.lower(), sms=Sms("sign", "50409"))
    assert card.filename == f"rally-{with_link.code}-card.png"
    assert Image.open(io.BytesIO(card.data)).size == (1200, 675)
    assert qr_of(card.data) == [LINK]

    await services.guilds.update(organizer(), invite_url=INVITE)
    no_link = await services.petitions.create(
        organizer(), parse_draft(title="Свабода", recipient="Прэзідэнта", letter="Ліст")
    )
    assert qr_of((await images.card(GUILD, no_link.code)).data) == [INVITE]
    by_id = await images.card_by_id(no_link.id, fallback_url="https://discord.gg/other")
    assert qr_of(by_id.data) == ["https://discord.gg/other"]


async def test_unknown_and_deleted_petitions_are_refused(
    services: Services, images: ImageService
) -> None:
    with pytest.raises(PetitionNotFound):
        await images.card(GUILD, "ABCDEF")
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.delete(organizer(), petition.id)
    with pytest.raises(PetitionGone):
        await images.card_by_id(petition.id)
    with pytest.raises(PetitionNotFound):
        await images.chart(GUILD, petition.code)


async def test_flyer_and_chart(services: Services, images: ImageService, clock: FakeClock) -> None:
    petition = await services.petitions.create(organizer(), DRAFT)
    for user in range(1, 13):
        await services.petitions.sign(member(user), petition.id)
        clock.advance(hours=9)
    flyer = await images.flyer(GUILD, petition.code, paper=Paper.LETTER)
    assert flyer.filename == f"rally-{petition.code}-flyer-letter.pdf"
    text = PdfReader(io.BytesIO(flyer.data)).pages[0].extract_text()
    assert petition.code in text and "Designate Belarus" in text
    chart = await images.chart(GUILD, petition.code, language="be")
    image = Image.open(io.BytesIO(chart.data))
    image.load()
    assert (image.format, image.size) == ("PNG", (1200, 675))


async def test_a_surge_of_500_share_clicks_renders_a_handful_of_cards(
    services: Services, images: ImageService, rendered: list[RenderKey]
) -> None:
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.set_external(organizer(), petition.code, 678)
    # Clicks and signatures interleave: the count moves from 678 to 698 during the surge.
    calls: list[Awaitable[object]] = []
    for click in range(500):
        calls.append(images.card_by_id(petition.id))
        if click % 25 == 24:
            calls.append(services.petitions.sign(member(click // 25 + 1), petition.id))
    results = await asyncio.gather(*calls)
    cards = [result for result in results if isinstance(result, ImageFile)]
    assert len(cards) == 500
    assert all(card.data.startswith(b"\x89PNG\r\n\x1a\n") for card in cards)
    assert {key.bucket for key in rendered} <= {670, 680, 690}
    assert 1 <= len(rendered) <= 3, rendered
    assert len({card.data for card in cards}) == len(rendered)
    latest = await services.petitions.get_by_id(petition.id)
    assert latest.total == 698

    # After the surge, clicking again is a cache hit; another language is another card.
    before = len(rendered)
    await images.card_by_id(petition.id)
    await images.card_by_id(petition.id)
    assert len(rendered) <= before + 1
    settled = len(rendered)
    await images.card_by_id(petition.id)
    assert len(rendered) == settled
    await images.card_by_id(petition.id, language="ru")
    assert len(rendered) == settled + 1


async def test_500_clicks_for_a_chart_and_a_flyer_render_each_once(
    services: Services, images: ImageService, rendered: list[RenderKey]
) -> None:
    petition = await services.petitions.create(organizer(), DRAFT)
    await asyncio.gather(
        *(images.chart(GUILD, petition.code) for _ in range(250)),
        *(images.flyer(GUILD, petition.code) for _ in range(250)),
    )
    assert sorted(key.kind for key in rendered) == ["chart", "flyer:A4"]
