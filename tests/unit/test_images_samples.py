"""write_samples: the sandbox's card, flyer and chart, written to a folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from bot.domain.petitions import Petition, Status
from bot.ui.images.chart import DayCount, MilestoneMark
from bot.ui.images.content import Sms
from bot.ui.images.samples import write_samples

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def test_write_samples_writes_a_card_a_flyer_and_a_chart(tmp_path: Path) -> None:
    start = NOW - timedelta(days=10)
    petition = Petition(
        id=1,
        code="PMFZYI",
        guild_id=1001,
        title="Прызначыць Беларусі часовы ахоўны статус",
        recipient="Кангрэс ЗША",
        letter="Мы просім вас.",
        link="https://example.org/p",
        goal=100,
        goal_is_custom=False,
        external_count=0,
        signature_count=30,
        status=Status.OPEN,
        language="be",
        organization="Беларусы ў свеце",
        author_id=1,
        author_name="Org",
        created_at=start,
        updated_at=start,
    )
    daily = [DayCount(start.date() + timedelta(days=n), 3) for n in range(10)]
    paths = await write_samples(
        tmp_path / "sandbox",
        petition,
        daily=daily,
        milestones=[MilestoneMark(10, start + timedelta(days=3))],
        now=NOW,
        sms=Sms("sign", "50409"),
    )
    assert [path.name for path in paths] == ["card.png", "flyer.pdf", "chart.png"]
    assert all(path.parent == tmp_path / "sandbox" for path in paths)
    for png in (paths[0], paths[2]):
        with Image.open(png) as image:
            assert image.size == (1200, 675)
    assert "PMFZYI" in PdfReader(paths[1]).pages[0].extract_text()
