"""The small types of the image renderers, importable without loading matplotlib or fpdf2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Paper(StrEnum):
    A4 = "A4"
    LETTER = "Letter"


@dataclass(frozen=True, slots=True)
class DayCount:
    """Signatures counted on one day (UTC)."""

    day: date
    count: int


@dataclass(frozen=True, slots=True)
class MilestoneMark:
    """A milestone announced for the petition, placed where it was reached."""

    threshold: int
    reached_at: datetime
