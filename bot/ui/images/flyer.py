"""The printable flyer: a one-page PDF (A4 or Letter) for bulletin boards and campus walls.

Made with fpdf2: it embeds a subset of the TrueType font (DejaVu Sans, so Cyrillic prints) with
a ToUnicode map, so the text is real text: searchable, selectable and readable by screen readers.
The QR code is drawn as vector squares, sharp at any printer resolution.

    ▓ ORGANIZATION ▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓
    Tell {recipient}:
    The title, as large as fits
    The letter's opening…
                         ┌──────────┐
                         │    QR    │
                         └──────────┘
                         Scan to sign
              Sign in Discord: /petition sign PMFZYI
    ✂ - - - - - - - - - - - - - - - - - - - - - - - - - -
    ┆ strip ┆ strip ┆ strip ┆ … tear-off strips with the code
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from bot.domain.petitions import Petition
from bot.i18n import Localizer, localizer
from bot.ui.images.content import (
    Sms,
    qr_target,
    scan_caption,
    sign_line,
    sms_line,
    tell_line,
)
from bot.ui.images.fonts import Face, font_path
from bot.ui.images.kinds import Paper
from bot.ui.images.qr import QUIET_ZONE, qr_modules
from bot.ui.images.textfit import ELLIPSIS, Lines, ellipsize, shrink_to_fit

BRAND = (200, 16, 46)
INK = (27, 27, 31)
MUTED = (90, 90, 102)
FAMILY = "DejaVu"
PT = 25.4 / 72  # millimetres per point
MARGIN = 16.0
STRIPS = 8
LETTER_OPENING = 600  # characters of the letter considered for the opening


@dataclass(frozen=True, slots=True)
class _Sheet:
    width: float
    height: float
    strip_height: float
    qr_size: float


SHEETS = {
    Paper.A4: _Sheet(210.0, 297.0, 62.0, 78.0),
    Paper.LETTER: _Sheet(215.9, 279.4, 58.0, 70.0),
}


class _Flyer(FPDF):
    """An FPDF page with Rally's fonts and a few drawing helpers."""

    def __init__(self, paper: Paper) -> None:
        super().__init__(orientation="portrait", unit="mm", format=paper.value)
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.add_font(FAMILY, "", str(font_path(Face.REGULAR)))
        self.add_font(FAMILY, "B", str(font_path(Face.BOLD)))
        self.add_font(FAMILY, "I", str(font_path(Face.ITALIC)))

    def width_of(self, text: str, style: str, size: float) -> float:
        self.set_font(FAMILY, style, size)
        return float(self.get_string_width(text))

    def fit(
        self,
        text: str,
        *,
        style: str,
        width: float,
        height: float,
        max_size: float,
        min_size: float,
        max_lines: int | None = None,
        spacing: float = 1.2,
    ) -> Lines:
        """Lines of `text` at the largest point size (in half points) that fits the box (mm)."""
        sizes = [max_size - step / 2 for step in range(int((max_size - min_size) * 2) + 1)]
        return shrink_to_fit(
            text,
            sizes=sizes,
            width=width,
            height=height,
            measure_at=lambda size: lambda piece: self.width_of(piece, style, size),
            height_of=lambda size, count: count * size * spacing * PT,
            max_lines=max_lines,
        )

    def lines(
        self,
        fitted: Lines,
        *,
        style: str,
        top: float,
        color: tuple[int, int, int],
        align: str = "L",
        spacing: float = 1.2,
    ) -> float:
        """Write `fitted` from `top` down; return the y below the last line."""
        self.set_font(FAMILY, style, fitted.size)
        self.set_text_color(*color)
        line_height = fitted.size * spacing * PT
        y = top
        for line in fitted.lines:
            self.set_xy(MARGIN, y)
            self.cell(self.epw, line_height, line, align=align)
            y += line_height
        return y

    def qr(self, url: str, left: float, top: float, size: float) -> None:
        """`url`'s QR code as black squares (one rectangle per run of dark modules)."""
        modules = qr_modules(url)
        count = len(modules) + 2 * QUIET_ZONE
        unit = size / count
        self.set_fill_color(255, 255, 255)
        self.rect(left, top, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        for y, row in enumerate(modules):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                run = x
                while run < len(row) and row[run]:
                    run += 1
                self.rect(
                    left + (x + QUIET_ZONE) * unit,
                    top + (y + QUIET_ZONE) * unit,
                    (run - x) * unit + 0.01,
                    unit + 0.01,
                    style="F",
                )
                x = run


def letter_opening(letter: str) -> str:
    """The letter's first paragraph (or its first `LETTER_OPENING` characters), on one line."""
    first = next((part for part in letter.split("\n\n") if part.strip()), "")
    text = " ".join(first.split())
    if len(text) > LETTER_OPENING:
        cut = text[:LETTER_OPENING].rsplit(" ", 1)[0]
        text = cut + ELLIPSIS
    return text


def render_flyer(
    petition: Petition,
    *,
    paper: Paper = Paper.A4,
    language: str | None = None,
    fallback_url: str | None = None,
    sms: Sms | None = None,
) -> bytes:
    """A one-page PDF flyer for `petition` in `language` (default: the petition's own)."""
    tr = localizer(language or petition.language)
    sheet = SHEETS[paper]
    pdf = _Flyer(paper)
    pdf.set_title(petition.title)
    pdf.set_lang(tr.language)
    pdf.set_creator("Rally")
    pdf.add_page()
    width = sheet.width - 2 * MARGIN

    # -- brand band with the organization --------------------------------------------------
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, sheet.width, 14, style="F")
    if petition.organization:
        band = pdf.fit(
            petition.organization.upper(),
            style="B",
            width=width,
            height=12,
            max_size=13,
            min_size=8,
            max_lines=1,
        )
        pdf.lines(band, style="B", top=7 - band.size * 0.6 * PT, color=(255, 255, 255))

    # -- who, what, and the letter's opening -----------------------------------------------
    y = 24.0
    tell = pdf.fit(
        tell_line(tr, petition), style="", width=width, height=16, max_size=16, min_size=11,
        max_lines=2,
    )  # fmt: skip
    y = pdf.lines(tell, style="", top=y, color=MUTED) + 2
    title = pdf.fit(
        petition.title, style="B", width=width, height=52, max_size=40, min_size=16,
        spacing=1.15,
    )  # fmt: skip
    y = pdf.lines(title, style="B", top=y, color=INK, spacing=1.15) + 4
    opening = letter_opening(petition.letter)
    qr_top = sheet.height - sheet.strip_height - sheet.qr_size - 40
    if opening:
        room = max(0.0, qr_top - 6 - y)
        excerpt = pdf.fit(
            opening, style="I", width=width, height=room, max_size=12, min_size=10,
        )  # fmt: skip
        if room > 0:
            pdf.lines(excerpt, style="I", top=y, color=INK)

    # -- the QR code and how to sign -------------------------------------------------------
    url = qr_target(petition, fallback_url)
    y = qr_top
    if url is not None:
        left = (sheet.width - sheet.qr_size) / 2
        pdf.qr(url, left, y, sheet.qr_size)
        y += sheet.qr_size + 1
        caption = pdf.fit(
            scan_caption(tr), style="B", width=width, height=8, max_size=15, min_size=9,
            max_lines=1,
        )  # fmt: skip
        y = pdf.lines(caption, style="B", top=y, color=BRAND, align="C")
        pdf.set_font(FAMILY, "", 9)
        shown = (
            url
            if pdf.get_string_width(url) <= width
            else ellipsize(
                url.replace("/", "/ "), lambda piece: pdf.width_of(piece, "", 9), width
            ).replace("/ ", "/")
        )
        pdf.set_text_color(*MUTED)
        pdf.set_xy(MARGIN, y)
        pdf.cell(pdf.epw, 9 * 1.2 * PT, shown, align="C")
        y += 9 * 1.2 * PT + 3
    else:
        y += sheet.qr_size / 2
    sign = pdf.fit(
        sign_line(tr, petition), style="B", width=width, height=10, max_size=17, min_size=9,
        max_lines=1,
    )  # fmt: skip
    y = pdf.lines(sign, style="B", top=y, color=INK, align="C")
    if sms is not None:
        texting = pdf.fit(
            sms_line(tr, petition, sms), style="", width=width, height=8, max_size=14,
            min_size=8, max_lines=1,
        )  # fmt: skip
        pdf.lines(texting, style="", top=y, color=INK, align="C")

    _strips(pdf, tr, petition, sheet, sms)
    return bytes(pdf.output())


