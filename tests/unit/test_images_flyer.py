"""The printable flyer: real, extractable text (Cyrillic too), paper sizes, a QR code that scans."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp
from pypdf import PdfReader

from bot.domain.petitions import Petition, Status
from bot.i18n import localizer
from bot.ui.images.content import Sms
from bot.ui.images.flyer import STRIPS, Paper, letter_opening, render_flyer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LINK = "https://example.org/petitions/tps-belarus"
TITLE_BE = "Прызначыць Беларусі часовы ахоўны статус і спыніць дэпартацыю ўсіх беларусаў"
LETTER_BE = (
    "Шаноўныя кангрэсмены, мы, беларусы замежжа, просім вас падтрымаць тых, хто ўцёк ад "
    "рэпрэсій.\n\nДругі абзац ліста."
)


def make_petition(**changes: object) -> Petition:
    base = Petition(
        id=7,
        code="PMFZYI",
        guild_id=1001,
        title=TITLE_BE,
        recipient="Кангрэс ЗША",
        letter=LETTER_BE,
        link=LINK,
        goal=1000,
        goal_is_custom=False,
        external_count=0,
        signature_count=678,
        status=Status.OPEN,
        language="be",
        organization="Беларусы ў свеце",
        author_id=1,
        author_name="Org",
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def qr_codes_in(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("language", ["be", "en"])
def test_the_text_reads_back_including_belarusian(language: str) -> None:
    tr = localizer(language)
    pdf = render_flyer(make_petition(language=language), sms=Sms("sign", "50409"))
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert TITLE_BE in text
    assert tr.t("Tell {recipient}:", recipient="Кангрэс ЗША") in text
    assert "Шаноўныя кангрэсмены, мы, беларусы замежжа" in text
    assert "Другі абзац" not in text  # only the letter's opening
    assert tr.t("Sign in Discord: /petition sign {code}", code="PMFZYI") in text
    assert tr.t("or text {words} to {number}", words="sign PMFZYI", number="50409") in text
    assert "БЕЛАРУСЫ Ў СВЕЦЕ" in text
    assert tr.t("Scan to sign") in text


def test_the_english_flyer_reads_as_written() -> None:
    text = text_of(render_flyer(make_petition(language="en"), sms=Sms("sign", "50409")))
    assert "Tell Кангрэс ЗША:" in text
    assert "Sign in Discord: /petition sign PMFZYI" in text
    assert "or text sign PMFZYI to 50409" in text


def test_every_tear_off_strip_carries_the_code() -> None:
    text = text_of(render_flyer(make_petition(language="en"), sms=Sms("sign", "50409")))
    assert text.count("Discord: /petition sign PMFZYI") == STRIPS + 1  # the strips and the body
    assert text.count("Text sign PMFZYI to 50409") == STRIPS


@pytest.mark.parametrize(
    ("paper", "size"), [(Paper.A4, (595.28, 841.89)), (Paper.LETTER, (612.0, 792.0))]
)
def test_paper_sizes(paper: Paper, size: tuple[float, float]) -> None:
    reader = PdfReader(io.BytesIO(render_flyer(make_petition(), paper=paper)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == size


@pytest.mark.parametrize("paper", list(Paper))
def test_the_qr_code_scans_to_the_link(paper: Paper) -> None:
    assert qr_codes_in(render_flyer(make_petition(), paper=paper)) == [LINK]


def test_without_a_link_the_qr_code_leads_to_the_fallback() -> None:
    invite = "https://discord.gg/belarus"
    pdf = render_flyer(make_petition(link=None), fallback_url=invite)
    assert qr_codes_in(pdf) == [invite]
    assert invite in text_of(pdf)


def test_a_long_title_and_letter_still_make_one_page() -> None:
    petition = make_petition(title="Свабода палітвязням і " * 12, letter="Мы просім " * 400)
    pdf = render_flyer(petition, paper=Paper.LETTER)
    text = text_of(pdf)
    assert "PMFZYI" in text
    assert qr_codes_in(pdf) == [LINK]


def test_letter_opening_is_the_first_paragraph_cut_at_a_word() -> None:
    assert letter_opening("First  line\nstill first.\n\nSecond.") == "First line still first."
    opening = letter_opening("слова " * 300)
    assert opening.endswith("…") and len(opening) <= 601
    assert opening[:-1].split() == ["слова"] * len(opening[:-1].split())
