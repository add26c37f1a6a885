"""`Database.run_transaction`: a whole transaction as one hop on aiosqlite's thread.

It commits, rolls back on error, survives cancellation at any point, refuses a body that really
suspends, gives repository code the same answers as `transaction()`, and never interleaves
with `transaction()` bodies. Bodies waiting together share a hop and a COMMIT, each keeping its
own outcome. And the connection keeps a page cache large enough for bulk counting.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading

import pytest

from bot.db import Database, one_hop
from bot.db.database import CACHE_KIB, BodySuspended, Connection, TransactionBody


async def _table(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE)")


async def _count(db: Database, where: str = "1") -> int:
    async with db.read() as conn:
        return int(await conn.fetchval(f"SELECT COUNT(*) FROM t WHERE {where}"))


async def test_it_commits_and_returns_what_the_body_returns(db: Database) -> None:
    await _table(db)
    loop_thread = threading.get_ident()

    async def body(conn: Connection) -> tuple[int, int, int]:
        first = await conn.execute("INSERT INTO t (n) VALUES (?)", (10,))
        second = await conn.execute("INSERT INTO t (n) VALUES (?)", (20,))
        return first, second, threading.get_ident()

    first, second, body_thread = await db.run_transaction(body)
    assert (first, second) == (1, 2)
    assert body_thread != loop_thread  # it ran on the database thread, not the loop's
    async with db.read() as conn:
        assert [tuple(r) for r in await conn.fetchall("SELECT id, n FROM t ORDER BY id")] == [
            (1, 10),
            (2, 20),
        ]
        assert await conn.fetchval("SELECT 1") == 1  # not left inside a transaction


async def test_its_connection_answers_as_the_usual_one_does(db: Database) -> None:
    await _table(db)

    async def calls(conn: Connection) -> list[object]:
        answers: list[object] = []
        answers.append(await conn.execute("INSERT INTO t (n) VALUES (1)"))
        answers.append(await conn.execute("INSERT OR IGNORE INTO t (n) VALUES (1)"))
        await conn.executemany("INSERT INTO t (n) VALUES (?)", [(2,), (3,), (4,)])
        answers.append(await conn.execute("UPDATE t SET n = n + 10 WHERE n > 2"))
        answers.append(await conn.execute_rowcount("UPDATE t SET n = n + 100 WHERE n > 10"))
        row = await conn.fetchone("SELECT n FROM t WHERE n > 100 ORDER BY n")
        answers.append(None if row is None else tuple(row))
        answers.append(await conn.fetchone("SELECT n FROM t WHERE n < 0"))
        answers.append([tuple(r) for r in await conn.fetchall("SELECT id, n FROM t ORDER BY id")])
        answers.append(await conn.fetchval("SELECT SUM(n) FROM t"))
        answers.append(
            await conn.fetchval(
                "UPDATE t SET n = n + 1 WHERE id = 2 RETURNING n",
            )
        )
        answers.append(await conn.fetchval("SELECT n FROM t WHERE id = 99"))
        raise _Undo(answers)

    async def usual() -> list[object]:
        try:
            async with db.transaction() as conn:
                await calls(conn)
        except _Undo as undo:
            return undo.answers
        raise AssertionError("calls() always raises")

    async def in_one_hop() -> list[object]:
        try:
            await db.run_transaction(calls)
        except _Undo as undo:
            return undo.answers
        raise AssertionError("calls() always raises")

    expected = await usual()
    assert expected[:2] == [1, 1]  # an ignored INSERT answers last_insert_rowid(), as before
    assert await in_one_hop() == expected
    assert await _count(db) == 0  # both rolled back


class _Undo(Exception):
    def __init__(self, answers: list[object]) -> None:
        super().__init__("undo")
        self.answers = answers


async def test_an_error_rolls_everything_back_and_reaches_the_caller(db: Database) -> None:
    await _table(db)

    async def body(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (1)")
        await conn.execute("INSERT INTO t (n) VALUES (1)")  # UNIQUE

    with pytest.raises(sqlite3.IntegrityError):
        await db.run_transaction(body)

    async def domain_error(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (2)")
        raise LookupError("a business rule said no")

    with pytest.raises(LookupError, match="business rule"):
        await db.run_transaction(domain_error)
    assert await _count(db) == 0

    async def fine(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (3)")

    await db.run_transaction(fine)  # the connection is usable: no transaction was left open
    assert await _count(db) == 1


async def test_a_body_that_suspends_is_refused_and_rolled_back(db: Database) -> None:
    await _table(db)
    loop = asyncio.get_running_loop()

    async def sleeps(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (1)")
        await asyncio.sleep(0)
        await conn.execute("INSERT INTO t (n) VALUES (2)")

    async def waits_for_the_loop(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (3)")
        await loop.create_future()

    for body in (sleeps, waits_for_the_loop):
        with pytest.raises(BodySuspended, match="suspends"):
            await db.run_transaction(body)
    assert await _count(db) == 0
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t (n) VALUES (4)")
    assert await _count(db) == 1


async def test_a_caller_cancelled_in_the_hop_still_gets_its_body_run_whole(db: Database) -> None:
    await _table(db)
    entered, release = threading.Event(), threading.Event()

    async def two_rows(conn: Connection) -> None:
        await conn.execute("INSERT INTO t (n) VALUES (1)")
        entered.set()
        release.wait(10)  # on the database thread: the caller is cancelled meanwhile
        await conn.execute("INSERT INTO t (n) VALUES (2)")

    task = asyncio.create_task(db.run_transaction(two_rows))
    while not entered.is_set():
        await asyncio.sleep(0.001)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _count(db) == 2  # whole: both rows, committed
    async with db.transaction() as conn:  # would fail "within a transaction" if one leaked
        await conn.execute("INSERT INTO t (n) VALUES (3)")
    assert await _count(db) == 3


async def test_a_caller_cancelled_before_the_hop_changes_nothing(db: Database) -> None:
    await _table(db)
    ran = 0

    async def one_row(conn: Connection) -> None:
        nonlocal ran
        ran += 1
        await conn.execute("INSERT INTO t (n) VALUES (1)")

    async with db.transaction() as conn:  # holds the lock: the caller waits for it
        await conn.execute("INSERT INTO t (n) VALUES (-1)")
        task = asyncio.create_task(db.run_transaction(one_row))
        for _ in range(5):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with db.transaction() as conn:  # the group-commit flusher has taken its turn
        await conn.execute("INSERT INTO t (n) VALUES (-2)")
    assert ran == 0 and await _count(db, "n > 0") == 0
    await db.run_transaction(one_row)  # and the connection is fine afterwards
    assert ran == 1 and await _count(db, "n > 0") == 1


async def test_it_never_interleaves_with_transaction_bodies(db: Database) -> None:
    await _table(db)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t (id, n) VALUES (1, 0)")

    async def one_hop(conn: Connection) -> None:
        value = await conn.fetchval("SELECT n FROM t WHERE id = 1")
        await conn.execute("UPDATE t SET n = ? WHERE id = 1", (value + 1,))

    async def many_hops() -> None:
        async with db.transaction() as conn:
            value = await conn.fetchval("SELECT n FROM t WHERE id = 1")
            await asyncio.sleep(0)  # another task runs here; it must not slip in
            await conn.execute("UPDATE t SET n = ? WHERE id = 1", (value + 1,))

    await asyncio.gather(
        *(db.run_transaction(one_hop) for _ in range(100)), *(many_hops() for _ in range(100))
    )
    async with db.read() as conn:
        assert await conn.fetchval("SELECT n FROM t WHERE id = 1") == 200


async def test_a_closed_database_is_refused(db: Database) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("SELECT 1")

    await db.close()
    with pytest.raises(Exception, match="not open"):
        await db.run_transaction(body)


async def test_the_connection_keeps_a_page_cache_for_bulk_counting(db: Database) -> None:
    async with db.read() as conn:
        assert await conn.fetchval("PRAGMA cache_size") == -CACHE_KIB
        assert await conn.fetchval("PRAGMA temp_store") == 2  # MEMORY


async def test_bodies_waiting_together_share_one_hop_and_keep_their_own_outcome(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _table(db)
    hops: list[int] = []
    real = one_hop._transact_each

    def counted(raw: sqlite3.Connection, bodies: list[TransactionBody[object]]) -> object:
        hops.append(len(bodies))
        return real(raw, bodies)

    monkeypatch.setattr(one_hop, "_transact_each", counted)

    def insert(n: int) -> TransactionBody[int]:
        async def body(conn: Connection) -> int:
            await conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
            if n == 7:
                raise LookupError("seven says no")
            if n == 8:
                await asyncio.sleep(0)
            return n * 10

        return body

    outcomes = await asyncio.gather(
        *(db.run_transaction(insert(n)) for n in range(1, 41)), return_exceptions=True
    )
    assert len(hops) < 40 and sum(hops) == 40  # shared hops, every body once
    assert isinstance(outcomes[6], LookupError) and isinstance(outcomes[7], BodySuspended)
    assert [o for i, o in enumerate(outcomes) if i not in (6, 7)] == [
        n * 10 for n in range(1, 41) if n not in (7, 8)
    ]
    async with db.read() as conn:  # the failing bodies' writes alone were rolled back
        rows = {r[0] for r in await conn.fetchall("SELECT n FROM t")}
    assert rows == set(range(1, 41)) - {7, 8}


async def test_a_caller_cancelled_before_its_group_left_changes_nothing(db: Database) -> None:
    await _table(db)
    ran: list[int] = []

    def insert(n: int) -> TransactionBody[None]:
        async def body(conn: Connection) -> None:
            ran.append(n)
            await conn.execute("INSERT INTO t (n) VALUES (?)", (n,))

        return body

    async with db.transaction() as conn:  # the group waits for the lock meanwhile
        await conn.execute("INSERT INTO t (n) VALUES (0)")
        first = asyncio.create_task(db.run_transaction(insert(1)))
        second = asyncio.create_task(db.run_transaction(insert(2)))
        await asyncio.sleep(0.01)
        first.cancel()
    await second
    with pytest.raises(asyncio.CancelledError):
        await first
    assert ran == [2]
    assert await _count(db) == 2


async def test_a_commit_that_fails_fails_every_caller_of_the_group(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await conn.execute(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
            "REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def fine(conn: Connection) -> None:
        await conn.execute("INSERT INTO parent (id) VALUES (1)")

    async def dangling(conn: Connection) -> None:  # checked only at COMMIT
        await conn.execute("INSERT INTO child (parent_id) VALUES (99)")

    outcomes = await asyncio.gather(
        db.run_transaction(fine), db.run_transaction(dangling), return_exceptions=True
    )
    assert all(isinstance(o, sqlite3.IntegrityError) for o in outcomes), outcomes
    async with db.read() as conn:
        assert await conn.fetchval("SELECT COUNT(*) FROM parent") == 0
        assert await conn.fetchval("SELECT 1") == 1
