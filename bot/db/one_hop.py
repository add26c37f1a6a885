"""Transactions as one hop: bodies run *on* aiosqlite's thread, and concurrent ones share a hop.

`Database.run_transaction(body)` queues `body`; a flusher takes every body queued meanwhile and
runs them all in ONE hop to the database thread, in ONE `BEGIN IMMEDIATE … COMMIT`, each body in
its own SAVEPOINT (a body that raises rolls back only its own writes; its error reaches only its
caller). Under a surge the chain of lock hand-overs — each waiting a whole turn of a busy event
loop — was the cost, not SQLite; a group of N waiting signatures now costs one hand-over.

A body is an `async def` that awaits only its `conn` (a `ThreadConnection`, whose methods call
sqlite3 synchronously and never suspend) and synchronous code: it is driven to its end with one
`send(None)`; a body that tries to really suspend is stopped, rolled back, `BodySuspended`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import aiosqlite

from bot.db.connection import Connection, ThreadConnection

T = TypeVar("T")
#: At most this many bodies share a hop (about 0.3 ms each for a signature).
MAX_GROUP = 200


class BodySuspended(RuntimeError):
    """A `run_transaction` body awaited something that really suspends (a sleep, a future, a
    network call): it cannot run on the database thread. Its writes were rolled back."""


TransactionBody = Callable[[Connection], Coroutine[Any, Any, T]]


def _without_suspending(step: Coroutine[Any, Any, T]) -> T:
    """Drive a coroutine to its end in one `send`; `BodySuspended` if it ever yields."""
    try:
        yielded = step.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    step.close()
    raise BodySuspended(
        "a run_transaction body awaited something that suspends "
        f"({type(yielded).__name__}); only its Connection may be awaited"
    )


def _on_thread(conn: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> Awaitable[T]:
    """Run `work(sqlite3 connection)` on aiosqlite's worker thread, queued after every call
    already sent. aiosqlite has no public API for this: `_execute` queues a callable for its
    thread and `_conn` is the sqlite3 connection that thread owns (aiosqlite is pinned to a
    minor version in pyproject.toml; tests/db/test_run_transaction.py covers this use)."""
    submit = cast(Callable[[Callable[[], T]], Awaitable[T]], conn._execute)
    return submit(lambda: work(conn._conn))


Outcome = tuple[bool, Any]  # (True, the body's value) or (False, the error it raised)


def _transact_each(raw: sqlite3.Connection, bodies: list[TransactionBody[Any]]) -> list[Outcome]:
    """On aiosqlite's thread: BEGIN IMMEDIATE, each body in its own SAVEPOINT, COMMIT.

    A body that raises rolls back to its savepoint: its writes go, the others' stay. An error
    that ends the whole transaction (SQLite rolled it back, or COMMIT failed) reaches every
    caller of the group: nothing of it was committed."""
    raw.execute("BEGIN IMMEDIATE")
    outcomes: list[Outcome] = []
    try:
        conn = ThreadConnection(raw)
        for body in bodies:
            raw.execute("SAVEPOINT rally_body")
            try:
                value = _without_suspending(body(conn))
            except Exception as exc:
                if not raw.in_transaction:
                    raise
                raw.execute("ROLLBACK TO rally_body")
                raw.execute("RELEASE rally_body")
                outcomes.append((False, exc))
            else:
                raw.execute("RELEASE rally_body")
                outcomes.append((True, value))
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


async def to_completion(step: Awaitable[T]) -> T:
    """Await `step` to its end even if this task is cancelled meanwhile (then re-raise)."""
    task = asyncio.ensure_future(step)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise


@dataclass
class _Waiting:
    body: TransactionBody[Any]
    future: asyncio.Future[Any]


class GroupCommit:
    """Bodies waiting for the database thread, and the task that runs them a group at a time.

    The flusher takes the database's lock for each group, so groups, `transaction()` and
    `read()` never interleave. A caller cancelled before its group was taken is left out;
    once taken, its body runs whole (committed with the group) and only the answer is lost.
    """

    def __init__(self, lock: asyncio.Lock, *, max_group: int = MAX_GROUP) -> None:
        self._lock = lock
        self._max_group = max_group
        self._queue: list[_Waiting] = []
        self._flusher: asyncio.Task[None] | None = None

    async def run(self, conn: aiosqlite.Connection, body: TransactionBody[T]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Waiting(body, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(conn), name="rally-db-group-commit")
        return await future

    async def _flush(self, conn: aiosqlite.Connection) -> None:
        while self._queue:
            async with self._lock:
                taken, self._queue = self._queue[: self._max_group], self._queue[self._max_group :]
                group = [w for w in taken if not w.future.done()]
                if not group:
                    continue
                work = partial(_transact_each, bodies=[w.body for w in group])
                try:
                    outcomes = await to_completion(_on_thread(conn, work))
                except asyncio.CancelledError:
                    for w in group:
                        w.future.cancel()
                    raise
                except BaseException as exc:
                    for w in group:
                        if not w.future.done():
                            w.future.set_exception(exc)
                    continue
            for w, (ok, value) in zip(group, outcomes, strict=True):
                if w.future.done():
                    continue
                if ok:
                    w.future.set_result(value)
                else:
                    w.future.set_exception(value)
