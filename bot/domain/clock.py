"""Time, injectable: services take a `Clock` so tests control "now" and nothing sleeps for real."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    """The stored form of a timestamp: ISO-8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


def from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)
