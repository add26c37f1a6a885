"""Exports repository: a petition's sealed delivery rows and its counts by day, source, team."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db.database import Connection


@dataclass(frozen=True, slots=True)
class SealedRow:
    name: bytes
    postal_code: bytes | None
    email: bytes | None
    signed_at: str


async def sealed_rows(conn: Connection, petition_id: int) -> list[SealedRow]:
    """Counted signatures whose signer gave delivery details, oldest first."""
    rows = await conn.fetchall(
        "SELECT s.sealed_name, s.sealed_postal_code, s.sealed_email, g.signed_at "
        "FROM signatures g JOIN signers s ON s.id = g.signer_id "
        "WHERE g.petition_id = ? AND g.status = 'counted' AND s.sealed_name IS NOT NULL "
        "ORDER BY g.signed_at, g.id",
        (petition_id,),
    )
    return [SealedRow(r[0], r[1], r[2], r[3]) for r in rows]


async def counted(conn: Connection, petition_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted'",
            (petition_id,),
        )
    )


async def per_day(conn: Connection, petition_id: int) -> list[tuple[str, int]]:
    rows = await conn.fetchall(
        "SELECT substr(signed_at, 1, 10), COUNT(*) FROM signatures "
        "WHERE petition_id = ? AND status = 'counted' GROUP BY 1 ORDER BY 1",
        (petition_id,),
    )
    return [(r[0], int(r[1])) for r in rows]


async def per_source(conn: Connection, petition_id: int) -> list[tuple[str, int]]:
    rows = await conn.fetchall(
        "SELECT source, COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted' "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        (petition_id,),
    )
    return [(r[0], int(r[1])) for r in rows]


async def per_team(conn: Connection, petition_id: int) -> list[tuple[str | None, int]]:
    """Counted signatures by the team of the referral code they came with (None: no team)."""
    rows = await conn.fetchall(
        "SELECT t.name, COUNT(*) FROM signatures g "
        "LEFT JOIN referral_codes rc ON rc.id = g.referral_code_id "
        "LEFT JOIN drive_participants p ON p.id = rc.participant_id "
        "LEFT JOIN teams t ON t.id = p.team_id "
        "WHERE g.petition_id = ? AND g.status = 'counted' GROUP BY t.id ORDER BY 2 DESC, 1",
        (petition_id,),
    )
    return [(r[0], int(r[1])) for r in rows]
