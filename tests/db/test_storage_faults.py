"""Storage faults on a real SQLite file: a full disk during an import (SQLite's own SQLITE_FULL,
raised by `PRAGMA max_page_count`), and a backup taken while signatures stream in and another
process holds the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.db import Database, DatabaseError, backup_database
from bot.db.database import SQLITE_HEADER
from bot.domain.errors import StorageFull
from bot.services.imports import ImportProgress, Progress
from tests.conftest import FakeClock, member, organizer
from tests.db.signers_support import DRAFT, Keys, build, keys, snapshot
from tests.reliability_figures import record, sized

__all__ = ["keys"]

UNLIMITED_PAGES = 1_073_741_823


async def pin_size(db: Database) -> int:
    """From now on the file may not grow: the next write that needs a page fails SQLITE_FULL."""
    async with db.read() as conn:
        pages = int(await conn.fetchval("PRAGMA page_count"))
        await conn.fetchval(f"PRAGMA max_page_count = {pages}")
    return pages


async def unpin_size(db: Database) -> None:
    async with db.read() as conn:
        await conn.fetchval(f"PRAGMA max_page_count = {UNLIMITED_PAGES}")


def disk_filler(db: Database, phase: str, after_rows: int, pinned: list[int]) -> Progress:
    """An import progress callback that fills the disk once the import reaches `phase`."""

    async def fill(update: ImportProgress) -> None:
        if update.phase == phase and update.rows_read >= after_rows and not pinned:
            pinned.append(await pin_size(db))

    return fill


def signer_file(path: Path, rows: int, first: int = 0) -> None:
    path.write_text(
        "first_name,last_name,email,zip_code\n"
        + "".join(
            f"Person{i},Test,person.{i}@example.org,{10000 + i}\n" for i in range(first, rows)
        ),
        encoding="utf-8",
    )


async def test_a_full_disk_while_staging_or_counting_an_import_leaves_no_partial_batch(
    db: Database, clock: FakeClock, keys: Keys, tmp_path: Path
) -> None:
    services = build(db, clock, keys)
    services.imports.chunk_rows = 50
    petition = await services.petitions.create(organizer(), DRAFT)
    for user in range(10, 15):
        await services.petitions.sign(member(user), petition.id)
    path = tmp_path / "list.csv"
    signer_file(path, 400)
    faults = 0

    for phase, after_rows in (("reading", 100), ("counting", 0)):
        before = await snapshot(db)
        pinned: list[int] = []

        filler = disk_filler(db, phase, after_rows, pinned)
        with pytest.raises(StorageFull):
            await services.imports.run(organizer(), petition.code, path, path.name, filler)
        faults += 1
        assert pinned, f"the disk was never filled during {phase}"
        after = await snapshot(db)
        # the only trace is the import's own record, marked failed; no staged row is left
        assert after.pop("imports") != before.pop("imports")
        assert after == before
        async with db.read() as conn:
            assert await conn.fetchval("SELECT COUNT(*) FROM import_rows") == 0
            assert (
                await conn.fetchval("SELECT status FROM imports ORDER BY id DESC LIMIT 1")
                == "failed"
            )
        assert (await services.petitions.get_by_id(petition.id)).total == 5
        await unpin_size(db)

    # room again: the same file counts in full, once
    summary = await services.imports.run(organizer(), petition.code, path, path.name)
    assert summary.imported == 400 and summary.petition.total == 405
    record(
        "full disk during an import",
        faults=faults,
        acknowledged=405,
        stored=summary.petition.total,
        duplicated=0,
    )


async def test_a_full_disk_refuses_a_signature_cleanly(db: Database, clock: FakeClock) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    await pin_size(db)
    refused = False
    for user in range(100, 400):  # the first signatures may still fit in free space
        before = await snapshot(db)
        try:
            await services.petitions.sign(member(user), petition.id)
        except StorageFull:
            refused = True
            assert await snapshot(db) == before  # rolled back: nothing half-written
            break
    assert refused
    await unpin_size(db)
    again = await services.petitions.sign(member(user), petition.id)
    assert again.signer_number == len((await snapshot(db))["signatures"])


HOLD_THE_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO audit_log (guild_id, actor_id, action, subject, created_at) "
             "VALUES (1, 1, 'held.lock', 'uncommitted', '2026-01-01T00:00:00')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def consistent(path: Path) -> tuple[int, int]:
    """(signatures in the copy, the petition's counter in the copy), after an integrity check."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (
            conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'held.lock'").fetchone()[0]
            == 0
        )
        stored = conn.execute("SELECT COUNT(*) FROM signatures").fetchone()[0]
        counter = conn.execute("SELECT signature_count FROM petitions").fetchone()[0]
        return int(stored), int(counter)
    finally:
        conn.close()


async def test_backups_while_signatures_stream_in_and_another_process_holds_the_lock(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    members = sized(300, 3000)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_THE_LOCK, str(db.path), "1.5",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None
    assert (await holder.stdout.readline()).strip() == b"locked"

    async def stream() -> list[int]:
        numbers = []
        for user in range(1000, 1000 + members):
            numbers.append((await services.petitions.sign(member(user), petition.id)).signer_number)
        return numbers

    async def backups() -> list[Path]:
        copies = []
        for n in range(5):
            copy = tmp_path / f"backup-{n}.db"
            await db.backup(copy)  # the first ones run while the other process holds the lock
            copies.append(copy)
            await asyncio.sleep(0.3)
        return copies

    signing = asyncio.create_task(stream())
    copies = await backups()
    told = await signing
    assert await holder.wait() == 0

    seen = [consistent(copy) for copy in copies]
    assert all(stored == counter for stored, counter in seen), seen
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)
    assert told == list(range(1, members + 1))
    async with db.read() as conn:
        stored = int(await conn.fetchval("SELECT COUNT(*) FROM signatures"))
        distinct = int(await conn.fetchval("SELECT COUNT(DISTINCT signer_id) FROM signatures"))
    assert stored == distinct == members
    record(
        "backups during a signing stream and a held lock",
        faults=1,
        acknowledged=len(told),
        stored=stored,
        duplicated=stored - distinct,
    )


async def test_a_backup_during_an_exclusive_transaction_and_of_a_damaged_file(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """WAL lets the copy read beside another process's exclusive transaction (it copies the last
    committed state); a damaged file is refused with a clear error and leaves no file behind."""
    services = build(db, clock, None)
    petition = await services.petitions.create(organizer(), DRAFT)
    await services.petitions.sign(member(10), petition.id)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD_THE_LOCK.replace("IMMEDIATE", "EXCLUSIVE"), str(db.path), "6",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdout is not None
    assert (await holder.stdout.readline()).strip() == b"locked"
    copy = tmp_path / "copy.db"
    await asyncio.wait_for(db.backup(copy), timeout=4)  # the lock is held 6 s: no waiting for it
    assert await holder.wait() == 0
    assert consistent(copy) == (1, 1)

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(SQLITE_HEADER + bytes(range(256)) * 64)
    target = tmp_path / "from-damaged.db"
    with pytest.raises(DatabaseError, match=r"backup of .* failed"):
        await backup_database(damaged, target)
    assert not target.exists() and not (tmp_path / "from-damaged.db.partial").exists()
    record("backups during an exclusive lock, and of a damaged file", faults=2)
