"""Counting staged rows (`bot.db.staged_signatures`) on a real SQLite file: people Rally knows
and new people interleaved in one file each get their own record, whether the signers' indexes
stay in place or are dropped and created again for a large group (`bot.db.bulk_insert`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.db import Database, bulk_insert
from bot.db.bulk_insert import indexes_rebuilt, worth_rebuilding
from tests.conftest import FakeClock, organizer
from tests.db.signers_support import DRAFT, Keys, build, keys

__all__ = ["keys"]


async def signer_indexes(db: Database) -> list[tuple[str, str]]:
    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signers' "
            "AND sql IS NOT NULL ORDER BY name"
        )
    return [(r[0], r[1]) for r in rows]


@pytest.mark.parametrize("rebuild", [False, True], ids=["indexes-kept", "indexes-rebuilt"])
async def test_known_and_new_people_interleaved_keep_their_own_records(
    db: Database,
    clock: FakeClock,
    keys: Keys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rebuild: bool,
) -> None:
    services = build(db, clock, keys)
    first = await services.petitions.create(organizer(), DRAFT)
    second = await services.petitions.create(organizer(), DRAFT)
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("name,zip\nAnna Kowalska,02134\nBoris Ivanou,10001\n", encoding="utf-8")
    assert (await services.imports.run(organizer(), first.code, earlier, "earlier.csv")).imported
    async with db.read() as conn:
        known = {
            keys.unsealer.open(bytes(r[1])): int(r[0])
            for r in await conn.fetchall("SELECT id, sealed_name FROM signers")
        }
    indexes = await signer_indexes(db)
    assert len(indexes) == 2

    # 7 rows > 2 signers: with the threshold at 1 this group rebuilds the indexes
    monkeypatch.setattr(bulk_insert, "REBUILD_FROM_ROWS", 1 if rebuild else 10**9)
    later = tmp_path / "later.csv"
    later.write_text(
        "name,zip\n"
        "Cara New,20001\n"
        "Boris Ivanou,10001\n"  # known: signed the first petition
        "Dima New,20002\n"
        "Anna Kowalska,02134\n"  # known
        "Cara New,20001\n"  # the same person as line 2
        "Eva New,20003\n"
        "Fedor New,20004\n",
        encoding="utf-8",
    )
    summary = await services.imports.run(organizer(), second.code, later, "later.csv")
    assert (summary.imported, summary.duplicates) == (6, 1)

    async with db.read() as conn:
        rows = await conn.fetchall(
            "SELECT s.signer_number, s.signer_id, r.sealed_name FROM signatures s "
            "JOIN signers r ON r.id = s.signer_id WHERE s.petition_id = ? "
            "ORDER BY s.signer_number",
            (second.id,),
        )
        signers = int(await conn.fetchval("SELECT COUNT(*) FROM signers"))
    names = [keys.unsealer.open(bytes(r[2])) for r in rows]
    assert names == [
        "Cara New",
        "Boris Ivanou",
        "Dima New",
        "Anna Kowalska",
        "Eva New",
        "Fedor New",
    ]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    by_name = {name: int(r[1]) for name, r in zip(names, rows, strict=True)}
    assert by_name["Anna Kowalska"] == known["Anna Kowalska"]
    assert by_name["Boris Ivanou"] == known["Boris Ivanou"]
    assert signers == 2 + 4  # four new people, one record each
    # the indexes are back exactly as the migrations made them, and still used for matching
    assert await signer_indexes(db) == indexes
    again = await services.imports.run(organizer(), second.code, later, "later.csv")
    assert (again.imported, again.duplicates) == (0, 7)


async def test_a_rebuild_that_breaks_a_unique_index_changes_nothing(db: Database) -> None:
    indexes = await signer_indexes(db)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn, indexes_rebuilt(conn, "signers", rebuild=True):
            for _ in range(2):
                await conn.execute(
                    "INSERT INTO signers (source, email_hash, created_at) "
                    "VALUES ('import:x', 'same-hash', '2026-12-01')"
                )
    assert await signer_indexes(db) == indexes
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM signers") == 0


def test_rebuilding_pays_only_for_a_large_group_larger_than_the_table() -> None:
    at = bulk_insert.REBUILD_FROM_ROWS
    assert worth_rebuilding(at, 0)
    assert worth_rebuilding(1_000_000, 999_999)
    assert not worth_rebuilding(at - 1, 0)  # small: indexes stay
    assert not worth_rebuilding(1_000_000, 1_000_000)  # re-sorting the old rows too costs more
