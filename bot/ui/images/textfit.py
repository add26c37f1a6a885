"""Fitting text into a box: wrap at word boundaries, shrink until it fits, never overflow.

Widths are measured on the real glyphs, so a wrapped line never runs past its box. A word is
broken only when it is wider than the box at the smallest size, and then between characters
(never inside a character with its combining marks); when the text is still too long at the
smallest size, the last line that fits ends at a word boundary with "…".

The wrapping works with any measure (Pillow pixels for cards and charts, PDF points for flyers).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PIL import ImageFont

from bot.ui.images.fonts import Face, pil_font

ELLIPSIS = "…"
LINE_SPACING = 1.22

#: The width of a piece of text at one size, in the unit of the box.
Measure = Callable[[str], float]


@dataclass(frozen=True, slots=True)
class Lines:
    """Text set in lines at one size; `truncated` when the end had to go."""

    lines: tuple[str, ...]
    size: float
    truncated: bool


def clusters(word: str) -> list[str]:
    """Characters with their combining marks attached: the smallest pieces a word breaks into."""
    pieces: list[str] = []
    for char in word:
        if pieces and (unicodedata.combining(char) or char in "\u200d\ufe0f"):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


def _break_word(word: str, measure: Measure, width: float) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in clusters(word):
        if current and measure(current + piece) > width:
            parts.append(current)
            current = piece
        else:
            current += piece
    if current:
        parts.append(current)
    return parts


def wrap(text: str, measure: Measure, width: float) -> tuple[list[str], bool]:
    """Greedy word wrap; also says whether a word had to be broken to fit at all."""
    lines: list[str] = []
    current = ""
    broke = False
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if measure(word) <= width:
            current = word
        else:
            broke = True
            parts = _break_word(word, measure, width)
            lines.extend(parts[:-1])
            current = parts[-1]
    if current:
        lines.append(current)
    return lines, broke


def ellipsize(words: str, measure: Measure, width: float) -> str:
    """`words` shortened at a word boundary so that it and "…" fit `width`."""
    kept = words.split()
    while kept:
        candidate = " ".join(kept) + ELLIPSIS
        if measure(candidate) <= width:
            return candidate
        if len(kept) == 1:
            # One word wider than the box: keep whole characters only.
            pieces = clusters(kept[0])
            while pieces and measure("".join(pieces) + ELLIPSIS) > width:
                pieces.pop()
            return "".join(pieces) + ELLIPSIS
        kept.pop()
    return ELLIPSIS


def shrink_to_fit(
    text: str,
    *,
    sizes: Iterable[float],
    width: float,
    height: float,
    measure_at: Callable[[float], Measure],
    height_of: Callable[[float, int], float],
    max_lines: int | None = None,
) -> Lines:
    """The first of `sizes` (largest first) at which `text` fits whole without breaking a word.

    `height_of(size, n)` is the height of n lines at `size`. If no size fits, the text is set at
    the last size and cut after the last line that fits, at a word boundary, with "…".
    """
    text = " ".join(text.split())
    smallest: float | None = None
    for size in sizes:
        smallest = size
        lines, broke = wrap(text, measure_at(size), width)
        too_many = max_lines is not None and len(lines) > max_lines
        if not broke and not too_many and height_of(size, len(lines)) <= height:
            return Lines(tuple(lines), size, truncated=False)
    if smallest is None:
        raise ValueError("no sizes to try")
    measure = measure_at(smallest)
    lines, _ = wrap(text, measure, width)
    room = 1
    while room < len(lines) and height_of(smallest, room + 1) <= height:
        room += 1
    if max_lines is not None:
        room = min(room, max_lines)
    if len(lines) <= room:
        return Lines(tuple(lines), smallest, truncated=False)
    kept = lines[: room - 1]
    kept.append(ellipsize(" ".join(lines[room - 1 :]), measure, width))
    return Lines(tuple(kept), smallest, truncated=True)


# -- Pillow ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Fitted:
    """Text set in lines for Pillow, at a size in pixels."""

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


def pil_measure(font: ImageFont.FreeTypeFont) -> Measure:
    """Pixel width: the wider of the advance and the ink, so neither spills past a box."""

    def measure(text: str) -> float:
        if not text:
            return 0.0
        return max(font.getlength(text), float(font.getbbox(text, anchor="ls")[2]))

    return measure


def _block_height(face: Face, spacing: float) -> Callable[[float, int], float]:
    def height_of(size: float, count: int) -> float:
        ascent, descent = pil_font(int(size), face).getmetrics()
        return (count - 1) * round(size * spacing) + ascent + descent

    return height_of


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
    """`text` at the largest pixel size from `max_size` down to `min_size` that fits the box."""
    lines = shrink_to_fit(
        text,
        sizes=range(max_size, min_size - 1, -1),
        width=width,
        height=height,
        measure_at=lambda size: pil_measure(pil_font(int(size), face)),
        height_of=_block_height(face, spacing),
        max_lines=max_lines,
    )
    size = int(lines.size)
    ascent, descent = pil_font(size, face).getmetrics()
    return Fitted(
        lines=lines.lines,
        size=size,
        face=face,
        line_height=round(size * spacing),
        ascent=ascent,
        descent=descent,
        truncated=lines.truncated,
    )
