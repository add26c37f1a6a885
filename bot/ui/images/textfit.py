"""Fitting text into a box: wrap at word boundaries, shrink until it fits, never overflow.

Widths are measured on the real glyphs (advance and ink), so a wrapped line never runs past its
box. A word is broken only when it is wider than the box at the smallest size, and then between
characters (never inside a character with its combining marks); when the text is still too long
at the smallest size, the last line that fits ends at a word boundary with "…".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from PIL import ImageFont

from bot.ui.images.fonts import Face, pil_font

ELLIPSIS = "…"
LINE_SPACING = 1.22


@dataclass(frozen=True, slots=True)
class Fitted:
    """Text laid out in lines at one size."""

    lines: tuple[str, ...]
    size: int
    face: Face
    line_height: int
    ascent: int
    descent: int
    truncated: bool

    @property
    def height(self) -> int:
        """From the top of the first line's ascent to the bottom of the last line's descent."""
        if not self.lines:
            return 0
        return (len(self.lines) - 1) * self.line_height + self.ascent + self.descent

    @property
    def font(self) -> ImageFont.FreeTypeFont:
        return pil_font(self.size, self.face)


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    """The wider of the advance and the ink, so neither spills past a box."""
    if not text:
        return 0.0
    ink_right = font.getbbox(text, anchor="ls")[2]
    return max(font.getlength(text), float(ink_right))


def clusters(word: str) -> list[str]:
    """Characters with their combining marks attached: the smallest pieces a word breaks into."""
    pieces: list[str] = []
    for char in word:
        if pieces and (unicodedata.combining(char) or char in "\u200d\ufe0f"):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _break_word(word: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in clusters(word):
        if current and text_width(font, current + piece) > width:
            parts.append(current)
            current = piece
        else:
            current += piece
    if current:
        parts.append(current)
    return parts


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> tuple[list[str], bool]:
    """Greedy word wrap; also says whether a word had to be broken to fit at all."""
    lines: list[str] = []
    current = ""
    broke = False
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if text_width(font, candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(font, word) <= width:
            current = word
        else:
            broke = True
            parts = _break_word(word, font, width)
            lines.extend(parts[:-1])
            current = parts[-1]
    if current:
        lines.append(current)
    return lines, broke


def ellipsize(words: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """`words` shortened at a word boundary so that it and "…" fit `width`."""
    kept = words.split()
    while kept:
        candidate = " ".join(kept) + ELLIPSIS
        if text_width(font, candidate) <= width:
            return candidate
        if len(kept) == 1:
            # One word wider than the box: keep whole characters only.
            pieces = clusters(kept[0])
            while pieces and text_width(font, "".join(pieces) + ELLIPSIS) > width:
                pieces.pop()
            return "".join(pieces) + ELLIPSIS
        kept.pop()
    return ELLIPSIS


def _fitted(lines: list[str], size: int, face: Face, spacing: float, *, truncated: bool) -> Fitted:
    font = pil_font(size, face)
    ascent, descent = font.getmetrics()
    return Fitted(
        lines=tuple(lines),
        size=size,
        face=face,
        line_height=round(size * spacing),
        ascent=ascent,
        descent=descent,
        truncated=truncated,
    )


def fit(
    text: str,
    *,
    width: float,
    height: float,
    face: Face = Face.REGULAR,
    max_size: int,
    min_size: int,
    max_lines: int | None = None,
    spacing: float = LINE_SPACING,
) -> Fitted:
    """The largest size at which `text` fits the box whole, without breaking a word.

    If no size from `max_size` down to `min_size` does, the text is set at `min_size` and cut
    after the last line that fits, at a word boundary, with "…".
    """
    text = " ".join(text.split())
    for size in range(max_size, min_size - 1, -1):
        font = pil_font(size, face)
        lines, broke = wrap(text, font, width)
        fitted = _fitted(lines, size, face, spacing, truncated=False)
        too_many = max_lines is not None and len(lines) > max_lines
        if not broke and not too_many and fitted.height <= height:
            return fitted
    font = pil_font(min_size, face)
    lines, _ = wrap(text, font, width)
    probe = _fitted(lines, min_size, face, spacing, truncated=False)
    room = 1 + max(0, int((height - probe.ascent - probe.descent) // probe.line_height))
    if max_lines is not None:
        room = min(room, max_lines)
    if len(lines) <= room:
        return probe
    kept = lines[: room - 1]
    rest = " ".join(lines[room - 1 :])
    kept.append(ellipsize(rest, font, width))
    return _fitted(kept, min_size, face, spacing, truncated=True)
