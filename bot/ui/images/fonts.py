"""The one typeface every image uses: DejaVu Sans, as shipped inside matplotlib.

No image depends on a system font. DejaVu Sans covers Latin, Cyrillic (Belarusian ў and і,
Ukrainian ї, є and ґ, Russian ё), Greek and the symbols Rally draws (— … “ ” ✂). matplotlib
already depends on it, so the same files serve Pillow (cards), matplotlib (charts) and fpdf2
(flyers).
"""

from __future__ import annotations

import importlib.util
import threading
import unicodedata
from enum import StrEnum
from functools import cache
from pathlib import Path

from PIL import ImageFont


def _matplotlib_data() -> Path:
    """matplotlib's data folder, found without importing matplotlib (40 MB, half a second)."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations, "matplotlib is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data"


FONT_DIR = _matplotlib_data() / "fonts" / "ttf"
FAMILY = "DejaVu Sans"


class Face(StrEnum):
    REGULAR = "DejaVuSans.ttf"
    BOLD = "DejaVuSans-Bold.ttf"
    ITALIC = "DejaVuSans-Oblique.ttf"


def font_path(face: Face = Face.REGULAR) -> Path:
    return FONT_DIR / face.value


# FreeType faces are not safe to share between threads; each render thread keeps its own.
_local = threading.local()


def pil_font(size: int, face: Face = Face.REGULAR) -> ImageFont.FreeTypeFont:
    """A Pillow font of `size` pixels, cached per thread."""
    fonts: dict[tuple[int, Face], ImageFont.FreeTypeFont] | None = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = {}
        _local.fonts = fonts
    key = (size, face)
    found = fonts.get(key)
    if found is None:
        found = ImageFont.truetype(str(font_path(face)), size)
        fonts[key] = found
    return found


@cache
def charmap(face: Face = Face.REGULAR) -> frozenset[int]:
    """The code points `face` has a glyph for."""
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(str(font_path(face))).get_charmap())


def missing_glyphs(text: str, face: Face = Face.REGULAR) -> set[str]:
    """Visible characters of `text` the face cannot draw (they would show as empty boxes)."""
    covered = charmap(face)
    return {
        char
        for char in text
        if ord(char) not in covered and not char.isspace() and unicodedata.category(char) != "Cf"
    }
