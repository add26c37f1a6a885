"""Counting staged signatures: rows that came from elsewhere (a CSV import, webhook events),
already hashed and sealed, become signers and signatures in one transaction.

Both staging tables (`import_rows`, `webhook_events`) hold the same columns — keyed hashes, sealed
fields, `signed_at`, `referral` — and the same working columns (`signer_id`, `outcome`,
`referral_code_id`, `drive_id`). `count_staged` does the whole de-duplication in SQL, set-wise,
so 100,000 rows are matched, inserted and counted in about a second while the write lock is held:

1. the same person by email hash, then by name + postal code hash, among people Rally knows;
2. people who signed this petition already (or whose external id was counted already), and rows
   of the group that are the same person as an earlier row of the group;
3. new people get signer ids above every existing record, in order;
4. referral codes of this petition's drives attribute a row to the recruiter (and its drive);
   rows without one count for `running_drive_id`, when a drive is running;
5. the signatures, numbered after every earlier signer.

The caller moves the petition's counter by `Counted.imported` (and raises the goal, queues
milestones) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db.bulk_insert import indexes_rebuilt, worth_rebuilding
from bot.db.database import Connection
from bot.domain.clock import to_text


@dataclass(frozen=True, slots=True)
class Staging:
    """Where a kind of staged row lives. Names are constants of this module, never input."""

    table: str
    group: str  # the column naming one counting run
    line: str  # what a problem report calls the row
    source: str  # signatures.source
    external: str | None = None  # the column with the sender's id of the signature, if any
    order: str = "id"  # the order signer numbers follow
    # The rows were de-duplicated among themselves by both hashes before staging (an import's
    # `FileReader` does it as it reads), so the two window passes over the group are skipped.
    hashes_unique: bool = False


IMPORT_ROWS = Staging(
    table="import_rows", group="import_id", line="line", source="import", hashes_unique=True
)
WEBHOOK_EVENTS = Staging(
    table="webhook_events",
    group="batch",
    line="id",
    source="webhook",
    external="external_id",
    order="signed_at, id",
)


# A new person's place among the group's new people (rows still unmatched and counted), by id.
# Step 3 selects only those rows, so it is their row number; step 5 selects every counted row,
# so it is how many unmatched rows came up to this one. Neither sorts: the rows arrive in id
# order from the staging index. (Partitioning by `signer_id IS NULL` instead made SQLite sort
# the wide staged rows: ~9 s of a 1,000,000-row import.)
_NEW_RANK_OF_NEW = "ROW_NUMBER() OVER (ORDER BY id)"
_NEW_RANK_OF_COUNTED = "SUM(signer_id IS NULL) OVER by_id"
_BY_ID = "by_id AS (ORDER BY id ROWS UNBOUNDED PRECEDING)"


@dataclass(frozen=True, slots=True)
class Counted:
    """What counting the staged rows did: signatures added, and the lines not counted."""

    imported: int
    signed_before: list[int]
    same_person: list[int]
    first_number: int


async def count_staged(
    conn: Connection,
    staging: Staging,
    group_id: int,
    *,
    petition_id: int,
    guild_id: int,
    signer_source: str,
    now: datetime,
    running_drive_id: int | None = None,
) -> Counted:
    """Match a group's staged rows to people Rally knows, create the new ones, insert their
    signatures and reserve their signer numbers. See the module's docstring for the steps."""
    t, g = staging.table, staging.group
    params = {"group": group_id, "petition": petition_id}
    mine = f"{g} = :group"
    # 1. the same person by email, then by name + postal code. Only rows that match are
    #    rewritten: setting every row's signer_id to NULL took ~6 s of a 1,000,000-row import
    #    (now ~1.5 s).
    await conn.execute(
        f"UPDATE {t} SET signer_id = (SELECT s.id FROM signers s "
        f"WHERE s.email_hash = {t}.email_hash AND s.merged_into IS NULL) "
        f"WHERE {mine} AND email_hash IS NOT NULL AND EXISTS (SELECT 1 FROM signers s "
        f"WHERE s.email_hash = {t}.email_hash AND s.merged_into IS NULL)",
        params,
    )
    await conn.execute(
        f"UPDATE {t} SET signer_id = (SELECT s.id FROM signers s "
        f"WHERE s.name_postal_hash = {t}.name_postal_hash AND s.merged_into IS NULL "
        "ORDER BY s.id LIMIT 1) "
        f"WHERE {mine} AND signer_id IS NULL AND name_postal_hash IS NOT NULL AND EXISTS ("
        f"SELECT 1 FROM signers s WHERE s.name_postal_hash = {t}.name_postal_hash "
        "AND s.merged_into IS NULL)",
        params,
    )
    # 2. people who signed this petition already, and two rows that are the same person
    await conn.execute(
        f"UPDATE {t} SET outcome = 'signed_before' WHERE {mine} "
        "AND signer_id IS NOT NULL AND EXISTS (SELECT 1 FROM signatures s "
        f"WHERE s.petition_id = :petition AND s.signer_id = {t}.signer_id)",
        params,
    )
    if staging.external is not None:
        x = staging.external
        await conn.execute(
            f"UPDATE {t} SET outcome = 'signed_before' WHERE {mine} AND outcome IS NULL "
            f"AND {x} IS NOT NULL AND EXISTS (SELECT 1 FROM signatures s "
            f"WHERE s.petition_id = :petition AND s.external_id = {t}.{x})",
            params,
        )
        await _later_duplicates(conn, staging, params, x)
    await conn.execute(
        f"UPDATE {t} SET outcome = 'same_person' WHERE {mine} "
        f"AND outcome IS NULL AND signer_id IS NOT NULL AND id > (SELECT MIN(r.id) "
        f"FROM {t} r WHERE r.{g} = :group AND r.signer_id = {t}.signer_id)",
        params,
    )
    if not staging.hashes_unique:
        await _later_duplicates(conn, staging, params, "email_hash", new_only=True)
        await _later_duplicates(conn, staging, params, "name_postal_hash", new_only=True)
    # 3. new people: ids above every existing record, in staging order. The id is computed, not
    #    written back to the staged row (rewriting every wide staged row cost more than the
    #    insert): step 5 computes the same number over the same rows.
    #    More new people than the signers table holds go in with the signers' indexes dropped
    #    and created again after (see `bulk_insert`). Counted as the unmatched rows (an import's
    #    `(import_id, signer_id)` index answers it): a few of them may be duplicates still.
    sizes = await conn.fetchone(
        f"SELECT (SELECT COALESCE(MAX(id), 0) FROM signers), COUNT(*) FROM {t} "
        f"WHERE {mine} AND signer_id IS NULL",
        params,
    )
    assert sizes is not None
    base, unmatched = int(sizes[0]), int(sizes[1])
    async with indexes_rebuilt(conn, "signers", rebuild=worth_rebuilding(unmatched, base)):
        await conn.execute(
            "INSERT INTO signers (id, source, sealed_name, sealed_postal_code, sealed_email, "
            "sealed_phone, email_hash, name_postal_hash, created_at) "
            f"SELECT :base + {_NEW_RANK_OF_NEW}, :source, sealed_name, sealed_postal_code, "
            f"sealed_email, sealed_phone, email_hash, name_postal_hash, :now FROM {t} "
            f"WHERE {mine} AND signer_id IS NULL AND outcome IS NULL ORDER BY id",
            {**params, "base": base, "source": signer_source, "now": to_text(now)},
        )
    # 4. referral codes of this petition's drives; else the drive running now, if any
    await conn.execute(
        f"UPDATE {t} SET (referral_code_id, drive_id) = (SELECT rc.id, rc.drive_id "
        "FROM referral_codes rc JOIN drives d ON d.id = rc.drive_id "
        f"WHERE d.petition_id = :petition AND upper(rc.code) = {t}.referral LIMIT 1) "
        f"WHERE {mine} AND referral IS NOT NULL AND outcome IS NULL",
        params,
    )
    if running_drive_id is not None:
        await conn.execute(
            f"UPDATE {t} SET drive_id = :drive WHERE {mine} AND outcome IS NULL "
            "AND drive_id IS NULL",
            {**params, "drive": running_drive_id},
        )
    # 5. the signatures, numbered after every earlier signer
    row = await conn.fetchone(
        "SELECT last_signer_number, signature_count + external_count FROM petitions WHERE id = ?",
        (petition_id,),
    )
    assert row is not None
    first = max(int(row[0]) + 1, int(row[1]) + 1)
    external = staging.external or "NULL"
    imported = await conn.execute_rowcount(
        "INSERT INTO signatures (petition_id, signer_id, guild_id, source, status, "
        "referral_code_id, drive_id, external_id, signer_number, signed_at) "
        f"SELECT :petition, COALESCE(signer_id, :base + {_NEW_RANK_OF_COUNTED}), :guild, "
        f"'{staging.source}', 'counted', "
        f"referral_code_id, drive_id, {external}, "
        f":first + ROW_NUMBER() OVER numbered - 1, signed_at FROM {t} "
        f"WHERE {mine} AND outcome IS NULL "
        f"WINDOW {_BY_ID}, numbered AS (ORDER BY {staging.order} ROWS UNBOUNDED PRECEDING) "
        f"ORDER BY {staging.order}",
        {**params, "guild": guild_id, "first": first, "base": base},
    )
    if imported:
        await conn.execute(
            "UPDATE petitions SET last_signer_number = ? WHERE id = ?",
            (first + imported - 1, petition_id),
        )
    outcomes = await conn.fetchall(
        f"SELECT {staging.line}, outcome FROM {t} WHERE {mine} AND outcome IS NOT NULL "
        f"ORDER BY {staging.line}",
        params,
    )
    return Counted(
        imported=imported,
        signed_before=[r[0] for r in outcomes if r[1] == "signed_before"],
        same_person=[r[0] for r in outcomes if r[1] == "same_person"],
        first_number=first,
    )


