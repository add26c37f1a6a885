"""Imports repository: a CSV import's rows are staged in chunks, then counted in one transaction.

Staging holds only sealed fields and keyed hashes, and is deleted once the import is counted or
abandoned. Counting is shared with webhook events (`bot/db/staged_signatures.py`): the whole
de-duplication runs in SQL, so 100,000 rows are counted in about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from bot.db import staged_signatures
from bot.db.database import Connection
from bot.db.staged_signatures import IMPORT_ROWS, Counted
from bot.domain.clock import to_text


class StagedRow(NamedTuple):
    """A checked, hashed and sealed row of an import, ready to stage. A named tuple: an import's
    reader process hands chunks of thousands over, and tuples cross a pipe cheaply."""

    line: int
    email_hash: str | None
    name_postal_hash: str | None
    sealed_name: bytes | None
    sealed_postal_code: bytes | None
    sealed_email: bytes | None
    sealed_phone: bytes | None
    signed_at: datetime
    referral: str | None


async def start(
    conn: Connection,
    *,
    guild_id: int,
    petition_id: int,
    file_name: str,
    created_by: int,
    now: datetime,
) -> int:
    return await conn.execute(
        "INSERT INTO imports (guild_id, petition_id, file_name, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (guild_id, petition_id, file_name, created_by, to_text(now)),
    )


async def stage(conn: Connection, import_id: int, rows: Sequence[StagedRow]) -> None:
    await conn.executemany(
        "INSERT INTO import_rows (import_id, line, email_hash, name_postal_hash, sealed_name, "
        "sealed_postal_code, sealed_email, sealed_phone, signed_at, referral) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                import_id,
                r.line,
                r.email_hash,
                r.name_postal_hash,
                r.sealed_name,
                r.sealed_postal_code,
                r.sealed_email,
                r.sealed_phone,
                to_text(r.signed_at),
                r.referral,
            )
            for r in rows
        ],
    )


async def count_staged(
    conn: Connection,
    import_id: int,
    *,
    petition_id: int,
    guild_id: int,
    source: str,
    now: datetime,
) -> Counted:
    """Match an import's staged rows to people Rally knows, create the new ones, insert their
    signatures and reserve their signer numbers (see `staged_signatures.count_staged`). The
    caller adjusts the petition's counter by `imported`."""
    return await staged_signatures.count_staged(
        conn,
        IMPORT_ROWS,
        import_id,
        petition_id=petition_id,
        guild_id=guild_id,
        signer_source=source,
        now=now,
    )


async def discard(conn: Connection, import_id: int) -> None:
    await conn.execute("DELETE FROM import_rows WHERE import_id = ?", (import_id,))


async def discard_some(conn: Connection, import_id: int, limit: int) -> int:
    """Delete up to `limit` of an import's staged rows; how many were deleted."""
    return await conn.execute_rowcount(
        "DELETE FROM import_rows WHERE id IN "
        "(SELECT id FROM import_rows WHERE import_id = ? ORDER BY id LIMIT ?)",
        (import_id, limit),
    )


async def discard_abandoned(conn: Connection, now: datetime) -> int:
    """Staged rows a stopped bot left: of imports left 'running' (marked failed) and of
    counted ones whose rows were still being deleted. Call with no import running."""
    await conn.execute("DELETE FROM import_rows")
    return await conn.execute_rowcount(
        "UPDATE imports SET status = 'failed', finished_at = ? WHERE status = 'running'",
        (to_text(now),),
    )


async def finish(
    conn: Connection,
    import_id: int,
    *,
    status: str,
    rows_read: int,
    imported: int,
    duplicates: int,
    rejected: int,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE imports SET status = ?, rows_read = ?, imported = ?, duplicates = ?, "
        "rejected = ?, finished_at = ? WHERE id = ?",
        (status, rows_read, imported, duplicates, rejected, to_text(now), import_id),
    )
