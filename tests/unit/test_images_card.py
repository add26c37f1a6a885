"""The share card: size, QR code, and every line of text inside the canvas, whole and unclipped."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot.domain.petitions import Petition, Status
from bot.ui.images.card import HEIGHT, MARGIN, WIDTH, Card, render_card
from bot.ui.images.content import Sms
from bot.ui.images.fonts import Face, missing_glyphs, pil_font
from bot.ui.images.textfit import ELLIPSIS, fit, pil_measure, wrap

LINK = "https://example.org/petitions/tps-belarus"
INVITE = "https://discord.gg/belarus"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

_WORDS = (
    "Прызначыць Беларусі часовы ахоўны статус і спыніць дэпартацыю ўсіх беларусаў, якія "
    "ўцяклі ад рэпрэсій, каб кожная сям'я магла жыць у бяспецы і працаваць легальна, пакуль "
    "у краіне не скончыцца палітычны крызіс і не вызваляць усіх палітвязняў"
)
#: A 200-character Belarusian title with ў and і.
BELARUSIAN_200 = _WORDS[:200].rstrip()
ONE_WORD = "Свабода"


def make_petition(**changes: object) -> Petition:
    base = Petition(
        id=7,
        code="PMFZYI",
        guild_id=1001,
        title="Designate Belarus for Temporary Protected Status",
        recipient="the President & U.S. Congress",
        letter="We ask you to designate Belarus for Temporary Protected Status.",
        link=LINK,
        goal=1000,
        goal_is_custom=False,
        external_count=0,
        signature_count=678,
        status=Status.OPEN,
        language="en",
        organization="Belarusians Abroad",
        author_id=1,
        author_name="Org",
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def decode_qr(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_the_length_of_the_belarusian_title() -> None:
    assert len(BELARUSIAN_200) == 200
    assert "ў" in BELARUSIAN_200 and "і" in BELARUSIAN_200


def test_card_is_a_1200_by_675_png_whose_qr_leads_to_the_link() -> None:
    card = render_card(make_petition(), sms=Sms("sign", "50409"))
    image = Image.open(io.BytesIO(card.png))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 675)
    assert decode_qr(card.png) == [LINK]
    assert card.qr_url == LINK


def test_card_says_what_the_campaign_says() -> None:
    card = render_card(make_petition(), sms=Sms("sign", "50409"))
    layout = card.layout
    assert layout.lines("recipient") == ["Tell the President & U.S. Congress:"]
    assert " ".join(layout.lines("title")) == "Designate Belarus for Temporary Protected Status"
    assert layout.lines("sign") == ["Sign in Discord: /petition sign PMFZYI"]
    assert layout.lines("sms") == ["or text sign PMFZYI to 50409"]
    assert layout.lines("progress") == ["678 signers — help us get to 1,000"]
    assert layout.lines("organization") == ["BELARUSIANS ABROAD"]


def test_without_sms_there_is_no_sms_line() -> None:
    card = render_card(make_petition())
    assert card.layout.lines("sms") == []
    assert card.layout.lines("sign") == ["Sign in Discord: /petition sign PMFZYI"]


def test_without_a_link_the_qr_leads_to_the_fallback() -> None:
    card = render_card(make_petition(link=None), fallback_url=INVITE)
    assert decode_qr(card.png) == [INVITE]


def test_without_any_url_there_is_no_qr_and_the_title_takes_the_width() -> None:
    card = render_card(make_petition(link=None, title=BELARUSIAN_200))
    assert card.layout.qr is None and card.qr_url is None
    assert decode_qr(card.png) == []
    assert max(text.box.right for text in card.layout.texts if text.role == "title") > 900


def _check_layout(card: Card) -> None:
    layout = card.layout
    assert layout.outside_canvas() == []
    for text in layout.texts:
        assert text.box.width > 0 and text.box.height > 0
        if layout.qr is not None and text.role not in ("caption",):
            assert not text.box.overlaps(layout.qr), text
        if text.role in ("sign", "sms"):
            assert text.box.inside(layout.band), text
        else:
            assert not text.box.overlaps(layout.band), text
            assert not text.box.overlaps(layout.bar), text
        if text.role in ("organization", "recipient", "title"):
            right = layout.qr.left if layout.qr is not None else WIDTH - MARGIN
            assert text.box.left >= MARGIN - 4 and text.box.right <= right, text
    # No two lines overlap each other.
    for index, first in enumerate(layout.texts):
        for second in layout.texts[index + 1 :]:
            assert not first.box.overlaps(second.box), (first, second)


@pytest.mark.parametrize("title", [BELARUSIAN_200, ONE_WORD], ids=["200-chars", "one-word"])
@pytest.mark.parametrize("language", ["be", "en", "ru"])
@pytest.mark.parametrize("with_sms", [True, False])
def test_every_text_box_lies_inside_the_canvas(title: str, language: str, with_sms: bool) -> None:
    petition = make_petition(
        title=title,
        recipient="Прэзідэнта і Кангрэса ЗША",
        language=language,
        organization="Беларусы ў свеце",
    )
    card = render_card(petition, sms=Sms("sign", "50409") if with_sms else None)
    _check_layout(card)
    lines = card.layout.lines("title")
    # Wrapped at word boundaries: nothing lost, nothing cut.
    assert " ".join(lines) == title
    assert missing_glyphs(title + petition.recipient, Face.BOLD) == set()


def test_a_short_title_is_large_and_a_long_one_shrinks_to_fit() -> None:
    short = render_card(make_petition(title=ONE_WORD)).layout.texts
    long = render_card(make_petition(title=BELARUSIAN_200)).layout.texts
    short_size = next(text.size for text in short if text.role == "title")
    long_size = next(text.size for text in long if text.role == "title")
    assert short_size >= 72
    assert long_size < short_size
    assert len([text for text in long if text.role == "title"]) >= 4


def test_an_unbreakable_title_and_a_huge_recipient_still_stay_inside() -> None:
    petition = make_petition(
        title="Ў" * 150 + " " + "слова " * 60,
        recipient="Прэзідэнта " * 30,
        organization="Арганізацыя " * 20,
    )
    card = render_card(petition, sms=Sms("ПОДПІС", "+375 29 000 00 00"))
    _check_layout(card)
    title = card.layout.lines("title")
    assert title[-1].endswith(ELLIPSIS)


def test_the_bar_shows_the_share_of_the_goal() -> None:
    empty = render_card(make_petition(signature_count=0))
    full = render_card(make_petition(signature_count=1000, goal=1000))
    assert full.layout.lines("progress") == ["1,000 signers — we reached our goal!"]
    bar = full.layout.bar
    red = (200, 16, 46)
    middle = bar.top + bar.height // 2
    assert Image.open(io.BytesIO(full.png)).getpixel((bar.right - 20, middle)) == red
    assert Image.open(io.BytesIO(empty.png)).getpixel((bar.left + 40, middle)) != red


def test_a_closed_petition_says_so() -> None:
    card = render_card(make_petition(status=Status.CLOSED, signature_count=1))
    assert card.layout.lines("progress") == ["1 signer — this petition is closed"]


def test_the_font_draws_belarusian_russian_and_ukrainian() -> None:
    alphabet = "абвгґдеёєжзіїйклмнопрстуўфхцчшщъыьэюяАБВГҐДЕЁЄЖЗІЇЙКЛМНОПРСТУЎФХЦЧШЩЪЫЬЭЮЯ’—…“”✂"
    for face in Face:
        assert missing_glyphs(alphabet, face) == set()


words = st.text(
    alphabet=st.sampled_from("абвгдеёжзіклмнопрстуўфхцчшыьэюяABCXYZ'-"), min_size=1, max_size=14
)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=40), st.integers(min_value=120, max_value=700))
def test_wrapping_keeps_every_word_and_every_line_fits(parts: list[str], width: int) -> None:
    text = " ".join(parts)
    measure = pil_measure(pil_font(30, Face.BOLD))
    lines, broke = wrap(text, measure, width)
    assert all(measure(line) <= width for line in lines)
    if not broke:
        assert " ".join(lines) == text


@settings(max_examples=40, deadline=None)
@given(st.lists(words, min_size=1, max_size=60))
def test_fit_never_exceeds_its_box(parts: list[str]) -> None:
    text = " ".join(parts)
    fitted = fit(text, width=500, height=200, face=Face.BOLD, max_size=60, min_size=20)
    measure = pil_measure(fitted.font)
    assert fitted.height <= 200
    assert all(measure(line) <= 500 for line in fitted.lines)
    if not fitted.truncated:
        assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")
