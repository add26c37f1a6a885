"""Linking a member to a record: pending emailed codes and the organizers' review queue."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import from_text, to_text


@dataclass(frozen=True, slots=True)
class PendingCode:
    user_id: int
    email_hash: str
    sealed_email: bytes | None
    code_hash: str
    expires_at: datetime
    tries_left: int
    sends: int
    window_started_at: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    guild_id: int
    user_id: int
    email_hash: str
    sealed_email: bytes | None
    status: str
    created_at: datetime


async def pending_code(conn: Connection, user_id: int) -> PendingCode | None:
    row = await conn.fetchone(
        "SELECT user_id, email_hash, sealed_email, code_hash, expires_at, tries_left, sends, "
        "window_started_at FROM link_codes WHERE user_id = ?",
        (user_id,),
    )
    if row is None:
        return None
    return PendingCode(
        row[0], row[1], row[2], row[3], from_text(row[4]), row[5], row[6], from_text(row[7])
    )


async def save_code(conn: Connection, code: PendingCode, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO link_codes (user_id, email_hash, sealed_email, code_hash, expires_at, "
        "tries_left, sends, window_started_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id) DO UPDATE SET email_hash = excluded.email_hash, "
        "sealed_email = excluded.sealed_email, code_hash = excluded.code_hash, "
        "expires_at = excluded.expires_at, tries_left = excluded.tries_left, "
        "sends = excluded.sends, window_started_at = excluded.window_started_at, "
        "created_at = excluded.created_at",
        (
            code.user_id,
            code.email_hash,
            code.sealed_email,
            code.code_hash,
            to_text(code.expires_at),
            code.tries_left,
            code.sends,
            to_text(code.window_started_at),
            to_text(now),
        ),
    )


async def use_try(conn: Connection, user_id: int) -> int:
    """Spend one try; return the tries left."""
    await conn.execute(
        "UPDATE link_codes SET tries_left = MAX(tries_left - 1, 0) WHERE user_id = ?", (user_id,)
    )
    return int(
        await conn.fetchval("SELECT tries_left FROM link_codes WHERE user_id = ?", (user_id,))
    )


async def delete_code(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM link_codes WHERE user_id = ?", (user_id,))


def _claim(row: sqlite3.Row) -> Claim:
    return Claim(row[0], row[1], row[2], row[3], row[4], row[5], from_text(row[6]))


_CLAIM = (
    "SELECT id, guild_id, user_id, email_hash, sealed_email, status, created_at FROM link_claims"
)


async def add_claim(
    conn: Connection,
    *,
    guild_id: int,
    user_id: int,
    email_hash: str,
    sealed_email: bytes | None,
    now: datetime,
) -> int:
    return await conn.execute(
        "INSERT INTO link_claims (guild_id, user_id, email_hash, sealed_email, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (guild_id, user_id, email_hash, sealed_email, to_text(now)),
    )


async def pending_claim_of(conn: Connection, user_id: int) -> Claim | None:
    row = await conn.fetchone(f"{_CLAIM} WHERE user_id = ? AND status = 'pending'", (user_id,))
    return None if row is None else _claim(row)


async def claim(conn: Connection, claim_id: int) -> Claim | None:
    row = await conn.fetchone(f"{_CLAIM} WHERE id = ?", (claim_id,))
    return None if row is None else _claim(row)


async def pending_claims(conn: Connection, guild_id: int, limit: int = 25) -> list[Claim]:
    rows = await conn.fetchall(
        f"{_CLAIM} WHERE guild_id = ? AND status = 'pending' ORDER BY id LIMIT ?",
        (guild_id, limit),
    )
    return [_claim(r) for r in rows]


async def review_claim(
    conn: Connection, claim_id: int, *, approved: bool, reviewer: int, now: datetime
) -> None:
    """Close a claim; its email hash and sealed email are no longer needed and are cleared."""
    await conn.execute(
        "UPDATE link_claims SET status = ?, reviewed_by = ?, reviewed_at = ?, "
        "email_hash = '', sealed_email = NULL WHERE id = ?",
        ("approved" if approved else "rejected", reviewer, to_text(now), claim_id),
    )
