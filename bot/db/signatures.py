"""Signatures repository.

The unique index on (petition, signer) is the last word on "signed twice"."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text


@dataclass(frozen=True, slots=True)
class SignatureRow:
    id: int
    petition_id: int
    signer_id: int | None
    source: str
    signer_number: int
    signed_at: datetime
    #: 'counted', or 'pending' (held for review) or 'rejected' (by an organizer).
    status: str = "counted"


class DuplicateSignature(Exception):
    """The (petition, signer) pair already has a signature."""


async def of_signer(conn: Connection, petition_id: int, signer_id: int) -> SignatureRow | None:
    row = await conn.fetchone(
        "SELECT id, petition_id, signer_id, source, signer_number, signed_at, status "
        "FROM signatures WHERE petition_id = ? AND signer_id = ?",
        (petition_id, signer_id),
    )
    if row is None:
        return None
    return SignatureRow(row[0], row[1], row[2], row[3], row[4], from_text(row[5]), row[6])


async def insert(
    conn: Connection,
    *,
    petition_id: int,
    signer_id: int,
    guild_id: int | None,
    source: str,
    signer_number: int,
    now: datetime,
) -> int:
    try:
        return await conn.execute(
            "INSERT INTO signatures (petition_id, signer_id, guild_id, source, signer_number, "
            "signed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (petition_id, signer_id, guild_id, source, signer_number, to_text(now)),
        )
    except sqlite3.IntegrityError as exc:
        if "signatures.petition_id, signatures.signer_id" in str(exc):
            raise DuplicateSignature from None
        raise


async def delete(conn: Connection, signature_id: int) -> None:
    await conn.execute("DELETE FROM signatures WHERE id = ?", (signature_id,))


async def counted(conn: Connection, petition_id: int) -> int:
    return int(
        await conn.fetchval(
            "SELECT COUNT(*) FROM signatures WHERE petition_id = ? AND status = 'counted'",
            (petition_id,),
        )
    )
