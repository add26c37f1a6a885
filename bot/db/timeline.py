"""A petition's history for its chart: counted signatures per day and the milestones announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.db.database import Connection
from bot.domain.clock import from_text


@dataclass(frozen=True, slots=True)
class DailySignatures:
    """Signatures counted on one day (UTC) that still count."""

    day: date
    count: int


@dataclass(frozen=True, slots=True)
class MilestoneSent:
    """A milestone announcement that went out: crossed at `reached_at`, posted at `sent_at`."""

    threshold: int
    reached_at: datetime
    sent_at: datetime


async def daily_signatures(conn: Connection, petition_id: int) -> list[DailySignatures]:
    """Per UTC day, the petition's counted signatures, oldest day first (days without any are
    left out)."""
    rows = await conn.fetchall(
        "SELECT date(signed_at) AS day, COUNT(*) FROM signatures "
        "WHERE petition_id = ? AND status = 'counted' GROUP BY day ORDER BY day",
        (petition_id,),
    )
    return [DailySignatures(date.fromisoformat(row[0]), int(row[1])) for row in rows]


async def milestones_sent(conn: Connection, petition_id: int) -> list[MilestoneSent]:
    """The petition's milestone (and goal-reached) announcements that were sent, one per
    threshold, lowest first.

    `reached_at` is when the announcement was queued: in the transaction that crossed it.
    """
    rows = await conn.fetchall(
        "SELECT threshold, MIN(created_at), MIN(sent_at) FROM announcements "
        "WHERE petition_id = ? AND kind IN ('milestone', 'goal') AND status = 'sent' "
        "AND threshold IS NOT NULL GROUP BY threshold ORDER BY threshold",
        (petition_id,),
    )
    return [MilestoneSent(int(row[0]), from_text(row[1]), from_text(row[2])) for row in rows]