async def _later_duplicates(
    conn: Connection,
    staging: Staging,
    params: dict[str, int],
    column: str,
    *,
    new_only: bool = False,
) -> None:
    """Rows of the group that repeat an earlier, still-counted row's `column`: 'same_person'.

    A window function, not a correlated subquery: a 100,000-row import stays one sort."""
    t, g = staging.table, staging.group
    new = "AND signer_id IS NULL " if new_only else ""
    await conn.execute(
        f"UPDATE {t} SET outcome = 'same_person' WHERE id IN (SELECT id FROM (SELECT id, "
        f"ROW_NUMBER() OVER (PARTITION BY {column} ORDER BY id) AS n FROM {t} "
        f"WHERE {g} = :group AND outcome IS NULL {new}AND {column} IS NOT NULL) WHERE n > 1)",
        params,
    )


@dataclass(frozen=True, slots=True)
class RecruiterGain:
    """A recruiter whose referral code counted rows of a group: how many, and the new total."""

    drive_id: int
    participant_id: int
    user_id: int
    recruits: int
    gained: int


async def drive_gains(conn: Connection, staging: Staging, group_id: int) -> dict[int, int]:
    """Drive id → how many of the group's counted rows count for it."""
    rows = await conn.fetchall(
        f"SELECT drive_id, COUNT(*) FROM {staging.table} WHERE {staging.group} = ? "
        "AND outcome IS NULL AND drive_id IS NOT NULL GROUP BY drive_id",
        (group_id,),
    )
    return {int(r[0]): int(r[1]) for r in rows}


async def recruiter_gains(conn: Connection, staging: Staging, group_id: int) -> list[RecruiterGain]:
    rows = await conn.fetchall(
        f"SELECT rc.drive_id, p.id, p.user_id, p.recruits, COUNT(*) FROM {staging.table} r "
        "JOIN referral_codes rc ON rc.id = r.referral_code_id "
        "JOIN drive_participants p ON p.id = rc.participant_id "
        f"WHERE r.{staging.group} = ? AND r.outcome IS NULL GROUP BY p.id ORDER BY p.id",
        (group_id,),
    )
    return [RecruiterGain(int(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
