"""QR codes (segno): the module matrix, as a crisp Pillow image or as squares for a PDF."""

from __future__ import annotations

import segno
from PIL import Image

#: Quiet zone around the symbol, in modules; the QR standard asks for 4.
QUIET_ZONE = 4


def qr_modules(url: str) -> list[list[bool]]:
    """The dark (True) and light modules of `url`'s QR code, without the quiet zone.

    Error correction M (15 %) at least; segno raises it while the symbol stays the same size.
    """
    code = segno.make(url, error="m", boost_error=True, micro=False)
    return [[bool(bit) for bit in row] for row in code.matrix_iter(scale=1, border=0)]


def qr_image(url: str, size: int) -> Image.Image:
    """A square black-on-white image of at most `size` pixels, quiet zone included.

    Every module is a whole number of pixels (no resampling blur), so the image is smaller than
    `size` by less than one module's width on each side; centre it in the space you have.
    """
    modules = qr_modules(url)
    count = len(modules) + 2 * QUIET_ZONE
    scale = max(1, size // count)
    small = Image.new("L", (count, count), 255)
    pixels = small.load()
    assert pixels is not None
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                pixels[x + QUIET_ZONE, y + QUIET_ZONE] = 0
    return small.resize((count * scale, count * scale), Image.Resampling.NEAREST)
