"""Coalitions repository: join codes, partner servers and per-server contributions."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.db.database import Connection
from bot.db.petitions import by_id
from bot.domain.clock import to_text
from bot.domain.coalitions import Contribution, Partner, PartnerStatus
from bot.domain.petitions import Petition

_PARTNER = (
    "SELECT petition_id, guild_id, status, owner_drop_by IS NOT NULL, "
    "partner_drop_by IS NOT NULL, dropped_at IS NOT NULL FROM petition_partners"
)


def _partner(r: sqlite3.Row) -> Partner:
    return Partner(int(r[0]), int(r[1]), PartnerStatus(r[2]), bool(r[3]), bool(r[4]), bool(r[5]))


# -- join codes --------------------------------------------------------------------------------
async def join_code(conn: Connection, petition_id: int) -> str | None:
    value = await conn.fetchval(
        "SELECT join_code FROM coalition_invites WHERE petition_id = ?", (petition_id,)
    )
    return None if value is None else str(value)


async def set_join_code(
    conn: Connection, petition_id: int, code: str | None, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO coalition_invites (petition_id, join_code, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (petition_id) DO UPDATE SET join_code = excluded.join_code, "
        "updated_at = excluded.updated_at",
        (petition_id, code, to_text(now)),
    )


async def petition_by_code(conn: Connection, code: str) -> Petition | None:
    """Any server's petition by its code (codes are unique across servers), not deleted."""
    petition_id = await conn.fetchval(
        "SELECT id FROM petitions WHERE code = ? AND status != 'deleted'", (code,)
    )
    return None if petition_id is None else await by_id(conn, int(petition_id))


# -- partners ----------------------------------------------------------------------------------
async def partner(conn: Connection, petition_id: int, guild_id: int) -> Partner | None:
    row = await conn.fetchone(
        f"{_PARTNER} WHERE petition_id = ? AND guild_id = ?", (petition_id, guild_id)
    )
    return None if row is None else _partner(row)


async def partners(conn: Connection, petition_id: int) -> list[Partner]:
    rows = await conn.fetchall(f"{_PARTNER} WHERE petition_id = ? ORDER BY id", (petition_id,))
    return [_partner(r) for r in rows]


async def following_guilds(conn: Connection, petition_id: int) -> list[int]:
    rows = await conn.fetchall(
        "SELECT guild_id FROM petition_partners WHERE petition_id = ? AND status = 'following' "
        "ORDER BY id",
        (petition_id,),
    )
    return [int(r[0]) for r in rows]


async def is_following(conn: Connection, petition_id: int, guild_id: int) -> bool:
    value = await conn.fetchval(
        "SELECT 1 FROM petition_partners WHERE petition_id = ? AND guild_id = ? "
        "AND status = 'following'",
        (petition_id, guild_id),
    )
    return value is not None


async def followed_by_code(
    conn: Connection, guild_id: int, code: str, *, formerly: bool = False
) -> Petition | None:
    """A petition of another server that `guild_id` follows (or, `formerly`, ever followed),
    by code (not deleted)."""
    petition_id = await conn.fetchval(
        "SELECT p.id FROM petitions p JOIN petition_partners pp ON pp.petition_id = p.id "
        "WHERE p.code = ? AND p.status != 'deleted' AND pp.guild_id = ? "
        "AND (pp.status = 'following' OR ?)",
        (code, guild_id, formerly),
    )
    return None if petition_id is None else await by_id(conn, int(petition_id))


