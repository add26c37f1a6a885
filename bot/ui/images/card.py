"""The share card: a 1200×675 PNG a supporter can post anywhere.

    ORGANIZATION                                     ┌────────┐
    Tell {recipient}:                                │   QR   │
    The title, as large as fits                      └────────┘
                                                     Scan to sign
    678 signers — help us get to 1,000
    ████████████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░
    ▓ Sign in Discord: /petition sign PMFZYI               ▓
    ▓ or text sign PMFZYI to 50409                         ▓

`render_card` returns the PNG and a `CardLayout` listing every text line's ink box, so a test can
check that nothing left the canvas or ran into something else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageDraw

from bot.domain.petitions import Petition
from bot.i18n import localizer
from bot.ui.images.content import (
    Sms,
    progress_line,
    qr_target,
    scan_caption,
    sign_line,
    sms_line,
    tell_line,
)
from bot.ui.images.fonts import Face
from bot.ui.images.qr import qr_image
from bot.ui.images.textfit import Fitted, fit

WIDTH, HEIGHT = 1200, 675
MARGIN = 64
BRAND = (200, 16, 46)  # #C8102E
INK = (27, 27, 31)
MUTED = (90, 90, 102)
TRACK = (238, 232, 233)
PANEL = (247, 243, 243)
PAPER = (255, 255, 255)
ON_BRAND = (255, 255, 255)

BAND_TOP = 557
BAR_TOP, BAR_HEIGHT = 506, 24
PROGRESS_TOP, PROGRESS_BOTTOM = 442, 492
TOP = 50
TOP_BOTTOM = 420
QR_PANEL = 300
GAP = 44


@dataclass(frozen=True, slots=True)
class Box:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def inside(self, other: Box) -> bool:
        return (
            other.left <= self.left
            and other.top <= self.top
            and self.right <= other.right
            and self.bottom <= other.bottom
        )

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )


@dataclass(frozen=True, slots=True)
class TextBox:
    """One drawn line: what it says, its role on the card, its size and its ink box."""

    role: str
    text: str
    size: int
    box: Box


@dataclass(frozen=True, slots=True)
class CardLayout:
    width: int
    height: int
    texts: tuple[TextBox, ...]
    qr: Box | None
    bar: Box
    band: Box

    @property
    def canvas(self) -> Box:
        return Box(0, 0, self.width, self.height)

    def lines(self, role: str) -> list[str]:
        return [text.text for text in self.texts if text.role == role]

    def outside_canvas(self) -> list[TextBox]:
        return [text for text in self.texts if not text.box.inside(self.canvas)]


@dataclass(frozen=True, slots=True)
class Card:
    png: bytes
    layout: CardLayout
    qr_url: str | None


class _Painter:
    """Draws lines of fitted text and remembers each line's ink box."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.texts: list[TextBox] = []

    def text(
        self,
        role: str,
        fitted: Fitted,
        left: int,
        top: int,
        fill: tuple[int, int, int],
    ) -> None:
        font = fitted.font
        for index, line in enumerate(fitted.lines):
            y = top + index * fitted.line_height
            self.draw.text((left, y), line, font=font, fill=fill, anchor="la")
            ink = self.draw.textbbox((left, y), line, font=font, anchor="la")
            box = Box(int(ink[0]), int(ink[1]), int(ink[2]) + 1, int(ink[3]) + 1)
            self.texts.append(TextBox(role, line, fitted.size, box))

    def rounded(self, box: Box, radius: int, fill: tuple[int, int, int]) -> None:
        """An anti-aliased rounded rectangle (drawn 4× larger, then scaled down as a mask)."""
        if box.width <= 0 or box.height <= 0:
            return
        scale = 4
        mask = Image.new("L", (box.width * scale, box.height * scale), 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, box.width * scale - 1, box.height * scale - 1),
            radius=radius * scale,
            fill=255,
        )
        mask = mask.resize((box.width, box.height), Image.Resampling.LANCZOS)
        self.image.paste(fill, (box.left, box.top, box.right, box.bottom), mask)