def _strips(pdf: _Flyer, tr: Localizer, petition: Petition, sheet: _Sheet, sms: Sms | None) -> None:
    """Tear-off strips along the bottom edge, each with the code and how to sign."""
    top = sheet.height - sheet.strip_height
    strip = (sheet.width - 2 * MARGIN) / STRIPS
    pdf.set_draw_color(*MUTED)
    pdf.set_line_width(0.25)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.line(0, top, sheet.width, top)
    for index in range(STRIPS + 1):
        x = MARGIN + index * strip
        pdf.line(x, top, x, sheet.height)
    pdf.set_dash_pattern()
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(2, top - 3, 8, 6, style="F")
    pdf.set_font(FAMILY, "", 16)
    pdf.set_text_color(*MUTED)
    pdf.text(3, top + 2, "✂")

    texts: list[tuple[str, str]] = [
        ("B", tr.t("Discord: /petition sign {code}", code=petition.code)),
    ]
    if sms is not None:
        words = sms.message(petition.code)
        texts.append(("", tr.t("Text {words} to {number}", words=words, number=sms.number)))
    texts.append(("", petition.title))
    length = sheet.strip_height - 8
    line_height = 10 * 1.25 * PT
    texts = texts[: max(1, int((strip - 3) // line_height))]
    fitted: list[tuple[str, Lines]] = []
    largest = 10.0
    for style, text in texts:
        lines = pdf.fit(
            text, style=style, width=length, height=line_height, max_size=largest,
            min_size=6, max_lines=1, spacing=1.0,
        )  # fmt: skip
        largest = min(largest, lines.size)
        fitted.append((style, lines))
    for index in range(STRIPS):
        left = MARGIN + index * strip
        base_x = left + (strip - len(fitted) * line_height) / 2 + 10 * 0.8 * PT
        for number, (style, lines) in enumerate(fitted):
            x = base_x + number * line_height
            y = sheet.height - 4
            pdf.set_font(FAMILY, style, lines.size)
            pdf.set_text_color(*(INK if style == "B" else MUTED))
            with pdf.rotation(90, x, y):
                pdf.text(x, y, lines.lines[0])
