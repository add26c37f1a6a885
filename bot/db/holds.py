"""Held signatures repository: signatures waiting for an organizer's review (abuse limits).

A held signature is a `signatures` row with status 'pending' — the triggers that count signatures
for drives, recruiters and the hourly board ignore it until its status becomes 'counted' — and a
`signature_holds` row that says why it is held.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.db.signatures import DuplicateSignature
from bot.domain.abuse import HoldReason
from bot.domain.clock import from_text, to_text


@dataclass(frozen=True, slots=True)
class Hold:
    signature_id: int
    guild_id: int
    petition_id: int
    petition_code: str
    petition_title: str
    reason: HoldReason
    account_created_at: datetime
    held_at: datetime
    #: The member's Discord id (None when they erased their record since).
    user_id: int | None
    #: The drive it was made in, and the referral code it came with (counted once accepted).
    drive_id: int | None = None
    referral_code_id: int | None = None


_SELECT = (
    "SELECT h.signature_id, h.guild_id, h.petition_id, p.code, p.title, h.reason, "
    "h.account_created_at, h.held_at, m.user_id, s.drive_id, s.referral_code_id "
    "FROM signature_holds h "
    "JOIN petitions p ON p.id = h.petition_id "
    "JOIN signatures s ON s.id = h.signature_id "
    "LEFT JOIN member_links m ON m.signer_id = s.signer_id "
)


def _hold(r: sqlite3.Row) -> Hold:
    return Hold(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        HoldReason(r[5]),
        from_text(r[6]),
        from_text(r[7]),
        r[8],
        r[9],
        r[10],
    )


async def young_signatures_since(
    conn: Connection, petition_id: int, since: datetime, id_floor: int
) -> int:
    """Signatures (counted or held) on the petition since `since` by accounts whose Discord id is
    at least `id_floor`, i.e. created after a given time."""
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM signatures s JOIN member_links m ON m.signer_id = s.signer_id "
            "WHERE s.petition_id = ? AND s.signed_at >= ? AND s.status != 'rejected' "
            "AND m.user_id >= ?",
            (petition_id, to_text(since), id_floor),
        )
    )


async def insert_held(
    conn: Connection,
    *,
    petition_id: int,
    signer_id: int,
    guild_id: int,
    drive_id: int | None,
    referral_code_id: int | None,
    reason: HoldReason,
    account_created_at: datetime,
    now: datetime,
) -> int:
    """A pending signature (no signer number yet: it gets one when accepted) and its hold."""
    try:
        signature_id = await conn.execute(
            "INSERT INTO signatures (petition_id, signer_id, guild_id, source, status, "
            "signer_number, signed_at, drive_id, referral_code_id) "
            "VALUES (?, ?, ?, 'discord', 'pending', 0, ?, ?, ?)",
            (petition_id, signer_id, guild_id, to_text(now), drive_id, referral_code_id),
        )
    except sqlite3.IntegrityError as exc:
        if "signatures.petition_id, signatures.signer_id" in str(exc):
            raise DuplicateSignature from None
        raise
    await conn.execute(
        "INSERT INTO signature_holds (signature_id, guild_id, petition_id, reason, "
        "account_created_at, held_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            signature_id,
            guild_id,
            petition_id,
            reason.value,
            to_text(account_created_at),
            to_text(now),
        ),
    )
    return signature_id


async def get(conn: Connection, signature_id: int) -> Hold | None:
    row = await conn.fetchone(_SELECT + "WHERE h.signature_id = ?", (signature_id,))
    return None if row is None else _hold(row)


async def of_guild(conn: Connection, guild_id: int, limit: int) -> list[Hold]:
    rows = await conn.fetchall(
        _SELECT + "WHERE h.guild_id = ? ORDER BY h.signature_id LIMIT ?", (guild_id, limit)
    )
    return [_hold(r) for r in rows]


async def count_of_guild(conn: Connection, guild_id: int) -> int:
    return int(
        await conn.fetchval("SELECT COUNT(*) FROM signature_holds WHERE guild_id = ?", (guild_id,))
    )


async def decide(conn: Connection, signature_id: int, *, accept: bool, signer_number: int) -> None:
    """Count the held signature (with its signer number, at the time of acceptance) or reject it,
    and drop its hold. The counting triggers run on the status change."""
    if accept:
        await conn.execute(
            "UPDATE signatures SET status = 'counted', signer_number = ? WHERE id = ?",
            (signer_number, signature_id),
        )
    else:
        await conn.execute(
            "UPDATE signatures SET status = 'rejected' WHERE id = ?", (signature_id,)
        )
    await conn.execute("DELETE FROM signature_holds WHERE signature_id = ?", (signature_id,))


async def recruiter_of(conn: Connection, referral_code_id: int) -> tuple[int, int] | None:
    """(participant id, Discord id) of the volunteer whose referral code this is."""
    row = await conn.fetchone(
        "SELECT p.id, p.user_id FROM referral_codes rc "
        "JOIN drive_participants p ON p.id = rc.participant_id WHERE rc.id = ?",
        (referral_code_id,),
    )
    return None if row is None else (int(row[0]), int(row[1]))