def render_card(
    petition: Petition,
    *,
    language: str | None = None,
    fallback_url: str | None = None,
    sms: Sms | None = None,
) -> Card:
    """The share card for `petition` in `language` (default: the petition's own).

    The QR code leads to the petition's link, or to `fallback_url` (the server's invite) when it
    has none; with neither, the card has no QR code and the title takes the whole width.
    """
    tr = localizer(language or petition.language)
    url = qr_target(petition, fallback_url)
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    paint = _Painter(image)

    # -- the QR code, top right --------------------------------------------------------------
    qr_box: Box | None = None
    text_right = WIDTH - MARGIN
    if url is not None:
        panel = Box(WIDTH - MARGIN - QR_PANEL, TOP, WIDTH - MARGIN, TOP + QR_PANEL)
        paint.rounded(panel, 18, PANEL)
        inner = QR_PANEL - 28
        code = qr_image(url, inner)
        white = Box(
            panel.left + (QR_PANEL - code.width) // 2,
            panel.top + (QR_PANEL - code.height) // 2,
            panel.left + (QR_PANEL - code.width) // 2 + code.width,
            panel.top + (QR_PANEL - code.height) // 2 + code.height,
        )
        paint.rounded(
            Box(white.left - 4, white.top - 4, white.right + 4, white.bottom + 4), 10, PAPER
        )
        image.paste(code, (white.left, white.top))
        qr_box = white
        caption = fit(
            scan_caption(tr),
            width=QR_PANEL,
            height=34,
            face=Face.BOLD,
            max_size=24,
            min_size=14,
            max_lines=1,
        )
        caption_left = panel.left + (QR_PANEL - int(caption.font.getlength(caption.lines[0]))) // 2
        paint.text("caption", caption, caption_left, panel.bottom + 16, BRAND)
        text_right = panel.left - GAP

    # -- organization, recipient and title, top left -----------------------------------------
    column = text_right - MARGIN
    top = TOP
    if petition.organization:
        kicker = fit(
            petition.organization.upper(),
            width=column,
            height=34,
            face=Face.BOLD,
            max_size=24,
            min_size=16,
            max_lines=1,
        )
        paint.text("organization", kicker, MARGIN, top, BRAND)
        paint.draw.rectangle(
            (MARGIN, top + kicker.height + 10, MARGIN + 56, top + kicker.height + 15), fill=BRAND
        )
        top += kicker.height + 40
    room = TOP_BOTTOM - top
    tell = fit(
        tell_line(tr, petition),
        width=column,
        height=room // 3,
        face=Face.REGULAR,
        max_size=32,
        min_size=20,
        max_lines=2,
    )
    between = 14
    title = fit(
        petition.title,
        width=column,
        height=room - tell.height - between,
        face=Face.BOLD,
        max_size=84,
        min_size=24,
    )
    group = tell.height + between + title.height
    y = top + max(0, (room - group) // 2)
    paint.text("recipient", tell, MARGIN, y, MUTED)
    paint.text("title", title, MARGIN, y + tell.height + between, INK)

    # -- progress and bar --------------------------------------------------------------------
    progress = fit(
        progress_line(tr, petition),
        width=WIDTH - 2 * MARGIN,
        height=PROGRESS_BOTTOM - PROGRESS_TOP,
        face=Face.BOLD,
        max_size=34,
        min_size=18,
        max_lines=1,
    )
    paint.text("progress", progress, MARGIN, PROGRESS_BOTTOM - progress.height, INK)
    bar = Box(MARGIN, BAR_TOP, WIDTH - MARGIN, BAR_TOP + BAR_HEIGHT)
    paint.rounded(bar, BAR_HEIGHT // 2, TRACK)
    share = min(1.0, petition.total / petition.goal) if petition.goal > 0 else 0.0
    filled = round(bar.width * share)
    if filled > 0:
        paint.rounded(
            Box(bar.left, bar.top, bar.left + max(filled, BAR_HEIGHT), bar.bottom),
            BAR_HEIGHT // 2,
            BRAND,
        )

    # -- how to sign, on the brand band ------------------------------------------------------
    band = Box(0, BAND_TOP, WIDTH, HEIGHT)
    paint.draw.rectangle((band.left, band.top, band.right, band.bottom), fill=BRAND)
    sign = fit(
        sign_line(tr, petition),
        width=WIDTH - 2 * MARGIN,
        height=52,
        face=Face.BOLD,
        max_size=38,
        min_size=18,
        max_lines=1,
    )
    texting = (
        fit(
            sms_line(tr, petition, sms),
            width=WIDTH - 2 * MARGIN,
            height=40,
            face=Face.REGULAR,
            max_size=30,
            min_size=16,
            max_lines=1,
        )
        if sms is not None
        else None
    )
    block = sign.height + (texting.height + 10 if texting else 0)
    y = band.top + (band.height - block) // 2
    paint.text("sign", sign, MARGIN, y, ON_BRAND)
    if texting is not None:
        paint.text("sms", texting, MARGIN, y + sign.height + 10, ON_BRAND)

    layout = CardLayout(
        width=WIDTH,
        height=HEIGHT,
        texts=tuple(paint.texts),
        qr=qr_box,
        bar=bar,
        band=band,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Card(png=out.getvalue(), layout=layout, qr_url=url)
