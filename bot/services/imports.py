"""`/signers import`: count a CSV of people who signed elsewhere, without counting anyone twice.

Guarantee: **an import counts all of its good rows or none of them.** The file is read in a worker
thread — or, from `PROCESS_MIN_BYTES` on, in child processes (`import_files.ProcessReader`) —
checked, hashed, sealed and de-duplicated within the file, and its rows are staged in chunks of
`CHUNK_ROWS`, one short transaction each, so the bot keeps answering members meanwhile.
Then one transaction matches the staged rows to people Rally already knows, inserts the new
signers and signatures, moves the petition's counter, raises its goal and queues milestone
announcements. If anything fails before that commit, the staged rows are deleted and the petition
is exactly as it was; once it commits, they are deleted after the answer, in short
transactions. A bot stopped mid-import leaves staged rows that the next import deletes.
A full disk (in staging or counting) is reported as `StorageFull`, with the same guarantee.
Importing the same file twice counts nobody twice: the second time every row is a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.db import Database, audit, imports, petitions
from bot.db.database import larger_cache
from bot.db.staged_signatures import IMPORT_ROWS
from bot.domain.actors import Actor
from bot.domain.clock import Clock, utcnow
from bot.domain.csv_rows import RowProblem
from bot.domain.errors import PetitionGone
from bot.domain.petitions import GoalChange, Petition, Status
from bot.domain.signer_errors import ImportNoRows, ImportRunning, ImportTooLarge
from bot.i18n import N_
from bot.services.counting import count_group
from bot.services.guilds import require_guild, require_organizer
from bot.services.import_files import (
    CHUNK_ROWS,
    PROCESS_MIN_BYTES,
    Chunk,
    ChunkReader,
    FileDuplicates,
    FileReader,
    ProcessReader,
    reader_processes,
)
from bot.services.lookups import find_petition
from bot.services.signers import SignerConfig

log = logging.getLogger(__name__)

DISCARD_ROWS = 20_000  # staged rows deleted per transaction once an import is counted
SIGNED_BEFORE = N_("this person had already signed the petition")
SAME_PERSON = N_("the same person as an earlier row")


def _next_chunk(reader: ChunkReader, duplicates: FileDuplicates) -> Chunk | None:
    """The reader's next chunk without the rows that repeat an earlier row of the file."""
    chunk = reader.next_chunk()
    return None if chunk is None else duplicates.keep(chunk)


@dataclass(frozen=True, slots=True)
class ImportProgress:
    phase: str  # "reading", "counting"
    rows_read: int
    staged: int
    rejected: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class ImportSummary:
    petition: Petition
    file_name: str
    rows_read: int
    imported: int
    duplicates: int
    rejected: int
    problems: list[RowProblem]
    goal_change: GoalChange | None
    announcements: list[int] = field(default_factory=list)


Progress = Callable[[ImportProgress], Awaitable[None]]


class ProgressGate:
    """Lets a progress update through at most once per `interval` seconds (the last always)."""

    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def ready(self, *, final: bool = False) -> bool:
        now = self.clock()
        if final or self._last is None or now - self._last >= self.interval:
            self._last = now
            return True
        return False