async def search_followed(conn: Connection, guild_id: int, text: str, limit: int) -> list[Petition]:
    """Petitions of other servers that `guild_id` follows whose code or title contains `text`."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await conn.fetchall(
        "SELECT p.id FROM petitions p JOIN petition_partners pp ON pp.petition_id = p.id "
        "WHERE pp.guild_id = ? AND pp.status = 'following' AND p.status != 'deleted' "
        "AND (p.code LIKE ? ESCAPE '\\' OR p.title LIKE ? ESCAPE '\\') "
        "ORDER BY p.status = 'open' DESC, p.id DESC LIMIT ?",
        (guild_id, pattern, pattern, limit),
    )
    found = [await by_id(conn, int(r[0])) for r in rows]
    return [p for p in found if p is not None]


async def follow(conn: Connection, petition_id: int, guild_id: int, now: datetime) -> None:
    """Start (or, after the server left, resume) following."""
    await conn.execute(
        "INSERT INTO petition_partners (petition_id, guild_id, followed_at) VALUES (?, ?, ?) "
        "ON CONFLICT (petition_id, guild_id) DO UPDATE SET status = 'following', "
        "followed_at = excluded.followed_at, ended_at = NULL, owner_drop_by = NULL, "
        "partner_drop_by = NULL, dropped_at = NULL",
        (petition_id, guild_id, to_text(now)),
    )


async def end(
    conn: Connection, petition_id: int, guild_id: int, status: PartnerStatus, now: datetime
) -> None:
    await conn.execute(
        "UPDATE petition_partners SET status = ?, ended_at = ? "
        "WHERE petition_id = ? AND guild_id = ?",
        (status.value, to_text(now), petition_id, guild_id),
    )


async def agree_to_drop(
    conn: Connection, petition_id: int, guild_id: int, *, owner_side: bool, user_id: int
) -> Partner:
    column = "owner_drop_by" if owner_side else "partner_drop_by"
    await conn.execute(
        f"UPDATE petition_partners SET {column} = ? WHERE petition_id = ? AND guild_id = ?",
        (user_id, petition_id, guild_id),
    )
    found = await partner(conn, petition_id, guild_id)
    assert found is not None
    return found


async def drop_signatures(conn: Connection, petition_id: int, guild_id: int, now: datetime) -> int:
    """Delete the signatures signed from `guild_id` on the petition and take the counted ones
    off its counter; the triggers keep drives, recruiters, hours and contributions exact.
    Return how many counted signatures went."""
    counted = int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND guild_id = ? "
            "AND status = 'counted'",
            (petition_id, guild_id),
        )
    )
    await conn.execute(
        "DELETE FROM signatures WHERE petition_id = ? AND guild_id = ?", (petition_id, guild_id)
    )
    await conn.execute(
        "UPDATE petitions SET signature_count = signature_count - ? WHERE id = ?",
        (counted, petition_id),
    )
    await conn.execute(
        "UPDATE petition_partners SET dropped_at = ? WHERE petition_id = ? AND guild_id = ?",
        (to_text(now), petition_id, guild_id),
    )
    return counted


# -- contributions -----------------------------------------------------------------------------
async def contributions(conn: Connection, petition: Petition) -> list[Contribution]:
    """Counted signatures per server: the owner and every partner (following or not)."""
    rows = await conn.fetchall(
        "SELECT g.guild_id, COALESCE(c.signatures, 0), pp.status FROM "
        "(SELECT ? AS guild_id UNION SELECT guild_id FROM petition_partners "
        " WHERE petition_id = ?) AS g "
        "LEFT JOIN guild_contributions c ON c.petition_id = ? AND c.guild_id = g.guild_id "
        "LEFT JOIN petition_partners pp ON pp.petition_id = ? AND pp.guild_id = g.guild_id",
        (petition.guild_id, petition.id, petition.id, petition.id),
    )
    return [
        Contribution(
            int(r[0]),
            int(r[1]),
            int(r[0]) == petition.guild_id,
            None if r[2] is None else PartnerStatus(r[2]),
        )
        for r in rows
    ]


async def recount_contributions(conn: Connection) -> dict[tuple[int, int], int]:
    """Contributions computed from the signatures (for the tests that check the triggers)."""
    rows = await conn.fetchall(
        "SELECT petition_id, guild_id, COUNT(*) FROM signatures "
        "WHERE status = 'counted' AND guild_id IS NOT NULL GROUP BY 1, 2"
    )
    return {(int(r[0]), int(r[1])): int(r[2]) for r in rows}


async def stored_contributions(conn: Connection) -> dict[tuple[int, int], int]:
    rows = await conn.fetchall(
        "SELECT petition_id, guild_id, signatures FROM guild_contributions WHERE signatures != 0"
    )
    return {(int(r[0]), int(r[1])): int(r[2]) for r in rows}


async def release_guild(conn: Connection, guild_id: int) -> int:
    """Before a server's purge: take the counted signatures its members gave other servers'
    petitions off those petitions' counters (the purge deletes the signatures). Return how many."""
    rows = await conn.fetchall(
        "SELECT s.petition_id, COUNT(*) FROM signatures s "
        "JOIN petitions p ON p.id = s.petition_id "
        "WHERE s.guild_id = ? AND s.status = 'counted' AND p.guild_id != ? GROUP BY 1",
        (guild_id, guild_id),
    )
    for petition_id, count in rows:
        await conn.execute(
            "UPDATE petitions SET signature_count = signature_count - ? WHERE id = ?",
            (int(count), int(petition_id)),
        )
    return sum(int(r[1]) for r in rows)
