"""Deleting everything Rally holds about one server (`/admin purge`).

The schema is read, not listed here, so tables added by later migrations are purged too: every
row with the server's `guild_id`, then every row that references a purged row through a declared
foreign key, recursively. Signers are people, not server data: a signer whose every signature was
in this server (and whom nothing else references) is deleted with their member link; a signer who
also signed elsewhere stays.
"""

from __future__ import annotations

from bot.db.database import Connection

PEOPLE = "signers"


#: Columns that refer to another table by name even where no foreign key is declared (counters).
IMPLIED = {
    "petition_id": ("petitions", "id"),
    "drive_id": ("drives", "id"),
    "team_id": ("teams", "id"),
    "participant_id": ("drive_participants", "id"),
}
Keys = dict[str, list[tuple[str, str, str]]]


async def _schema(conn: Connection) -> tuple[dict[str, list[str]], Keys, set[str]]:
    rows = await conn.fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    tables = [str(r[0]) for r in rows]
    no_rowid = {str(r[0]) for r in rows if "WITHOUT ROWID" in str(r[1]).upper()}
    columns = {
        t: [str(r[1]) for r in await conn.fetchall(f"PRAGMA table_info({t})")] for t in tables
    }
    keys: Keys = {}
    for t in tables:
        declared = [
            (str(r[2]), str(r[3]), str(r[4]))
            for r in await conn.fetchall(f"PRAGMA foreign_key_list({t})")
        ]
        named = {column for _, column, _ in declared}
        for column, (parent, target) in IMPLIED.items():
            if column in columns[t] and column not in named and parent in columns and t != parent:
                declared.append((parent, column, target))
        keys[t] = declared
    return columns, keys, no_rowid


async def purge_guild(conn: Connection, guild_id: int) -> dict[str, int]:
    """Delete the server's rows everywhere; return how many rows each table lost."""
    columns, keys, no_rowid = await _schema(conn)
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS purge_rows (tbl TEXT, rid INTEGER, PRIMARY KEY (tbl, rid))"
    )
    await conn.execute("DELETE FROM purge_rows")
    for table, cols in columns.items():
        if "guild_id" in cols and table not in no_rowid:
            await conn.execute(
                f"INSERT OR IGNORE INTO purge_rows SELECT ?, rowid FROM {table} WHERE guild_id = ?",
                (table, guild_id),
            )
    while True:
        before = int(await conn.fetchval("SELECT COUNT(*) FROM purge_rows"))
        for child, references in keys.items():
            if child in no_rowid:
                continue
            for parent, column, target in references:
                if parent in (PEOPLE, child) or parent in no_rowid:
                    continue
                await conn.execute(
                    f"INSERT OR IGNORE INTO purge_rows SELECT ?, c.rowid FROM {child} c "
                    f"JOIN {parent} p ON c.{column} = p.{target} "
                    "WHERE p.rowid IN (SELECT rid FROM purge_rows WHERE tbl = ?)",
                    (child, parent),
                )
        if int(await conn.fetchval("SELECT COUNT(*) FROM purge_rows")) == before:
            break
    await conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_people (id INTEGER PRIMARY KEY)")
    await conn.execute("DELETE FROM purge_people")
    await conn.execute(
        "INSERT OR IGNORE INTO purge_people SELECT signer_id FROM signatures "
        "WHERE signer_id IS NOT NULL "
        "AND rowid IN (SELECT rid FROM purge_rows WHERE tbl = 'signatures')"
    )
    await conn.execute("PRAGMA defer_foreign_keys = ON")
    deleted: dict[str, int] = {}
    for table in sorted(no_rowid):  # before their parents go: they are found through them
        conditions = ["guild_id = ?"] if "guild_id" in columns[table] else []
        params: list[object] = [guild_id] if conditions else []
        for parent, column, target in keys[table]:
            if parent not in no_rowid and parent != PEOPLE:
                conditions.append(
                    f"{column} IN (SELECT {target} FROM {parent} WHERE rowid IN "
                    "(SELECT rid FROM purge_rows WHERE tbl = ?))"
                )
                params.append(parent)
        if conditions:
            count = int(
                await conn.fetchval(
                    f"SELECT COUNT(*) FROM {table} WHERE {' OR '.join(conditions)}", params
                )
            )
            if count:
                await conn.execute(f"DELETE FROM {table} WHERE {' OR '.join(conditions)}", params)
                deleted[table] = count
    for table in columns:
        if table in no_rowid:
            continue
        count = int(await conn.fetchval("SELECT COUNT(*) FROM purge_rows WHERE tbl = ?", (table,)))
        if count:
            await conn.execute(
                f"DELETE FROM {table} WHERE rowid IN (SELECT rid FROM purge_rows WHERE tbl = ?)",
                (table,),
            )
            deleted[table] = count
    deleted.update(await _purge_people(conn, keys))
    await conn.execute("DELETE FROM purge_rows")
    await conn.execute("DELETE FROM purge_people")
    return deleted


async def _purge_people(
    conn: Connection, keys: dict[str, list[tuple[str, str, str]]]
) -> dict[str, int]:
    """Signers left with no signature and nothing else pointing at them go too."""
    still_used = [
        f"EXISTS (SELECT 1 FROM {child} WHERE {child}.{column} = purge_people.id)"
        for child, references in keys.items()
        for parent, column, _ in references
        if parent == PEOPLE and child != "member_links"
    ]
    if still_used:
        await conn.execute(f"DELETE FROM purge_people WHERE {' OR '.join(still_used)}")
    people = int(await conn.fetchval("SELECT COUNT(*) FROM purge_people"))
    if not people:
        return {}
    await conn.execute("DELETE FROM member_links WHERE signer_id IN (SELECT id FROM purge_people)")
    await conn.execute("DELETE FROM signers WHERE id IN (SELECT id FROM purge_people)")
    return {"signers": people}
