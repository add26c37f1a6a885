"""Imports repository: a CSV import's rows are staged in chunks, then counted in one transaction.

Staging holds only sealed fields and keyed hashes, and is deleted once the import is counted or
abandoned. `count_staged` does the whole de-duplication against the database in SQL, so 100,000
rows are matched, inserted and counted in about a second while the write lock is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.db.database import Connection
from bot.domain.clock import to_text


@dataclass(frozen=True, slots=True)
class StagedRow:
    line: int
    email_hash: str | None
    name_postal_hash: str | None
    sealed_name: bytes | None
    sealed_postal_code: bytes | None
    sealed_email: bytes | None
    sealed_phone: bytes | None
    signed_at: datetime
    referral: str | None


@dataclass(frozen=True, slots=True)
class Counted:
    """What counting the staged rows did: signatures added, and the lines not counted."""

    imported: int
    signed_before: list[int]
    same_person: list[int]
    first_number: int


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
    """Match staged rows to people Rally knows, create the new ones, insert their signatures and
    reserve their signer numbers. The caller adjusts the petition's counter by `imported`."""
    params = {"import": import_id, "petition": petition_id}
    # 1. the same person by email, then by name + postal code
    await conn.execute(
        "UPDATE import_rows SET signer_id = (SELECT s.id FROM signers s "
        "WHERE s.email_hash = import_rows.email_hash AND s.merged_into IS NULL) "
        "WHERE import_id = :import AND email_hash IS NOT NULL",
        params,
    )
    await conn.execute(
        "UPDATE import_rows SET signer_id = (SELECT s.id FROM signers s "
        "WHERE s.name_postal_hash = import_rows.name_postal_hash AND s.merged_into IS NULL "
        "ORDER BY s.id LIMIT 1) "
        "WHERE import_id = :import AND signer_id IS NULL AND name_postal_hash IS NOT NULL",
        params,
    )
    # 2. people who signed this petition already, and two rows that found the same person
    await conn.execute(
        "UPDATE import_rows SET outcome = 'signed_before' WHERE import_id = :import "
        "AND signer_id IS NOT NULL AND EXISTS (SELECT 1 FROM signatures g "
        "WHERE g.petition_id = :petition AND g.signer_id = import_rows.signer_id)",
        params,
    )
    await conn.execute(
        "UPDATE import_rows SET outcome = 'same_person' WHERE import_id = :import "
        "AND outcome IS NULL AND signer_id IS NOT NULL AND id > (SELECT MIN(r.id) "
        "FROM import_rows r WHERE r.import_id = :import AND r.signer_id = import_rows.signer_id)",
        params,
    )
    # 3. new people: ids above every existing record, in staging order
    base = int(await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM signers"))
    await conn.execute(
        "INSERT INTO signers (id, source, sealed_name, sealed_postal_code, sealed_email, "
        "sealed_phone, email_hash, name_postal_hash, created_at) "
        "SELECT :base + id, :source, sealed_name, sealed_postal_code, sealed_email, "
        "sealed_phone, email_hash, name_postal_hash, :now FROM import_rows "
        "WHERE import_id = :import AND signer_id IS NULL AND outcome IS NULL ORDER BY id",
        {**params, "base": base, "source": source, "now": to_text(now)},
    )
    # 4. referral codes of this petition's drives
    await conn.execute(
        "UPDATE import_rows SET (referral_code_id, drive_id) = (SELECT rc.id, rc.drive_id "
        "FROM referral_codes rc JOIN drives d ON d.id = rc.drive_id "
        "WHERE d.petition_id = :petition AND upper(rc.code) = import_rows.referral LIMIT 1) "
        "WHERE import_id = :import AND referral IS NOT NULL AND outcome IS NULL",
        params,
    )
    # 5. the signatures, numbered after every earlier signer
    row = await conn.fetchone(
        "SELECT last_signer_number, signature_count + external_count FROM petitions WHERE id = ?",
        (petition_id,),
    )
    assert row is not None
    first = max(int(row[0]) + 1, int(row[1]) + 1)
    imported = await conn.execute_rowcount(
        "INSERT INTO signatures (petition_id, signer_id, guild_id, source, status, "
        "referral_code_id, drive_id, signer_number, signed_at) "
        "SELECT :petition, COALESCE(signer_id, :base + id), :guild, 'import', 'counted', "
        "referral_code_id, drive_id, "
        ":first + ROW_NUMBER() OVER (ORDER BY id) - 1, signed_at FROM import_rows "
        "WHERE import_id = :import AND outcome IS NULL ORDER BY id",
        {**params, "guild": guild_id, "first": first, "base": base},
    )
    if imported:
        await conn.execute(
            "UPDATE petitions SET last_signer_number = ? WHERE id = ?",
            (first + imported - 1, petition_id),
        )
    outcomes = await conn.fetchall(
        "SELECT line, outcome FROM import_rows WHERE import_id = ? AND outcome IS NOT NULL "
        "ORDER BY line",
        (import_id,),
    )
    return Counted(
        imported=imported,
        signed_before=[r[0] for r in outcomes if r[1] == "signed_before"],
        same_person=[r[0] for r in outcomes if r[1] == "same_person"],
        first_number=first,
    )


async def discard(conn: Connection, import_id: int) -> None:
    await conn.execute("DELETE FROM import_rows WHERE import_id = ?", (import_id,))


async def discard_abandoned(conn: Connection, now: datetime) -> int:
    """Imports left 'running' by a stopped bot: drop their staged rows, mark them failed."""
    await conn.execute(
        "DELETE FROM import_rows WHERE import_id IN "
        "(SELECT id FROM imports WHERE status = 'running')"
    )
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