class ImportService:
    def __init__(
        self,
        db: Database,
        clock: Clock = utcnow,
        config: SignerConfig | None = None,
        *,
        chunk_rows: int = CHUNK_ROWS,
        process_min_bytes: int = PROCESS_MIN_BYTES,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config = config or SignerConfig()
        self.chunk_rows = chunk_rows
        self.process_min_bytes = process_min_bytes
        self.reader_processes = reader_processes()
        self._running: set[int] = set()
        self._discarding: set[asyncio.Task[None]] = set()

    @property
    def max_bytes(self) -> int:
        return self.config.import_max_bytes

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise ImportTooLarge(limit=self.max_bytes)

    async def prepare(self, actor: Actor, raw_code: str) -> Petition:
        """The petition to import into, after the organizer and key checks (before a download)."""
        self.config.require_hasher()
        async with self.db.read() as conn:
            await require_organizer(conn, actor)
            petition = await find_petition(conn, require_guild(actor), raw_code)
        if petition.id in self._running:
            raise ImportRunning()
        return petition

    async def run(
        self,
        actor: Actor,
        raw_code: str,
        path: Path,
        file_name: str,
        progress: Progress | None = None,
    ) -> ImportSummary:
        petition = await self.prepare(actor, raw_code)
        hasher = self.config.require_hasher()
        size = await asyncio.to_thread(os.path.getsize, path)
        self.check_size(size)
        now = self.clock()
        in_file = FileReader(
            path, hasher=hasher, sealer=self.config.sealer, now=now, chunk_rows=self.chunk_rows
        )
        reader: ChunkReader = (
            ProcessReader(in_file, self.reader_processes)
            if size >= self.process_min_bytes
            else in_file
        )
        duplicates = FileDuplicates()
        self._running.add(petition.id)
        try:
            await asyncio.to_thread(reader.open)
            chunk = await asyncio.to_thread(_next_chunk, reader, duplicates)
            if chunk is None:
                raise ImportNoRows()
            return await self._import(
                actor, petition, reader, duplicates, chunk, file_name, now, progress
            )
        finally:
            await asyncio.shield(asyncio.to_thread(reader.close))
            self._running.discard(petition.id)

    async def _import(
        self,
        actor: Actor,
        petition: Petition,
        reader: ChunkReader,
        duplicates: FileDuplicates,
        first: Chunk,
        file_name: str,
        now: datetime,
        progress: Progress | None,
    ) -> ImportSummary:
        async with self.db.transaction() as conn:
            if len(self._running) == 1:
                await imports.discard_abandoned(conn, now)
            import_id = await imports.start(
                conn,
                guild_id=petition.guild_id,
                petition_id=petition.id,
                file_name=file_name[:200],
                created_by=actor.user_id,
                now=now,
            )
        problems: list[RowProblem] = []
        rows_read = staged = 0
        chunk: Chunk | None = first
        pending: asyncio.Task[Chunk | None] | None = None
        try:
            while chunk is not None:
                pending = asyncio.create_task(asyncio.to_thread(_next_chunk, reader, duplicates))
                async with self.db.transaction() as conn:
                    await imports.stage(conn, import_id, chunk.rows)
                rows_read += chunk.rows_read
                staged += len(chunk.rows)
                problems.extend(chunk.problems)
                if progress is not None:
                    await progress(self._progress("reading", rows_read, staged, problems))
                chunk = await pending
                pending = None
            if progress is not None:
                await progress(self._progress("counting", rows_read, staged, problems))
            return await self._count(
                actor, petition, import_id, file_name, rows_read, staged, problems, now
            )
        except BaseException:
            if pending is not None:
                with contextlib.suppress(BaseException):
                    await pending
            try:
                async with self.db.transaction() as conn:
                    await imports.discard(conn, import_id)
                    await imports.finish(
                        conn,
                        import_id,
                        status="failed",
                        rows_read=rows_read,
                        imported=0,
                        duplicates=0,
                        rejected=0,
                        now=self.clock(),
                    )
            except Exception:  # a full disk may refuse even the clean-up: report the first error
                log.warning("import %s: staged rows left for the next import to delete", import_id)
            log.warning(
                "import %s into petition %s failed; nothing counted", import_id, petition.id
            )
            raise

    def _discard_later(self, import_id: int) -> None:
        """Delete a counted import's staged rows after the answer, in short transactions.

        Inside the count they added seconds to a large import's answer while members waited
        for the lock (1,000,000 rows: ~3 s); they count for nothing any more, and rows a
        stopped bot leaves behind are deleted by the next import."""
        task = asyncio.create_task(self._discard_in_chunks(import_id))
        self._discarding.add(task)
        task.add_done_callback(self._discarding.discard)

    async def _discard_in_chunks(self, import_id: int) -> None:
        try:
            while True:
                async with self.db.transaction() as conn:
                    deleted = await imports.discard_some(conn, import_id, DISCARD_ROWS)
                if deleted < DISCARD_ROWS:
                    return
        except Exception:
            log.warning("import %s: staged rows left for the next import to delete", import_id)

    async def settled(self) -> None:
        """Wait until counted imports' staged rows are deleted (before closing the database)."""
        while self._discarding:
            await asyncio.gather(*self._discarding, return_exceptions=True)

    @staticmethod
    def _progress(
        phase: str, rows_read: int, staged: int, problems: list[RowProblem]
    ) -> ImportProgress:
        duplicates = sum(1 for p in problems if p.kind == "duplicate")
        return ImportProgress(phase, rows_read, staged, len(problems) - duplicates, duplicates)

    async def _count(
        self,
        actor: Actor,
        petition: Petition,
        import_id: int,
        file_name: str,
        rows_read: int,
        staged: int,
        problems: list[RowProblem],
        now: datetime,
    ) -> ImportSummary:
        async with self.db.transaction() as conn, larger_cache(conn, staged):
            current = await petitions.by_id(conn, petition.id)
            if current is None or current.status is Status.DELETED:
                raise PetitionGone()
            result = await count_group(
                conn,
                current,
                IMPORT_ROWS,
                import_id,
                signer_source=f"import:{file_name[:100]}",
                now=now,
            )
            counted, change, queued = result.counted, result.goal_change, result.announcements
            problems = (
                problems
                + [RowProblem(line, "duplicate", SIGNED_BEFORE) for line in counted.signed_before]
                + [RowProblem(line, "duplicate", SAME_PERSON) for line in counted.same_person]
            )
            problems.sort(key=lambda p: p.line)
            duplicates = sum(1 for p in problems if p.kind == "duplicate")
            rejected = len(problems) - duplicates
            await imports.finish(
                conn,
                import_id,
                status="done",
                rows_read=rows_read,
                imported=counted.imported,
                duplicates=duplicates,
                rejected=rejected,
                now=now,
            )
            await audit.record(
                conn,
                guild_id=current.guild_id,
                actor_id=actor.user_id,
                action="signers.import",
                subject=current.code,
                now=now,
                details={
                    "file": file_name[:100],
                    "rows": rows_read,
                    "imported": counted.imported,
                    "duplicates": duplicates,
                    "rejected": rejected,
                },
            )
            updated = await petitions.by_id(conn, current.id)
        assert updated is not None
        self._discard_later(import_id)
        log.info(
            "import %s: %d rows, %d counted, %d duplicates, %d rejected",
            import_id,
            rows_read,
            counted.imported,
            duplicates,
            rejected,
        )
        return ImportSummary(
            updated,
            file_name,
            rows_read,
            counted.imported,
            duplicates,
            rejected,
            problems,
            change,
            queued,
        )
